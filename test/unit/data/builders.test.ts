// The builders reproduce the official builders' real outputs (shared/datasets/trm-built-samples)
// byte for byte: same NumPy-compatible RNG draws, same ordering, same .npy and JSON bytes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildArcDataset } from '../../../src/engine/data/buildArc';
import { buildMazeSplit } from '../../../src/engine/data/buildMaze';
import { buildSudokuSplit } from '../../../src/engine/data/buildSudoku';
import { readBuiltDataset, writeBuiltDataset } from '../../../src/engine/data/built';
import { dihedralSquare } from '../../../src/engine/data/augment';
import { NumpyRandomState } from '../../../src/engine/data/numpyRandom';
import { readArcFile } from '../../../src/engine/data/rawArc';
import { parseMazeCsv } from '../../../src/engine/data/rawMaze';
import { parseSudokuCsv } from '../../../src/engine/data/rawSudoku';
import { SAMPLES, sameTree, tmpDir, sp } from './helpers';

test('NumPy legacy RNG matches numpy.random.RandomState draws', () => {
  // Values printed by NumPy 2.4: RandomState(42).random_raw(2), randint(0, 8), permutation(9), rand().
  const r = new NumpyRandomState(42);
  assert.deepEqual([r.nextU32(), r.nextU32()], [1608637542, 3421126067]);
  assert.equal(r.randint(0, 8), 4);
  assert.deepEqual(r.permutation(9), [5, 0, 3, 6, 2, 1, 8, 4, 7]);
  assert.equal(r.random(), 0.8661761457749352);
  const s = new NumpyRandomState(0);
  assert.equal(s.nextU32(), 2357136044);
  assert.equal(s.random(), 0.5928446182250183);
  // A one-value range draws nothing (NumPy returns `low` without consuming the stream).
  const a = new NumpyRandomState(7);
  const b = new NumpyRandomState(7);
  assert.equal(a.randint(3, 4), 3);
  assert.equal(a.nextU32(), b.nextU32());
});

test('Sudoku builder reproduces sudoku-mini-aug-3 byte for byte (seed 0, num_aug 3, int64 train tokens)', () => {
  const inDir = path.join(SAMPLES, 'sudoku-mini-aug-3-input');
  const rng = new NumpyRandomState(0);
  const read = (f: string) => parseSudokuCsv(fs.readFileSync(path.join(inDir, f), 'utf8'), f);
  const train = buildSudokuSplit(read('train.csv'), { split: 'train', numAug: 3 }, rng);
  const test_ = buildSudokuSplit(read('test.csv'), { split: 'test', numAug: 3 }, rng);
  const out = path.join(tmpDir('sud'), 'ds');
  writeBuiltDataset(out, { identifiers: ['<blank>'], splits: { train, test: test_ } }, { tokenDtype: 'keep' });
  assert.deepEqual(sameTree(out, path.join(SAMPLES, 'sudoku-mini-aug-3')), []);
});

test('ARC builder reproduces arc-mini-aug-3 byte for byte (seed 42, num_aug 3, translation, test_puzzles.json)', () => {
  const inDir = path.join(SAMPLES, 'arc-mini-aug-3-input');
  const subsets = ['training', 'evaluation', 'concept'].map((name) => ({
    name,
    tasks: readArcFile(path.join(inDir, `arc-agi_${name}_challenges.json`)),
  }));
  const ds = buildArcDataset(subsets, { testSets: ['evaluation', 'evaluation2'], numAug: 3, seed: 42 });
  const out = path.join(tmpDir('arc'), 'ds');
  writeBuiltDataset(out, ds);
  assert.deepEqual(sameTree(out, path.join(SAMPLES, 'arc-mini-aug-3')), []);
  // A different seed gives different variants (the comparison above is not vacuous).
  const other = buildArcDataset(subsets, { testSets: ['evaluation'], numAug: 3, seed: 43 });
  assert.notDeepEqual(other.identifiers, ds.identifiers);
});

test('maze builder: 8 dihedral copies per training maze in one group, test split untouched', () => {
  const q = ['#####', '#S  #', '# # #', '#  G#', '#####'].join('');
  const a = ['#####', '#Soo#', '# #o#', '#  G#', '#####'].join('');
  const csv = `source,question,answer,rating\nx,${q},${a},0\ny,${q},${a},\n`;
  const recs = parseMazeCsv(csv, 'm.csv');
  const train = buildMazeSplit(recs, { split: 'train', aug: true }, new NumpyRandomState(0));
  assert.equal(train.meta.seq_len, 25);
  assert.equal(train.meta.vocab_size, 6);
  assert.deepEqual([...train.sets[0].groupIndices], [0, 8, 16]);
  assert.equal(train.meta.total_puzzles, 2);
  assert.equal(train.meta.total_groups, 2);
  for (let t = 0; t < 8; t++) {
    assert.deepEqual(
      [...train.sets[0].inputs.subarray(t * 25, (t + 1) * 25)],
      [...dihedralSquare(recs[0].question, 5, t as 0)],
    );
  }
  const test_ = buildMazeSplit(recs, { split: 'test', aug: true }, new NumpyRandomState(0));
  assert.equal(test_.sets[0].numExamples, 2);
  // Mixed sizes are refused.
  const small = parseMazeCsv(`source,question,answer,rating\nz,${'#'.repeat(9)},${'#'.repeat(9)},\n`, 's.csv');
  assert.throws(
    () => buildMazeSplit([...recs, ...small], { split: 'train' }, new NumpyRandomState(0)),
    /line 2: maze is 3x3 but the first is 5x5/,
  );
});

test('built datasets written by the builders read back equal', () => {
  const inDir = path.join(SAMPLES, 'sudoku-mini-aug-3-input');
  const train = buildSudokuSplit(
    parseSudokuCsv(fs.readFileSync(path.join(inDir, 'train.csv'), 'utf8'), 'train.csv'),
    { split: 'train', numAug: 2, subsampleSize: 5 },
    new NumpyRandomState(3),
  );
  const out = path.join(tmpDir('rt'), 'ds');
  writeBuiltDataset(out, { identifiers: ['<blank>'], splits: { train } }, { tokenDtype: 'keep' });
  const back = readBuiltDataset(out);
  const s = sp(back, 'train').sets[0];
  assert.equal(s.numExamples, 15);
  assert.deepEqual(s.fileDtypes, { inputs: 'int64', labels: 'int64' });
  assert.deepEqual([...s.inputs], [...train.sets[0].inputs]);
  assert.deepEqual([...s.labels], [...train.sets[0].labels]);
  assert.deepEqual([...s.groupIndices], [0, 3, 6, 9, 12, 15]);
  assert.deepEqual(sp(back, 'train').meta, train.meta);
});
