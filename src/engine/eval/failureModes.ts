// Failure modes of one evaluated puzzle, from its per-step records: what went wrong with the answer
// or with the Q head's halting decision. A puzzle may show several (halting too early is also wrong
// at halt). The decisive step is where the debugger should open to see the mode happen.

import { settlingLabel } from '../analysis/settling';
import type { EvalStepRecord, FailureMode, FailureOptions } from './types';
import { FAILURE_MODES } from './types';

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** First step with q_halt > 0 before the last (the last step halts anyway), else the last: `trm eval`'s halting step. */
export function haltStepOf(steps: readonly EvalStepRecord[]): number {
  const K = steps.length;
  for (let i = 0; i < K - 1; i++) if (steps[i].qHalt > 0) return i + 1;
  return K;
}

export interface Classification {
  failureModes: FailureMode[];
  decisiveStep: number;
  haltStep: number;
  firstCorrectStep: number;
}

/** Failure modes (in FAILURE_MODES order) and the decisive step of one puzzle. */
export function classifyPuzzle(steps: readonly EvalStepRecord[], opts: FailureOptions = {}): Classification {
  const K = steps.length;
  if (K === 0) throw new Error('classifyPuzzle: a puzzle without steps');
  const haltStep = haltStepOf(steps);
  const firstCorrectStep = (steps.findIndex((s) => s.correct) + 1) | 0;
  const atHalt = steps[haltStep - 1];
  const last = steps[K - 1];
  const modes = new Set<FailureMode>();
  let decisive = haltStep;
  const pick = (m: FailureMode, step: number): void => {
    if (!modes.size) decisive = step;
    modes.add(m);
  };
  if (!atHalt.correct) {
    const rightLater = steps.slice(haltStep).find((s) => s.correct);
    // Ordered so that the most specific mode decides where the debugger opens.
    if (rightLater) pick('halted too early', haltStep);
    if (firstCorrectStep === 0) pick('never right', haltStep);
    pick('wrong at halt', haltStep);
  }
  if (firstCorrectStep > 0 && firstCorrectStep < haltStep) pick('kept going although correct', firstCorrectStep);
  if (firstCorrectStep > 0 && !last.correct) {
    const lostAt = steps.findIndex((s, i) => i >= firstCorrectStep && !s.correct) + 1;
    pick('right then lost', lostAt);
  }
  const [lo, hi] = opts.haltProbabilityBand ?? [0.25, 0.75];
  const p = sigmoid(atHalt.qHalt);
  if ((p >= lo && p <= hi) || atHalt.minCellProb < (opts.minCellProb ?? 0.5)) pick('low confidence', haltStep);
  const failureModes = FAILURE_MODES.filter((m) => modes.has(m));
  return { failureModes, decisiveStep: decisive, haltStep, firstCorrectStep };
}

/** Settling label of one puzzle's steps (src/engine/analysis/settling.ts). */
export function settlingOf(steps: readonly EvalStepRecord[]): ReturnType<typeof settlingLabel> {
  return settlingLabel(steps);
}

/** Count of puzzles per failure mode (every mode present, 0 when none). */
export function failureCounts(
  records: readonly { failureModes: readonly FailureMode[] }[],
): Record<FailureMode, number> {
  const out = Object.fromEntries(FAILURE_MODES.map((m) => [m, 0])) as Record<FailureMode, number>;
  for (const r of records) for (const m of r.failureModes) out[m]++;
  return out;
}
