// Reading and writing the official built layout: the real builder outputs (TRM and HRM, uint8 and
// int64 tokens), dataset.json formatting, and precise errors for damaged datasets.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy } from '../../../src/engine/formats/npy';
import {
  DATASET_MARKER,
  DatasetFormatError,
  metadataJson,
  readBuiltDataset,
  readBuiltSplit,
  writeBuiltDataset,
} from '../../../src/engine/data/built';
import { pyJsonStringify, PyFloat } from '../../../src/engine/data/pyJson';
import { SAMPLES, sameTree, snapshot, tmpDir, sp } from './helpers';

test('reads the TRM Sudoku sample: int64 train tokens, uint8 test, one identifier', () => {
  const ds = readBuiltDataset(path.join(SAMPLES, 'sudoku-mini-aug-3'));
  assert.deepEqual(ds.identifiers, ['<blank>']);
  const tr = sp(ds, 'train').sets[0];
  assert.equal(tr.numExamples, 80);
  assert.equal(tr.seqLen, 81);
  assert.deepEqual(tr.fileDtypes, { inputs: 'int64', labels: 'int64' });
  assert.equal(sp(ds, 'test').sets[0].fileDtypes?.inputs, 'uint8');
  assert.equal(sp(ds, 'test').sets[0].numExamples, 10);
  // Every label row is a full grid of digit ids 2..10; inputs mix blanks (1) with digits.
  assert.ok(tr.labels.every((v) => v >= 2 && v <= 10));
  assert.ok(tr.inputs.some((v) => v === 1));
  assert.deepEqual([...tr.groupIndices.subarray(0, 3)], [0, 4, 8]);
});

test('reads the TRM and HRM ARC samples (HRM has no total_puzzles)', () => {
  const trm = readBuiltDataset(path.join(SAMPLES, 'arc-mini-aug-3'));
  assert.equal(trm.identifiers?.length, 65);
  assert.equal(sp(trm, 'train').meta.mean_puzzle_examples, 4.5);
  assert.equal(sp(trm, 'train').sets[0].numExamples, 288);
  assert.equal(Object.keys(trm.testPuzzles as object).length, 4);
  const hrm = readBuiltDataset(path.join(SAMPLES, 'hrm-arc-mini-aug-3'));
  assert.equal(sp(hrm, 'test').meta.total_puzzles, undefined);
  assert.equal(sp(hrm, 'test').sets[0].numExamples, 16);
  assert.match(hrm.identifiers?.[2] ?? '', /_t\d_\d{10}$/);
});

test('re-writing a read dataset reproduces its files exactly (dtypes kept, dataset.json formatting)', () => {
  for (const name of ['sudoku-mini-aug-3', 'arc-mini-aug-3', 'hrm-arc-mini-aug-3']) {
    const out = path.join(tmpDir('rw'), name);
    writeBuiltDataset(out, readBuiltDataset(path.join(SAMPLES, name)), { tokenDtype: 'keep' });
    assert.deepEqual(sameTree(out, path.join(SAMPLES, name)), [], name);
  }
});

test('Python-style JSON: floats keep .0, exponents like repr, ASCII escapes', () => {
  assert.equal(
    pyJsonStringify([new PyFloat(1), new PyFloat(4.5), new PyFloat(1e-5), new PyFloat(1e16), new PyFloat(0.1)]),
    '[1.0, 4.5, 1e-05, 1e+16, 0.1]',
  );
  assert.equal(pyJsonStringify({ a: 'é"\n', b: [1, null, true] }), '{"a": "\\u00e9\\"\\n", "b": [1, null, true]}');
  const m = readBuiltSplit(path.join(SAMPLES, 'arc-mini-aug-3', 'train')).meta;
  assert.equal(metadataJson(m), fs.readFileSync(path.join(SAMPLES, 'arc-mini-aug-3', 'train', 'dataset.json'), 'utf8'));
});

/** A copy of the Sudoku sample's test split with one file replaced. */
function damaged(file: string, content: Uint8Array | string): string {
  const dir = path.join(tmpDir('bad'), 'test');
  fs.cpSync(path.join(SAMPLES, 'sudoku-mini-aug-3', 'test'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, file), content);
  return dir;
}

test('damaged datasets: messages name the file and the position; nothing is modified', () => {
  const meta = JSON.parse(fs.readFileSync(path.join(SAMPLES, 'sudoku-mini-aug-3', 'test', 'dataset.json'), 'utf8'));
  const cases: Array<[string, Uint8Array | string, RegExp]> = [
    ['dataset.json', '{"pad_id": 0,', /dataset\.json: invalid JSON/],
    [
      'dataset.json',
      JSON.stringify({ ...meta, seq_len: 'x' }),
      /dataset\.json: key "seq_len" must be an integer \(got "x"\)/,
    ],
    [
      'dataset.json',
      JSON.stringify({ ...meta, seq_len: 80 }),
      /test\/all__inputs\.npy: rows have 81 tokens but dataset\.json says seq_len = 80/,
    ],
    [
      'dataset.json',
      JSON.stringify({ ...meta, total_groups: 9 }),
      /all__group_indices\.npy: describes 10 groups but dataset\.json says total_groups = 9/,
    ],
    ['all__inputs.npy', 'garbage', /all__inputs\.npy: not a valid \.npy file/],
    [
      'all__inputs.npy',
      encodeNpy({ dtype: 'uint8', shape: [10, 81], data: new Uint8Array(810).fill(11) }),
      /all__inputs\.npy: row 0, position 0: token id 11 is outside 0\.\.10 \(vocab_size = 11\)/,
    ],
    [
      'all__inputs.npy',
      encodeNpy({ dtype: 'float32', shape: [10, 81], data: new Float32Array(810) }),
      /all__inputs\.npy: dtype float32 is not an integer type/,
    ],
    [
      'all__labels.npy',
      encodeNpy({ dtype: 'uint8', shape: [9, 81], data: new Uint8Array(729).fill(2) }),
      /all__labels\.npy: shape \[9, 81\] differs from inputs \[10, 81\]/,
    ],
    [
      'all__puzzle_indices.npy',
      encodeNpy({ dtype: 'int32', shape: [11], data: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 9]) }),
      /all__puzzle_indices\.npy: index 10 is 9, smaller than index 9 \(10\)/,
    ],
    [
      'all__group_indices.npy',
      encodeNpy({ dtype: 'int32', shape: [11], data: Int32Array.from([1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }),
      /all__group_indices\.npy: index 0 is 1; it must be 0/,
    ],
  ];
  for (const [file, content, re] of cases) {
    const dir = damaged(file, content);
    const before = snapshot(dir);
    assert.throws(
      () => readBuiltSplit(dir),
      (e: Error) => e instanceof DatasetFormatError && re.test(e.message),
      `${file}: ${re}`,
    );
    assert.deepEqual(snapshot(dir), before);
  }
  const noFile = damaged('dataset.json', JSON.stringify(meta));
  fs.rmSync(path.join(noFile, 'all__labels.npy'));
  assert.throws(() => readBuiltSplit(noFile), /test\/all__labels\.npy: cannot read: ENOENT/);
  assert.throws(() => readBuiltDataset(tmpDir('empty')), /not a built dataset: no dataset\.json/);
});

test('the writer refuses to replace a non-empty folder without overwrite, and leaves it intact', () => {
  const out = tmpDir('keep');
  fs.writeFileSync(path.join(out, 'mine.txt'), 'precious');
  const before = snapshot(out);
  const ds = readBuiltDataset(path.join(SAMPLES, 'sudoku-mini-aug-3'));
  assert.throws(() => writeBuiltDataset(out, ds), /already exists and is not empty/);
  assert.deepEqual(snapshot(out), before);
  // --overwrite replaces only what TRM Lens wrote: a folder of the user's is refused and kept.
  assert.throws(
    () => writeBuiltDataset(out, ds, { overwrite: true, tokenDtype: 'keep' }),
    /cannot be overwritten: it was not written by TRM Lens \(no \.trm-lens-dataset marker\); it is left alone/,
  );
  assert.deepEqual(snapshot(out), before);
  const ours = path.join(tmpDir('ours'), 'ds');
  writeBuiltDataset(ours, ds, { tokenDtype: 'keep' });
  assert.ok(fs.existsSync(path.join(ours, DATASET_MARKER)), 'the writer marks its datasets');
  writeBuiltDataset(ours, ds, { overwrite: true, tokenDtype: 'keep' });
  assert.deepEqual(sameTree(ours, path.join(SAMPLES, 'sudoku-mini-aug-3')), []);
  assert.deepEqual(
    fs.readdirSync(path.dirname(ours)).filter((f) => f.startsWith(`.${path.basename(ours)}.tmp`)),
    [],
  );
  // A file of the user's inside a TRM Lens dataset is not deleted with it either.
  fs.writeFileSync(path.join(ours, 'train', 'notes.md'), 'mine');
  const withNotes = snapshot(ours);
  assert.throws(
    () => writeBuiltDataset(ours, ds, { overwrite: true, tokenDtype: 'keep' }),
    /holds files that are not part of the dataset \(train\/notes\.md\)/,
  );
  assert.deepEqual(snapshot(ours), withNotes);
});
