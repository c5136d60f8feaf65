// One training step of the official loop (pretrain.py `train_batch`): refill halted carry slots
// from the batch, run cycles 1..T-1 without gradients, the last cycle and the heads under
// tf.variableGrads (x embedded inside, puzzle rows as a temporary variable), loss / batch size,
// halting with exploration, then SignSGD on the puzzle rows, AdamATan2/AdamW on the parameters, EMA.
// Logits, q_halt and every gradient are read back asynchronously and together (one wait on a GPU).

import * as tf from '@tensorflow/tfjs-core';
import { ActBatch, ActCarry, ResetResult, haltingDecision, resetCarry } from '../model/act';
import { ActMetrics, actLossHost, actLossTf } from '../model/losses';
import type { RecursionTensors, TrmModel } from '../model/trm';
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

/** The differentiated part of a step, on the host: what the optimisers need, plus the new recursion state. */
export interface StepGradients {
  /** The slots after the reset (fresh examples in halted slots), and their step counts before this step. */
  reset: ResetResult;
  /** y (z_H) and z (z_L) after the step's last cycle; the caller owns them. */
  state: RecursionTensors;
  logits: Float32Array; // [B, S, V]
  qHalt: Float32Array; // [B]
  /** Gradients of (total loss / B), aligned with `p.trainable`; undefined where the loss does not depend on it. */
  grads: (Float32Array | undefined)[];
  /** Gradient with respect to the batch's puzzle-embedding rows [B, puzzle_emb_ndim] (when the model has them). */
  puzzleRowGrads?: Float32Array;
}

/**
 * Refills halted slots, runs cycles 1..T-1 without gradients and the last cycle with the heads under
 * tf.variableGrads, then reads logits, q_halt and every gradient back together. Consumes `carry`'s
 * state. Backend-independent: the same call on cpu and on webgpu must give the same numbers.
 */
export async function stepGradients(
  model: TrmModel,
  p: HostParams,
  carry: ActCarry,
  batch: ActBatch,
): Promise<StepGradients> {
  const c = model.config;
  const B = carry.halted.length;
  const S = c.seq_len;
  const reset = resetCarry(model, carry, batch);
  carry.state.y.dispose();
  carry.state.z.dispose();
  const data = reset.data;
  const labels = data.labels!;
  const rowsHost = c.puzzle_emb_ndim > 0 ? puzzleRows(p, data.puzzleIdentifiers) : undefined;

  const inputsT = tf.tensor2d(data.inputs, [B, S], 'int32');
  const labelsT = tf.tensor2d(labels, [B, S], 'int32');
  // The variable shares the value's data; the value itself must be disposed (it leaked one tensor a step).
  const rowsVar = rowsHost
    ? tf.tidy(() =>
        tf.variable(
          tf.tensor2d(rowsHost, [B, c.puzzle_emb_ndim]),
          true,
          `puzzle_rows_${Math.random().toString(36).slice(2)}`,
        ),
      )
    : undefined;
  const embedOpts = rowsVar ? { puzzleRows: rowsVar as unknown as tf.Tensor2D } : {};
  // Cycles 1..T-1: no tape is recorded outside variableGrads (torch.no_grad in the official code).
  let s = reset.state;
  const xNoGrad = model.embed(inputsT, data.puzzleIdentifiers, embedOpts);
  for (let cyc = 1; cyc < c.H_cycles; cyc++) {
    const next = model.cycle(s, xNoGrad, cyc);
    s.y.dispose();
    s.z.dispose();
    s = next;
  }
  xNoGrad.dispose();

  const vars = p.trainable.map((k) => model.params.get(k));
  let kept: { y: tf.Tensor3D; z: tf.Tensor3D; logits: tf.Tensor3D; qHalt: tf.Tensor1D } | undefined;
  let grads: tf.NamedTensorMap;
  try {
    const vg = tf.variableGrads(
      () => {
        const x = model.embed(inputsT, data.puzzleIdentifiers, embedOpts);
        const ns = model.cycle(s, x, c.H_cycles);
        const out = model.heads(ns.y);
        const loss = actLossTf(out.logits, out.qHalt, labelsT, c.loss_type);
        kept = { y: tf.keep(ns.y), z: tf.keep(ns.z), logits: tf.keep(out.logits), qHalt: tf.keep(out.qHalt) };
        // pretrain.py backpropagates total / global_batch_size.
        return tf.div(loss.total, B) as tf.Scalar;
      },
      rowsVar ? [...vars, rowsVar] : vars,
    );
    vg.value.dispose();
    grads = vg.grads;
  } finally {
    tf.dispose([s.y, s.z, inputsT, labelsT]);
    rowsVar?.dispose();
  }
  const k = kept!;
  try {
    const rowsGrad = rowsVar ? grads[rowsVar.name] : undefined;
    const reads = await Promise.all([
      k.logits.data(),
      k.qHalt.data(),
      rowsGrad ? rowsGrad.data() : Promise.resolve(undefined),
      ...vars.map((v) => grads[v.name]?.data()),
    ]);
    return {
      reset,
      state: { y: k.y, z: k.z },
      logits: reads[0] as Float32Array,
      qHalt: Float32Array.from(reads[1] as Float32Array),
      puzzleRowGrads: reads[2] as Float32Array | undefined,
      grads: reads.slice(3) as (Float32Array | undefined)[],
    };
  } catch (e) {
    tf.dispose([k.y, k.z]);
    throw e;
  } finally {
    tf.dispose([k.logits, k.qHalt, ...Object.values(grads)]);
  }
}

/**
 * Runs one step and updates `p` and the model's variables. Consumes `carry` (disposes its state).
 * `lr` and `puzzleLr` are this step's scheduled rates.
 */
export async function trainStep(
  model: TrmModel,
  p: HostParams,
  carry: ActCarry,
  batch: ActBatch,
  h: TrainHyperparams,
  lr: number,
  puzzleLr: number,
  rng: TrainRng,
): Promise<StepResult> {
  const c = model.config;
  const B = carry.halted.length;
  const g = await stepGradients(model, p, carry, batch);
  const data = g.reset.data;
  const steps = g.reset.steps.map((v) => v + 1);
  // q_continue is unused with no_ACT_continue (the only working official setting).
  const halted = haltingDecision(c, steps, g.qHalt, new Float32Array(B), 'train', rng.fn());
  const loss = actLossHost({
    logits: g.logits,
    labels: data.labels!,
    qHalt: g.qHalt,
    halted,
    steps,
    batchSize: B,
    seqLen: c.seq_len,
    vocabSize: c.vocab_size,
    lossType: c.loss_type,
  });

  // Optimisers (both with the scheduled lr of this step).
  if (c.puzzle_emb_ndim > 0) {
    signSgdSparseStep(
      p.values.get(PUZZLE_TABLE)!,
      c.puzzle_emb_ndim,
      data.puzzleIdentifiers,
      g.puzzleRowGrads ?? new Float32Array(B * c.puzzle_emb_ndim),
      puzzleLr,
      h.puzzle_emb_weight_decay,
    );
  }
  const hp = { beta1: h.beta1, beta2: h.beta2, weightDecay: h.weight_decay };
  p.trainable.forEach((name, i) => {
    const gv = g.grads[i] ?? new Float32Array(p.values.get(name)!.length);
    optimizerStep(h.optimizer, p.values.get(name)!, gv, p.adam.get(name)!, lr, hp);
    if (p.ema) emaUpdate(p.ema.get(name)!, p.values.get(name)!, h.ema_rate);
  });
  syncVariables(model, p, p.trainable);

  return { carry: { state: g.state, steps, halted, data }, metrics: loss.metrics, batchSize: B };
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
