// One training step of the official loop (pretrain.py `train_batch`): refill halted carry slots
// from the batch, run cycles 1..T-1 without gradients, the last cycle and the heads under
// tf.variableGrads (x embedded inside, puzzle rows as a temporary variable), loss / batch size,
// halting with exploration, then SignSGD on the puzzle rows, AdamATan2/AdamW on the parameters, EMA.

import * as tf from '@tensorflow/tfjs-core';
import { ActBatch, ActCarry, haltingDecision, resetCarry } from '../model/act';
import { ActMetrics, actLossHost, actLossTf } from '../model/losses';
import type { TrmModel } from '../model/trm';
import type { TrainMetrics } from './events';
import { HostParams, PUZZLE_TABLE, syncVariables } from './modelState';
import { emaUpdate, optimizerStep, signSgdSparseStep } from './optim';
import type { TrainHyperparams } from './recipe';
import type { TrainRng } from './rng';

export interface StepResult {
  carry: ActCarry;
  metrics: ActMetrics;
  batchSize: number;
}

function puzzleRows(p: HostParams, ids: Int32Array): Float32Array {
  const ndim = p.config.puzzle_emb_ndim;
  const table = p.values.get(PUZZLE_TABLE)!;
  const out = new Float32Array(ids.length * ndim);
  for (let b = 0; b < ids.length; b++) out.set(table.subarray(ids[b] * ndim, (ids[b] + 1) * ndim), b * ndim);
  return out;
}

/**
 * Runs one step and updates `p` and the model's variables. Consumes `carry` (disposes its state).
 * `lr` and `puzzleLr` are this step's scheduled rates.
 */
export function trainStep(
  model: TrmModel,
  p: HostParams,
  carry: ActCarry,
  batch: ActBatch,
  h: TrainHyperparams,
  lr: number,
  puzzleLr: number,
  rng: TrainRng,
): StepResult {
  const c = model.config;
  const B = carry.halted.length;
  const S = c.seq_len;
  const reset = resetCarry(model, carry, batch);
  carry.state.y.dispose();
  carry.state.z.dispose();
  const data = reset.data;
  const labels = data.labels!;
  const hasPuzzle = c.puzzle_emb_ndim > 0;
  const rowsHost = hasPuzzle ? puzzleRows(p, data.puzzleIdentifiers) : undefined;

  const inputsT = tf.tensor2d(data.inputs, [B, S], 'int32');
  const idsT = tf.tensor1d(data.puzzleIdentifiers, 'int32');
  const labelsT = tf.tensor2d(labels, [B, S], 'int32');
  const rowsVar = rowsHost
    ? tf.variable(
        tf.tensor2d(rowsHost, [B, c.puzzle_emb_ndim]),
        true,
        `puzzle_rows_${Math.random().toString(36).slice(2)}`,
      )
    : undefined;
  // Cycles 1..T-1: no tape is recorded outside variableGrads (torch.no_grad in the official code).
  let s = reset.state;
  const xNoGrad = model.embed(inputsT, idsT, rowsVar ? { puzzleRows: rowsVar as unknown as tf.Tensor2D } : {});
  for (let cyc = 1; cyc < c.H_cycles; cyc++) {
    const next = model.cycle(s, xNoGrad, cyc);
    s.y.dispose();
    s.z.dispose();
    s = next;
  }
  xNoGrad.dispose();

  const names = p.trainable;
  const vars = names.map((k) => model.params.get(k));
  let kept: { y: tf.Tensor3D; z: tf.Tensor3D; logits: tf.Tensor3D; qHalt: tf.Tensor1D } | undefined;
  const { value, grads } = tf.variableGrads(
    () => {
      const x = model.embed(inputsT, idsT, rowsVar ? { puzzleRows: rowsVar as unknown as tf.Tensor2D } : {});
      const ns = model.cycle(s, x, c.H_cycles);
      const out = model.heads(ns.y);
      const loss = actLossTf(out.logits, out.qHalt, labelsT, c.loss_type);
      kept = { y: tf.keep(ns.y), z: tf.keep(ns.z), logits: tf.keep(out.logits), qHalt: tf.keep(out.qHalt) };
      // pretrain.py backpropagates total / global_batch_size.
      return tf.div(loss.total, B) as tf.Scalar;
    },
    rowsVar ? [...vars, rowsVar] : vars,
  );
  s.y.dispose();
  s.z.dispose();
  inputsT.dispose();
  idsT.dispose();
  labelsT.dispose();
  value.dispose();
  const k = kept!;
  const logits = k.logits.dataSync() as Float32Array;
  const qHalt = Float32Array.from(k.qHalt.dataSync() as Float32Array);
  k.logits.dispose();
  k.qHalt.dispose();

  const steps = reset.steps.map((v) => v + 1);
  // q_continue is unused with no_ACT_continue (the only working official setting).
  const halted = haltingDecision(c, steps, qHalt, new Float32Array(B), 'train', rng.fn());
  const loss = actLossHost({
    logits,
    labels,
    qHalt,
    halted,
    steps,
    batchSize: B,
    seqLen: S,
    vocabSize: c.vocab_size,
    lossType: c.loss_type,
  });

  // Optimisers (both with the scheduled lr of this step).
  if (rowsVar) {
    const g = grads[rowsVar.name];
    const gRows = g ? (g.dataSync() as Float32Array) : new Float32Array(B * c.puzzle_emb_ndim);
    signSgdSparseStep(
      p.values.get(PUZZLE_TABLE)!,
      c.puzzle_emb_ndim,
      data.puzzleIdentifiers,
      gRows,
      puzzleLr,
      h.puzzle_emb_weight_decay,
    );
  }
  const hp = { beta1: h.beta1, beta2: h.beta2, weightDecay: h.weight_decay };
  names.forEach((name, i) => {
    const g = grads[vars[i].name];
    const gv = g ? (g.dataSync() as Float32Array) : new Float32Array(p.values.get(name)!.length);
    optimizerStep(h.optimizer, p.values.get(name)!, gv, p.adam.get(name)!, lr, hp);
    if (p.ema) emaUpdate(p.ema.get(name)!, p.values.get(name)!, h.ema_rate);
  });
  for (const g of Object.values(grads)) g.dispose();
  rowsVar?.dispose();
  syncVariables(model, p, names);

  return { carry: { state: { y: k.y, z: k.z }, steps, halted, data }, metrics: loss.metrics, batchSize: B };
}

/** Running sums over a logging window; `summary` divides like pretrain.py (losses by examples, rates by halted count). */
export class MetricWindow {
  private sums: ActMetrics = {
    count: 0,
    accuracy: 0,
    exact_accuracy: 0,
    q_halt_accuracy: 0,
    steps: 0,
    lm_loss: 0,
    q_halt_loss: 0,
  };
  private examples = 0;
  add(m: ActMetrics, batchSize: number): void {
    for (const key of Object.keys(this.sums) as (keyof ActMetrics)[]) this.sums[key] += m[key];
    this.examples += batchSize;
  }
  summary(): TrainMetrics & { haltedCount: number } {
    const s = this.sums;
    const n = Math.max(1, this.examples);
    const cnt = s.count;
    const rate = (v: number): number => (cnt > 0 ? v / cnt : 0);
    const lm = s.lm_loss / n,
      qh = s.q_halt_loss / n;
    return {
      lmLoss: lm,
      qHaltLoss: qh,
      totalLoss: lm + 0.5 * qh,
      accuracy: rate(s.accuracy),
      exactAccuracy: rate(s.exact_accuracy),
      qHaltAccuracy: rate(s.q_halt_accuracy),
      meanSteps: rate(s.steps),
      haltedCount: cnt,
    };
  }
  get empty(): boolean {
    return this.examples === 0;
  }
}
