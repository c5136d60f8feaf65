// How a puzzle's answer settled over the supervision steps, as one label a list can group by:
// right early, right late, settled on a wrong answer, or still moving. The evaluation browser and
// the debugger share this contract; the inputs are per-step summaries any evaluation records
// (decoded answer's correctness, cells changed since the previous step, RMS change of z / y).

export type SettlingLabel = 'quick success' | 'delayed success' | 'settled wrong' | 'wandering';

export interface StepSummary {
  step: number;
  correct: boolean;
  /** Answer cells that differ from the previous step's decoded answer (step 1: from the input). */
  changedCells: number;
  /** RMS per position of the change of z (z_L) / y (z_H) across the step. */
  dz: number;
  dy: number;
  qHalt: number;
}

export interface SettlingOptions {
  /** Correct from this step on (and stays correct) counts as quick (default 2). */
  quickSteps?: number;
  /** A step that changes no cell and moves y by at most this RMS counts as settled (default 0.1: y is RMS-normed, so 10 %). */
  settleTol?: number;
  /** Settled steps needed at the end to call a wrong answer settled (default 2). */
  settleSteps?: number;
}

/** Label of one puzzle's steps (ordered by step); an empty list is 'wandering'. */
export function settlingLabel(steps: readonly StepSummary[], opts: SettlingOptions = {}): SettlingLabel {
  const quick = opts.quickSteps ?? 2;
  const tol = opts.settleTol ?? 0.1;
  const need = opts.settleSteps ?? 2;
  if (steps.length === 0) return 'wandering';
  const last = steps[steps.length - 1];
  if (last.correct) {
    // The step from which the answer stayed right.
    let from = steps.length - 1;
    while (from > 0 && steps[from - 1].correct) from--;
    return steps[from].step <= quick ? 'quick success' : 'delayed success';
  }
  let settled = 0;
  for (let i = steps.length - 1; i >= 0 && steps[i].changedCells === 0 && steps[i].dy <= tol; i--) settled++;
  return settled >= Math.min(need, steps.length) ? 'settled wrong' : 'wandering';
}
