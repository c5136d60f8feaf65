// Settling diagnostics: does the recursion reach a fixed point, and is it the right one? Per update
// the drift of z and y (‖Δz‖, ‖Δy‖), the fixed-point residual ‖net(z, y + x) − z‖ of the z map
// (trm.py `TinyRecursiveReasoningModel_ACTV1_Inner.forward`: z_L = L_level(z_L, z_H + input_embeddings))
// and how many decoded answer cells changed; per supervision step a StepSummary (what an evaluation
// records); per run a label: quick success, delayed success, settled on a wrong answer, still wandering.
// Recent analyses of TRM find failures keep drifting instead of reaching a fixed point; late drift and
// q_halt separate them from successes, which is what these numbers make visible.
// Norms are RMS over positions of the per-position Euclidean norm: sqrt(Σ (a − b)² / T) (decode.ts).

import { changedCells as changedCellList, judgeAnswer, rmsPerPosition } from '../trace/decode';
import type { PuzzleTrace, RecursionState } from '../trace/types';
import { updateAt } from '../trace/types';

export type SettlingLabel = 'quick success' | 'delayed success' | 'settled wrong' | 'wandering';

/** One supervision step of one puzzle, as an evaluation records it. */
export interface StepSummary {
  step: number; // 1-based supervision step
  correct: boolean; // the decoded answer at the end of the step equals the label
  changedCells: number; // decoded answer cells that changed since the previous step (step 1: vs the input)
  dz: number; // ‖z_k − z_{k−1}‖ (RMS per position) at the step boundary
  dy: number; // ‖y_k − y_{k−1}‖ likewise
  qHalt: number; // q_halt logit after the step
}

export interface SettlingOptions {
  /** A success is quick when its answer is right from step `quickSteps` on (default 2). */
  quickSteps?: number;
  /** Step-boundary drift (dz and dy) at or below this counts as settled (default 1e-2). */
  settleTol?: number;
  /** How many final steps must be settled, with no answer cell changing (default 2). */
  settleSteps?: number;
}

export const SETTLING_DEFAULTS: Required<SettlingOptions> = { quickSteps: 2, settleTol: 1e-2, settleSteps: 2 };

export const SETTLING_LABELS: readonly SettlingLabel[] = [
  'quick success',
  'delayed success',
  'settled wrong',
  'wandering',
];

/**
 * The label of a run from its step summaries (in step order, ending at the step the run halted):
 * right at the end → quick success when right from step `quickSteps` on and every step after, else
 * delayed success; wrong at the end → settled wrong when its last `settleSteps` steps (or all, if
 * fewer) moved z and y by at most `settleTol` and changed no answer cell, else wandering.
 */
export function settlingLabel(steps: readonly StepSummary[], opts: SettlingOptions = {}): SettlingLabel {
  if (steps.length === 0) throw new Error('settlingLabel: a run needs at least one step summary');
  const o = { ...SETTLING_DEFAULTS, ...definedOnly(opts) };
  if (!(o.quickSteps >= 1)) throw new Error(`settlingLabel: quickSteps must be at least 1, got ${o.quickSteps}`);
  if (!(o.settleTol >= 0)) throw new Error(`settlingLabel: settleTol must be a number ≥ 0, got ${o.settleTol}`);
  if (!(o.settleSteps >= 1)) throw new Error(`settlingLabel: settleSteps must be at least 1, got ${o.settleSteps}`);
  const last = steps[steps.length - 1];
  if (last.correct) {
    const from = stableCorrectFrom(steps);
    return steps[from].step <= o.quickSteps ? 'quick success' : 'delayed success';
  }
  const tail = steps.slice(-o.settleSteps);
  const settled = tail.every(
    (s) =>
      Number.isFinite(s.dz) &&
      Number.isFinite(s.dy) &&
      s.dz <= o.settleTol &&
      s.dy <= o.settleTol &&
      s.changedCells === 0,
  );
  return settled ? 'settled wrong' : 'wandering';
}

/** Index of the first step from which every step is correct (the last step must be correct). */
function stableCorrectFrom(steps: readonly StepSummary[]): number {
  let k = steps.length - 1;
  while (k > 0 && steps[k - 1].correct) k--;
  return k;
}

function definedOnly(o: SettlingOptions): SettlingOptions {
  const out: SettlingOptions = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, number>)[k] = v as number;
  return out;
}

/** Drift diagnostics of one update (the state right after it against the state right before it). */
export interface UpdateDiagnostics {
  step: number;
  /** 0-based position of the update inside its step. */
  ordinal: number;
  kind: 'z' | 'y';
  dz: number; // ‖z_after − z_before‖ (0 for a y update)
  dy: number; // ‖y_after − y_before‖ (0 for a z update)
  /** ‖net(z, y + x) − z‖ on the state after the update: how far z is from a fixed point of its map. */
  residual: number;
  /** Decoded answer cells that changed at this update (only a y update changes the answer). */
  changedCells: number;
  /** The decoded answer after the update equals the labels (absent without labels). */
  correct?: boolean;
  accuracy?: number;
}

/**
 * Diagnostics of every update of supervision step `step`. The residual costs one extra z application
 * only where the next update does not already apply the same map to the same state: after a z update
 * that is followed by another z update, net(z, y + x) IS that next update, so its Δz is the residual.
 */
export async function updateDiagnostics(trace: PuzzleTrace, step: number): Promise<UpdateDiagnostics[]> {
  const c = trace.config;
  const U = trace.derived.updatesPerStep;
  const T = trace.derived.totalSeqLen;
  const labels = trace.puzzle.labels;
  const before = step === 1 ? await trace.initialState() : await trace.stepState(step - 1);
  let prevPreds = step === 1 ? (await trace.decode(before.y)).preds : (await trace.stepOutputs(step - 1)).preds;
  const states: RecursionState[] = [];
  for (let k = 0; k < U; k++) states.push(await trace.stateAfter(updateAt(c, step, k)));
  const out: UpdateDiagnostics[] = [];
  let prev = before;
  let judged = labels ? pick(judgeAnswer(prevPreds, labels)) : undefined;
  for (let k = 0; k < U; k++) {
    const ref = updateAt(c, step, k);
    const s = states[k];
    let changed = 0;
    if (ref.kind === 'y') {
      const preds = k === U - 1 ? (await trace.stepOutputs(step)).preds : (await trace.decode(s.y)).preds;
      changed = changedCellList(preds, prevPreds, trace.puzzle.inputs).length;
      prevPreds = preds;
      judged = labels ? pick(judgeAnswer(preds, labels)) : undefined;
    }
    const next = k + 1 < U ? updateAt(c, step, k + 1) : undefined;
    const residual =
      next?.kind === 'z' ? rmsPerPosition(states[k + 1].z, s.z, T) : rmsPerPosition(await trace.zNet(s), s.z, T);
    out.push({
      step,
      ordinal: k,
      kind: ref.kind,
      dz: rmsPerPosition(s.z, prev.z, T),
      dy: rmsPerPosition(s.y, prev.y, T),
      residual,
      changedCells: changed,
      ...(judged ?? {}),
    });
    prev = s;
  }
  return out;
}

function pick(
  j: { correct: boolean; accuracy: number } | undefined,
): { correct: boolean; accuracy: number } | undefined {
  return j && { correct: j.correct, accuracy: j.accuracy };
}

/** Step summaries for steps 1..`steps` (the trace computes what it lacks). Needs labels for `correct`. */
export async function stepSummaries(trace: PuzzleTrace, steps: number): Promise<StepSummary[]> {
  const T = trace.derived.totalSeqLen;
  const out: StepSummary[] = [];
  let prev = await trace.initialState();
  for (let k = 1; k <= steps; k++) {
    const o = await trace.stepOutputs(k);
    const s = await trace.stepState(k);
    out.push({
      step: k,
      correct: o.correct === true,
      changedCells: o.changedCells.length,
      dz: rmsPerPosition(s.z, prev.z, T),
      dy: rmsPerPosition(s.y, prev.y, T),
      qHalt: o.qHalt,
    });
    prev = s;
  }
  return out;
}

/** A run's settling: its step summaries up to the halting step and its label. */
export interface SettlingReport {
  steps: StepSummary[];
  label: SettlingLabel;
}

/**
 * Settling of a run that ends after `haltStep` (the step its halting policy stopped at). Without
 * labels there is no right or wrong: the trace must carry labels.
 */
export async function settlingOf(
  trace: PuzzleTrace,
  haltStep: number,
  opts?: SettlingOptions,
): Promise<SettlingReport> {
  if (!trace.puzzle.labels) throw new Error('settling needs labels: give a dataset with labels or a solution');
  const steps = await stepSummaries(trace, haltStep);
  return { steps, label: settlingLabel(steps, opts) };
}
