// One answer cell's story over the supervision steps of an inline prediction, for the hover in a
// dataset file: its value after every step, when it became right for good, every change and the
// step that flipped it last. Step granularity (what the prediction worker returns: per-step answer
// deltas); the debugger's provenance (src/engine/analysis/provenance.ts) has it per update.

import type { TaskKind } from './locate';
import { decodePrediction } from './judge';
import { type PuzzlePrediction, predictionAt } from './prediction';

export interface CellStory {
  /** 0-based row and column of the cell in the grid under the mouse. */
  row: number;
  col: number;
  /** The cell's value after steps 1..N, in the file's symbols ('' where the answer grid has no such cell). */
  values: string[];
  /** The expected value, when the file (or its solutions file) has one. */
  label?: string;
  /** First step from which the value equals the label at every later step; null if never (or no label). */
  rightFrom: number | null;
  /** Steps whose value differs from the previous step's (step 1 counts when it is not blank). */
  changes: { step: number; value: string }[];
  /** The last step that changed the value (null when it never changed after step 1). */
  lastFlip: number | null;
}

/** The story of cell (row, col), or undefined when the prediction has no steps. */
export function cellStory(
  kind: TaskKind,
  prediction: PuzzlePrediction,
  row: number,
  col: number,
  label?: string,
): CellStory | undefined {
  const steps = prediction.deltas.length;
  if (steps === 0) return undefined;
  const seqLen = prediction.confidence.length;
  const values: string[] = [];
  for (let s = 1; s <= steps; s++) {
    const g = decodePrediction(kind, predictionAt(prediction, s, seqLen));
    values.push(row < g.height && col < g.width ? (g.cells[row * g.width + col] ?? '') : '');
  }
  const changes: { step: number; value: string }[] = [];
  values.forEach((v, i) => {
    if (i === 0 ? v !== '' && v !== '.' : v !== values[i - 1]) changes.push({ step: i + 1, value: v });
  });
  const flips = changes.filter((c) => c.step > 1);
  let rightFrom: number | null = null;
  const judged = label !== undefined && label !== '.';
  if (judged) for (let s = steps; s >= 1 && values[s - 1] === label; s--) rightFrom = s;
  return {
    row,
    col,
    values,
    ...(judged ? { label } : {}),
    rightFrom,
    changes,
    lastFlip: flips.length ? flips[flips.length - 1].step : null,
  };
}

/** One line for the hover: "r4c7: 5 (step 1) → 3 (step 2); right from step 2 on; last flip at step 2". */
export function describeCellStory(s: CellStory): string {
  const name = `r${s.row + 1}c${s.col + 1}`;
  const path = s.changes.length
    ? s.changes.map((c) => `${c.value === '' ? '(none)' : c.value} (step ${c.step})`).join(' → ')
    : 'blank at every step';
  const verdict =
    s.label === undefined
      ? ''
      : s.rightFrom !== null
        ? `; right from step ${s.rightFrom} on`
        : `; wrong at the last step (expected ${s.label})`;
  const flip = s.lastFlip !== null ? `; last flip at step ${s.lastFlip}` : '';
  return `${name}: ${path}${verdict}${flip}`;
}
