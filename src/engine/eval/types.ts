// The records an evaluation keeps per puzzle and per supervision step: enough to group puzzles by
// failure mode, re-score halting policies without recomputing, and open a puzzle in the debugger at
// the step that decided it. Plain JSON (written line by line to the resumable cache, sent to the
// evaluation browser, embedded in `trm eval --out`).

import type { SettlingLabel } from '../analysis/settling';

/** One supervision step of one puzzle (the official evaluation runs all N_sup = halt_max_steps). */
export interface EvalStepRecord {
  step: number; // 1-based
  /** The decoded answer (argmax per cell) matches every label cell. */
  correct: boolean;
  cellAccuracy: number;
  /** Raw Q-head logits: halting at this step (q_halt_logits) and continuing (q_continue_logits). */
  qHalt: number;
  qContinue: number;
  /** Answer cells that changed since the previous step's decoded answer (step 1: since the input). */
  changedCells: number;
  /** RMS per position of the change of z (z_L) and y (z_H) across the step. */
  dz: number;
  dy: number;
  /** The least certain answer cell's top softmax probability (how sure the decoded answer is). */
  minCellProb: number;
}

export type FailureMode =
  | 'wrong at halt'
  | 'halted too early'
  | 'kept going although correct'
  | 'never right'
  | 'right then lost'
  | 'low confidence';

export const FAILURE_MODES: readonly FailureMode[] = [
  'wrong at halt',
  'halted too early',
  'kept going although correct',
  'never right',
  'right then lost',
  'low confidence',
];

/** One puzzle's evaluation. */
export interface EvalPuzzleRecord {
  /** Position in the evaluated list (0-based; a built dataset's row). */
  index: number;
  /** Stable id within the dataset ("test/12", "line 3", "<task>/test/0"). */
  id: string;
  puzzleIdentifier: number;
  name?: string;
  steps: EvalStepRecord[];
  /** Last step's answer (the official metric) is exactly right / its cell accuracy. */
  exact: boolean;
  cellAccuracy: number;
  /** First step with q_halt > 0 (N_sup when never), as `trm eval` and training count it. */
  haltStep: number;
  /** First step whose answer was entirely right (0 when none). */
  firstCorrectStep: number;
  /** Per-example LM loss of the last step. */
  lmLoss: number;
  /** The last step's decoded answer (token ids). */
  prediction: number[];
  settling: SettlingLabel;
  failureModes: FailureMode[];
  /** The step to open the debugger at (see failureModes.ts decisiveStep). */
  decisiveStep: number;
}

export interface FailureOptions {
  /** At the halting step, sigmoid(q_halt) inside [lo, hi] is low confidence (default 0.25..0.75). */
  haltProbabilityBand?: [number, number];
  /** At the halting step, a cell whose top probability is below this is low confidence (default 0.5). */
  minCellProb?: number;
}
