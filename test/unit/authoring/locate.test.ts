// Locating puzzles and grid cells in dataset JSON text: every reported range must cover exactly the
// text of that cell, for every supported layout, including escapes and "test before train" files.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  locateDataset,
  puzzleAt,
  solutionsFileFor,
  type LocatedGrid,
  type TextSpan,
} from '../../../src/engine/authoring/locate';

const at = (text: string, s: TextSpan): string => text.slice(s.offset, s.offset + s.length);
const cellTexts = (text: string, g: LocatedGrid): string[] => g.spans.map((s) => at(text, s));

function ok(text: string, file = 'task.json') {
  const r = locateDataset(text, file);
  assert.equal(r.status, 'ok', JSON.stringify(r));
  if (r.status !== 'ok') throw new Error('unreachable');
  return r.doc;
}

const ARC = `{
  "train": [
    {"input": [[0, 1], [2, 3]], "output": [[3, 2],
                                         [1, 0]]}
  ],
  "test": [
    {"input": [[5,5,5]], "output": [[7,  8, 9]]}
  ]
}`;

test('ARC task: puzzles in text order with ids, task name from the file name, exact cell ranges', () => {
  const doc = ok(ARC, '/data/training/0d3d703e.json');
  assert.equal(doc.kind, 'arc-task');
  assert.deepEqual(
    doc.puzzles.map((p) => p.id),
    ['0d3d703e/train/0', '0d3d703e/test/0'],
  );
  const [tr, te] = doc.puzzles;
  assert.equal(tr.taskName, '0d3d703e');
  assert.deepEqual([tr.input!.height, tr.input!.width], [2, 2]);
  assert.deepEqual(tr.label!.cells, ['3', '2', '1', '0']);
  assert.deepEqual(cellTexts(ARC, tr.label!), ['3', '2', '1', '0']);
  // The label's second row is on the next line: its range is there.
  const line = (off: number) => ARC.slice(0, off).split('\n').length - 1;
  assert.equal(line(tr.label!.spans[2].offset), 3);
  assert.equal(line(tr.label!.spans[1].offset), 2);
  assert.deepEqual(cellTexts(ARC, te.label!), ['7', '8', '9']);
  assert.equal(te.label!.spans[1].offset, ARC.indexOf('8'));
  assert.equal(at(ARC, te.span), '{"input": [[5,5,5]], "output": [[7,  8, 9]]}');
  assert.equal(at(ARC, te.label!.value), '[[7,  8, 9]]');
});

test('ARC task: test listed before train keeps text order; puzzleAt bisects by offset', () => {
  const text = `{"test": [{"input": [[1]]}], "train": [{"input": [[2]], "output": [[3]]}, {"input": [[4]], "output": [[5]]}]}`;
  const doc = ok(text);
  assert.deepEqual(
    doc.puzzles.map((p) => p.id),
    ['task/test/0', 'task/train/0', 'task/train/1'],
  );
  assert.equal(doc.puzzles[0].label, undefined);
  assert.equal(puzzleAt(doc.puzzles, text.indexOf('[[4]]')), 2);
  assert.equal(puzzleAt(doc.puzzles, text.indexOf('[[1]]')), 0);
  assert.equal(puzzleAt(doc.puzzles, 0), -1);
});

test('ARC task: malformed grids are problems with the cell named, never exceptions', () => {
  const text = `{"train": [{"input": [[0, 1], [2]], "output": [[1]]}, {"input": [[0, 12]], "output": [[1, "x"]]}]}`;
  const doc = ok(text);
  assert.match(doc.puzzles[0].problem!, /train\[0\]\.input row 1 has 1 cells, row 0 has 2/);
  assert.match(doc.puzzles[1].problem!, /train\[1\]\.input cell \[0\]\[1\] is 12; colours are integers 0-9/);
  assert.match(doc.puzzles[1].labelProblem!, /train\[1\]\.output cell \[0\]\[1\] is string/);
});

test('ARC challenges and solutions files', () => {
  const ch = `{"aa": {"train": [{"input": [[1]], "output": [[2]]}], "test": [{"input": [[3]]}]}, "bb": {"train": [], "test": [{"input": [[4]]}, {"input": [[5]]}]}}`;
  const doc = ok(ch, 'arc-agi_training_challenges.json');
  assert.equal(doc.kind, 'arc-challenges');
  assert.deepEqual(
    doc.puzzles.map((p) => `${p.id}@${p.taskName}`),
    ['aa/train/0@aa', 'aa/test/0@aa', 'bb/test/0@bb', 'bb/test/1@bb'],
  );
  assert.equal(solutionsFileFor('/x/arc-agi_training_challenges.json'), '/x/arc-agi_training_solutions.json');
  assert.equal(solutionsFileFor('/x/task.json'), undefined);
  const sol = `{"aa": [[[9]]], "bb": [[[1, 2]], [[3], [4]]]}`;
  const sdoc = ok(sol, 'arc-agi_training_solutions.json');
  assert.equal(sdoc.kind, 'arc-solutions');
  const bb = sdoc.solutions!.get('bb')!;
  assert.deepEqual(
    bb.map((g) => g && cellTexts(sol, g)),
    [
      ['1', '2'],
      ['3', '4'],
    ],
  );
  assert.equal(bb[1]!.height, 2);
});

test('Sudoku puzzle list: one string or row strings, separators skipped, escapes map to their source text', () => {
  const q = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
  const a = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';
  const rows = Array.from({ length: 9 }, (_, r) => a.slice(r * 9, r * 9 + 9).replace(/(...)(...)(...)/, '$1|$2|$3'));
  // Row 0's first digit written as a \u escape.
  rows[0] = '\\u0034' + rows[0].slice(1);
  const text = `{"kind": "sudoku", "puzzles": [\n  {"id": "first", "question": "${q}", "answer": [\n    ${rows.map((r) => `"${r}"`).join(',\n    ')}\n  ]},\n  {"id": 7, "question": "${q.replace(/0/g, '.')}"}\n]}`;
  const doc = ok(text, 'list.json');
  assert.equal(doc.kind, 'puzzle-list');
  assert.deepEqual(
    doc.puzzles.map((p) => p.id),
    ['first', '7'],
  );
  const [p0, p1] = doc.puzzles;
  assert.equal(p0.kind, 'sudoku');
  assert.equal(p0.input!.cells.join('').replace(/\./g, '0'), q);
  assert.equal(p0.label!.cells.join(''), a);
  assert.equal(at(text, p0.label!.spans[0]), '\\u0034');
  assert.equal(at(text, p0.label!.spans[80]), '2');
  // Cell r2c1 (index 9) is the first character of the second row string.
  assert.equal(p0.label!.spans[9].offset, text.indexOf(`"${rows[1]}"`) + 1);
  assert.equal(p1.label, undefined);
  assert.equal(p1.input!.cells.filter((c) => c === '.').length, q.split('').filter((c) => c === '0').length);
});

test('Sudoku puzzle list: an answer with blanks or the wrong length is a label problem; bad question a problem', () => {
  const text = `{"kind": "sudoku", "puzzles": [{"id": "x", "question": "12", "answer": "${'1'.repeat(80)}."}]}`;
  const [p] = ok(text).puzzles;
  assert.match(p.problem!, /question has 2 cells; a Sudoku has 81/);
  assert.match(p.labelProblem!, /answer cell 80 \(r9c9\) is blank/);
});

test('maze puzzle list: spaces are cells, rows must be square', () => {
  const text = `{"kind": "maze", "puzzles": [{"id": "m", "question": ["#S#", "# #", "#G#"], "answer": ["#S#", "#o#", "#G#"]}, {"id": "bad", "question": ["##", "#"]}]}`;
  const doc = ok(text);
  const [m, bad] = doc.puzzles;
  assert.equal(m.kind, 'maze');
  assert.deepEqual(m.input!.cells, ['#', 'S', '#', '#', ' ', '#', '#', 'G', '#']);
  assert.equal(at(text, m.label!.spans[4]), 'o');
  assert.match(bad.problem!, /must be square/);
});

test('invalid JSON mid-edit is reported, not interpreted; other JSON is not a dataset', () => {
  const r = locateDataset(ARC.replace('"test"', '"test" ['), 'task.json');
  assert.equal(r.status, 'invalid-json');
  assert.equal(locateDataset('{"train": [1, 2,]}', 'x.json').status, 'invalid-json');
  assert.equal(locateDataset('', 'x.json').status, 'invalid-json');
  assert.equal(locateDataset('{"name": "x", "version": "1"}', 'package.json').status, 'not-a-dataset');
  assert.equal(locateDataset('[1, 2]', 'x.json').status, 'not-a-dataset');
});
