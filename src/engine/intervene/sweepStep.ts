// A patch sweep of one supervision step of a traced puzzle (patchSweep.ts does the work): takes the
// state entering the step, the embedded question and the labels from the trace, and for 'copy' the
// source run's state after each update from a second trace of the same puzzle (another checkpoint).
// Also names the rows ("cycle 2 › z 3", "cycle 2 › y") and columns ("r4c7") the way every view
// shows them, so the CLI, the debug session and the webview agree.

import type { TrmModel } from '../model/trm';
import type { PuzzleTrace } from '../trace/types';
import { updateAt } from '../trace/types';
import { patchSweep, type PatchKind, type SweepOptions, type SweepResult } from './patchSweep';

export interface StepSweepOptions extends Omit<SweepOptions, 'source' | 'kind'> {
  kind: PatchKind;
  /** For 'copy': the source run (same puzzle); its state after each update of the same step is patched in. */
  source?: PuzzleTrace;
}

export interface StepSweep extends SweepResult {
  step: number;
  kind: PatchKind;
  /** Per row: "cycle c › z u" or "cycle c › y". */
  rowLabels: string[];
  /** Per column: "r1c1" on a square grid, else "pos i". */
  cellLabels: string[];
  /** Side of the square grid of cells (9 for Sudoku), 0 when the sequence is not square. */
  gridSide: number;
  /** Cells with a label (accuracy is over these). */
  labelled: number;
}

/** "cycle 2 › z 3" / "cycle 2 › y" of update `ordinal` (0-based) inside a step. */
export function sweepRowLabel(c: { L_cycles: number }, ordinal: number): string {
  const ref = updateAt(c, 1, ordinal);
  return ref.kind === 'z' ? `cycle ${ref.cycle} › z ${ref.index}` : `cycle ${ref.cycle} › y`;
}

/** "r4c7" on a square grid of side `side` (1-based), "pos 12" otherwise. */
export function sweepCellLabel(cell: number, side: number): string {
  return side > 0 ? `r${Math.floor(cell / side) + 1}c${(cell % side) + 1}` : `pos ${cell}`;
}

export async function sweepStep(
  model: TrmModel,
  trace: PuzzleTrace,
  step: number,
  opts: StepSweepOptions,
): Promise<StepSweep> {
  const c = model.config;
  if (!Number.isInteger(step) || step < 1 || step > c.halt_max_steps)
    throw new Error(`patch sweep: step ${step} outside 1..${c.halt_max_steps} (halt_max_steps)`);
  const labels = trace.puzzle.labels;
  if (!labels || !labels.some((v) => v !== 0))
    throw new Error(
      'patch sweep: the puzzle has no solution (labels); a sweep measures how much of the correct answer each patch recovers or loses',
    );
  if (opts.kind === 'copy') {
    if (!opts.source) throw new Error("patch sweep: 'copy' needs a source run (another checkpoint on the same puzzle)");
    const a = trace.config,
      b = opts.source.config;
    if (a.hidden_size !== b.hidden_size || a.H_cycles !== b.H_cycles || a.L_cycles !== b.L_cycles)
      throw new Error(
        `patch sweep: the source run's shape (hidden_size ${b.hidden_size}, H_cycles ${b.H_cycles}, L_cycles ${b.L_cycles}) differs from the patched run's (hidden_size ${a.hidden_size}, H_cycles ${a.H_cycles}, L_cycles ${a.L_cycles}); states can only be copied between runs of the same shape`,
      );
    if (trace.derived.totalSeqLen !== opts.source.derived.totalSeqLen)
      throw new Error(
        `patch sweep: the source run has ${opts.source.derived.totalSeqLen} positions (puzzle embedding + cells), the patched run ${trace.derived.totalSeqLen}`,
      );
  }
  const before = step > 1 ? await trace.stepState(step - 1) : await trace.initialState();
  const x = await trace.x();
  const src = opts.source;
  const result = await patchSweep(model, x, before, labels, {
    ...opts,
    source: src ? (u) => src.stateAfter(updateAt(src.config, step, u)) : undefined,
  });
  const S = c.seq_len || labels.length;
  const side = Math.round(Math.sqrt(S));
  const gridSide = side * side === S ? side : 0;
  return {
    ...result,
    step,
    kind: opts.kind,
    rowLabels: result.updates.map((u) => sweepRowLabel(c, u)),
    cellLabels: result.cells.map((cell) => sweepCellLabel(cell, gridSide)),
    gridSide,
    labelled: labels.filter((v) => v !== 0).length,
  };
}
