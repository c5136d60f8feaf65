// Replayable trace bundles (`*.trmbundle.json`): a debugging state as a small JSON file — the
// weights (path and SHA-256), config, puzzle, halting policy, the adopted cloud branches, the
// cursor (step › cycle › update › layer), breakpoints and notes. States are not stored: opening a
// bundle recomputes them (the tracer is deterministic), so the file stays a few kB and the restored
// states equal the saved session's bit for bit — provided the weights are the same, which the hash
// checks. `patches` is reserved for interventions (validated as a list of objects).

import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const BUNDLE_FORMAT = 'trm-lens-trace-bundle';
export const BUNDLE_VERSION = 1;
export const BUNDLE_SUFFIX = '.trmbundle.json';
const MAX_BUNDLE_BYTES = 4 * 1024 * 1024;

export interface BundleNoise {
  scale: number;
  target: 'z' | 'y' | 'both';
  at: 'update' | 'step';
  seed: number;
}

/** One adopted cloud branch: the fork point, the cloud's noise and size, and the branch number. */
export interface BundleFork {
  fork: { step: number; ordinal: number };
  noise: BundleNoise;
  n: number;
  branch: number;
}

export interface TraceBundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  createdAt: string;
  weights: { path: string; sha256: string };
  /** The launch attributes that select the model, puzzle and policy (checkpoint, config, dataset, puzzle, …). */
  launch: Record<string, unknown>;
  /** The model's config as loaded (for the reader; the launch recomputes it from the files). */
  config: Record<string, unknown>;
  puzzle: { id: string; origin: string; kind: string; inputs: number[]; labels?: number[] };
  haltPolicy: unknown;
  /** Seeds in use (the clouds' noise seeds live in forks). */
  seed?: number;
  forks: BundleFork[];
  cursor: { step: number; ordinal: number; layer?: number; description: string };
  breakpoints: { name: string; condition?: string }[];
  notes: string;
  patches: Record<string, unknown>[];
}

export class BundleError extends Error {}

/** SHA-256 of a checkpoint: the file, or every file of a checkpoint folder in name order. */
export function weightsHash(file: string): string {
  const h = createHash('sha256');
  const st = fs.statSync(file);
  const files = st.isDirectory()
    ? fs
        .readdirSync(file)
        .sort()
        .map((f) => path.join(file, f))
        .filter((f) => fs.statSync(f).isFile())
    : [file];
  for (const f of files) h.update(fs.readFileSync(f));
  return h.digest('hex');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

/** Checks a parsed bundle; every problem names the field. */
export function validateBundle(v: unknown, where: string): TraceBundle {
  const bad = (m: string): never => {
    throw new BundleError(`${where}: ${m}`);
  };
  if (!isObj(v)) bad('not a trace bundle (expected a JSON object)');
  const b = v as Record<string, unknown>;
  if (b.format !== BUNDLE_FORMAT)
    bad(`not a TRM Lens trace bundle ('format' is ${JSON.stringify(b.format)}, expected "${BUNDLE_FORMAT}")`);
  if (b.version !== BUNDLE_VERSION)
    bad(`bundle version ${JSON.stringify(b.version)} is not supported (this TRM Lens reads version ${BUNDLE_VERSION})`);
  if (!isObj(b.weights) || typeof b.weights.path !== 'string' || !/^[0-9a-f]{64}$/.test(String(b.weights.sha256)))
    bad(`'weights' must be {path: string, sha256: 64 hex digits}`);
  if (!isObj(b.launch)) bad(`'launch' must be an object`);
  if (!isObj(b.puzzle) || !Array.isArray(b.puzzle.inputs)) bad(`'puzzle' must be an object with 'inputs'`);
  const c = b.cursor;
  if (!isObj(c) || !isInt(c.step) || (c.step as number) < 1 || !isInt(c.ordinal) || (c.ordinal as number) < 0)
    bad(`'cursor' must be {step >= 1, ordinal >= 0, layer?}`);
  if (
    (c as Record<string, unknown>).layer !== undefined &&
    !(isInt((c as Record<string, unknown>).layer) && ((c as Record<string, unknown>).layer as number) >= 1)
  )
    bad(`'cursor.layer' must be an integer >= 1`);
  if (!Array.isArray(b.forks)) bad(`'forks' must be a list`);
  (b.forks as unknown[]).forEach((f, i) => {
    if (
      !isObj(f) ||
      !isObj(f.fork) ||
      !isInt(f.fork.step) ||
      !isInt(f.fork.ordinal) ||
      !isInt(f.n) ||
      !isInt(f.branch) ||
      (f.branch as number) < 0 ||
      (f.branch as number) >= (f.n as number) ||
      !isObj(f.noise) ||
      typeof f.noise.scale !== 'number' ||
      !['z', 'y', 'both'].includes(f.noise.target as string) ||
      !['update', 'step'].includes(f.noise.at as string) ||
      !isInt(f.noise.seed)
    )
      bad(`forks[${i}] must be {fork: {step, ordinal}, noise: {scale, target, at, seed}, n, branch (0..n-1)}`);
  });
  if (!Array.isArray(b.breakpoints)) bad(`'breakpoints' must be a list`);
  (b.breakpoints as unknown[]).forEach((x, i) => {
    if (!isObj(x) || typeof x.name !== 'string') bad(`breakpoints[${i}] must be {name, condition?}`);
  });
  if (typeof b.notes !== 'string') bad(`'notes' must be a string`);
  if (!Array.isArray(b.patches)) bad(`'patches' must be a list of objects`);
  (b.patches as unknown[]).forEach((p, i) => {
    if (!isObj(p)) bad(`patches[${i}] must be an object (got ${JSON.stringify(p)})`);
  });
  return b as unknown as TraceBundle;
}

export function readBundle(file: string): TraceBundle {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new BundleError(`${file}: no such trace bundle`);
  }
  if (st.size > MAX_BUNDLE_BYTES)
    throw new BundleError(`${file}: ${st.size} bytes is too large for a trace bundle (at most ${MAX_BUNDLE_BYTES})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BundleError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateBundle(parsed, file);
}

/** Writes a bundle next to nothing else; refuses to overwrite a file that is not a bundle. */
export function writeBundle(file: string, b: TraceBundle): void {
  if (fs.existsSync(file)) {
    try {
      readBundle(file);
    } catch {
      throw new BundleError(`${file} exists and is not a trace bundle: not overwritten`);
    }
  }
  fs.writeFileSync(file, JSON.stringify(b, null, 2) + '\n');
}

/** Throws a clear error when the checkpoint on disk is not the one the bundle was saved with. */
export function checkWeights(b: TraceBundle, checkpoint: string): void {
  const now = weightsHash(checkpoint);
  if (now !== b.weights.sha256)
    throw new BundleError(
      `the weights differ from the bundle's: ${checkpoint} has SHA-256 ${now.slice(0, 16)}…, the bundle was saved with ${b.weights.sha256.slice(0, 16)}… (${b.weights.path}); the recomputed states would not be the saved ones`,
    );
}
