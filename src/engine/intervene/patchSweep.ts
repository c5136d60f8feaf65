// Patch sweep: for every update u of one supervision step and every grid cell c, patch the state
// that update writes (z = z_L for a z update, y = z_H for a y update) at cell c — zero it, or copy
// it from a source run (another checkpoint, seed or puzzle, at the same update) — then run the rest
// of the step and measure the answer: how much of the correct answer is lost (zeroing) or recovered
// (copying from a run that gets it right), relative to the unpatched step. Patched runs are batched:
// one batch of all cells per update, so a step costs U batched partial steps instead of U x S runs.
// The recursion is the model's own (TrmModel.zUpdate / yUpdate, trm.py `_Inner.forward`), applied
// in the official order: for each H cycle, n z updates z = net(z, y + x), then y = net(y, z).

import * as tf from '@tensorflow/tfjs-core';
import { argmaxRows } from '../model/losses';
import type { TrmModel } from '../model/trm';
import { type RecursionState, updateAt, updatesPerStep } from '../trace/types';

export type PatchKind = 'zero' | 'copy';

export interface SweepOptions {
  kind: PatchKind;
  /** For 'copy': the source run's state after update `ordinal` of the same step. */
  source?: (ordinal: number) => Promise<RecursionState>;
  /** Cells to patch (default every grid cell). */
  cells?: number[];
  /** Updates (0-based ordinals in the step) to patch (default all U). */
  updates?: number[];
  /** Patched runs per batch (default: all cells of an update at once). */
  batchSize?: number;
  /** Called after every batch with the patched runs done so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Checked between batches: when it returns true the sweep stops with a SweepCancelled error. */
  cancelled?: () => boolean;
}

/** Thrown when SweepOptions.cancelled says stop (the sweep releases its tensors first). */
export class SweepCancelled extends Error {
  constructor() {
    super('patch sweep cancelled');
  }
}

export interface SweepResult {
  updates: number[]; // the patched updates (rows), ordinals 0..U-1
  cells: number[]; // the patched cells (columns)
  /** Accuracy over labelled cells after the unpatched step. */
  baseline: number;
  /** [updates.length x cells.length], row-major: accuracy after the step with update u patched at cell c. */
  accuracy: Float64Array;
  /** accuracy − baseline: > 0 recovered, < 0 lost. */
  delta: Float64Array;
  /** Wall time of the sweep. */
  ms: number;
}

function accuracyOf(preds: Int32Array, labels: Int32Array): number {
  let n = 0,
    ok = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0) continue;
    n++;
    if (preds[i] === labels[i]) ok++;
  }
  return n === 0 ? NaN : ok / n;
}

/**
 * Sweeps one step. `before` is the state entering the step (the previous step's carry), `x` the
 * embedded question [T, D], `labels` [S] (0 = ignored).
 */
export async function patchSweep(
  model: TrmModel,
  x: Float32Array,
  before: RecursionState,
  labels: Int32Array,
  opts: SweepOptions,
): Promise<SweepResult> {
  const started = Date.now();
  const c = model.config;
  const U = updatesPerStep(c);
  const T = model.derived.totalSeqLen,
    P = model.derived.puzzleEmbLen,
    D = c.hidden_size,
    S = c.seq_len,
    V = c.vocab_size,
    TD = T * D;
  if (labels.length !== S) throw new Error(`patch sweep: labels have ${labels.length} cells, the model expects ${S}`);
  if (opts.kind === 'copy' && !opts.source) throw new Error("patch sweep: 'copy' needs a source run");
  const cells = opts.cells ?? Array.from({ length: S }, (_, i) => i);
  for (const cell of cells)
    if (!Number.isInteger(cell) || cell < 0 || cell >= S)
      throw new Error(`patch sweep: cell ${cell} outside 0..${S - 1}`);
  const rows = opts.updates ?? Array.from({ length: U }, (_, u) => u);
  for (const u of rows)
    if (!Number.isInteger(u) || u < 0 || u >= U) throw new Error(`patch sweep: update ${u} outside 0..${U - 1}`);
  const batchSize = opts.batchSize ?? cells.length;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new Error(`patch sweep: batch size must be a positive integer (got ${batchSize})`);
  const total = rows.length * cells.length;
  let done = 0;
  const xT = tf.tensor3d(x, [1, T, D]);
  const decode = async (y: tf.Tensor3D): Promise<Int32Array> => {
    const logits = tf.tidy(() => model.heads(y).logits);
    const data = (await logits.data()) as Float32Array;
    logits.dispose();
    return argmaxRows(data, V);
  };
  try {
    // The unpatched step, keeping the state after every update (the patch points).
    const states: RecursionState[] = [];
    let y = tf.tensor3d(before.y, [1, T, D]);
    let z = tf.tensor3d(before.z, [1, T, D]);
    for (let u = 0; u < U; u++) {
      const ref = updateAt(c, 1, u);
      if (ref.kind === 'z') {
        const nz = model.zUpdate(z, y, xT);
        z.dispose();
        z = nz;
      } else {
        const ny = model.yUpdate(y, z);
        y.dispose();
        y = ny;
      }
      states.push({ y: (await y.data()) as Float32Array, z: (await z.data()) as Float32Array });
    }
    const baseline = accuracyOf(await decode(y), labels);
    y.dispose();
    z.dispose();

    const accuracy = new Float64Array(rows.length * cells.length);
    for (const [row, u] of rows.entries()) {
      const kind = updateAt(c, 1, u).kind;
      const src = opts.kind === 'copy' ? await opts.source!(u) : undefined;
      for (let from = 0; from < cells.length; from += batchSize) {
        if (opts.cancelled?.()) throw new SweepCancelled();
        const chunk = cells.slice(from, from + batchSize);
        const B = chunk.length;
        const yb = new Float32Array(B * TD);
        const zb = new Float32Array(B * TD);
        chunk.forEach((cell, i) => {
          yb.set(states[u].y, i * TD);
          zb.set(states[u].z, i * TD);
          const target = kind === 'z' ? zb : yb;
          const o = i * TD + (P + cell) * D;
          if (src) target.set((kind === 'z' ? src.z : src.y).subarray((P + cell) * D, (P + cell + 1) * D), o);
          else target.fill(0, o, o + D);
        });
        let yt = tf.tensor3d(yb, [B, T, D]);
        let zt = tf.tensor3d(zb, [B, T, D]);
        const xb = tf.tile(xT, [B, 1, 1]) as tf.Tensor3D;
        for (let v = u + 1; v < U; v++) {
          if (updateAt(c, 1, v).kind === 'z') {
            const nz = model.zUpdate(zt, yt, xb);
            zt.dispose();
            zt = nz;
          } else {
            const ny = model.yUpdate(yt, zt);
            yt.dispose();
            yt = ny;
          }
          // Each call computes synchronously: yield between them, so a host that runs the sweep on its
          // own thread (the debug adapter inside the extension host) stays responsive.
          await new Promise((r) => setImmediate(r));
        }
        const preds = await decode(yt);
        tf.dispose([yt, zt, xb]);
        for (let i = 0; i < B; i++)
          accuracy[row * cells.length + from + i] = accuracyOf(preds.subarray(i * S, (i + 1) * S), labels);
        done += B;
        opts.onProgress?.(done, total);
        // Let other work (a cancel request, a progress message) in between batches.
        await new Promise((r) => setImmediate(r));
      }
    }
    const delta = accuracy.map((a) => a - baseline);
    return { updates: rows, cells, baseline, accuracy, delta, ms: Date.now() - started };
  } finally {
    xT.dispose();
  }
}
