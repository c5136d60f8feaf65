// Training checkpoints on disk, written so that a process killed at any instant never leaves a
// half-written checkpoint visible: each checkpoint is assembled in a hidden temporary folder (every
// file fsynced), renamed into place as `step_<N>/`, and only then does the `latest.json` pointer
// (itself written to a temp file and renamed) move to it. Older checkpoints are pruned afterwards.
//
//   <out>/run.json                  the recipe (model config + training hyperparameters + data path)
//   <out>/latest.json               {"step": N, "dir": "step_N"}
//   <out>/step_N/model.safetensors  evaluated weights (EMA when on) + embedded config: `trm eval/predict --checkpoint`
//   <out>/step_N/config.json        the model config (also embedded above)
//   <out>/step_N/train_state.safetensors  live weights, optimiser moments, EMA shadows, carry tensors
//   <out>/step_N/state.json         step, optimiser step counts, data position, RNG states, carry flags
//   <out>/step_N/.trm-lens-checkpoint  marker: {"format": ..., "step": N}
//
// Only folders carrying TRM Lens's marker are ever replaced or pruned: a run folder may sit next to
// official `step_N` checkpoint files or anything else a user keeps there, and those are never touched.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveSafetensorsCheckpoint } from '../checkpoint';
import type { TrmConfig } from '../config';
import { readSafetensors, writeSafetensors } from '../formats/safetensors';
import type { HostTensor } from '../hostTensor';
import type { SamplerPosition } from './sampler';
import type { RngState } from './rng';

export const RUN_FILE = 'run.json';
export const LATEST_FILE = 'latest.json';
export const MODEL_FILE = 'model.safetensors';
const STATE_FILE = 'state.json';
const TENSORS_FILE = 'train_state.safetensors';
const FORMAT = 'trm-lens-train-state/1';
/** The marker that says "TRM Lens wrote this checkpoint folder" (and so may replace or prune it). */
export const CHECKPOINT_MARKER = '.trm-lens-checkpoint';
const MARKER_FORMAT = 'trm-lens-checkpoint/1';
/** Temp names this module creates: `.tmp-step_N-XXXXXX`, `.tmp-step_N-XXXXXX.old`, `.tmp-prune-step_N-PID`, `<file>.tmp-PID-MS`. */
const OWN_TEMP = /^\.tmp-(step_\d+-[A-Za-z0-9]{6}(\.old)?|prune-step_\d+-\d+)$/;
const OWN_TEMP_FILE = /^(run|latest)\.json\.tmp-\d+-\d+$/;

/** True when `dir` is a checkpoint folder that TRM Lens wrote for step `step` (its marker, or the state file of runs written before markers existed). */
export function isOwnCheckpoint(dir: string, step: number): boolean {
  try {
    if (!fs.lstatSync(dir).isDirectory()) return false;
    const marker = path.join(dir, CHECKPOINT_MARKER);
    if (fs.existsSync(marker)) {
      const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as { format?: unknown; step?: unknown };
      return m.format === MARKER_FORMAT && m.step === step;
    }
    const state = JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')) as {
      format?: unknown;
      step?: unknown;
    };
    return state.format === FORMAT && state.step === step;
  } catch {
    return false;
  }
}

export interface CarrySnapshot {
  y: Float32Array;
  z: Float32Array;
  shape: [number, number, number];
  steps: Int32Array;
  halted: Uint8Array;
  inputs: Int32Array;
  labels: Int32Array;
  puzzleIdentifiers: Int32Array;
}

export interface CheckpointState {
  step: number;
  elapsedSec: number;
  sampler: SamplerPosition;
  haltRng: RngState;
  /** Optimiser step count per parameter. */
  adamT: Record<string, number>;
  ema: boolean;
  /** Last evaluation, if any (informational). */
  lastEval?: Record<string, number>;
}

export interface CheckpointData {
  state: CheckpointState;
  /** Live weights (all keys, buffers included). */
  weights: Map<string, HostTensor>;
  adamM: Map<string, Float32Array>;
  adamV: Map<string, Float32Array>;
  ema?: Map<string, Float32Array>;
  carry?: CarrySnapshot;
}

function writeFileSynced(file: string, text: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Atomic small-file write: temp file in the same folder, fsync, rename. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  try {
    writeFileSynced(tmp, JSON.stringify(value, null, 2) + '\n');
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(file));
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    /* not supported everywhere */
  }
}

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });
const i32 = (shape: number[], data: Int32Array): HostTensor => ({ dtype: 'int32', shape, data });

/** Writes one checkpoint and moves `latest.json` to it. Returns the checkpoint folder. */
export function writeCheckpoint(
  outDir: string,
  config: TrmConfig,
  evalWeights: Map<string, HostTensor>,
  ck: CheckpointData,
  keep = 2,
): string {
  const name = `step_${ck.state.step}`;
  const finalDir = path.join(outDir, name);
  const tmp = fs.mkdtempSync(path.join(outDir, `.tmp-${name}-`));
  try {
    saveSafetensorsCheckpoint(path.join(tmp, MODEL_FILE), config, evalWeights, { step: String(ck.state.step) });
    writeFileSynced(path.join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
    const tensors: [string, HostTensor][] = [];
    for (const [k, t] of ck.weights) tensors.push([`param/${k}`, t]);
    for (const [k, m] of ck.adamM) tensors.push([`adam_m/${k}`, f32([m.length], m)]);
    for (const [k, v] of ck.adamV) tensors.push([`adam_v/${k}`, f32([v.length], v)]);
    if (ck.ema) for (const [k, e] of ck.ema) tensors.push([`ema/${k}`, f32([e.length], e)]);
    if (ck.carry) {
      const c = ck.carry;
      const B = c.shape[0];
      tensors.push(
        ['carry/y', f32([...c.shape], c.y)],
        ['carry/z', f32([...c.shape], c.z)],
        ['carry/steps', i32([B], c.steps)],
        ['carry/halted', { dtype: 'uint8', shape: [B], data: c.halted }],
        ['carry/inputs', i32([B, c.inputs.length / B], c.inputs)],
        ['carry/labels', i32([B, c.labels.length / B], c.labels)],
        ['carry/puzzle_identifiers', i32([B], c.puzzleIdentifiers)],
      );
    }
    writeSafetensors(path.join(tmp, TENSORS_FILE), tensors, { format: FORMAT });
    writeFileSynced(path.join(tmp, STATE_FILE), JSON.stringify({ format: FORMAT, ...ck.state }, null, 2) + '\n');
    writeFileSynced(
      path.join(tmp, CHECKPOINT_MARKER),
      JSON.stringify({ format: MARKER_FORMAT, step: ck.state.step }) + '\n',
    );
    fsyncDir(tmp);
    if (fs.existsSync(finalDir) && !isOwnCheckpoint(finalDir, ck.state.step))
      throw new Error(
        `${finalDir} exists and was not written by TRM Lens; it is left alone: move it away or choose another --out`,
      );
    if (fs.existsSync(finalDir)) {
      const old = `${tmp}.old`;
      fs.renameSync(finalDir, old);
      fs.renameSync(tmp, finalDir);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, finalDir);
    }
    fsyncDir(outDir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  writeJsonAtomic(path.join(outDir, LATEST_FILE), { step: ck.state.step, dir: name });
  pruneCheckpoints(outDir, name, keep);
  return finalDir;
}

/**
 * Removes all but the `keep` newest TRM Lens checkpoint folders (never the latest). Anything named
 * step_N that lacks TRM Lens's marker (an official checkpoint file, a user's folder) is left alone.
 */
export function pruneCheckpoints(outDir: string, latest: string, keep: number): void {
  const steps = fs
    .readdirSync(outDir)
    .filter((n) => /^step_\d+$/.test(n) && isOwnCheckpoint(path.join(outDir, n), Number(n.slice(5))))
    .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)));
  const keepSet = new Set([latest, ...steps.slice(0, Math.max(1, keep))]);
  for (const n of steps) {
    if (keepSet.has(n)) continue;
    // Renamed first (atomic), then deleted: a kill in the middle leaves a hidden temp folder that the
    // next start removes, never a half-deleted step_N that looks like a checkpoint.
    const doomed = path.join(outDir, `.tmp-prune-${n}-${process.pid}`);
    fs.renameSync(path.join(outDir, n), doomed);
    fs.rmSync(doomed, { recursive: true, force: true });
  }
}

/** Leftovers of a killed writer: the hidden temp folders and temp files this module names, nothing else. */
export function removeStaleTemps(outDir: string): void {
  for (const n of fs.readdirSync(outDir)) {
    if (OWN_TEMP.test(n) || OWN_TEMP_FILE.test(n)) fs.rmSync(path.join(outDir, n), { recursive: true, force: true });
  }
}

export function latestCheckpointDir(outDir: string): string | undefined {
  const file = path.join(outDir, LATEST_FILE);
  if (!fs.existsSync(file)) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`, { cause: e });
  }
  const dir = (v as { dir?: unknown }).dir;
  if (typeof dir !== 'string' || !/^step_\d+$/.test(dir))
    throw new Error(`${file}: expected {"step": N, "dir": "step_N"}`);
  const full = path.join(outDir, dir);
  if (!fs.existsSync(full)) throw new Error(`${file} points to ${dir}, which does not exist`);
  return full;
}

/** Reads a checkpoint folder written by writeCheckpoint. */
export function readCheckpoint(dir: string): CheckpointData {
  const stateFile = path.join(dir, STATE_FILE);
  let state: CheckpointState & { format?: string };
  try {
    state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as CheckpointState & { format?: string };
  } catch (e) {
    throw new Error(`${stateFile}: cannot read training state: ${(e as Error).message}`, { cause: e });
  }
  if (state.format !== FORMAT)
    throw new Error(
      `${stateFile}: not a TRM Lens training state (format ${JSON.stringify(state.format)}, expected ${FORMAT})`,
    );
  const { tensors } = readSafetensors(path.join(dir, TENSORS_FILE));
  const weights = new Map<string, HostTensor>();
  const adamM = new Map<string, Float32Array>();
  const adamV = new Map<string, Float32Array>();
  const ema = new Map<string, Float32Array>();
  const carry: Partial<Record<string, HostTensor>> = {};
  for (const [k, t] of tensors) {
    const slash = k.indexOf('/');
    const kind = k.slice(0, slash),
      name = k.slice(slash + 1);
    if (kind === 'param') weights.set(name, t);
    else if (kind === 'adam_m') adamM.set(name, t.data as Float32Array);
    else if (kind === 'adam_v') adamV.set(name, t.data as Float32Array);
    else if (kind === 'ema') ema.set(name, t.data as Float32Array);
    else if (kind === 'carry') carry[name] = t;
  }
  let carrySnap: CarrySnapshot | undefined;
  if (carry.y && carry.z && carry.steps && carry.halted && carry.inputs && carry.labels && carry.puzzle_identifiers) {
    carrySnap = {
      y: carry.y.data as Float32Array,
      z: carry.z.data as Float32Array,
      shape: carry.y.shape as [number, number, number],
      steps: carry.steps.data as Int32Array,
      halted: carry.halted.data as Uint8Array,
      inputs: carry.inputs.data as Int32Array,
      labels: carry.labels.data as Int32Array,
      puzzleIdentifiers: carry.puzzle_identifiers.data as Int32Array,
    };
  }
  return { state, weights, adamM, adamV, ema: state.ema ? ema : undefined, carry: carrySnap };
}
