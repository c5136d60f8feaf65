// What the prediction worker returns for one puzzle: plain, structured-clone-friendly data. Every
// step's answer is kept (delta-encoded, since few cells change per step) so "solved at step k" can
// be judged against labels the user edits later without running the model again.

export interface StepSummary {
  /** 1-based supervision step. */
  step: number;
  /** q_halt logit; the model "would halt" when it is > 0 (the training-time rule). */
  qHalt: number;
  /** Cells whose predicted token differs from the previous step. */
  changed: number;
}

export type HaltPolicy = 'first' | 'all';

export interface PuzzlePrediction {
  /** Content key of the request (inputs + identifier + model). */
  key: string;
  /** Why this puzzle could not be run (model/puzzle mismatch); nothing else is set then. */
  error?: string;
  steps: StepSummary[];
  /** First step with q_halt > 0, or null when the model never halts within the steps run. */
  haltStep: number | null;
  /** The step whose answer is reported: haltStep under 'first', the last step under 'all' (official evaluation). */
  usedStep: number;
  /** deltas[s] = [cell, token, cell, token, ...]: changes of step s + 1 relative to step s (step 0 = all PAD). */
  deltas: Int32Array[];
  /** Softmax probability of the predicted token per cell, at usedStep. */
  confidence: Float32Array;
}

export function errorPrediction(key: string, error: string): PuzzlePrediction {
  return { key, error, steps: [], haltStep: null, usedStep: 0, deltas: [], confidence: new Float32Array(0) };
}

/** Delta of `next` relative to `prev` (both [S]). */
export function encodeDelta(prev: Int32Array | undefined, next: Int32Array): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < next.length; i++) if ((prev ? prev[i] : 0) !== next[i]) out.push(i, next[i]);
  return Int32Array.from(out);
}

/** Predicted tokens [S] after `step` (1-based). */
export function predictionAt(p: PuzzlePrediction, step: number, seqLen: number): Int32Array {
  if (step < 1 || step > p.deltas.length)
    throw new Error(`prediction has steps 1..${p.deltas.length}, asked for step ${step}`);
  const out = new Int32Array(seqLen);
  for (let s = 0; s < step; s++) {
    const d = p.deltas[s];
    for (let j = 0; j < d.length; j += 2) out[d[j]] = d[j + 1];
  }
  return out;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
