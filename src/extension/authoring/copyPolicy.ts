// When "copy the prediction into the expected output" makes sense, and how to word it. It does when
// there is no expected output yet (drafting a label), when the expected output is malformed, and, for
// Sudoku, when the expected answer breaks the rules (or contradicts the givens) while the model's
// answer is a valid solution. It does not when the label may well be right and the model wrong (a
// valid Sudoku solution, any ARC or maze label): then the diagnostics are the model's mistakes.
// No vscode import, unit-tested.
import { isValidSudokuSolution, sudokuViolation } from '../../engine/data/sudokuSolver';
import type { Judgement } from '../../engine/authoring/judge';
import type { LocatedGrid, LocatedPuzzle } from '../../engine/authoring/locate';

export interface CopyOffer {
  /** Quick fix / command title. */
  title: string;
  /** CodeLens title (short). */
  lens: string;
}

const digits = (cells: readonly string[]): number[] => cells.map((c) => (/^[1-9]$/.test(c) ? Number(c) : 0));

/** Why a Sudoku label cannot be the answer to its question, or undefined when it is a valid solution of it. */
export function sudokuLabelProblem(puzzle: LocatedPuzzle, label: LocatedGrid): string | undefined {
  if (label.cells.length !== 81) return 'does not have 81 cells';
  const blanks = label.cells.filter((c) => !/^[1-9]$/.test(c)).length;
  if (blanks > 0) return `has ${blanks} blank cell${blanks === 1 ? '' : 's'}`;
  const given = puzzle.input?.cells ?? [];
  for (let i = 0; i < 81; i++) {
    if (/^[1-9]$/.test(given[i] ?? '') && given[i] !== label.cells[i])
      return `changes the given ${given[i]} at r${Math.floor(i / 9) + 1}c${(i % 9) + 1}`;
  }
  const rule = sudokuViolation(digits(label.cells));
  return rule ? `breaks the rules: ${rule}` : undefined;
}

/**
 * Why a prediction cannot be written as an expected output, or undefined when it can: a Sudoku answer
 * gives all 81 digits, so a prediction with blank cells (a model that predicts the blank token, as a
 * lightly trained one does) would only turn into a malformed label.
 */
export function incompletePrediction(
  puzzle: LocatedPuzzle,
  predicted: { cells: readonly string[] },
): string | undefined {
  if (puzzle.kind !== 'sudoku') return undefined;
  const blanks = predicted.cells.filter((c) => !/^[1-9]$/.test(c)).length;
  return blanks > 0
    ? `the prediction of ${puzzle.id} has ${blanks} blank cell${blanks === 1 ? '' : 's'}: it is not a complete answer`
    : undefined;
}

/** The offer for a judged puzzle, or undefined when copying would most likely overwrite a right label. */
export function copyOffer(
  puzzle: LocatedPuzzle,
  j: Judgement,
  label: { grid: LocatedGrid; inThisFile: boolean } | undefined,
): CopyOffer | undefined {
  if (!j.predicted || j.status === 'correct' || j.status === 'error') return undefined;
  if (incompletePrediction(puzzle, j.predicted)) return undefined;
  if (label && !label.inThisFile) return undefined; // the solutions file is another document
  if (!label) {
    if (puzzle.labelProblem)
      return {
        title: `Replace the malformed expected output of ${puzzle.id} with the model's prediction`,
        lens: 'Replace malformed output with prediction',
      };
    return {
      title: `Fill in the expected output of ${puzzle.id} with the model's prediction`,
      lens: 'Fill in output from prediction',
    };
  }
  if (puzzle.kind !== 'sudoku') return undefined;
  const problem = sudokuLabelProblem(puzzle, label.grid);
  if (!problem) return undefined; // a valid solution: the model is the one that is wrong
  const predicted = digits(j.predicted.cells);
  const givens = puzzle.input?.cells ?? [];
  const keepsGivens = predicted.every((d, i) => !/^[1-9]$/.test(givens[i] ?? '') || String(d) === givens[i]);
  if (!isValidSudokuSolution(predicted) || !keepsGivens) return undefined;
  return {
    title: `Replace the expected answer of ${puzzle.id} with the model's valid solution (the expected answer ${problem})`,
    lens: "Replace invalid answer with the model's solution",
  };
}
