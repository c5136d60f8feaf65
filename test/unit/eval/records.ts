// Hand-made evaluation records for the failure-mode, policy and cache tests: a puzzle is a string of
// per-step outcomes ('+' right, '-' wrong) with q_halt logits, so each case reads at a glance.

import type { EvalPuzzleRecord, EvalStepRecord } from '../../../src/engine/eval/types';
import { classifyPuzzle } from '../../../src/engine/eval/failureModes';
import { settlingLabel } from '../../../src/engine/analysis/settling';

export function steps(outcomes: string, qHalt: number[], extra: Partial<EvalStepRecord> = {}): EvalStepRecord[] {
  return [...outcomes].map((o, i) => ({
    step: i + 1,
    correct: o === '+',
    cellAccuracy: o === '+' ? 1 : 0.9,
    qHalt: qHalt[i] ?? -5,
    qContinue: 0,
    changedCells: i === 0 ? 40 : outcomes[i] === outcomes[i - 1] ? 0 : 3,
    dz: 0.01,
    dy: 0.01,
    minCellProb: 0.99,
    ...extra,
  }));
}

export function record(index: number, outcomes: string, qHalt: number[]): EvalPuzzleRecord {
  const st = steps(outcomes, qHalt);
  const c = classifyPuzzle(st);
  return {
    index,
    id: `test/${index}`,
    puzzleIdentifier: 0,
    steps: st,
    exact: st[st.length - 1].correct,
    cellAccuracy: st[st.length - 1].cellAccuracy,
    haltStep: c.haltStep,
    firstCorrectStep: c.firstCorrectStep,
    lmLoss: 0.1,
    prediction: [1, 2, 3],
    settling: settlingLabel(st),
    failureModes: c.failureModes,
    decisiveStep: c.decisiveStep,
  };
}
