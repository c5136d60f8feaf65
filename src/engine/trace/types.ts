// The contract between the engine's recursion tracer and everything that shows a trace (CLI,
// debug adapter, timeline webview, inline predictions). Plain data, no TF.js types.

import type { DerivedSizes, TrmConfig } from '../config';
import type { Attribution } from '../analysis/attribution';
import type { DecodedState } from './decode';

/** One example to run: token ids, its puzzle identifier (embedding row) and optional labels (0 = ignore). */
export interface PuzzleInput {
  inputs: Int32Array; // [S]
  puzzleIdentifier: number;
  labels?: Int32Array; // [S], 0 = ignored cell (PAD), as stored in the datasets
}

export type UpdateKind = 'z' | 'y';

/**
 * One network call inside an episode, 1-based. Within a supervision step the order is:
 * for cycle 1..H_cycles: z updates index 1..L_cycles, then the y update (index 0).
 * `layer` (1..L_layers) addresses the state after that block inside the call; absent = the call's output.
 */
export interface UpdateRef {
  step: number;
  cycle: number;
  kind: UpdateKind;
  index: number;
  layer?: number;
}

/** State (both y = z_H and z = z_L), each [T, D] row-major float32. */
export interface RecursionState {
  y: Float32Array;
  z: Float32Array;
}

export interface StepOutputs {
  step: number; // 1-based supervision step
  logits: Float32Array; // [S, V] (prefix positions dropped)
  preds: Int32Array; // [S] argmax (first index on ties)
  confidence: Float32Array; // [S] softmax probability of the predicted id
  qHalt: number;
  qContinue: number;
  haltProbability: number; // sigmoid(q_halt)
  wouldHalt: boolean; // q_halt > 0: the training-time halting rule
  changedCells: number[]; // cells whose prediction differs from the previous step (all non-PAD at step 1)
  correct?: boolean; // every labelled cell right (labels known)
  accuracy?: number; // fraction of labelled cells right
  wrongCells?: number[]; // labelled cells predicted wrong
  nonFinite: boolean; // any NaN/Inf in y, z, logits or q
}

/** Deterministic addressing helpers shared by all consumers. */
export function updatesPerStep(c: Pick<TrmConfig, 'H_cycles' | 'L_cycles'>): number {
  return c.H_cycles * (c.L_cycles + 1);
}

/** 0-based position of an update inside its step (layer ignored). */
export function updateOrdinal(c: Pick<TrmConfig, 'L_cycles'>, ref: UpdateRef): number {
  return (ref.cycle - 1) * (c.L_cycles + 1) + (ref.kind === 'z' ? ref.index - 1 : c.L_cycles);
}

export function updateAt(c: Pick<TrmConfig, 'L_cycles'>, step: number, ordinal: number): UpdateRef {
  const per = c.L_cycles + 1;
  const cycle = Math.floor(ordinal / per) + 1;
  const j = ordinal % per;
  return j < c.L_cycles ? { step, cycle, kind: 'z', index: j + 1 } : { step, cycle, kind: 'y', index: 0 };
}

/** Paper and code names of an update: "step 3 › cycle 2 › z 5 (z_L)". */
export function describeUpdate(ref: UpdateRef): string {
  const what = ref.kind === 'z' ? `z ${ref.index} (z_L)` : 'y (z_H)';
  return `step ${ref.step} › cycle ${ref.cycle} › ${what}${ref.layer ? ` › layer ${ref.layer}` : ''}`;
}

/**
 * A lazily computed trace of one puzzle. Implementations keep only step-boundary states and
 * recompute inside a step on demand; recomputed values equal what a full recording would store.
 */
export interface PuzzleTrace {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: PuzzleInput;
  /** The embedded question x, [T, D]. */
  x(): Promise<Float32Array>;
  /** y = H_init, z = L_init broadcast over T: the state before step 1. */
  initialState(): Promise<RecursionState>;
  /** Outputs after supervision step `step` (1-based); computes earlier steps as needed. */
  stepOutputs(step: number): Promise<StepOutputs>;
  /** State right after the addressed update (or layer inside it). */
  stateAfter(ref: UpdateRef): Promise<RecursionState>;
  /** State at the end of a step (= carry), without expanding the step. */
  stepState(step: number): Promise<RecursionState>;
  /** lm_head and q_head applied to a state [T, D] (y, or z for the z-lens), decoded per cell (decode.ts). */
  decode(state: Float32Array): Promise<DecodedState>;
  /** One extra application of the z update, net(z, y + x), on a given state: the fixed-point map of z. */
  zNet(state: RecursionState): Promise<Float32Array>;
  /**
   * Gradient x input attribution of `cell` (logit(target) − logit(runner-up) after the cycle's y
   * revision) to the z, y and x inputs of cycle `cycle` of step `step` (analysis/attribution.ts).
   * Always computed with the TF.js model, also when a native runner computes the steps.
   */
  attributeCycle(step: number, cycle: number, cell: number, target: number): Promise<Attribution>;
  /** Number of steps computed so far. */
  readonly computedSteps: number;
  dispose(): void;
}
