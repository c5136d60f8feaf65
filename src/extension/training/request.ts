// Turns what the training commands receive (a TrainRequest-like argument from a test, a task or a
// keybinding, or the pickers' answers) into a checked TrainRequest: every field by name, the dataset
// folder in the built layout (train/dataset.json), the output folder, and for resume a run folder
// that holds checkpoints. Errors name the field and the file. No `vscode` import, unit-tested.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRESETS } from '../../engine/config';
import type { TrainRequest } from '../../engine/train/events';

export class TrainRequestError extends Error {}

const INT_FIELDS = ['steps', 'batchSize', 'evalEvery', 'checkpointEvery', 'seed'] as const;
const KNOWN = new Set([
  'preset',
  'configPath',
  'data',
  'out',
  'resume',
  'steps',
  'batchSize',
  'lr',
  'evalEvery',
  'checkpointEvery',
  'seed',
  'backend',
]);

/** A path from a command argument: relative ones resolve against `baseDir` (the workspace folder), as in launch configurations. */
export const resolveAgainst = (p: string, baseDir?: string): string =>
  path.isAbsolute(p) || !baseDir ? path.resolve(p) : path.resolve(baseDir, p);

/** Checks a TrainRequest-like argument field by field; relative paths resolve against `baseDir`. */
export function parseTrainRequest(arg: unknown, baseDir?: string, forceResume?: boolean): TrainRequest {
  if (typeof arg !== 'object' || arg === null || Array.isArray(arg)) {
    throw new TrainRequestError(
      `training request: expected an object like {"preset": "...", "data": "<built dataset folder>", "out": "<run folder>"}, got ${arg === null ? 'null' : Array.isArray(arg) ? 'an array' : typeof arg}`,
    );
  }
  const o = arg as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KNOWN.has(k));
  if (unknown.length)
    throw new TrainRequestError(
      `training request: unknown field(s) ${unknown.join(', ')}; known: ${[...KNOWN].join(', ')}`,
    );
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '')
      throw new TrainRequestError(
        `training request: "${k}" must be a non-empty string${v === undefined ? ' (missing)' : `, got ${JSON.stringify(v)}`}`,
      );
    return v;
  };
  const abs = (p: string): string => resolveAgainst(p, baseDir);
  const req: TrainRequest = { data: abs(str('data', true)!), out: abs(str('out', true)!), resume: false };
  if (o.resume !== undefined && typeof o.resume !== 'boolean')
    throw new TrainRequestError(`training request: "resume" must be true or false, got ${JSON.stringify(o.resume)}`);
  req.resume = forceResume ?? o.resume === true;
  const preset = str('preset', false);
  if (preset !== undefined) {
    if (!PRESETS[preset])
      throw new TrainRequestError(
        `training request: unknown preset "${preset}"; known presets: ${Object.keys(PRESETS).join(', ')}`,
      );
    req.preset = preset;
  }
  const configPath = str('configPath', false);
  if (configPath !== undefined) req.configPath = abs(configPath);
  if (!req.resume && !req.preset && !req.configPath)
    throw new TrainRequestError(
      `training request: choose a model with "preset" (one of ${Object.keys(PRESETS).join(', ')}) or "configPath"`,
    );
  for (const k of INT_FIELDS) {
    const v = o[k];
    if (v === undefined) continue;
    const min = k === 'steps' || k === 'batchSize' ? 1 : 0;
    if (!Number.isInteger(v) || (v as number) < min)
      throw new TrainRequestError(`training request: "${k}" must be an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    req[k] = v as number;
  }
  if (o.lr !== undefined) {
    if (typeof o.lr !== 'number' || !Number.isFinite(o.lr) || o.lr <= 0)
      throw new TrainRequestError(`training request: "lr" must be a positive number, got ${JSON.stringify(o.lr)}`);
    req.lr = o.lr;
  }
  const backend = str('backend', false);
  if (backend !== undefined) req.backend = backend;
  return req;
}

/** Presets smallest first (hidden size, then sequence length; ties keep their order in config.ts). */
export function presetsBySize(): string[] {
  const size = (n: string): [number, number] => [PRESETS[n].config.hidden_size, PRESETS[n].config.seq_len];
  return Object.keys(PRESETS).sort((a, b) => {
    const [ha, sa] = size(a);
    const [hb, sb] = size(b);
    return ha - hb || sa - sb;
  });
}

/** `runs/<preset>-<yyyy-mm-dd-hhmm>`: a new run folder inside the workspace for every run. */
export function defaultRunFolder(preset: string, now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}`;
  return `runs/${preset}-${stamp}`;
}

/** Checks a built dataset folder (the official builders' layout) and returns a one-line summary. */
export function checkBuiltDatasetFolder(dir: string): string {
  if (!isDir(dir)) throw new TrainRequestError(`dataset folder ${dir} does not exist or is not a folder`);
  const metaFile = path.join(dir, 'train', 'dataset.json');
  if (!fs.existsSync(metaFile)) {
    throw new TrainRequestError(
      `dataset folder ${dir} has no train/dataset.json: choose a built dataset (the folder with train/ and test/ that the TRM dataset builders write), not a raw one`,
    );
  }
  let meta: unknown;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
  } catch (e) {
    throw new TrainRequestError(`${metaFile}: cannot read it as JSON: ${(e as Error).message}`);
  }
  const m = meta as Record<string, unknown>;
  for (const k of ['seq_len', 'vocab_size']) {
    if (!Number.isInteger(m?.[k]))
      throw new TrainRequestError(`${metaFile}: "${k}" must be an integer, got ${JSON.stringify(m?.[k])}`);
  }
  const test = fs.existsSync(path.join(dir, 'test', 'dataset.json'))
    ? ', with a test split'
    : ', no test split (no evaluation)';
  return `seq_len ${String(m.seq_len)}, vocab ${String(m.vocab_size)}${test}`;
}

/** The output folder must be creatable; one that already holds a run needs resume (a new run would mix with it). */
export function checkOutputFolder(dir: string, resume: boolean): void {
  if (fs.existsSync(dir) && !isDir(dir)) throw new TrainRequestError(`output folder ${dir} is a file`);
  if (resume) {
    if (findCheckpoints(dir).length === 0)
      throw new TrainRequestError(`cannot resume: run folder ${dir} holds no checkpoint (step_<N>/model.safetensors)`);
    return;
  }
  if (findCheckpoints(dir).length > 0 || fs.existsSync(path.join(dir, 'run.json'))) {
    throw new TrainRequestError(
      `output folder ${dir} already holds a training run: resume it ("TRM: Resume Training") or choose an empty folder`,
    );
  }
  // The run folder and one new folder above it are created (runs/<name> in a fresh workspace); a
  // longer missing chain is more likely a typo.
  const parent = path.dirname(dir);
  const grandparent = path.dirname(parent);
  if (fs.existsSync(parent) && !isDir(parent)) throw new TrainRequestError(`output folder ${dir}: ${parent} is a file`);
  if (!isDir(dir) && !isDir(parent) && !isDir(grandparent))
    throw new TrainRequestError(`output folder ${dir}: neither its parent ${parent} nor ${grandparent} exists`);
}

/**
 * Checkpoints of a run folder as the trainer writes them (src/engine/train/runDir.ts):
 * `<out>/step_<N>/model.safetensors`, newest step first.
 */
export function findCheckpoints(runDir: string): string[] {
  if (!isDir(runDir)) return [];
  return fs
    .readdirSync(runDir)
    .filter((n) => /^step_\d+$/.test(n) && fs.existsSync(path.join(runDir, n, 'model.safetensors')))
    .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)))
    .map((n) => path.join(runDir, n, 'model.safetensors'));
}

/**
 * What a run folder remembers about how it was started (its run.json, written by the trainer):
 * the preset and dataset folder, when present. Unknown layouts yield {} so the caller asks instead.
 */
export function readRunSettings(runDir: string): { preset?: string; data?: string } {
  const file = path.join(runDir, 'run.json');
  let root: unknown;
  try {
    root = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
  const out: { preset?: string; data?: string } = {};
  const visit = (o: unknown): void => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return;
    const r = o as Record<string, unknown>;
    if (!out.preset && typeof r.preset === 'string' && PRESETS[r.preset]) out.preset = r.preset;
    for (const k of ['data', 'dataDir', 'dataPath', 'data_path', 'dataset']) {
      if (!out.data && typeof r[k] === 'string' && r[k].length > 0) out.data = path.resolve(runDir, r[k]);
    }
    for (const k of ['request', 'run', 'train']) visit(r[k]);
  };
  visit(root);
  return out;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
