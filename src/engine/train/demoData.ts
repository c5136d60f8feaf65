// Sudoku datasets for the bundled demo model and for tests: generated puzzles with unique solutions
// (data/sudokuGen) of a chosen number of givens, expanded with the official shuffle augmentation
// (data/augment), assembled in the official built layout (token ids: 1 = blank, 2..10 = digits).

import { BuiltDataset, BuiltSet, SetBuilder, metadataFor } from '../data/built';
import { SudokuShuffle, applySudokuShuffle } from '../data/augment';
import { DataRng } from '../data/rng';
import { generateSudoku } from '../data/sudokuGen';

export interface SudokuDemoDataOptions {
  trainPuzzles: number;
  testPuzzles: number;
  /** Augmented copies per training puzzle (each its own puzzle in the original's group). */
  augment: number;
  minGivens: number;
  maxGivens: number;
  seed: number;
}

function toIds(d: Int8Array): Int32Array {
  return Int32Array.from(d, (v) => v + 1);
}

function puzzles(rng: DataRng, n: number, lo: number, hi: number): Array<{ input: Int32Array; label: Int32Array }> {
  const out: Array<{ input: Int32Array; label: Int32Array }> = [];
  for (let i = 0; i < n; i++) {
    const g = generateSudoku(rng, lo + rng.int(hi - lo + 1), 3);
    out.push({ input: toIds(g.puzzle), label: toIds(g.solution) });
  }
  return out;
}

/** The official shuffle plan (digit relabelling, transpose, band/row and stack/column permutations) drawn from our seeded rng. */
function shufflePlan(rng: DataRng): SudokuShuffle {
  const digitMap = [0, ...rng.permutation(9).map((x) => x + 1)];
  const transpose = rng.random() < 0.5;
  const lines = (): number[] => rng.permutation(3).flatMap((b) => rng.permutation(3).map((r) => b * 3 + r));
  return { digitMap, transpose, rowPerm: lines(), colPerm: lines() };
}

function setOf(examples: Array<{ input: Int32Array; label: Int32Array }>, augment: number, rng: DataRng): BuiltSet {
  const b = new SetBuilder(81);
  for (const ex of examples) {
    b.addPuzzle(0, [ex]);
    for (let a = 0; a < augment; a++) {
      const s = shufflePlan(rng);
      b.addPuzzle(0, [{ input: applySudokuShuffle(ex.input, s), label: applySudokuShuffle(ex.label, s) }]);
    }
    b.endGroup();
  }
  return b.build('all');
}

/** Train (augmented) and test (held out, not augmented) splits; every puzzle uses identifier 0. */
export function generateSudokuDataset(o: SudokuDemoDataOptions): BuiltDataset {
  const rng = new DataRng(o.seed);
  const train = setOf(puzzles(rng, o.trainPuzzles, o.minGivens, o.maxGivens), o.augment, rng);
  const test = setOf(puzzles(rng, o.testPuzzles, o.minGivens, o.maxGivens), 0, rng);
  const meta = (s: BuiltSet) =>
    metadataFor(s, { vocabSize: 11, numPuzzleIdentifiers: 1, totalPuzzles: s.groupIndices.length - 1 });
  return {
    identifiers: ['<blank>'],
    splits: { train: { meta: meta(train), sets: [train] }, test: { meta: meta(test), sets: [test] } },
  };
}

/** A test-only dataset from (question, answer) id rows (e.g. a CSV of hard puzzles). */
export function sudokuTestDataset(rows: Array<{ question: Int32Array; answer: Int32Array }>): BuiltDataset {
  const b = new SetBuilder(81);
  for (const r of rows) {
    b.addPuzzle(0, [{ input: r.question, label: r.answer }]);
    b.endGroup();
  }
  const set = b.build('all');
  return {
    identifiers: ['<blank>'],
    splits: { test: { meta: metadataFor(set, { vocabSize: 11, numPuzzleIdentifiers: 1 }), sets: [set] } },
  };
}
