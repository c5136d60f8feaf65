// The one place where model outputs at a position are decoded into an answer: lm_head / q_head on a
// state (y, or z for the z-lens), then per cell the argmax (first maximal index, NaN wins, as torch),
// its softmax probability, the margin to the runner-up logit and the entropy of the softmax; the
// answer is judged against labels (0 = ignore_label_id, as in the official loss) and compared with
// the previous answer. The tracer, the debug session, a second or patched run and the analyses all
// decode through here, so every view of "the answer at this update" agrees bit for bit.
// Mirrors the official `pretrain.py` evaluation (`argmax(logits, -1)` and `seq_is_correct`).

import * as tf from '@tensorflow/tfjs-core';
import type { TrmModel } from '../model/trm';
import { argmaxRows } from '../model/losses';

/** Per-cell reading of one [S, V] logits block. */
export interface DecodedCells {
  preds: Int32Array; // [S] argmax (first index on ties)
  confidence: Float32Array; // [S] softmax probability of the predicted id
  margin: Float32Array; // [S] logit(pred) − logit(runner-up), ≥ 0
  entropy: Float32Array; // [S] entropy of the softmax over the vocabulary, in nats
}

/** A state decoded through the heads: the cells plus the halting head (read on position 0 of the same state). */
export interface DecodedState extends DecodedCells {
  logits: Float32Array; // [S, V]
  qHalt: number;
  qContinue: number;
}

/** The answer judged against labels (cells labelled 0 are ignored). */
export interface Judgement {
  correct: boolean;
  accuracy: number;
  wrongCells: number[];
}

/** Argmax, softmax probability, margin and entropy per cell of row-major [cells, vocab] logits. */
export function decodeLogits(logits: Float32Array, vocab: number): DecodedCells {
  const cells = logits.length / vocab;
  if (!Number.isInteger(cells)) throw new Error(`decode: ${logits.length} logits are not a multiple of vocab ${vocab}`);
  const preds = argmaxRows(logits, vocab);
  const confidence = new Float32Array(cells);
  const margin = new Float32Array(cells);
  const entropy = new Float32Array(cells);
  for (let i = 0; i < cells; i++) {
    const o = i * vocab;
    let m = -Infinity;
    for (let k = 0; k < vocab; k++) m = Math.max(m, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < vocab; k++) sum += Math.exp(logits[o + k] - m);
    const top = logits[o + preds[i]];
    confidence[i] = Math.exp(top - m) / sum;
    let second = -Infinity;
    let h = 0;
    for (let k = 0; k < vocab; k++) {
      const l = logits[o + k];
      if (k !== preds[i] && l > second) second = l;
      const p = Math.exp(l - m) / sum;
      if (p > 0) h -= p * Math.log(p);
    }
    margin[i] = vocab > 1 ? top - second : Infinity;
    entropy[i] = h;
  }
  return { preds, confidence, margin, entropy };
}

/** Cells whose answer differs from `previous`; without one (step 1), every non-PAD input cell. */
export function changedCells(preds: Int32Array, previous: Int32Array | undefined, inputs: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < preds.length; i++) if (previous ? previous[i] !== preds[i] : inputs[i] !== 0) out.push(i);
  return out;
}

/** The answer against the labels; undefined when no cell is labelled. */
export function judgeAnswer(preds: Int32Array, labels: Int32Array): Judgement | undefined {
  const wrongCells: number[] = [];
  let counted = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0) continue; // PAD / ignore_label_id
    counted++;
    if (preds[i] !== labels[i]) wrongCells.push(i);
  }
  if (counted === 0) return undefined;
  return { correct: wrongCells.length === 0, accuracy: (counted - wrongCells.length) / counted, wrongCells };
}

/**
 * Applies the heads to one state [T, D] (y, or z for the z-lens) on the current TF.js backend and
 * decodes it. The halting head reads position 0 of the same state.
 */
export async function decodeState(model: TrmModel, state: Float32Array): Promise<DecodedState> {
  const T = model.derived.totalSeqLen;
  const D = model.config.hidden_size;
  if (state.length !== T * D)
    throw new Error(`decode: the state has ${state.length} values, expected T x D = ${T} x ${D}`);
  const h = tf.tensor3d(state, [1, T, D]);
  const heads = model.heads(h);
  try {
    const [logits, qh, qc] = await Promise.all([heads.logits.data(), heads.qHalt.data(), heads.qContinue.data()]);
    const l = Float32Array.from(logits as Float32Array);
    return { ...decodeLogits(l, model.config.vocab_size), logits: l, qHalt: qh[0], qContinue: qc[0] };
  } finally {
    h.dispose();
    heads.logits.dispose();
    heads.qHalt.dispose();
    heads.qContinue.dispose();
  }
}

/** ‖a − b‖ as RMS over positions of the per-position Euclidean norm: sqrt(Σ (a − b)² / T). */
export function rmsPerPosition(a: Float32Array, b: Float32Array, positions: number): number {
  if (a.length !== b.length) throw new Error(`rmsPerPosition: ${a.length} vs ${b.length} values`);
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return Math.sqrt(s / positions);
}
