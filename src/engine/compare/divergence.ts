// Where two runs of the recursion part: per update, the distance between their latents
// (‖zA − zB‖, z = z_L), their answer states (‖yA − yB‖, y = z_H) and the grid cells whose decoded
// answer differs, plus the first update whose largest difference passes a threshold. Two modes:
// free-running (each run from its own previous state: two checkpoints, seeds, halting policies)
// and teacher-forced (run A's network applied to run B's inputs of every update: an implementation
// check against recorded official arrays, immune to the chaos that amplifies float rounding over
// steps — see the fixture's tolerance_measurements). Used by `trm diff` and the debug session.

import * as tf from '@tensorflow/tfjs-core';
import { argmaxRows } from '../model/losses';
import type { TrmModel } from '../model/trm';
import { type RecursionState, type UpdateRef, updateAt, updatesPerStep } from '../trace/types';
import type { RunSource } from './referenceRun';

/** Differences of two runs after one update. NaN where a run lacks the value (an unrecorded state). */
export interface UpdateDivergence {
  step: number;
  ordinal: number;
  ref: UpdateRef;
  zNorm: number; // ‖zA − zB‖₂ over all T × D values
  yNorm: number; // ‖yA − yB‖₂
  zMax: number; // max |zA − zB|
  yMax: number; // max |yA − yB|
  /** Grid cells whose decoded answer (lm_head argmax of y) differs; undefined when not decoded. */
  cellsDiffer?: number[];
}

/** The largest elementwise difference of the update (the first-divergence criterion). */
export const divergenceOf = (d: UpdateDivergence): number =>
  Number.isNaN(d.zMax) ? d.yMax : Number.isNaN(d.yMax) ? d.zMax : Math.max(d.zMax, d.yMax);

export interface DiffResult {
  mode: 'free' | 'teacher-forced';
  threshold: number;
  updates: UpdateDivergence[];
  /** The first update whose divergence exceeds the threshold, or undefined. */
  first?: UpdateDivergence;
  /** Largest divergence over all updates compared. */
  maxDivergence: number;
}

/** L2 norm and max abs of a − b; NaN for both when either is missing or the lengths differ. */
export function stateDistance(a: Float32Array, b: Float32Array): { norm: number; max: number } {
  if (a.length === 0 || a.length !== b.length) return { norm: NaN, max: NaN };
  let ss = 0,
    mx = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    ss += d * d;
    const ad = Math.abs(d);
    if (ad > mx || Number.isNaN(ad)) mx = ad;
  }
  return { norm: Math.sqrt(ss), max: mx };
}

/** Decoded answers of y states: lm_head argmax on the grid cells, batched. */
export type AnswerDecoder = (ys: Float32Array[]) => Promise<Int32Array[]>;

/** Decodes y states with `model`'s output head (the same head for both runs: the difference is in the states). */
export function headDecoder(model: TrmModel): AnswerDecoder {
  const { totalSeqLen: T } = model.derived;
  const D = model.config.hidden_size;
  const V = model.config.vocab_size;
  const S = model.config.seq_len;
  return async (ys) => {
    if (ys.length === 0) return [];
    const flat = new Float32Array(ys.length * T * D);
    ys.forEach((y, i) => flat.set(y, i * T * D));
    const logits = tf.tidy(() => model.heads(tf.tensor3d(flat, [ys.length, T, D])).logits);
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    const preds = argmaxRows(data, V);
    return ys.map((_, i) => preds.subarray(i * S, (i + 1) * S));
  };
}

function differingCells(a: Int32Array, b: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

export interface DiffOptions {
  steps: number;
  /** An update diverges when max(|zA − zB|, |yA − yB|) exceeds this (default 1e-3). */
  threshold?: number;
  /** Decode y at every update to list the cells whose answer differs. */
  decode?: AnswerDecoder;
  /** Stop after the first divergence (the table then ends there). */
  stopAtFirst?: boolean;
  H_cycles: number;
  L_cycles: number;
}

/** Compares two runs update by update, each from its own previous state. */
export async function diffRuns(a: RunSource, b: RunSource, o: DiffOptions): Promise<DiffResult> {
  const threshold = o.threshold ?? 1e-3;
  const U = updatesPerStep(o);
  const updates: UpdateDivergence[] = [];
  let first: UpdateDivergence | undefined;
  let maxDivergence = 0;
  for (let step = 1; step <= o.steps; step++) {
    const rows: { d: UpdateDivergence; ya: Float32Array; yb: Float32Array }[] = [];
    for (let ordinal = 0; ordinal < U; ordinal++) {
      const ref = updateAt(o, step, ordinal);
      const [sa, sb] = await Promise.all([a.stateAfter(ref), b.stateAfter(ref)]);
      rows.push({ d: divergenceRow(step, ordinal, ref, sa, sb), ya: sa.y, yb: sb.y });
    }
    if (o.decode) {
      const known = rows.filter((r) => !Number.isNaN(r.d.yMax));
      const decoded = await o.decode(known.flatMap((r) => [r.ya, r.yb]));
      known.forEach((r, i) => (r.d.cellsDiffer = differingCells(decoded[2 * i], decoded[2 * i + 1])));
    }
    for (const { d } of rows) {
      updates.push(d);
      const v = divergenceOf(d);
      if (v > maxDivergence || Number.isNaN(v)) maxDivergence = v;
      if (!first && (v > threshold || Number.isNaN(v))) {
        first = d;
        if (o.stopAtFirst) return { mode: 'free', threshold, updates, first, maxDivergence };
      }
    }
  }
  return { mode: 'free', threshold, updates, first, maxDivergence };
}

export function divergenceRow(
  step: number,
  ordinal: number,
  ref: UpdateRef,
  a: RecursionState,
  b: RecursionState,
): UpdateDivergence {
  const z = stateDistance(a.z, b.z);
  const y = stateDistance(a.y, b.y);
  return { step, ordinal, ref, zNorm: z.norm, yNorm: y.norm, zMax: z.max, yMax: y.max };
}

/**
 * Teacher-forced comparison: for every update of steps 1..steps, model A computes the update from
 * run B's state before it (and B's x when recorded, else `x`), and the result is compared with B's
 * state after it. Only the state the update writes is compared (z for z updates, y for y updates);
 * the other distance is 0 by construction. Batched per step: one z call and one y call.
 */
export async function teacherForcedDiff(
  model: TrmModel,
  b: RunSource,
  o: { steps: number; threshold?: number; x?: Float32Array; initial: RecursionState },
): Promise<DiffResult> {
  const threshold = o.threshold ?? 1e-3;
  const c = model.config;
  const H = c.H_cycles,
    n = c.L_cycles;
  const T = model.derived.totalSeqLen,
    D = c.hidden_size,
    TD = T * D;
  const x = b.x ? await b.x().catch(() => o.x) : o.x;
  if (!x || x.length !== TD) throw new Error(`teacher-forced diff: no embedded question x of ${T} x ${D} values`);
  const updates: UpdateDivergence[] = [];
  let first: UpdateDivergence | undefined;
  let maxDivergence = 0;
  for (let step = 1; step <= o.steps; step++) {
    const before = step === 1 ? o.initial : await b.stepState!(step - 1);
    const zIn: Float32Array[] = [],
      yForZ: Float32Array[] = [],
      zRef: { ref: UpdateRef; ordinal: number; out: Float32Array }[] = [];
    const yIn: Float32Array[] = [],
      zForY: Float32Array[] = [],
      yRef: { ref: UpdateRef; ordinal: number; out: Float32Array }[] = [];
    let y = before.y,
      z = before.z;
    for (let cyc = 1; cyc <= H; cyc++) {
      for (let j = 1; j <= n; j++) {
        const ref: UpdateRef = { step, cycle: cyc, kind: 'z', index: j };
        const after = await b.stateAfter(ref);
        zIn.push(z);
        yForZ.push(y);
        zRef.push({ ref, ordinal: (cyc - 1) * (n + 1) + j - 1, out: after.z });
        z = after.z;
      }
      const ref: UpdateRef = { step, cycle: cyc, kind: 'y', index: 0 };
      const after = await b.stateAfter(ref);
      yIn.push(y);
      zForY.push(z);
      yRef.push({ ref, ordinal: (cyc - 1) * (n + 1) + n, out: after.y });
      y = after.y;
    }
    const stack = (arrs: Float32Array[]) => {
      const s = new Float32Array(arrs.length * TD);
      arrs.forEach((a, i) => s.set(a, i * TD));
      return tf.tensor3d(s, [arrs.length, T, D]);
    };
    const [zOut, yOut] = tf.tidy(() => {
      const xs = tf.tile(tf.tensor3d(x, [1, T, D]), [zIn.length, 1, 1]) as tf.Tensor3D;
      return [model.zUpdate(stack(zIn), stack(yForZ), xs), model.yUpdate(stack(yIn), stack(zForY))];
    });
    const [zd, yd] = (await Promise.all([zOut.data(), yOut.data()])) as Float32Array[];
    tf.dispose([zOut, yOut]);
    const rows: UpdateDivergence[] = [];
    zRef.forEach((r, i) => {
      const dist = stateDistance(zd.subarray(i * TD, (i + 1) * TD), r.out);
      rows.push({ step, ordinal: r.ordinal, ref: r.ref, zNorm: dist.norm, zMax: dist.max, yNorm: 0, yMax: 0 });
    });
    yRef.forEach((r, i) => {
      const dist = stateDistance(yd.subarray(i * TD, (i + 1) * TD), r.out);
      rows.push({ step, ordinal: r.ordinal, ref: r.ref, yNorm: dist.norm, yMax: dist.max, zNorm: 0, zMax: 0 });
    });
    rows.sort((p, q) => p.ordinal - q.ordinal);
    for (const d of rows) {
      updates.push(d);
      const v = divergenceOf(d);
      if (v > maxDivergence || Number.isNaN(v)) maxDivergence = v;
      if (!first && (v > threshold || Number.isNaN(v))) first = d;
    }
  }
  return { mode: 'teacher-forced', threshold, updates, first, maxDivergence };
}

/** One line per update for terminals: "step 1 › cycle 1 › z 1 (z_L)  ‖Δz‖ …". */
export function formatDiffTable(r: DiffResult, describe: (ref: UpdateRef) => string): string[] {
  const f = (v: number) => (Number.isNaN(v) ? '—' : v.toExponential(2));
  const lines = [
    `${'update'.padEnd(34)} ${'‖zA−zB‖'.padStart(9)} ${'‖yA−yB‖'.padStart(9)} ${'max|Δz|'.padStart(9)} ${'max|Δy|'.padStart(9)} cells≠`,
  ];
  for (const d of r.updates) {
    const mark = d === r.first ? ' ◀ first divergence' : '';
    const cells = d.cellsDiffer ? String(d.cellsDiffer.length) : '—';
    lines.push(
      `${describe(d.ref).padEnd(34)} ${f(d.zNorm).padStart(9)} ${f(d.yNorm).padStart(9)} ${f(d.zMax).padStart(9)} ${f(d.yMax).padStart(9)} ${cells.padStart(6)}${mark}`,
    );
  }
  return lines;
}
