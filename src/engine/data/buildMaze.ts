// Maze builder mirroring the official dataset/build_maze_dataset.py: one example per puzzle,
// identifier 0, optional train subsample (NumPy legacy `choice`), and with `aug` the 8 dihedral
// transforms of each training maze (identity first) as puzzles of one group.

import { BuiltSplit, SetBuilder, metadataFor } from './built';
import { DihedralId, dihedralSquare } from './augment';
import { NumpyRandomState } from './numpyRandom';
import { MazeRecord } from './rawMaze';

export interface MazeSubsetOptions {
  split: string;
  aug?: boolean;
  subsampleSize?: number;
}

export function buildMazeSplit(records: MazeRecord[], o: MazeSubsetOptions, rng: NumpyRandomState): BuiltSplit {
  if (!records.length) throw new Error('no mazes to build from');
  const side = records[0].side;
  const bad = records.find((r) => r.side !== side);
  if (bad)
    throw new Error(
      `line ${bad.line}: maze is ${bad.side}x${bad.side} but the first is ${side}x${side}; a dataset has one size`,
    );
  let rows = records;
  if (o.split === 'train' && o.subsampleSize !== undefined && o.subsampleSize < rows.length) {
    rows = rng.choiceNoReplace(rows.length, o.subsampleSize).map((i) => records[i]);
  }
  const transforms = o.split === 'train' && o.aug ? 8 : 1;
  const b = new SetBuilder(side * side);
  for (const r of rows) {
    for (let t = 0; t < transforms; t++) {
      b.addPuzzle(0, [
        {
          input: dihedralSquare(r.question, side, t as DihedralId),
          label: dihedralSquare(r.answer, side, t as DihedralId),
        },
      ]);
    }
    b.endGroup();
  }
  const set = b.build('all');
  const groups = set.groupIndices.length - 1;
  return {
    meta: metadataFor(set, { vocabSize: 6, numPuzzleIdentifiers: 1, totalPuzzles: groups, meanPuzzleExamples: 1 }),
    sets: [set],
  };
}
