// Raw ARC readers: one task per JSON file ({train: [{input, output}], test: [...]}, optional `name`)
// and the Kaggle-style challenges/solutions pair (test outputs come from the solutions file, same
// order). Errors name the file and the JSON path, e.g. `test[0].output[3][7]`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ARC_CANVAS, Grid } from '../tasks/arc';
import { RawFormatError, jsonErrorMessage, topLevelKeys } from './textLines';

export interface ArcPair {
  input: Grid;
  output?: Grid;
}

export interface ArcTask {
  name: string;
  train: ArcPair[];
  test: ArcPair[];
  /** Key order of the source object ("train"/"test"): the official builder appends examples in it. */
  keyOrder: Array<'train' | 'test'>;
}

export function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RawFormatError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseJsonText(text, file);
}

export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RawFormatError(`${file}: invalid JSON: ${jsonErrorMessage(text, e as Error)}`);
  }
}

const key = (k: string): string => (/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);

/** Validates one grid; `at` is its JSON path for messages. */
export function parseGrid(v: unknown, file: string, at: string): Grid {
  if (!Array.isArray(v)) throw new RawFormatError(`${file}: ${at} must be a list of rows (got ${typeName(v)})`);
  if (v.length < 1 || v.length > ARC_CANVAS)
    throw new RawFormatError(`${file}: ${at} has ${v.length} rows; ARC grids have 1..${ARC_CANVAS}`);
  let width = -1;
  v.forEach((row, r) => {
    if (!Array.isArray(row))
      throw new RawFormatError(`${file}: ${at}[${r}] must be a list of colours (got ${typeName(row)})`);
    if (r === 0) {
      width = row.length;
      if (width < 1 || width > ARC_CANVAS)
        throw new RawFormatError(`${file}: ${at}[0] has ${width} cells; ARC grids have 1..${ARC_CANVAS} columns`);
    } else if (row.length !== width) {
      throw new RawFormatError(
        `${file}: ${at}[${r}] has ${row.length} cells but ${at}[0] has ${width} (rows must have equal length)`,
      );
    }
    row.forEach((c: unknown, ci: number) => {
      if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c > 9) {
        throw new RawFormatError(`${file}: ${at}[${r}][${ci}] is ${JSON.stringify(c)}; colours are integers 0-9`);
      }
    });
  });
  return v as Grid;
}

function parsePairs(v: unknown, file: string, at: string, outputRequired: boolean): ArcPair[] {
  if (!Array.isArray(v))
    throw new RawFormatError(`${file}: ${at} must be a list of {"input", "output"} pairs (got ${typeName(v)})`);
  return v.map((p, i) => {
    const here = `${at}[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p))
      throw new RawFormatError(
        `${file}: ${here} must be an object with "input"${outputRequired ? ' and "output"' : ''} (got ${typeName(p)})`,
      );
    const o = p as Record<string, unknown>;
    if (!('input' in o)) throw new RawFormatError(`${file}: ${here} has no "input"`);
    if (outputRequired && !('output' in o)) throw new RawFormatError(`${file}: ${here} has no "output"`);
    const pair: ArcPair = { input: parseGrid(o.input, file, `${here}.input`) };
    if ('output' in o) pair.output = parseGrid(o.output, file, `${here}.output`);
    return pair;
  });
}

/** A task object. `prefix` is its JSON path inside the file ('' for a per-task file). */
export function parseArcTask(
  v: unknown,
  file: string,
  name: string,
  prefix = '',
  testOutputsRequired = false,
): ArcTask {
  const where = prefix || '(top level)';
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new RawFormatError(`${file}: ${where} must be an object with "train" and "test" lists (got ${typeName(v)})`);
  const o = v as Record<string, unknown>;
  if (!('train' in o)) throw new RawFormatError(`${file}: ${where} has no "train" list`);
  if (!('test' in o)) throw new RawFormatError(`${file}: ${where} has no "test" list`);
  if ('name' in o && typeof o.name !== 'string')
    throw new RawFormatError(`${file}: ${prefix}.name must be a string (got ${typeName(o.name)})`);
  const train = parsePairs(o.train, file, `${prefix}${prefix ? '.' : ''}train`, true);
  const test = parsePairs(o.test, file, `${prefix}${prefix ? '.' : ''}test`, testOutputsRequired);
  if (!test.length)
    throw new RawFormatError(
      `${file}: ${prefix}${prefix ? '.' : ''}test is empty; a task needs at least one test input`,
    );
  const keyOrder = Object.keys(o).filter((k): k is 'train' | 'test' => k === 'train' || k === 'test');
  return { name, train, test, keyOrder };
}

/** True when the parsed JSON looks like a single task rather than a map of tasks. */
export function looksLikeTask(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && ('train' in v || 'test' in v);
}

/** Challenges (id -> task without test outputs) merged with solutions (id -> list of output grids). */
export function parseArcChallenges(
  challenges: unknown,
  file: string,
  solutions?: unknown,
  solutionsFile = '<solutions>',
  order?: string[],
): ArcTask[] {
  if (typeof challenges !== 'object' || challenges === null || Array.isArray(challenges)) {
    throw new RawFormatError(`${file}: expected an object mapping task ids to tasks (got ${typeName(challenges)})`);
  }
  if (solutions !== undefined && (typeof solutions !== 'object' || solutions === null || Array.isArray(solutions))) {
    throw new RawFormatError(
      `${solutionsFile}: expected an object mapping task ids to lists of output grids (got ${typeName(solutions)})`,
    );
  }
  const sols = solutions as Record<string, unknown> | undefined;
  const obj = challenges as Record<string, unknown>;
  const ids = order && order.length === Object.keys(obj).length ? order : Object.keys(obj);
  return ids.map((id) => {
    const task = parseArcTask(obj[id], file, id, key(id));
    if (sols) {
      if (!(id in sols))
        throw new RawFormatError(`${solutionsFile}: no solutions for task ${JSON.stringify(id)} (listed in ${file})`);
      const list = sols[id];
      if (!Array.isArray(list))
        throw new RawFormatError(`${solutionsFile}: ${key(id)} must be a list of output grids (got ${typeName(list)})`);
      if (list.length !== task.test.length) {
        throw new RawFormatError(
          `${solutionsFile}: ${key(id)} has ${list.length} output grids but ${file} has ${task.test.length} test inputs for it`,
        );
      }
      list.forEach((g, i) => {
        task.test[i].output = parseGrid(g, solutionsFile, `${key(id)}[${i}]`);
      });
    }
    return task;
  });
}

/** Raw JSON of a task in the shape the builder's test_puzzles.json stores (source key order kept). */
export function taskToJson(t: ArcTask): Record<string, unknown> {
  const pairs = (ps: ArcPair[]): unknown[] =>
    ps.map((p) => (p.output ? { input: p.input, output: p.output } : { input: p.input }));
  const o: Record<string, unknown> = {};
  for (const k of t.keyOrder.length === 2 ? t.keyOrder : (['train', 'test'] as const)) o[k] = pairs(t[k]);
  return o;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 60);
}

/** `x_challenges.json` <-> `x_solutions.json` (Kaggle / TRM naming); undefined for other names. */
export function companionFile(file: string): { challenges: string; solutions: string } | undefined {
  const m = /^(.*)_(challenges|solutions)\.json$/i.exec(file);
  return m ? { challenges: `${m[1]}_challenges.json`, solutions: `${m[1]}_solutions.json` } : undefined;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RawFormatError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Reads any raw ARC file: a single task (name = its `name` key or the file name), a challenges map
 * (its `_solutions.json` sibling, when present, supplies the test outputs), a solutions file (read
 * through the challenges file beside it) or a builder's test_puzzles.json (tasks with outputs).
 * Tasks come in file order. `requireSolutions` makes missing test outputs an error.
 */
export function readArcFile(file: string, opts: { requireSolutions?: boolean } = {}): ArcTask[] {
  const text = readText(file);
  const root = parseJsonText(text, file);
  if (looksLikeTask(root)) {
    const name =
      typeof (root as { name?: unknown }).name === 'string'
        ? (root as { name: string }).name
        : path.basename(file).replace(/\.json$/i, '');
    return [parseArcTask(root, file, name, '', opts.requireSolutions)];
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    throw new RawFormatError(
      `${file}: not an ARC file: expected an object (a task with "train"/"test", or a map of task ids) but got ${typeName(root)}`,
    );
  }
  const pair = companionFile(file);
  const values = Object.values(root as Record<string, unknown>);
  if (values.length && values.every((v) => Array.isArray(v))) {
    // A solutions file: only grids, no inputs. Read its challenges file instead.
    if (!pair || !fs.existsSync(pair.challenges))
      throw new RawFormatError(
        `${file}: holds only output grids (an ARC solutions file); its challenges file ${pair ? path.basename(pair.challenges) : '<name>_challenges.json'} is not beside it`,
      );
    return readArcFile(pair.challenges, opts);
  }
  let solutions: unknown;
  let solutionsFile: string | undefined;
  if (pair && path.resolve(pair.challenges) === path.resolve(file) && fs.existsSync(pair.solutions)) {
    solutionsFile = pair.solutions;
    solutions = parseJsonText(readText(solutionsFile), solutionsFile);
  }
  const tasks = parseArcChallenges(root, file, solutions, solutionsFile, topLevelKeys(text));
  if (opts.requireSolutions) {
    for (const t of tasks) {
      const k = t.test.findIndex((p) => !p.output);
      if (k >= 0)
        throw new RawFormatError(
          `${file}: ${key(t.name)}.test[${k}] has no "output" and no solutions file was found beside it${pair ? ` (looked for ${path.basename(pair.solutions)})` : ''}`,
        );
    }
  }
  return tasks;
}
