// Turns a located puzzle into what the model consumes (token ids + puzzle identifier) and a content
// key: the hash of exactly what determines the prediction (tokens, identifier, model), so edits to
// labels, whitespace or other puzzles never trigger a re-run.

import { createHash } from 'node:crypto';
import { encodeArcGrid } from '../tasks/arc';
import { encodeMaze } from '../tasks/maze';
import { encodeSudoku } from '../tasks/sudoku';
import type { LocatedGrid, LocatedPuzzle, TaskKind } from './locate';

export interface PredictRequest {
  key: string;
  inputs: Int32Array;
  puzzleIdentifier: number;
}

/** Token ids of a located grid, with the official encodings (ARC: 30x30 canvas at offset (0, 0), as the test split). */
export function encodeGrid(kind: TaskKind, grid: LocatedGrid): Int32Array {
  switch (kind) {
    case 'sudoku':
      return encodeSudoku(grid.cells.join(''));
    case 'maze':
      return encodeMaze(grid.cells.join(''));
    case 'arc': {
      const rows: number[][] = [];
      for (let r = 0; r < grid.height; r++)
        rows.push(grid.cells.slice(r * grid.width, (r + 1) * grid.width).map(Number));
      return encodeArcGrid(rows);
    }
  }
}

/** A stable key for (tokens, identifier, model). */
export function contentKey(inputs: Int32Array, puzzleIdentifier: number, modelKey: string): string {
  const h = createHash('sha1');
  h.update(modelKey);
  h.update(`\0${puzzleIdentifier}\0`);
  h.update(new Uint8Array(inputs.buffer, inputs.byteOffset, inputs.byteLength));
  return h.digest('hex').slice(0, 24);
}

/** The request for a puzzle, or undefined when it has no valid input grid. */
export function requestFor(p: LocatedPuzzle, puzzleIdentifier: number, modelKey: string): PredictRequest | undefined {
  if (!p.input || p.problem) return undefined;
  const inputs = encodeGrid(p.kind, p.input);
  return { key: contentKey(inputs, puzzleIdentifier, modelKey), inputs, puzzleIdentifier };
}
