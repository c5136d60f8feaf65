// The `trm` launch configuration: its shape, and a validator that turns whatever arrived over DAP
// into typed arguments or one clear message naming the attribute and what is wrong with it. Its
// defaults are the ones package.json and the README promise, in every client: `stopOnEntry` true,
// and without `checkpoint` the one checkpoint found under `cwd` (the workspace), else the bundled
// demo model.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BACKEND_CHOICES,
  type BackendChoice,
  DTYPE_CHOICES,
  type DtypeChoice,
  isBackendChoice,
} from '../engine/native/select';

export type HaltPolicy = 'all' | 'first' | { threshold: number };

export interface TrmLaunchArgs {
  /** Official torch checkpoint (step_N) or safetensors weights; default: see LaunchDefaults. */
  checkpoint: string;
  /** all_config.yaml or config.json; default: found beside the checkpoint. */
  config?: string;
  /** A dataset file (or built dataset folder) in any format readPuzzleFile reads. Exclusive with `puzzle`. */
  dataset?: string;
  /** Inline puzzle: an 81-character Sudoku string, an ARC task object ({train, test}), a {input, output?} pair or a grid. */
  puzzle?: unknown;
  /** Which example of the dataset (0-based), or which test pair of an inline ARC task. */
  index?: number;
  /** Which example of the dataset, by id. */
  puzzleId?: string;
  /** Labels of an inline Sudoku (81 digits), to judge correctness. */
  solution?: string;
  /** Supervision steps the session may run (default halt_max_steps, N_sup). */
  steps?: number;
  haltPolicy: HaltPolicy;
  stopOnEntry: boolean;
  /** A TF.js backend, 'onnxruntime' (the native CPU path), 'tfjs' (TF.js only); default: the fastest. */
  backend?: BackendChoice;
  /** Compute dtype; default: the checkpoint's forward_dtype. */
  dtype?: DtypeChoice;
  /** Base for relative paths (default: the adapter's working directory). */
  cwd?: string;
  noDebug: boolean;
  /** Run B, stepped in lock-step with this run (validated by compareRun.ts). */
  compare?: unknown;
  /** Swap the puzzle-embedding row from the start: blank | mean | random[:seed] | puzzle:<id> (the puzzle-identifier probe). */
  puzzleEmbedding?: string;
  /** Unknown attributes (likely typos): reported to the user, not fatal, since clients add their own keys. */
  warnings: string[];
}

export class LaunchConfigError extends Error {}

export interface LaunchDefaults {
  /** The bundled demo model, used when no checkpoint is given and none is found under cwd. */
  bundledCheckpoint?: string;
}

/** Folders never searched for a checkpoint (as the VS Code glue's exclude glob). */
const SKIP_DIRS = new Set(['node_modules', '.vscode', '.git', 'dist', 'out']);
const MAX_SEARCH_ENTRIES = 20_000;
const MAX_SEARCH_DEPTH = 8;
const MAX_CANDIDATES = 50;

function isCheckpointName(name: string): boolean {
  if (name === 'train_state.safetensors') return false; // TRM Lens's optimiser state, not a model
  if (/\.(json|ya?ml|npy|csv|txt)$/i.test(name)) return false;
  return name.endsWith('.safetensors') || /^step_\d+$/.test(name);
}

/**
 * Checkpoint files under `root` (`*.safetensors` and official `step_N` files), sorted; the search is
 * bounded (entries, depth, results) so a huge workspace cannot stall a launch.
 */
export function findCheckpoints(root: string): string[] {
  const found: string[] = [];
  let visited = 0;
  const walk = (dir: string, depth: number): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (++visited > MAX_SEARCH_ENTRIES || found.length >= MAX_CANDIDATES) return;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && depth < MAX_SEARCH_DEPTH) walk(p, depth + 1);
      } else if (e.isFile() && isCheckpointName(e.name)) found.push(p);
    }
  };
  walk(root, 0);
  return found.sort();
}

function defaultCheckpoint(cwd: string, defaults: LaunchDefaults): string {
  const found = findCheckpoints(cwd);
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    const shown = found.slice(0, 5).map((f) => path.relative(cwd, f));
    fail(
      `'checkpoint' is not given and ${cwd} holds ${found.length >= MAX_CANDIDATES ? 'many' : found.length} checkpoints (${shown.join(', ')}${found.length > 5 ? ', …' : ''}): name one with 'checkpoint'`,
    );
  }
  if (defaults.bundledCheckpoint && fs.existsSync(defaults.bundledCheckpoint)) return defaults.bundledCheckpoint;
  fail(
    `'checkpoint' is not given, ${cwd} holds no checkpoint (*.safetensors or step_N) and the bundled demo model is not installed: add 'checkpoint', the path of a step_N checkpoint or a .safetensors file`,
  );
}

const KNOWN = new Set([
  'checkpoint',
  'config',
  'dataset',
  'puzzle',
  'index',
  'puzzleId',
  'solution',
  'steps',
  'haltPolicy',
  'stopOnEntry',
  'backend',
  'dtype',
  'cwd',
  'noDebug',
  'puzzleEmbedding',
  'type',
  'request',
  'name',
  '__sessionId',
  '__restart',
  '__configurationTarget',
  'presentation',
  'preLaunchTask',
  'postDebugTask',
  'internalConsoleOptions',
  'debugServer',
  'suppressMultipleSessionWarning',
  'pickPuzzle',
  'compare',
]);

function fail(msg: string): never {
  throw new LaunchConfigError(`launch configuration: ${msg}`);
}

function optString(raw: Record<string, unknown>, key: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(`'${key}' must be a non-empty string (got ${JSON.stringify(v)})`);
  return v;
}

function resolveFile(p: string, cwd: string, key: string, allowDirectory = false): string {
  const abs = path.resolve(cwd, p);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    fail(`'${key}' file not found: ${abs}`);
  }
  if (st.isDirectory() && allowDirectory) return abs;
  if (!st.isFile())
    fail(`'${key}' must be a file, but ${abs} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`);
  return abs;
}

export function parseHaltPolicy(v: unknown): HaltPolicy {
  if (v === undefined || v === null) return 'all';
  if (v === 'all' || v === 'first') return v;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const t = (v as Record<string, unknown>).threshold;
    if (keys.length === 1 && typeof t === 'number' && t > 0 && t < 1) return { threshold: t };
  }
  fail(
    `'haltPolicy' must be 'all' (run every step, as the official evaluation does), 'first' (stop at the first q_halt > 0) or {"threshold": p} with 0 < p < 1 on sigmoid(q_halt) (got ${JSON.stringify(v)})`,
  );
}

/** Validates raw DAP launch arguments; file attributes are resolved to absolute paths and must exist. */
export function validateLaunchArgs(raw: unknown, defaults: LaunchDefaults = {}): TrmLaunchArgs {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('expected an object');
  const r = raw as Record<string, unknown>;
  const unknown = Object.keys(r).filter((k) => !KNOWN.has(k) && !k.startsWith('__'));
  const warnings = unknown.map(
    (k) =>
      `launch configuration: unknown attribute '${k}' is ignored; known: checkpoint, config, dataset, puzzle, index, puzzleId, solution, steps, haltPolicy, stopOnEntry, backend, dtype, cwd, compare, puzzleEmbedding`,
  );
  const cwd = optString(r, 'cwd') ?? process.cwd();
  const checkpointRel = optString(r, 'checkpoint');
  const checkpoint =
    checkpointRel === undefined ? defaultCheckpoint(cwd, defaults) : resolveFile(checkpointRel, cwd, 'checkpoint');
  const configRel = optString(r, 'config');
  const config = configRel === undefined ? undefined : resolveFile(configRel, cwd, 'config');
  const datasetRel = optString(r, 'dataset');
  const dataset = datasetRel === undefined ? undefined : resolveFile(datasetRel, cwd, 'dataset', true);
  const puzzle = r.puzzle ?? undefined;
  if (dataset !== undefined && puzzle !== undefined) fail("give either 'dataset' or 'puzzle', not both");
  if (dataset === undefined && puzzle === undefined)
    fail("give a 'dataset' file (with 'index' or 'puzzleId') or an inline 'puzzle'");
  const index = r.index ?? undefined;
  if (index !== undefined && (!Number.isInteger(index) || (index as number) < 0))
    fail(`'index' must be a non-negative integer (got ${JSON.stringify(index)})`);
  const puzzleId = optString(r, 'puzzleId');
  if (puzzleId !== undefined && index !== undefined) fail("give either 'index' or 'puzzleId', not both");
  if (puzzleId !== undefined && dataset === undefined)
    fail("'puzzleId' selects an example of a 'dataset' file; there is none");
  const solution = optString(r, 'solution');
  if (solution !== undefined && dataset !== undefined)
    fail("'solution' is for an inline Sudoku 'puzzle'; dataset files carry their own labels");
  const steps = r.steps ?? undefined;
  if (steps !== undefined && (!Number.isInteger(steps) || (steps as number) < 1 || (steps as number) > 1000)) {
    fail(`'steps' must be an integer from 1 to 1000 (got ${JSON.stringify(steps)})`);
  }
  const stopOnEntry = r.stopOnEntry ?? true;
  if (typeof stopOnEntry !== 'boolean')
    fail(`'stopOnEntry' must be true or false (got ${JSON.stringify(stopOnEntry)})`);
  const noDebug = r.noDebug ?? false;
  if (typeof noDebug !== 'boolean') fail(`'noDebug' must be true or false (got ${JSON.stringify(noDebug)})`);
  const backend = optString(r, 'backend');
  if (backend !== undefined && !isBackendChoice(backend))
    fail(`'backend' must be one of ${BACKEND_CHOICES.join(', ')} (got ${JSON.stringify(backend)})`);
  const dtype = optString(r, 'dtype');
  if (dtype !== undefined && !DTYPE_CHOICES.includes(dtype as DtypeChoice))
    fail(`'dtype' must be one of ${DTYPE_CHOICES.join(', ')} (got ${JSON.stringify(dtype)})`);
  const puzzleEmbedding = optString(r, 'puzzleEmbedding');
  if (
    puzzleEmbedding !== undefined &&
    !/^(blank|zero|zeros|mean|random(:\d+)?|puzzle:\d+)$/.test(puzzleEmbedding.trim())
  )
    fail(
      `'puzzleEmbedding' must be blank, mean, random, random:<seed> or puzzle:<identifier> (got ${JSON.stringify(puzzleEmbedding)})`,
    );
  return {
    checkpoint,
    config,
    dataset,
    puzzle,
    index: index as number | undefined,
    puzzleId,
    solution,
    steps: steps as number | undefined,
    haltPolicy: parseHaltPolicy(r.haltPolicy),
    stopOnEntry,
    backend,
    dtype: dtype as DtypeChoice | undefined,
    cwd,
    noDebug,
    warnings,
    ...(r.compare !== undefined ? { compare: r.compare } : {}),
    ...(puzzleEmbedding !== undefined ? { puzzleEmbedding } : {}),
  };
}

export function describeHaltPolicy(p: HaltPolicy): string {
  if (p === 'all') return 'run every step (official evaluation)';
  if (p === 'first') return 'halt at the first q_halt > 0';
  return `halt when sigmoid(q_halt) >= ${p.threshold}`;
}
