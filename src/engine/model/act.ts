// The ACT wrapper (TinyRecursiveReasoningModel_ACTV1 in models/recursive_reasoning/trm.py): a carry of recursion
// state, step counters, halted flags and the data each batch slot works on. One call = one
// supervision step: reset halted slots (fresh rows, y = H_init, z = L_init), run the inner model,
// count the step, decide halting. Evaluation never halts early (every slot runs halt_max_steps);
// training halts on q_halt > 0 (no_ACT_continue) with seeded exploration delaying some halts.
// Step counters, flags and data live on the host (they are tiny); the state stays on the backend.
// The halting values are read back asynchronously: a GPU backend (webgpu) cannot read synchronously.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config';
import { Rng, randInt } from './rng';
import type { RecursionTensors, StepHooks, TrmModel } from './trm';

/** A batch as the data loader yields it (row-major, B rows). */
export interface ActBatch {
  inputs: Int32Array; // [B, S] token ids
  puzzleIdentifiers: Int32Array; // [B]
  labels?: Int32Array; // [B, S] as stored in the datasets (ignore_label_id, 0 = PAD, ignored)
}

export interface ActCarry {
  state: RecursionTensors; // y (z_H) and z (z_L), [B, T, D]
  steps: Int32Array; // [B] supervision steps taken by the example in each slot
  halted: Uint8Array; // [B] 1 = the slot takes a fresh example at the next call
  data: ActBatch; // current_data: the example each slot works on
}

export type ActMode = 'eval' | 'train';

export interface ActStepOptions {
  mode: ActMode;
  /** Exploration draws (training only; required when halt_exploration_prob > 0). */
  rng?: Rng;
  /** Observe every update / layer of the inner recursion (tensors valid during the call only). */
  hooks?: StepHooks;
}

export interface ActStepResult {
  carry: ActCarry;
  logits: tf.Tensor3D; // [B, S, V]; the caller disposes it
  qHalt: Float32Array; // [B]
  qContinue: Float32Array; // [B]
}

/** Checks shapes and id ranges of a batch; one error naming the field, row and value. */
export function validateBatch(config: TrmConfig, batch: ActBatch, what = 'batch'): number {
  const S = config.seq_len;
  const B = batch.puzzleIdentifiers.length;
  if (B < 1) throw new Error(`${what}: empty batch (no puzzle identifiers)`);
  if (batch.inputs.length !== B * S)
    throw new Error(`${what}: inputs have ${batch.inputs.length} ids, expected ${B} rows x seq_len ${S} = ${B * S}`);
  if (batch.labels && batch.labels.length !== B * S)
    throw new Error(`${what}: labels have ${batch.labels.length} ids, expected ${B * S}`);
  const V = config.vocab_size;
  const check = (arr: Int32Array, field: string, lo: number, hi: number, okExtra?: number) => {
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if ((v < lo || v > hi) && v !== okExtra) {
        const where = field === 'puzzleIdentifiers' ? `row ${i}` : `row ${Math.floor(i / S)}, cell ${i % S}`;
        throw new Error(`${what}: ${field} ${where} is ${v}, outside ${lo}..${hi}`);
      }
    }
  };
  check(batch.inputs, 'inputs', 0, V - 1);
  if (batch.labels) check(batch.labels, 'labels', 0, V - 1, -100);
  check(batch.puzzleIdentifiers, 'puzzleIdentifiers', 0, Math.max(0, config.num_puzzle_identifiers - 1));
  return B;
}

/** The initial carry: every slot "halted", so the first call loads the batch and resets the state. */
export function initialCarry(model: TrmModel, batchSize: number): ActCarry {
  const S = model.config.seq_len;
  return {
    // Official: torch.empty (overwritten at once by the reset); here the reset values themselves.
    state: model.initialState(batchSize),
    steps: new Int32Array(batchSize),
    halted: new Uint8Array(batchSize).fill(1),
    data: {
      inputs: new Int32Array(batchSize * S),
      puzzleIdentifiers: new Int32Array(batchSize),
      labels: new Int32Array(batchSize * S),
    },
  };
}

export interface ResetResult {
  state: RecursionTensors;
  steps: Int32Array;
  data: ActBatch;
}

/** Wrapper step 1: halted slots get y = H_init, z = L_init, steps = 0 and the fresh batch's rows. Does not dispose `carry`. */
export function resetCarry(model: TrmModel, carry: ActCarry, batch: ActBatch): ResetResult {
  const B = carry.halted.length;
  const S = model.config.seq_len;
  if (validateBatch(model.config, batch) !== B)
    throw new Error(`batch has ${batch.puzzleIdentifiers.length} rows, the carry has ${B} slots`);
  const steps = Int32Array.from(carry.steps);
  const inputs = Int32Array.from(carry.data.inputs);
  const puzzleIdentifiers = Int32Array.from(carry.data.puzzleIdentifiers);
  const labels = carry.data.labels ? Int32Array.from(carry.data.labels) : new Int32Array(B * S);
  for (let b = 0; b < B; b++) {
    if (!carry.halted[b]) continue;
    steps[b] = 0;
    inputs.set(batch.inputs.subarray(b * S, (b + 1) * S), b * S);
    puzzleIdentifiers[b] = batch.puzzleIdentifiers[b];
    if (batch.labels) labels.set(batch.labels.subarray(b * S, (b + 1) * S), b * S);
    else labels.fill(0, b * S, (b + 1) * S);
  }
  const state = tf.tidy(() => {
    const mask = tf.reshape(tf.tensor1d(carry.halted, 'bool'), [B, 1, 1]);
    const init = model.initialState(B);
    return {
      y: tf.where(mask, init.y, carry.state.y) as tf.Tensor3D,
      z: tf.where(mask, init.z, carry.state.z) as tf.Tensor3D,
    };
  });
  return {
    state,
    steps,
    data: { inputs, puzzleIdentifiers, labels: batch.labels || carry.data.labels ? labels : undefined },
  };
}

/**
 * Wrapper steps 3-4 on host values: steps + 1 (already applied to `steps`), halted = steps >= N_sup;
 * in training (and N_sup > 1) also q_halt > 0 (no_ACT_continue) or q_halt > q_continue, then
 * exploration: with probability halt_exploration_prob a minimum step count uniform in 2..N_sup is
 * drawn per example (all uniforms first, then all integers, like torch's two calls) and halting
 * is delayed until it is reached.
 */
export function haltingDecision(
  config: TrmConfig,
  steps: Int32Array,
  qHalt: Float32Array,
  qContinue: Float32Array,
  mode: ActMode,
  rng?: Rng,
): Uint8Array {
  const B = steps.length;
  const K = config.halt_max_steps;
  const halted = new Uint8Array(B);
  for (let b = 0; b < B; b++) halted[b] = steps[b] >= K ? 1 : 0;
  if (mode !== 'train' || K <= 1) return halted;
  for (let b = 0; b < B; b++) {
    const signal = config.no_ACT_continue ? qHalt[b] > 0 : qHalt[b] > qContinue[b];
    if (signal) halted[b] = 1;
  }
  const p = config.halt_exploration_prob;
  if (p > 0) {
    if (!rng) throw new Error('training-mode halting needs an rng for exploration (halt_exploration_prob > 0)');
    const explore = Array.from({ length: B }, () => rng() < p);
    const minSteps = Array.from({ length: B }, () => randInt(rng, 2, K));
    for (let b = 0; b < B; b++) if (halted[b] && steps[b] < (explore[b] ? minSteps[b] : 0)) halted[b] = 0;
  }
  return halted;
}

/**
 * One call of the ACT wrapper. Consumes `carry` (its state tensors are disposed); returns the new
 * carry and this step's outputs. Inference only: a trainer runs resetCarry, its own differentiated
 * forward and haltingDecision.
 */
export async function actStep(
  model: TrmModel,
  carry: ActCarry,
  batch: ActBatch,
  opts: ActStepOptions,
): Promise<ActStepResult> {
  const B = carry.halted.length;
  const reset = resetCarry(model, carry, batch);
  carry.state.y.dispose();
  carry.state.z.dispose();
  let out;
  try {
    const x = tf.tidy(() =>
      model.embed(tf.tensor2d(reset.data.inputs, [B, model.config.seq_len], 'int32'), reset.data.puzzleIdentifiers),
    );
    try {
      out = model.step(reset.state, x, opts.hooks);
    } finally {
      x.dispose();
    }
  } finally {
    reset.state.y.dispose();
    reset.state.z.dispose();
  }
  let qHalt: Float32Array, qContinue: Float32Array;
  try {
    [qHalt, qContinue] = (await Promise.all([out.qHalt.data(), out.qContinue.data()])) as [Float32Array, Float32Array];
  } catch (e) {
    tf.dispose([out.state.y, out.state.z, out.logits]);
    throw e;
  } finally {
    out.qHalt.dispose();
    out.qContinue.dispose();
  }
  const steps = reset.steps.map((s) => s + 1);
  const halted = haltingDecision(model.config, steps, qHalt, qContinue, opts.mode, opts.rng);
  return {
    carry: { state: out.state, steps, halted, data: reset.data },
    logits: out.logits,
    qHalt: Float32Array.from(qHalt),
    qContinue: Float32Array.from(qContinue),
  };
}

export function disposeCarry(carry: ActCarry): void {
  carry.state.y.dispose();
  carry.state.z.dispose();
}
