// Compares a prediction with the expected output written in the file and words the verdict shown
// after the puzzle ("✓ solved at step 3, halts at 4 (q=0.97)", "✗ 5 cells wrong"). Judged on the
// host side so editing a label re-judges instantly without running the model again.

import { decodeArcGrid } from '../tasks/arc';
import { decodeMaze } from '../tasks/maze';
import { decodeSudoku } from '../tasks/sudoku';
import type { LocatedGrid, LocatedPuzzle, TaskKind } from './locate';
import { type PuzzlePrediction, predictionAt, sigmoid } from './prediction';

/** A decoded answer in the file's own symbols (see LocatedGrid.cells). */
export interface DecodedGrid {
  height: number;
  width: number;
  cells: string[];
}

export interface Judgement {
  status: 'correct' | 'wrong' | 'unlabelled' | 'error';
  /** The answer at the reported step (undefined on error). */
  predicted?: DecodedGrid;
  /** Label cells (indices into label.cells) the prediction gets wrong; empty on a size mismatch. */
  wrongCells: number[];
  /** Set when the predicted grid's size differs from the label's (ARC). */
  sizeMismatch?: { predicted: [number, number]; expected: [number, number] };
  /** First step whose answer equals the label. */
  solvedAtStep: number | null;
  /** The after-line text. */
  text: string;
}

export function decodePrediction(kind: TaskKind, tokens: Int32Array): DecodedGrid {
  switch (kind) {
    case 'sudoku':
      return { height: 9, width: 9, cells: decodeSudoku(tokens).split('') };
    case 'maze': {
      const side = Math.round(Math.sqrt(tokens.length));
      return { height: side, width: side, cells: decodeMaze(tokens).split('') };
    }
    case 'arc': {
      const g = decodeArcGrid(tokens);
      return { height: g.length, width: g[0]?.length ?? 0, cells: g.flat().map(String) };
    }
  }
}

/** Label cells the answer gets wrong, or undefined when the sizes differ. Sudoku blanks in a label are not judged. */
export function wrongCells(predicted: DecodedGrid, label: LocatedGrid): number[] | undefined {
  if (predicted.height !== label.height || predicted.width !== label.width) return undefined;
  const out: number[] = [];
  for (let i = 0; i < label.cells.length; i++)
    if (label.cells[i] !== '.' && label.cells[i] !== predicted.cells[i]) out.push(i);
  return out;
}

function haltText(p: PuzzlePrediction): string {
  if (p.haltStep !== null) return `halts at ${p.haltStep} (q=${sigmoid(p.steps[p.haltStep - 1].qHalt).toFixed(2)})`;
  const last = p.steps[p.steps.length - 1];
  return `no halt in ${p.steps.length} steps (q=${sigmoid(last.qHalt).toFixed(2)})`;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** Judges a prediction of `puzzle` against its label (if any). */
export function judge(
  puzzle: LocatedPuzzle,
  p: PuzzlePrediction,
  label: LocatedGrid | undefined = puzzle.label,
): Judgement {
  if (p.error) return { status: 'error', wrongCells: [], solvedAtStep: null, text: `⚠ ${p.error}` };
  const seqLen = seqLenOf(p);
  const predicted = decodePrediction(puzzle.kind, predictionAt(p, p.usedStep, seqLen));
  const halt = haltText(p);
  if (!label || puzzle.labelProblem) {
    const why = puzzle.labelProblem ? `expected output not judged: ${puzzle.labelProblem}` : 'no expected output';
    return {
      status: 'unlabelled',
      predicted,
      wrongCells: [],
      solvedAtStep: null,
      text: `◇ predicted ${predicted.height}×${predicted.width} (${why}) · ${halt}`,
    };
  }
  let solvedAtStep: number | null = null;
  for (let s = 1; s <= p.steps.length && solvedAtStep === null; s++) {
    const w = wrongCells(decodePrediction(puzzle.kind, predictionAt(p, s, seqLen)), label);
    if (w && w.length === 0) solvedAtStep = s;
  }
  const wrong = wrongCells(predicted, label);
  if (wrong === undefined) {
    const sizeMismatch = {
      predicted: [predicted.height, predicted.width] as [number, number],
      expected: [label.height, label.width] as [number, number],
    };
    return {
      status: 'wrong',
      predicted,
      wrongCells: [],
      sizeMismatch,
      solvedAtStep,
      text: `✗ wrong size: predicted ${predicted.height}×${predicted.width}, expected ${label.height}×${label.width} · ${halt}`,
    };
  }
  if (wrong.length === 0) {
    return {
      status: 'correct',
      predicted,
      wrongCells: [],
      solvedAtStep,
      text: `✓ solved at step ${solvedAtStep ?? p.usedStep}, ${halt}`,
    };
  }
  const was = solvedAtStep !== null ? ` (right at step ${solvedAtStep})` : '';
  return {
    status: 'wrong',
    predicted,
    wrongCells: wrong,
    solvedAtStep,
    text: `✗ ${plural(wrong.length, 'cell')} wrong${was} · ${halt}`,
  };
}

/** Sequence length of a prediction: the largest cell index any delta touches bounds it; confidence has one entry per cell. */
export function seqLenOf(p: PuzzlePrediction): number {
  return p.confidence.length;
}
