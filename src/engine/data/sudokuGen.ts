// Sudoku generator: a random complete grid by randomized backtracking, then cells are removed in
// random order while the solution stays unique (checked with the bitmask solver, counting to 2).
// The difficulty knob is the number of givens; deterministic for a given seed.

import { DataRng } from './rng';
import { solveSudoku } from './sudokuSolver';

export interface GeneratedSudoku {
  /** 81 digits, 0 = blank. */
  puzzle: Int8Array;
  solution: Int8Array;
  givens: number;
  /** Branching decisions of our solver on the puzzle (rough difficulty, like the derived CSV's rating). */
  guesses: number;
}

export const MIN_SUDOKU_GIVENS = 17;

export function randomFullGrid(rng: DataRng): Int8Array {
  const r = solveSudoku(new Int8Array(81), 1, (c) => rng.shuffle(c));
  if (!r.solution) throw new Error('internal error: the empty Sudoku has no solution');
  return r.solution;
}

/**
 * Generates a puzzle with a unique solution and (at most) `givens` clues. Low targets may be
 * unreachable from a given grid (the removal order hits a minimal puzzle first), so up to `attempts`
 * grids are tried and the puzzle closest to the target is returned; check `.givens`.
 */
export function generateSudoku(rng: DataRng, givens: number, attempts = 20): GeneratedSudoku {
  if (!Number.isInteger(givens) || givens < MIN_SUDOKU_GIVENS || givens > 81) {
    throw new Error(
      `givens must be an integer in ${MIN_SUDOKU_GIVENS}..81 (no Sudoku with fewer than 17 clues has a unique solution); got ${givens}`,
    );
  }
  let best: GeneratedSudoku | undefined;
  for (let a = 0; a < Math.max(1, attempts); a++) {
    const solution = randomFullGrid(rng);
    const puzzle = Int8Array.from(solution);
    let count = 81;
    for (const cell of rng.permutation(81)) {
      if (count <= givens) break;
      const keep = puzzle[cell];
      puzzle[cell] = 0;
      if (solveSudoku(puzzle, 2).count !== 1) puzzle[cell] = keep;
      else count--;
    }
    if (!best || count < best.givens)
      best = { puzzle, solution, givens: count, guesses: solveSudoku(puzzle, 2).guesses };
    if (count <= givens) break;
  }
  return best as GeneratedSudoku;
}

export function digitsToString(d: ArrayLike<number>, blank = '.'): string {
  let s = '';
  for (let i = 0; i < d.length; i++) s += d[i] === 0 ? blank : String(d[i]);
  return s;
}
