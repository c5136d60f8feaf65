// The ACT wrapper's inference step (model/act.ts `actStep`, TinyRecursiveReasoningModel_ACTV1.forward
// in trm.py) with the recursion state on the host, for a StepRunner: reset the halted slots (fresh
// rows, y = H_init, z = L_init, steps = 0), embed the slots' inputs with the TF.js model, run one
// supervision step on the runner, count it and decide halting with act.ts's own rules.

import * as tf from '@tensorflow/tfjs-core';
import { type ActBatch, type ActMode, haltingDecision, validateBatch } from '../model/act';
import type { Rng } from '../model/rng';
import type { TrmModel } from '../model/trm';
import type { HostState, StepRun, StepRunOptions, StepRunner } from './stepRunner';

export interface HostCarry {
  state: HostState; // [B, T, D] each
  steps: Int32Array;
  halted: Uint8Array;
  data: ActBatch;
  /** x for `data` (reused while no slot takes a fresh example). */
  x?: Float32Array;
}

/** Every slot "halted": the first step loads the batch and resets the state (act.ts `initialCarry`). */
export function initialHostCarry(model: TrmModel, batchSize: number): HostCarry {
  const S = model.config.seq_len;
  return {
    state: initialHostState(model, batchSize),
    steps: new Int32Array(batchSize),
    halted: new Uint8Array(batchSize).fill(1),
    data: {
      inputs: new Int32Array(batchSize * S),
      puzzleIdentifiers: new Int32Array(batchSize),
      labels: new Int32Array(batchSize * S),
    },
  };
}

/** y = H_init and z = L_init on every position of every row (TrmModel.initialState on the host). */
export function initialHostState(model: TrmModel, batchSize: number): HostState {
  const T = model.derived.totalSeqLen;
  const fill = (name: string): Float32Array => {
    const row = model.params.get(name).dataSync() as Float32Array;
    const out = new Float32Array(batchSize * T * row.length);
    for (let i = 0; i < batchSize * T; i++) out.set(row, i * row.length);
    return out;
  };
  return { y: fill('H_init'), z: fill('L_init') };
}

export interface HostActStepOptions extends StepRunOptions {
  mode: ActMode;
  rng?: Rng;
}

/** One ACT call; `carry` is not modified. Returns the new carry and the step's results. */
export async function hostActStep(
  model: TrmModel,
  runner: StepRunner,
  carry: HostCarry,
  batch: ActBatch,
  opts: HostActStepOptions,
): Promise<{ carry: HostCarry; run: StepRun }> {
  const B = carry.halted.length;
  const S = model.config.seq_len;
  if (validateBatch(model.config, batch) !== B)
    throw new Error(`batch has ${batch.puzzleIdentifiers.length} rows, the carry has ${B} slots`);
  const TD = carry.state.y.length / B;
  const steps = Int32Array.from(carry.steps);
  const data: ActBatch = {
    inputs: Int32Array.from(carry.data.inputs),
    puzzleIdentifiers: Int32Array.from(carry.data.puzzleIdentifiers),
    labels: carry.data.labels ? Int32Array.from(carry.data.labels) : new Int32Array(B * S),
  };
  let state = carry.state;
  let x = carry.x;
  if (carry.halted.some((h) => h === 1)) {
    const init = initialHostState(model, 1);
    state = { y: Float32Array.from(carry.state.y), z: Float32Array.from(carry.state.z) };
    for (let b = 0; b < B; b++) {
      if (!carry.halted[b]) continue;
      steps[b] = 0;
      data.inputs.set(batch.inputs.subarray(b * S, (b + 1) * S), b * S);
      data.puzzleIdentifiers[b] = batch.puzzleIdentifiers[b];
      if (batch.labels) data.labels?.set(batch.labels.subarray(b * S, (b + 1) * S), b * S);
      else data.labels?.fill(0, b * S, (b + 1) * S);
      state.y.set(init.y, b * TD);
      state.z.set(init.z, b * TD);
    }
    x = undefined;
  }
  if (!batch.labels && !carry.data.labels) data.labels = undefined;
  if (!x) {
    const xt = tf.tidy(() =>
      model.embed(tf.tensor2d(data.inputs, [B, S], 'int32'), tf.tensor1d(data.puzzleIdentifiers, 'int32')),
    );
    try {
      x = Float32Array.from((await xt.data()) as Float32Array);
    } finally {
      xt.dispose();
    }
  }
  const run = await runner.step(state, x, B, opts);
  for (let b = 0; b < B; b++) steps[b]++;
  const halted = haltingDecision(model.config, steps, run.qHalt, run.qContinue, opts.mode, opts.rng);
  return { carry: { state: { y: run.y, z: run.z }, steps, halted, data, x }, run };
}
