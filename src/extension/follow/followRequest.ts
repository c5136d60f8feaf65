// Checks what "TRM: Follow Checkpoint Folder…" and "TRM: Export Run for the Official Trainer…" receive
// as a command argument (a test, a task, a keybinding): every field by name, relative paths against the
// workspace folder. No `vscode` import, unit-tested.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExportRequest } from '../../engine/export/exportRun';
import type { FollowRequest } from './followService';

const resolveAgainst = (p: string, baseDir?: string): string =>
  path.isAbsolute(p) || !baseDir ? path.resolve(p) : path.resolve(baseDir, p);

function record(arg: unknown, what: string, example: string): Record<string, unknown> {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg))
    throw new Error(
      `${what}: expected an object like ${example}, got ${arg === null ? 'null' : Array.isArray(arg) ? 'an array' : typeof arg}`,
    );
  return arg as Record<string, unknown>;
}

function fields(o: Record<string, unknown>, what: string, known: string[]) {
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) throw new Error(`${what}: unknown field(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return {
    str(k: string, required: boolean): string | undefined {
      const v = o[k];
      if (v === undefined && !required) return undefined;
      if (typeof v !== 'string' || !v.trim())
        throw new Error(
          `${what}: "${k}" must be a non-empty string${v === undefined ? ' (missing)' : `, got ${JSON.stringify(v)}`}`,
        );
      return v;
    },
    int(k: string, min: number): number | undefined {
      const v = o[k];
      if (v === undefined) return undefined;
      if (!Number.isInteger(v) || (v as number) < min)
        throw new Error(`${what}: "${k}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
      return v as number;
    },
  };
}

/** A built dataset folder with a test split: the evaluation set of a followed run. */
export function checkEvalSet(dir: string): void {
  if (!fs.existsSync(path.join(dir, 'test', 'dataset.json')) && !fs.existsSync(path.join(dir, 'dataset.json')))
    throw new Error(`${dir} is not a built dataset with a test split (no test/dataset.json)`);
}

export function parseFollowRequest(arg: unknown, baseDir?: string): FollowRequest {
  const what = 'follow request';
  const o = record(arg, what, '{"dir": "<checkpoint folder>", "data": "<built dataset>"}');
  const f = fields(o, what, ['dir', 'data', 'limit', 'configPath', 'pollMs', 'batchSize']);
  const data = resolveAgainst(f.str('data', true)!, baseDir);
  checkEvalSet(data);
  const configPath = f.str('configPath', false);
  return {
    dir: resolveAgainst(f.str('dir', true)!, baseDir),
    data,
    limit: f.int('limit', 0) ?? 64,
    configPath: configPath ? resolveAgainst(configPath, baseDir) : undefined,
    pollMs: f.int('pollMs', 50) ?? 2000,
    batchSize: f.int('batchSize', 1) ?? 64,
  };
}

export function parseExportRequest(arg: unknown, baseDir?: string): ExportRequest {
  const what = 'export request';
  const o = record(arg, what, '{"data": "<built dataset>", "preset": "sudoku-mlp", "out": "<new folder>"}');
  const f = fields(o, what, [
    'data',
    'out',
    'preset',
    'configPath',
    'gpus',
    'nodes',
    'runName',
    'steps',
    'batchSize',
    'lr',
    'evalEvery',
    'checkpointEvery',
    'seed',
    'force',
  ]);
  const configPath = f.str('configPath', false);
  const preset = f.str('preset', false);
  if (!preset && !configPath) throw new Error(`${what}: choose a model with "preset" or "configPath"`);
  if (o.lr !== undefined && (typeof o.lr !== 'number' || !(o.lr > 0)))
    throw new Error(`${what}: "lr" must be a positive number, got ${JSON.stringify(o.lr)}`);
  if (o.force !== undefined && typeof o.force !== 'boolean')
    throw new Error(`${what}: "force" must be true or false, got ${JSON.stringify(o.force)}`);
  return {
    data: resolveAgainst(f.str('data', true)!, baseDir),
    out: resolveAgainst(f.str('out', true)!, baseDir),
    preset,
    configPath: configPath ? resolveAgainst(configPath, baseDir) : undefined,
    gpus: f.int('gpus', 1),
    nodes: f.int('nodes', 1),
    runName: f.str('runName', false),
    steps: f.int('steps', 1),
    batchSize: f.int('batchSize', 1),
    lr: o.lr as number | undefined,
    evalEvery: f.int('evalEvery', 0),
    checkpointEvery: f.int('checkpointEvery', 0),
    seed: f.int('seed', 0),
    force: o.force as boolean | undefined,
  };
}

/** For a folder inside an export (`<export>/checkpoints/<run>`), the export's dataset; else undefined. */
export function exportDataFor(dir: string): string | undefined {
  const candidate = path.resolve(dir, '..', '..', 'data');
  return fs.existsSync(path.join(candidate, 'test', 'dataset.json')) ? candidate : undefined;
}
