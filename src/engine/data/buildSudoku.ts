// Sudoku builder mirroring the official dataset/build_sudoku_dataset.py: per CSV subset, optional
// difficulty filter and train subsample, `num_aug` shuffled copies per training puzzle (each its own
// puzzle in the original's group), identifier 0 everywhere. Draws from NumPy's legacy RNG in the same
// order, so a build seeded like upstream reproduces its files byte for byte (including the int64
// token dtype of an augmented train split).

import { BuiltSplit, SetBuilder, metadataFor } from './built';
import { applySudokuShuffle, randomSudokuShuffle } from './augment';
import { NumpyRandomState } from './numpyRandom';
import { SudokuRecord } from './rawSudoku';

export interface SudokuSubsetOptions {
  /** 'train' gets augmentation and subsampling; any other name is copied as is. */
  split: string;
  numAug?: number;
  subsampleSize?: number;
  /** Keep rows whose rating is >= this (rows without a rating are kept). */
  minDifficulty?: number;
}

/** One split from puzzles with solutions. `rng` is shared across splits like NumPy's global RNG. */
export function buildSudokuSplit(
  records: SudokuRecord[],
  o: SudokuSubsetOptions,
  rng: NumpyRandomState,
  where = 'input',
): BuiltSplit {
  let rows = records.filter(
    (r) => o.minDifficulty === undefined || r.rating === undefined || r.rating >= o.minDifficulty,
  );
  rows.forEach((r) => {
    if (!r.answer)
      throw new Error(
        `${where}:${r.line}: puzzle has no solution; a training set needs labels (generate or solve them first)`,
      );
  });
  if (o.split === 'train' && o.subsampleSize !== undefined && o.subsampleSize < rows.length) {
    rows = rng.choiceNoReplace(rows.length, o.subsampleSize).map((i) => rows[i]);
  }
  const numAug = o.split === 'train' ? (o.numAug ?? 0) : 0;
  const b = new SetBuilder(81);
  for (const r of rows) {
    b.addPuzzle(0, [{ input: r.question, label: r.answer as Int32Array }]);
    for (let k = 0; k < numAug; k++) {
      const s = randomSudokuShuffle(rng);
      b.addPuzzle(0, [
        { input: applySudokuShuffle(r.question, s), label: applySudokuShuffle(r.answer as Int32Array, s) },
      ]);
    }
    b.endGroup();
  }
  const set = b.build('all');
  // Upstream concatenates uint8 originals with int64 shuffled copies: NumPy promotes to int64.
  if (numAug > 0) set.fileDtypes = { inputs: 'int64', labels: 'int64' };
  const groups = set.groupIndices.length - 1;
  return {
    meta: metadataFor(set, { vocabSize: 11, numPuzzleIdentifiers: 1, totalPuzzles: groups, meanPuzzleExamples: 1 }),
    sets: [set],
  };
}
