// Aggregates of evaluation records: the metrics `trm eval` has always printed (computed from the
// records exactly as train/evaluate.ts computes them), the failure-mode counts, accuracy per halting
// step, the confusion of "the Q head says halt" against "the answer is correct", and the
// `PuzzleResult` list today's `trm eval --out` JSON carries (kept so that file stays a superset).

import type { PuzzleResult } from '../train/evaluate';
import { failureCounts, sigmoid } from './failureModes';
import type { EvalPuzzleRecord, FailureMode } from './types';

export interface HaltStepBin {
  step: number;
  count: number;
  exact: number; // puzzles right at the last step among those halting here
  correctAtHalt: number;
}

export interface Confusion {
  /** q_halt > 0 at the last step vs the last step's answer (the official q_halt_accuracy). */
  haltAndCorrect: number;
  haltAndWrong: number;
  continueAndCorrect: number;
  continueAndWrong: number;
}

export interface EvalSummary {
  metrics: Record<string, number>;
  failureCounts: Record<FailureMode, number>;
  byHaltStep: HaltStepBin[];
  confusion: Confusion;
  settling: Record<string, number>;
}

export function summarize(records: readonly EvalPuzzleRecord[]): EvalSummary {
  const n = Math.max(1, records.length);
  const K = records[0]?.steps.length ?? 0;
  const sum = (f: (r: EvalPuzzleRecord) => number): number => records.reduce((a, r) => a + f(r), 0);
  const lastQ = (r: EvalPuzzleRecord): number => r.steps[r.steps.length - 1].qHalt;
  const metrics: Record<string, number> = {
    count: records.length,
    exact_accuracy: sum((r) => (r.exact ? 1 : 0)) / n,
    accuracy: sum((r) => r.cellAccuracy) / n,
    q_halt_accuracy: sum((r) => (lastQ(r) >= 0 === r.exact ? 1 : 0)) / n,
    mean_steps: sum((r) => r.haltStep) / n,
    lm_loss: sum((r) => r.lmLoss) / n,
    exact_accuracy_at_halt: sum((r) => (r.steps[r.haltStep - 1].correct ? 1 : 0)) / n,
  };
  const byHaltStep: HaltStepBin[] = Array.from({ length: K }, (_, i) => ({
    step: i + 1,
    count: 0,
    exact: 0,
    correctAtHalt: 0,
  }));
  const confusion: Confusion = { haltAndCorrect: 0, haltAndWrong: 0, continueAndCorrect: 0, continueAndWrong: 0 };
  const settling: Record<string, number> = {};
  for (const r of records) {
    const bin = byHaltStep[r.haltStep - 1];
    if (bin) {
      bin.count++;
      if (r.exact) bin.exact++;
      if (r.steps[r.haltStep - 1].correct) bin.correctAtHalt++;
    }
    const halt = lastQ(r) >= 0;
    if (halt && r.exact) confusion.haltAndCorrect++;
    else if (halt) confusion.haltAndWrong++;
    else if (r.exact) confusion.continueAndCorrect++;
    else confusion.continueAndWrong++;
    settling[r.settling] = (settling[r.settling] ?? 0) + 1;
  }
  return { metrics, failureCounts: failureCounts(records), byHaltStep, confusion, settling };
}

/** Today's `trm eval` per-puzzle entry (train/evaluate.ts PuzzleResult) of a record. */
export function puzzleResultOf(r: EvalPuzzleRecord): PuzzleResult {
  return {
    row: r.index,
    puzzleIdentifier: r.puzzleIdentifier,
    exact: r.exact,
    cellAccuracy: r.cellAccuracy,
    haltProbability: sigmoid(r.steps[r.steps.length - 1].qHalt),
    haltStep: r.haltStep,
    firstCorrectStep: r.firstCorrectStep,
    revisions: r.steps.slice(1).map((s) => s.changedCells),
    prediction: r.prediction,
  };
}

const CSV_COLUMNS = [
  'index',
  'id',
  'name',
  'exact',
  'cell_accuracy',
  'halt_step',
  'first_correct_step',
  'decisive_step',
  'q_halt_at_halt',
  'halt_probability_at_halt',
  'settling',
  'failure_modes',
] as const;

/** One CSV row per puzzle (RFC 4180 quoting); failure modes joined with ';'. */
export function recordsToCsv(records: readonly EvalPuzzleRecord[]): string {
  const q = (v: string | number | boolean): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) {
    const h = r.steps[r.haltStep - 1];
    lines.push(
      [
        r.index,
        r.id,
        r.name ?? '',
        r.exact,
        r.cellAccuracy.toFixed(6),
        r.haltStep,
        r.firstCorrectStep,
        r.decisiveStep,
        h.qHalt.toFixed(6),
        sigmoid(h.qHalt).toFixed(6),
        r.settling,
        r.failureModes.join(';'),
      ]
        .map(q)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
