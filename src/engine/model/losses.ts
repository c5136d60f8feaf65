// ACTLossHead (models/losses.py): stablemax or softmax cross-entropy on the
// grid cells, q_halt BCE against "whole sequence correct", total = lm + 0.5 q_halt, and the halted-
// example metrics. Two implementations with one meaning:
//  - *Host functions compute on plain arrays in float64 exactly like the official evaluation
//    (stablemax upcasts logits to float64): for evaluation, traces and parity.
//  - *Tf functions are float32 TF.js versions with gradients, for training.
// Labels use the loss convention: IGNORE_LABEL_ID (-100) = ignored; toLossLabels converts the
// datasets' convention (ignore_label_id, 0 for every TRM task) the way the official loader does.

import * as tf from '@tensorflow/tfjs-core';
import type { LossType } from '../config';

export const IGNORE_LABEL_ID = -100;
export const Q_HALT_LOSS_WEIGHT = 0.5;
const STABLEMAX_EPS = 1e-30;

/** Dataset labels -> loss labels: ids equal to `ignoreLabelId` (PAD = 0) become -100. */
export function toLossLabels(labels: Int32Array, ignoreLabelId = 0): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === ignoreLabelId ? IGNORE_LABEL_ID : labels[i];
  return out;
}

/** argmax over the last axis (first maximal index on ties; NaN counts as maximal, like torch). */
export function argmaxRows(logits: Float32Array, vocab: number): Int32Array {
  const rows = logits.length / vocab;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    let best = 0,
      bv = logits[o];
    if (!Number.isNaN(bv)) {
      for (let k = 1; k < vocab; k++) {
        const v = logits[o + k];
        if (Number.isNaN(v)) {
          best = k;
          break;
        }
        if (v > bv) {
          bv = v;
          best = k;
        }
      }
    }
    out[r] = best;
  }
  return out;
}

function checkLabelRange(labels: Int32Array, vocab: number): void {
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l !== IGNORE_LABEL_ID && (l < 0 || l >= vocab))
      throw new Error(
        `label ${l} at index ${i} is outside the vocabulary 0..${vocab - 1} (and is not the ignore id ${IGNORE_LABEL_ID})`,
      );
  }
}

/** s(v) = 1 / (1 - v + 1e-30) for v < 0, else v + 1 (the stablemax "exponential"). */
function stablemaxS(v: number): number {
  return v < 0 ? 1 / (1 - v + STABLEMAX_EPS) : v + 1;
}

/**
 * Stablemax cross-entropy per token in float64 (official stablemax_cross_entropy):
 * -log(s(l_label) / sum_j s(l_j)); 0 where the label is ignored. logits [N, V], labels [N].
 */
export function stablemaxCrossEntropyHost(logits: Float32Array, labels: Int32Array, vocab: number): Float64Array {
  checkLabelRange(labels, vocab);
  const out = new Float64Array(labels.length);
  for (let t = 0; t < labels.length; t++) {
    if (labels[t] === IGNORE_LABEL_ID) continue;
    const o = t * vocab;
    let sum = 0;
    for (let k = 0; k < vocab; k++) sum += stablemaxS(logits[o + k]);
    out[t] = -Math.log(stablemaxS(logits[o + labels[t]]) / sum);
  }
  return out;
}

/** Softmax cross-entropy per token (official softmax_cross_entropy is float32; computed here in float64 from the float32 logits). */
export function softmaxCrossEntropyHost(logits: Float32Array, labels: Int32Array, vocab: number): Float64Array {
  checkLabelRange(labels, vocab);
  const out = new Float64Array(labels.length);
  for (let t = 0; t < labels.length; t++) {
    if (labels[t] === IGNORE_LABEL_ID) continue;
    const o = t * vocab;
    let m = -Infinity;
    for (let k = 0; k < vocab; k++) m = Math.max(m, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < vocab; k++) sum += Math.exp(logits[o + k] - m);
    out[t] = -(logits[o + labels[t]] - m - Math.log(sum));
  }
  return out;
}

/** BCEWithLogits(x, target), the numerically stable form max(x, 0) - x t + log(1 + exp(-|x|)). */
export function bceWithLogits(x: number, target: number): number {
  return Math.max(x, 0) - x * target + Math.log1p(Math.exp(-Math.abs(x)));
}

export interface ActLossInput {
  logits: Float32Array; // [B, S, V]
  labels: Int32Array; // [B, S], loss convention (-100 ignored)
  qHalt: Float32Array; // [B]
  halted: ArrayLike<boolean | number>; // [B] after this step
  steps: Int32Array; // [B] step counters after this step
  batchSize: number;
  seqLen: number;
  vocabSize: number;
  lossType: LossType;
}

/** Batch sums, as ACTLossHead reports them before any division. */
export interface ActMetrics {
  count: number; // halted examples with at least one label
  accuracy: number; // sum of their per-example token accuracies
  exact_accuracy: number; // how many of them are entirely correct
  q_halt_accuracy: number; // how many have (q_halt >= 0) == seq_correct
  steps: number; // sum of their step counters
  lm_loss: number;
  q_halt_loss: number;
}

export interface ActLossResult {
  lmLoss: number;
  qHaltLoss: number;
  totalLoss: number; // lm + 0.5 q_halt (q_continue loss is 0 with no_ACT_continue)
  lmLossPerExample: Float64Array; // [B] sum_t CE_bt / max(count_b, 1)
  seqIsCorrect: Uint8Array; // [B] every labelled cell right (true when nothing is labelled)
  tokenCorrect: Uint8Array; // [B, S] labelled and right
  labelCounts: Int32Array; // [B]
  preds: Int32Array; // [B, S]
  metrics: ActMetrics;
}

/** ACTLossHead.forward in float64 on host arrays. */
export function actLossHost(input: ActLossInput): ActLossResult {
  const { logits, labels, qHalt, halted, steps, batchSize: B, seqLen: S, vocabSize: V } = input;
  if (logits.length !== B * S * V)
    throw new Error(`actLossHost: logits have ${logits.length} values, expected B*S*V = ${B}*${S}*${V}`);
  if (labels.length !== B * S)
    throw new Error(`actLossHost: labels have ${labels.length} values, expected B*S = ${B}*${S}`);
  if (qHalt.length !== B || halted.length !== B || steps.length !== B)
    throw new Error(`actLossHost: qHalt, halted and steps must have ${B} entries`);
  const ce =
    input.lossType === 'softmax_cross_entropy'
      ? softmaxCrossEntropyHost(logits, labels, V)
      : stablemaxCrossEntropyHost(logits, labels, V);
  const preds = argmaxRows(logits, V);
  const lmLossPerExample = new Float64Array(B);
  const seqIsCorrect = new Uint8Array(B);
  const tokenCorrect = new Uint8Array(B * S);
  const labelCounts = new Int32Array(B);
  const metrics: ActMetrics = {
    count: 0,
    accuracy: 0,
    exact_accuracy: 0,
    q_halt_accuracy: 0,
    steps: 0,
    lm_loss: 0,
    q_halt_loss: 0,
  };
  let lmLoss = 0,
    qHaltLoss = 0;
  for (let b = 0; b < B; b++) {
    let count = 0,
      correct = 0,
      ceSum = 0;
    for (let t = b * S; t < (b + 1) * S; t++) {
      if (labels[t] === IGNORE_LABEL_ID) continue;
      count++;
      ceSum += ce[t];
      if (preds[t] === labels[t]) {
        correct++;
        tokenCorrect[t] = 1;
      }
    }
    const div = Math.max(count, 1);
    labelCounts[b] = count;
    lmLossPerExample[b] = ceSum / div;
    lmLoss += lmLossPerExample[b];
    const seqCorrect = correct === count;
    seqIsCorrect[b] = seqCorrect ? 1 : 0;
    qHaltLoss += bceWithLogits(qHalt[b], seqCorrect ? 1 : 0);
    if (halted[b] && count > 0) {
      metrics.count++;
      metrics.accuracy += correct / div;
      if (seqCorrect) metrics.exact_accuracy++;
      if (qHalt[b] >= 0 === seqCorrect) metrics.q_halt_accuracy++;
      metrics.steps += steps[b];
    }
  }
  metrics.lm_loss = lmLoss;
  metrics.q_halt_loss = qHaltLoss;
  return {
    lmLoss,
    qHaltLoss,
    totalLoss: lmLoss + Q_HALT_LOSS_WEIGHT * qHaltLoss,
    lmLossPerExample,
    seqIsCorrect,
    tokenCorrect,
    labelCounts,
    preds,
    metrics,
  };
}

// ---------------------------------------------------------------------------------------------
// Training versions (float32, differentiable)

/**
 * Stablemax cross-entropy per token as a differentiable float32 op: logits [..., V], labels int32
 * [...] in loss convention; ignored tokens give 0. The negative branch reads min(v, 0) so the branch
 * tf.where does not take cannot produce Inf/NaN gradients.
 */
export function stablemaxCrossEntropyTf(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const V = logits.shape[logits.shape.length - 1];
    const neg = tf.minimum(logits, 0);
    // greaterEqual (not less): TF.js registers a gradient for it, and every op on the path from the
    // weights to the loss needs one even when it only feeds a condition.
    const s = tf.where(tf.greaterEqual(logits, 0), tf.add(logits, 1), tf.div(1, tf.add(tf.sub(1, neg), STABLEMAX_EPS)));
    const logProbs = tf.log(tf.div(s, tf.sum(s, -1, true)));
    return pickLabel(logProbs, labels, V);
  });
}

/** Softmax cross-entropy per token (float32, differentiable); ignored tokens give 0. */
export function softmaxCrossEntropyTf(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => pickLabel(tf.logSoftmax(logits, -1), labels, logits.shape[logits.shape.length - 1]));
}

function pickLabel(logProbs: tf.Tensor, labels: tf.Tensor, V: number): tf.Tensor {
  const valid = tf.notEqual(labels, IGNORE_LABEL_ID);
  const safe = tf.where(valid, labels, tf.zerosLike(labels));
  const picked = tf.sum(tf.mul(logProbs, tf.oneHot(tf.cast(safe, 'int32'), V)), -1);
  return tf.where(valid, tf.neg(picked), tf.zerosLike(picked));
}

export interface ActLossTensors {
  total: tf.Scalar; // lm + 0.5 q_halt (what the trainer divides by the global batch size)
  lmLoss: tf.Scalar;
  qHaltLoss: tf.Scalar;
  seqIsCorrect: tf.Tensor1D; // bool [B], no gradient
}

/** ACTLossHead as differentiable float32 TF.js ops. logits [B, S, V], qHalt [B], labels int32 [B, S] (-100 ignored). */
export function actLossTf(
  logits: tf.Tensor3D,
  qHalt: tf.Tensor1D,
  labels: tf.Tensor2D,
  lossType: LossType,
): ActLossTensors {
  return tf.tidy(() => {
    const mask = tf.notEqual(labels, IGNORE_LABEL_ID);
    const counts = tf.sum(tf.cast(mask, 'float32'), -1);
    const div = tf.expandDims(tf.maximum(counts, 1), -1);
    const ce =
      lossType === 'softmax_cross_entropy'
        ? softmaxCrossEntropyTf(logits, labels)
        : stablemaxCrossEntropyTf(logits, labels);
    const lmLoss = tf.sum(tf.div(ce, div)) as tf.Scalar;
    // The BCE target (whole sequence right) carries no gradient. It is built only from ops with
    // registered gradients (argMax's is zero), because TF.js refuses to differentiate through
    // comparison ops such as equal even when their contribution is zero.
    const wrong = tf.mul(
      tf.minimum(tf.abs(tf.sub(tf.cast(tf.argMax(logits, -1), 'float32'), tf.cast(labels, 'float32'))), 1),
      tf.cast(mask, 'float32'),
    );
    const target = tf.sub(1, tf.minimum(tf.sum(wrong, -1), 1));
    const seqIsCorrect = tf.greater(target, 0.5) as tf.Tensor1D;
    const bce = tf.add(tf.sub(tf.relu(qHalt), tf.mul(qHalt, target)), tf.log1p(tf.exp(tf.neg(tf.abs(qHalt)))));
    const qHaltLoss = tf.sum(bce) as tf.Scalar;
    const total = tf.add(lmLoss, tf.mul(qHaltLoss, Q_HALT_LOSS_WEIGHT)) as tf.Scalar;
    return { total, lmLoss, qHaltLoss, seqIsCorrect };
  });
}
