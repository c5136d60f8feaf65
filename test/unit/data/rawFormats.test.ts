// Raw formats against the real files in shared/datasets: Sudoku CSV, 81-character lines (LF and
// CRLF, comments), tdoku's test list, ARC task files and challenges/solutions pairs, and maze CSV
// (spaces are cells). Malformed input gets `file:line: what is wrong`.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArcChallenges, parseArcTask, readArcFile } from '../../../src/engine/data/rawArc';
import { parseMazeCsv } from '../../../src/engine/data/rawMaze';
import { parseSudokuCsv, parseSudokuLines, parseTdokuTests } from '../../../src/engine/data/rawSudoku';
import { arcTasksJson, rawCsv } from '../../../src/engine/data/rawWrite';
import { topLevelKeys } from '../../../src/engine/data/textLines';
import { decodeMaze } from '../../../src/engine/tasks/maze';
import { decodeSudoku } from '../../../src/engine/tasks/sudoku';
import { DATASETS, SAMPLES, tmpDir } from './helpers';

const SUDOKU = path.join(DATASETS, 'sudoku');

test('Sudoku-Extreme-style CSV (derived-solved/train.csv): 1000 rows, answers keep the givens', () => {
  const text = fs.readFileSync(path.join(SUDOKU, 'derived-solved', 'train.csv'), 'utf8');
  const recs = parseSudokuCsv(text, 'train.csv');
  assert.equal(recs.length, 1000);
  assert.equal(recs[0].line, 2);
  assert.equal(recs[0].source, 'puzzles5_forum_hardest_1905_11+');
  assert.equal(recs[0].rating, 317);
  assert.equal(
    decodeSudoku(recs[0].question),
    '98.7..6..75..4......3..8.7.5....7.3...94.........2.1..3.......1.9...5.8...52....6',
  );
  assert.equal(
    decodeSudoku(recs[0].answer as Int32Array),
    '981752643752643819463198275514867932629431758837529164348976521296315487175284396',
  );
  // CSV writer round trip.
  const again = parseSudokuCsv(
    rawCsv(
      recs.slice(0, 5).map((r) => ({
        source: r.source as string,
        question: decodeSudoku(r.question),
        answer: decodeSudoku(r.answer as Int32Array),
        rating: r.rating,
      })),
    ),
    'x.csv',
  );
  assert.deepEqual(
    again.map((r) => [...r.question, ...(r.answer as Int32Array)]),
    recs.slice(0, 5).map((r) => [...r.question, ...(r.answer as Int32Array)]),
  );
});

test('81-character lines: tdoku files with comments, LF and CRLF (17-clue file)', () => {
  const top = parseSudokuLines(
    fs.readFileSync(path.join(SUDOKU, 'tdoku-benchmarks', 'puzzles6_forum_hardest_1106'), 'utf8'),
    'p6',
  );
  assert.equal(top.length, 375);
  assert.equal(top[0].line, 3); // two comment lines first
  const crlf = parseSudokuLines(
    fs.readFileSync(path.join(SUDOKU, 'tdoku-benchmarks', 'puzzles2_17_clue.first3000'), 'utf8'),
    'p2',
  );
  assert.equal(crlf.length, 3000);
  assert.ok(crlf.every((r) => r.question.filter((v) => v !== 1).length === 17));
  // An empty answer field reads as "no solution" (what the CSV writer emits for unsolved puzzles).
  const unsolved = parseSudokuCsv(rawCsv([{ source: 's', question: decodeSudoku(top[0].question) }]), 'u.csv');
  assert.equal(unsolved[0].answer, undefined);
  assert.deepEqual([...unsolved[0].question], [...top[0].question]);
  // '0' blanks read like '.'.
  const zero = parseSudokuLines(`${'0'.repeat(80)}5\n`, 'z');
  assert.equal(zero[0].question[80], 6);
  assert.equal(zero[0].question[0], 1);
});

test('tdoku test list: puzzle:count[:solution]', () => {
  const recs = parseTdokuTests(
    fs.readFileSync(path.join(SUDOKU, 'tdoku-benchmarks', 'test_puzzles'), 'utf8'),
    'test_puzzles',
  );
  assert.equal(recs.length, 43);
  assert.equal(recs[0].solutionCount, 1);
  assert.ok(recs[0].answer);
  assert.ok(recs.some((r) => r.solutionCount === 0 && !r.answer));
});

test('Sudoku errors name file, line and the problem', () => {
  const q = '98.7..6..75..4......3..8.7.5....7.3...94.........2.1..3.......1.9...5.8...52....6';
  const a = '981752643752643819463198275514867932629431758837529164348976521296315487175284396';
  const h = 'source,question,answer,rating\n';
  assert.throws(
    () => parseSudokuCsv(`${h}s,${q},${a},1\ns,${q.slice(1)},${a},1\n`, 'f.csv'),
    /^Error: f\.csv:3: question has 80 characters; a Sudoku needs exactly 81/,
  );
  assert.throws(
    () => parseSudokuCsv(`${h}s,${q.replace('98', '9x')},${a},1\n`, 'f.csv'),
    /f\.csv:2: question character 2 is "x"/,
  );
  assert.throws(
    () => parseSudokuCsv(`${h}s,${q},${'1' + a.slice(1)},1\n`, 'f.csv'),
    /f\.csv:2: answer changes the given at r1c1 \(given 9, answer 1\)/,
  );
  assert.throws(
    () => parseSudokuCsv(`${h}s,${q},${a.slice(0, 2) + '2' + a.slice(3)},1\n`, 'f.csv'),
    /f\.csv:2: answer is not a valid Sudoku: row 1 repeats 2/,
  );
  assert.throws(
    () => parseSudokuCsv(`${h}s,${q},${a}\n`, 'f.csv'),
    /f\.csv:2: expected 4 comma-separated fields .* got 3/,
  );
  assert.throws(
    () => parseSudokuCsv(`src,q,a\n`, 'f.csv'),
    /f\.csv:1: header is "src,q,a"; expected "source,question,answer,rating"/,
  );
  assert.throws(() => parseSudokuCsv(`${h}s,${q},${a},hard\n`, 'f.csv'), /f\.csv:2: rating "hard" is not a number/);
  assert.throws(() => parseSudokuLines(`# c\n${q}\n${q}1\n`, 'l.txt'), /l\.txt:3: puzzle has 82 characters/);
});

test('maze CSV: spaces are cells (never trimmed), walls must agree, the path runs over open cells', () => {
  const q = ['     ', ' ### ', 'S#G  ', ' ### ', '     '].join('');
  const a = ['ooooo', 'o###o', 'S#Goo', ' ### ', '     '].join('');
  const recs = parseMazeCsv(`source,question,answer,rating\nm,${q},${a},3\n`, 'm.csv');
  assert.equal(recs[0].side, 5);
  assert.equal(decodeMaze(recs[0].question), q); // leading and trailing spaces kept
  assert.equal(decodeMaze(recs[0].answer), a);
  assert.throws(
    () => parseMazeCsv(`source,question,answer,rating\nm,${q.slice(1)},${a},3\n`, 'm.csv'),
    /m\.csv:2: question has 24 characters, not a square maze/,
  );
  const wall = a.slice(0, 6) + ' ' + a.slice(7);
  assert.throws(
    () => parseMazeCsv(`source,question,answer,rating\nm,${q},${wall},3\n`, 'm.csv'),
    /m\.csv:2: cell 6 \(row 1, column 1\) is "#" in the question but " " in the answer/,
  );
  const onStart = 'o' + a.slice(1, 10) + 'o' + a.slice(11);
  assert.throws(
    () => parseMazeCsv(`source,question,answer,rating\nm,${q},${onStart},3\n`, 'm.csv'),
    /cell 10 \(row 2, column 0\) as path 'o' but the question has "S"/,
  );
  assert.throws(
    () => parseMazeCsv(`source,question,answer,rating\nm,${q.replace('G', 'X')},${a},3\n`, 'm.csv'),
    /m\.csv:2: question cell 12 .* is "X"/,
  );
});

test('ARC task files (ARC-AGI-1, ConceptARC): test-first key order, names from the file', () => {
  const [t] = readArcFile(path.join(DATASETS, 'arc-agi-1', 'training', '007bbfb7.json'));
  assert.equal(t.name, '007bbfb7');
  assert.deepEqual(t.keyOrder, ['test', 'train']);
  assert.equal(t.train.length, 5);
  assert.deepEqual(t.test[0].input, [
    [7, 0, 7],
    [7, 0, 7],
    [7, 7, 0],
  ]);
  assert.equal(t.test[0].output?.length, 9);
  const c = readArcFile(path.join(DATASETS, 'conceptarc', 'corpus', 'AboveBelow', 'AboveBelow1.json'));
  assert.equal(c[0].test.length, 3);
});

test('ARC challenges + solutions beside, file order kept for integer-like task ids', () => {
  const ch = path.join(SAMPLES, 'arc-mini-aug-3-input', 'arc-agi_training_challenges.json');
  const tasks = readArcFile(ch);
  assert.equal(tasks.length, 8);
  assert.ok(tasks.every((t) => t.test.every((p) => p.output)));
  assert.deepEqual(
    tasks.map((t) => t.name),
    topLevelKeys(fs.readFileSync(ch, 'utf8')),
  );
  // A solutions file is read through its challenges file.
  const viaSol = readArcFile(ch.replace('_challenges', '_solutions'));
  assert.deepEqual(
    viaSol.map((t) => t.name),
    tasks.map((t) => t.name),
  );
  // JSON.parse would move "12" first; the document order is kept.
  const text = '{"b": {"train": [], "test": [{"input": [[1]]}]}, "12": {"train": [], "test": [{"input": [[2]]}]}}';
  assert.deepEqual(topLevelKeys(text), ['b', '12']);
  assert.deepEqual(
    parseArcChallenges(JSON.parse(text), 'c.json', undefined, undefined, topLevelKeys(text)).map((t) => t.name),
    ['b', '12'],
  );
  // test_puzzles.json of a built dataset is a challenges-style map with outputs.
  const tp = readArcFile(path.join(SAMPLES, 'arc-mini-aug-3', 'test_puzzles.json'));
  assert.equal(tp.length, 4);
  // Writer round trip through JSON.
  const dir = tmpDir('arcw');
  fs.writeFileSync(
    path.join(dir, 'x.json'),
    arcTasksJson({ [tasks[0].name]: { train: tasks[0].train, test: tasks[0].test } }),
  );
  assert.deepEqual(readArcFile(path.join(dir, 'x.json'))[0].test, tasks[0].test);
});

test('ARC errors name the file and the JSON path', () => {
  const bad = (v: unknown) => () => parseArcTask(v, 't.json', 't');
  assert.throws(bad({ train: [] }), /t\.json: \(top level\) has no "test" list/);
  assert.throws(bad({ train: [{ input: [[1]] }], test: [{ input: [[1]] }] }), /t\.json: train\[0\] has no "output"/);
  assert.throws(
    bad({ train: [], test: [{ input: [[1, 2], [3]] }] }),
    /t\.json: test\[0\]\.input\[1\] has 1 cells but test\[0\]\.input\[0\] has 2/,
  );
  assert.throws(
    bad({ train: [], test: [{ input: [[1, 10]] }] }),
    /t\.json: test\[0\]\.input\[0\]\[1\] is 10; colours are integers 0-9/,
  );
  assert.throws(
    bad({ train: [], test: [{ input: Array(31).fill([0]) }] }),
    /test\[0\]\.input has 31 rows; ARC grids have 1\.\.30/,
  );
  const dir = tmpDir('arcbad');
  fs.writeFileSync(path.join(dir, 'x_challenges.json'), '{"a": {"train": [], "test": [{"input": [[1]]}]}}');
  fs.writeFileSync(path.join(dir, 'x_solutions.json'), '{"a": [[[1]], [[2]]]}');
  assert.throws(
    () => readArcFile(path.join(dir, 'x_challenges.json')),
    /x_solutions\.json: \.a has 2 output grids but .*x_challenges\.json has 1 test inputs/,
  );
  fs.writeFileSync(path.join(dir, 'broken.json'), '{\n  "train": [,]\n}');
  assert.throws(() => readArcFile(path.join(dir, 'broken.json')), /broken\.json: invalid JSON: .*line 2/);
});
