// Grid pictures and the JSON the quick fix writes: ARC grids keep the file's layout (one row per line
// or compact), and identifiers pick the right embedding row or warn.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { locateDataset } from '../../../src/engine/authoring/locate';
import { arcGridSvg, predictionEdit, textGrid } from '../../../src/engine/authoring/render';
import { chooseIdentifier, parseIdentifiers } from '../../../src/engine/authoring/identifiers';

const apply = (t: string, e: { offset: number; length: number; newText: string }) =>
  t.slice(0, e.offset) + e.newText + t.slice(e.offset + e.length);
const pred = { height: 2, width: 2, cells: ['1', '2', '3', '4'] };

test('ARC prediction edit keeps a one-row-per-line layout and its indentation', () => {
  const t = `{"train": [{\n  "input": [[0, 0], [0, 0]],\n  "output": [\n    [9, 9],\n    [9, 9]\n  ]\n}]}`;
  const r = locateDataset(t, 'x.json');
  if (r.status !== 'ok') throw new Error('expected ok');
  assert.equal(
    apply(t, predictionEdit(t, r.doc.puzzles[0], pred)!),
    `{"train": [{\n  "input": [[0, 0], [0, 0]],\n  "output": [\n    [1, 2],\n    [3, 4]\n  ]\n}]}`,
  );
  const c = `{"test": [{"input": [[0,0],[0,0]], "output": [[9,9],[9,9]]}]}`;
  const rc = locateDataset(c, 'x.json');
  if (rc.status !== 'ok') throw new Error('expected ok');
  assert.equal(
    apply(c, predictionEdit(c, rc.doc.puzzles[0], pred)!),
    `{"test": [{"input": [[0,0],[0,0]], "output": [[1,2],[3,4]]}]}`,
  );
  const n = `{"test": [{"input": [[0, 0], [0, 0]]}]}`;
  const rn = locateDataset(n, 'x.json');
  if (rn.status !== 'ok') throw new Error('expected ok');
  assert.equal(
    apply(n, predictionEdit(n, rn.doc.puzzles[0], pred)!),
    `{"test": [{"input": [[0, 0], [0, 0]], "output": [[1, 2], [3, 4]]}]}`,
  );
  assert.equal(JSON.parse(apply(n, predictionEdit(n, rn.doc.puzzles[0], pred)!)).test[0].output[1][1], 4);
});

test('grid pictures: ARC colours as SVG, wrong cells marked in text grids', () => {
  const svg = arcGridSvg(pred, new Set([3]));
  assert.equal((svg.match(/<rect /g) ?? []).length, 5);
  assert.match(svg, /fill="#0074d9"/);
  assert.equal(textGrid('maze', { height: 2, width: 2, cells: ['#', 'S', ' ', 'G'] }, new Set([1])), '#S*\n G');
});

test('puzzle identifiers: known task gets its row, unseen task and missing names warn and use the blank row', () => {
  const names = parseIdentifiers('["<blank>", "aa", "bb"]', 'identifiers.json');
  assert.deepEqual(chooseIdentifier('byTaskName', 'bb', names, 3), { id: 2 });
  assert.match(
    chooseIdentifier('byTaskName', 'zz', names, 3).warning!,
    /task "zz" is not among the model's 3 puzzle identifiers; using identifier 0/,
  );
  assert.match(chooseIdentifier('byTaskName', 'aa', undefined, 3).warning!, /no identifiers.json/);
  assert.deepEqual(chooseIdentifier('byTaskName', 'aa', names, 1), { id: 0 });
  assert.match(chooseIdentifier(7, 'aa', names, 3).warning!, /outside the model's 3 embedding rows/);
  assert.throws(() => parseIdentifiers('[1]', 'ids.json'), /ids.json: entry 0 is 1/);
});
