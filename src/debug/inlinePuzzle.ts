// Inline puzzles of a `trm` launch configuration: an 81-character Sudoku string (with an optional
// `solution`), an ARC task object ({train, test}), an {input, output?} pair, or a bare grid.
// Produces the same example shape the dataset readers give, so the rest of the session does not
// care where a puzzle came from.

import { encodeSudoku } from '../engine/tasks/sudoku';
import { encodeArcGrid, validateGrid } from '../engine/tasks/arc';

export type PuzzleKind = 'sudoku' | 'maze' | 'arc' | 'generic';

export interface DebugPuzzle {
  id: string;
  kind: PuzzleKind;
  inputs: Int32Array;
  labels?: Int32Array;
  puzzleIdentifier: number;
  /** Human-readable origin: "inline Sudoku", "test.csv row 12". */
  origin: string;
  /** Grid shape for display. */
  gridHeight: number;
  gridWidth: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sudokuLabels(solution: string): Int32Array {
  const ids = encodeSudoku(solution);
  const blank = ids.findIndex((v) => v === 1);
  if (blank >= 0)
    throw new Error(
      `'solution' must give all 81 digits; cell ${blank} (r${Math.floor(blank / 9) + 1}c${(blank % 9) + 1}) is blank`,
    );
  return ids;
}

/** Parses the `puzzle` attribute. `index` picks the test pair of an ARC task. */
export function parseInlinePuzzle(puzzle: unknown, opts: { index?: number; solution?: string } = {}): DebugPuzzle {
  if (typeof puzzle === 'string') {
    let inputs: Int32Array;
    try {
      inputs = encodeSudoku(puzzle);
    } catch (e) {
      throw new Error(
        `inline 'puzzle' string: ${(e as Error).message} (an inline string is read as a Sudoku; use a 'dataset' file for other tasks)`,
        { cause: e },
      );
    }
    if (opts.index !== undefined && opts.index !== 0)
      throw new Error(`'index' ${opts.index} is out of range: an inline Sudoku string is a single puzzle (index 0)`);
    let labels: Int32Array | undefined;
    if (opts.solution !== undefined) {
      try {
        labels = sudokuLabels(opts.solution);
      } catch (e) {
        throw new Error(`'solution': ${(e as Error).message}`, { cause: e });
      }
      for (let i = 0; i < 81; i++) {
        if (inputs[i] !== 1 && inputs[i] !== labels[i]) {
          throw new Error(
            `'solution' contradicts the puzzle at cell ${i} (r${Math.floor(i / 9) + 1}c${(i % 9) + 1}): given ${inputs[i] - 1}, solution ${labels[i] - 1}`,
          );
        }
      }
    }
    return {
      id: 'inline',
      kind: 'sudoku',
      inputs,
      labels,
      puzzleIdentifier: 0,
      origin: 'inline Sudoku',
      gridHeight: 9,
      gridWidth: 9,
    };
  }
  if (opts.solution !== undefined) throw new Error("'solution' only applies to an inline Sudoku string");
  if (Array.isArray(puzzle)) {
    if (opts.index !== undefined && opts.index !== 0)
      throw new Error(`'index' ${opts.index} is out of range: an inline grid is a single puzzle (index 0)`);
    const grid = validateGrid(puzzle, "inline 'puzzle' grid");
    return arcPuzzle(encodeArcGrid(grid), undefined, 'inline ARC grid');
  }
  if (isRecord(puzzle)) {
    if ('train' in puzzle || 'test' in puzzle) {
      const test = puzzle.test;
      if (!Array.isArray(test) || test.length === 0)
        throw new Error("inline ARC task: 'test' must be a non-empty list of {input, output?} pairs");
      const k = opts.index ?? 0;
      if (k >= test.length)
        throw new Error(
          `'index' ${k} is out of range: the inline ARC task has ${test.length} test pair${test.length === 1 ? '' : 's'} (0..${test.length - 1})`,
        );
      return pairPuzzle(test[k], `inline ARC task test[${k}]`);
    }
    if ('input' in puzzle) {
      if (opts.index !== undefined && opts.index !== 0)
        throw new Error(`'index' ${opts.index} is out of range: an inline pair is a single puzzle (index 0)`);
      return pairPuzzle(puzzle, "inline 'puzzle' pair");
    }
  }
  throw new Error(
    `inline 'puzzle' must be an 81-character Sudoku string, an ARC task {train, test}, an {input, output} pair or a grid (list of rows of colours 0-9); got ${JSON.stringify(puzzle).slice(0, 80)}`,
  );
}

function pairPuzzle(pair: unknown, what: string): DebugPuzzle {
  if (!isRecord(pair)) throw new Error(`${what} must be an object with 'input' (and optionally 'output')`);
  const input = validateGrid(pair.input, `${what}.input`);
  const output = pair.output === undefined ? undefined : validateGrid(pair.output, `${what}.output`);
  return arcPuzzle(encodeArcGrid(input), output ? encodeArcGrid(output) : undefined, what);
}

function arcPuzzle(inputs: Int32Array, labels: Int32Array | undefined, origin: string): DebugPuzzle {
  return { id: 'inline', kind: 'arc', inputs, labels, puzzleIdentifier: 0, origin, gridHeight: 30, gridWidth: 30 };
}

/** Display shape of a sequence of S cells for a task kind. */
export function gridShape(kind: PuzzleKind, seqLen: number): { gridHeight: number; gridWidth: number } {
  if (kind === 'sudoku' && seqLen === 81) return { gridHeight: 9, gridWidth: 9 };
  if (kind === 'arc' && seqLen === 900) return { gridHeight: 30, gridWidth: 30 };
  const side = Math.round(Math.sqrt(seqLen));
  if (side * side === seqLen) return { gridHeight: side, gridWidth: side };
  return { gridHeight: 1, gridWidth: seqLen };
}
