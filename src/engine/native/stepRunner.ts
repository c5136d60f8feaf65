// The seam between the recursion's consumers (the lazy puzzle trace, evaluation episodes, inline
// predictions) and a compute path other than TrmModel's TF.js ops: a StepRunner runs one supervision
// step, or one network application, of a TrmModel that it was built from, on host arrays. The TF.js
// model still embeds the question (x) and owns the weights and the config; a runner only computes
// what model.step / zUpdate / yUpdate compute, and is checked against them (test/unit/native/).

import type { ForwardDType } from '../config';

/** y (z_H) and z (z_L), each [B, T, D] row-major float32. */
export interface HostState {
  y: Float32Array;
  z: Float32Array;
}

export interface StepRunOptions {
  /** Also return every update's output (a z update's z, a y update's y), in step order. */
  updates?: boolean;
  /** Also return the state after every inner block (layers 1..L-1) of every update. */
  layers?: boolean;
}

/** One supervision step's results on the host (TrmModel.step's outputs, downloaded). */
export interface StepRun extends HostState {
  logits: Float32Array; // [B, S, V]
  qHalt: Float32Array; // [B]
  qContinue: Float32Array; // [B]
  /** With `updates`: H_cycles * (L_cycles + 1) arrays [B, T, D], cycle by cycle: n z updates, then y. */
  updates?: Float32Array[];
  /** With `layers`: layers[k][l - 1] = state after block l (1..L_layers-1) inside update k. */
  layers?: Float32Array[][];
}

export interface StepRunner {
  /** Short name for reports ("onnxruntime"). */
  readonly name: string;
  /** One line for users: library, version, threads, dtype. */
  readonly description: string;
  /** The dtype the runner computes in (the model's forward_dtype). */
  readonly dtype: ForwardDType;
  /** Worker threads of the runner's own pool. */
  readonly threads: number;
  /** TrmModel.step from `state` with the embedded question x [B, T, D]. */
  step(state: HostState, x: Float32Array, batch: number, opts?: StepRunOptions): Promise<StepRun>;
  /**
   * One network application net(h, a + b) with the state after every block (the last is the
   * update's output): a z update is (z, y, x) like TrmModel.zUpdate, a y update (y, z, zeros) like yUpdate.
   */
  update(h: Float32Array, a: Float32Array, b: Float32Array, batch: number): Promise<Float32Array[]>;
  dispose(): void;
}
