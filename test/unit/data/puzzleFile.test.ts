// readPuzzleFile: one call for every puzzle file a user may point the debugger at.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPuzzleFile } from '../../../src/engine/data/puzzleFile';
import { encodeNpy } from '../../../src/engine/formats/npy';
import { decodeArcGrid } from '../../../src/engine/tasks/arc';
import { decodeMaze } from '../../../src/engine/tasks/maze';
import { decodeSudoku } from '../../../src/engine/tasks/sudoku';
import { DATASETS, SAMPLES, headFile, snapshot, tmpDir } from './helpers';

test('built datasets: root -> test split, split folder, dataset.json, any .npy of the split', () => {
  const root = path.join(SAMPLES, 'arc-mini-aug-3');
  const ex = readPuzzleFile(root);
  assert.equal(ex.length, 16);
  assert.equal(ex[0].id, 'test/0');
  assert.equal(ex[0].kind, 'arc');
  assert.equal(ex[0].inputs.length, 900);
  const ids = JSON.parse(fs.readFileSync(path.join(root, 'identifiers.json'), 'utf8')) as string[];
  assert.ok(ex.every((e) => e.puzzleIdentifier > 0 && e.name === ids[e.puzzleIdentifier]));
  const train = readPuzzleFile(path.join(root, 'train'));
  assert.equal(train.length, 288);
  assert.equal(train[5].id, 'train/5');
  assert.equal(readPuzzleFile(path.join(root, 'train', 'dataset.json')).length, 288);
  assert.equal(readPuzzleFile(path.join(root, 'test', 'all__inputs.npy')).length, 16);
  assert.equal(readPuzzleFile(path.join(root, 'identifiers.json')).length, 16);
  const sud = readPuzzleFile(path.join(SAMPLES, 'sudoku-mini-aug-3', 'train', 'all__labels.npy'));
  assert.equal(sud.length, 80);
  assert.ok(
    sud.every(
      (e) => e.kind === 'sudoku' && e.puzzleIdentifier === 0 && e.labels?.length === 81 && e.name === undefined,
    ),
  );
});

test('a lone token .npy without dataset.json: task inferred from length and ids', () => {
  const dir = tmpDir('npy');
  const rows = Int32Array.from({ length: 2 * 81 }, (_, i) => 1 + (i % 10));
  fs.writeFileSync(path.join(dir, 'puzzles.npy'), encodeNpy({ dtype: 'int32', shape: [2, 81], data: rows }));
  const ex = readPuzzleFile(path.join(dir, 'puzzles.npy'));
  assert.deepEqual(
    ex.map((e) => [e.id, e.kind, e.labels]),
    [
      ['row 0', 'sudoku', undefined],
      ['row 1', 'sudoku', undefined],
    ],
  );
  fs.writeFileSync(path.join(dir, 'flat.npy'), encodeNpy({ dtype: 'int32', shape: [81], data: new Int32Array(81) }));
  assert.throws(
    () => readPuzzleFile(path.join(dir, 'flat.npy')),
    /flat\.npy: expected a token array of shape \[examples, seq_len\], got \[81\]/,
  );
});

test('Sudoku CSV, 81-char lines and the tdoku list', () => {
  const dir = tmpDir('pf');
  const csv = headFile(path.join(DATASETS, 'sudoku', 'derived-solved', 'test.csv'), 4, dir, 'test.csv');
  const ex = readPuzzleFile(csv);
  assert.equal(ex.length, 4);
  assert.equal(ex[0].id, 'line 2');
  assert.equal(ex[0].kind, 'sudoku');
  assert.ok(ex[0].labels);
  const lines = readPuzzleFile(path.join(DATASETS, 'sudoku', 'tdoku-benchmarks', 'puzzles6_forum_hardest_1106'));
  assert.equal(lines.length, 375);
  assert.equal(lines[0].id, 'line 3');
  assert.equal(lines[0].labels, undefined);
  const tdoku = readPuzzleFile(path.join(DATASETS, 'sudoku', 'tdoku-benchmarks', 'test_puzzles'));
  assert.equal(tdoku.length, 43);
});

test('maze CSV (spaces kept) and the authoring puzzle list (sudoku and maze)', () => {
  const dir = tmpDir('pfm');
  const q = ['S    ', ' ### ', '   #G', '#    ', '     '].join('');
  const a = ['Soooo', ' ###o', '   #G', '#    ', '     '].join('');
  fs.writeFileSync(path.join(dir, 'm.csv'), `source,question,answer,rating\nx,${q},${a},5\n`);
  const m = readPuzzleFile(path.join(dir, 'm.csv'));
  assert.equal(m[0].kind, 'maze');
  assert.equal(decodeMaze(m[0].inputs), q);
  assert.equal(decodeMaze(m[0].labels as Int32Array), a);

  const sq = '98.7..6..75..4......3..8.7.5....7.3...94.........2.1..3.......1.9...5.8...52....6';
  const rows = (sq.match(/.{9}/g) as string[]).map((r) => `${r.slice(0, 3)}|${r.slice(3, 6)}|${r.slice(6)}`);
  rows.splice(3, 0, '---+---+---');
  rows.splice(7, 0, '---+---+---');
  fs.writeFileSync(
    path.join(dir, 'list.json'),
    JSON.stringify({
      kind: 'sudoku',
      puzzles: [
        { id: 'easy', question: sq },
        { id: 7, question: rows },
      ],
    }),
  );
  const list = readPuzzleFile(path.join(dir, 'list.json'));
  assert.deepEqual(
    list.map((e) => e.id),
    ['easy', '7'],
  );
  assert.equal(decodeSudoku(list[0].inputs), sq);
  assert.equal(decodeSudoku(list[1].inputs), sq);
  fs.writeFileSync(
    path.join(dir, 'ml.json'),
    JSON.stringify({ kind: 'maze', puzzles: [{ id: 'm', question: q.match(/.{5}/g), answer: a }] }),
  );
  const ml = readPuzzleFile(path.join(dir, 'ml.json'));
  assert.equal(decodeMaze(ml[0].inputs), q);
  assert.equal(ml[0].labels?.length, 25);
  fs.writeFileSync(
    path.join(dir, 'bad.json'),
    JSON.stringify({
      kind: 'sudoku',
      puzzles: [
        { id: 'a', question: sq },
        { id: 'b', question: sq, answer: sq },
      ],
    }),
  );
  assert.throws(
    () => readPuzzleFile(path.join(dir, 'bad.json')),
    /bad\.json: puzzles\[1\]\.answer: cell 2 \(r1c3\) is blank; an answer gives all 81 digits/,
  );
  fs.writeFileSync(path.join(dir, 'kind.json'), JSON.stringify({ kind: 'chess', puzzles: [] }));
  assert.throws(() => readPuzzleFile(path.join(dir, 'kind.json')), /kind\.json: "kind" is "chess"/);
});

test('ARC: task file (test and train pairs, test first as in the file), challenges with solutions beside', () => {
  const ex = readPuzzleFile(path.join(DATASETS, 'arc-agi-1', 'training', '007bbfb7.json'));
  assert.deepEqual(
    ex.map((e) => e.id),
    ['007bbfb7/test/0', ...[0, 1, 2, 3, 4].map((k) => `007bbfb7/train/${k}`)],
  );
  assert.ok(ex.every((e) => e.kind === 'arc' && e.puzzleIdentifier === 0 && e.name === '007bbfb7' && e.labels));
  assert.deepEqual(decodeArcGrid(ex[0].inputs), [
    [7, 0, 7],
    [7, 0, 7],
    [7, 7, 0],
  ]);
  const ch = readPuzzleFile(path.join(SAMPLES, 'arc-mini-aug-3-input', 'arc-agi_evaluation_challenges.json'));
  const tests = ch.filter((e) => e.id.includes('/test/'));
  assert.equal(new Set(ch.map((e) => e.name)).size, 4);
  assert.ok(tests.length >= 4 && tests.every((e) => e.labels), 'solutions file supplies the test outputs');
  const dir = tmpDir('pfa');
  fs.copyFileSync(
    path.join(SAMPLES, 'arc-mini-aug-3-input', 'arc-agi_evaluation_challenges.json'),
    path.join(dir, 'only_challenges.json'),
  );
  const noSol = readPuzzleFile(path.join(dir, 'only_challenges.json'));
  assert.ok(noSol.filter((e) => e.id.includes('/test/')).every((e) => e.labels === undefined));
});

test('errors: precise message, and the file is not modified', () => {
  const dir = tmpDir('pferr');
  const files: Array<[string, string, RegExp]> = [
    [
      'p.csv',
      `source,question,answer,rating\ns,${'.'.repeat(81)},${'1'.repeat(81)},0\n`,
      /p\.csv:2: answer is not a valid Sudoku: row 1 repeats 1/,
    ],
    ['p.txt', `${'.'.repeat(81)}\n${'.'.repeat(80)}\n`, /p\.txt:2: puzzle has 80 characters/],
    ['t.json', '{"train": [], "test": [{"input": [[1, "a"]]}]}', /t\.json: test\[0\]\.input\[0\]\[1\] is "a"/],
    ['j.json', '[1, 2]', /j\.json: not an ARC file/],
    ['e.json', '{"a": 1,}', /e\.json: invalid JSON/],
  ];
  for (const [name, text, re] of files) {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    const before = snapshot(f);
    assert.throws(() => readPuzzleFile(f), re, name);
    assert.deepEqual(snapshot(f), before);
  }
  assert.throws(() => readPuzzleFile(path.join(dir, 'missing.csv')), /missing\.csv: cannot read: ENOENT/);
  fs.writeFileSync(path.join(dir, 'empty.txt'), '# nothing\n');
  assert.deepEqual(readPuzzleFile(path.join(dir, 'empty.txt')), []);
});
