// Gradient x input attribution of one answer cell to the inputs of one recursion cycle: which of z,
// y and the embedded question x (split into the puzzle-embedding prefix and the token positions)
// pushed the cell towards its value. The objective is logit(target) − logit(runner-up) at the cell
// after the cycle's y revision; the cycle recomputes n z updates and the y update with the model's
// own TF.js ops (trm.py `TinyRecursiveReasoningModel_ACTV1_Inner.forward`: z_L = L_level(z_L, z_H +
// input_embeddings) n times, then z_H = L_level(z_H, z_L)), differentiated by tf.grads. A y revision
// reads only y and z, so x (and with it the puzzle identifier) reaches the flip through the z updates
// of the same cycle; attributing the whole cycle is what makes the puzzle embedding's share visible.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmModel } from '../model/trm';
import type { RecursionState } from '../trace/types';
import '../train/gradients';

export interface Attribution {
  cell: number;
  target: number; // the token whose logit the objective raises (the label, else the adopted value)
  runnerUp: number; // the best other token at the cell after the cycle
  /** logit(target) − logit(runner-up) after the cycle's y revision. */
  objective: number;
  /** Σ gradient x input over each input of the cycle. */
  z: number;
  y: number;
  puzzleEmbedding: number; // x on the puzzle-embedding prefix positions (0 when the model has none)
  question: number; // x on the token positions
  /** |gradient x input| summed per position of the grid (S cells), z + y + x together: where the push came from. */
  perCell: Float32Array;
}

/**
 * Attribution of `cell` after one full cycle started from `start` (z_L and z_H at the cycle's start).
 * Runs on the current TF.js backend; the caller owns `x` ([1, T, D]).
 */
export async function attributeCycle(
  model: TrmModel,
  x: tf.Tensor3D,
  start: RecursionState,
  cell: number,
  target: number,
): Promise<Attribution> {
  const c = model.config;
  const { totalSeqLen: T, puzzleEmbLen: P } = model.derived;
  const D = c.hidden_size;
  const S = c.seq_len;
  const V = c.vocab_size;
  if (!Number.isInteger(cell) || cell < 0 || cell >= S)
    throw new Error(`attribution: cell ${cell} is outside 0..${S - 1}`);
  if (!Number.isInteger(target) || target < 0 || target >= V)
    throw new Error(`attribution: token ${target} is outside the vocabulary 0..${V - 1}`);
  const z0 = tf.tensor3d(start.z, [1, T, D]);
  const y0 = tf.tensor3d(start.y, [1, T, D]);
  // The cycle's forward pass, as a function of its three inputs.
  const cycleLogits = (z: tf.Tensor3D, y: tf.Tensor3D, xx: tf.Tensor3D): tf.Tensor1D => {
    let zc = z;
    for (let i = 0; i < c.L_cycles; i++) zc = model.zUpdate(zc, y, xx);
    const yn = model.yUpdate(y, zc);
    const heads = model.heads(yn);
    tf.dispose([heads.qHalt, heads.qContinue]);
    return tf.reshape(tf.slice(heads.logits, [0, cell, 0], [1, 1, V]), [V]) as tf.Tensor1D;
  };
  try {
    // Forward once to find the runner-up at the cell, then differentiate the logit difference.
    const logits = tf.tidy(() => cycleLogits(z0, y0, x));
    const row = Float32Array.from((await logits.data()) as Float32Array);
    logits.dispose();
    let runnerUp = -1;
    for (let v = 0; v < V; v++) if (v !== target && (runnerUp < 0 || row[v] > row[runnerUp])) runnerUp = v;
    const pick = tf.oneHot(tf.tensor1d([target, runnerUp], 'int32'), V);
    const sign = tf.tensor2d([[1], [-1]]);
    const weights = tf.sum(tf.mul(pick, sign), 0); // +1 at target, −1 at runner-up
    const f = (z: tf.Tensor, y: tf.Tensor, xx: tf.Tensor): tf.Tensor =>
      tf.sum(tf.mul(cycleLogits(z as tf.Tensor3D, y as tf.Tensor3D, xx as tf.Tensor3D), weights));
    const [gz, gy, gx] = tf.grads(f)([z0, y0, x]);
    const [az, ay, ax] = [tf.mul(gz, z0), tf.mul(gy, y0), tf.mul(gx, x)];
    tf.dispose([gz, gy, gx, pick, sign, weights]);
    const [hz, hy, hx] = (await Promise.all([az.data(), ay.data(), ax.data()])) as Float32Array[];
    tf.dispose([az, ay, ax]);
    const sum = (a: Float32Array, from: number, to: number): number => {
      let s = 0;
      for (let i = from * D; i < to * D; i++) s += a[i];
      return s;
    };
    const perCell = new Float32Array(S);
    for (let t = P; t < T; t++) {
      let s = 0;
      for (let d = t * D; d < (t + 1) * D; d++) s += Math.abs(hz[d]) + Math.abs(hy[d]) + Math.abs(hx[d]);
      perCell[t - P] = s;
    }
    return {
      cell,
      target,
      runnerUp,
      objective: row[target] - row[runnerUp],
      z: sum(hz, 0, T),
      y: sum(hy, 0, T),
      puzzleEmbedding: sum(hx, 0, P),
      question: sum(hx, P, T),
      perCell,
    };
  } finally {
    z0.dispose();
    y0.dispose();
  }
}
