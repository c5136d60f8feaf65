// The ARC vote explorer's numbers on hand-made variants: answers mapped back by the inverse of
// their variant pool their votes, per-cell votes count colours, the disagreeing variant is named,
// pass@1 / pass@2 follow from the ranking, and accuracy by number of voting variants.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SetBuilder } from '../../../src/engine/data/built';
import { encodeArcGrid } from '../../../src/engine/tasks/arc';
import { arcVotes } from '../../../src/engine/eval/arcVotes';
import type { EvalPuzzleRecord } from '../../../src/engine/eval/types';
import { record } from './records';

test('variants vote on one grid after undoing their augmentation', () => {
  const b = new SetBuilder(900);
  const input = [
    [1, 2],
    [3, 4],
  ];
  const truth = [
    [5, 6],
    [7, 8],
  ];
  const swap = (g: number[][]) => g.map((row) => row.map((c) => (c === 1 ? 2 : c === 2 ? 1 : c)));
  b.addPuzzle(1, [{ input: encodeArcGrid(input), label: encodeArcGrid(truth) }]);
  b.addPuzzle(2, [{ input: encodeArcGrid(swap(input)), label: encodeArcGrid(swap(truth)) }]);
  b.addPuzzle(1, [{ input: encodeArcGrid(input), label: encodeArcGrid(truth) }]);
  b.endGroup();
  const set = b.build();
  const ids = ['<blank>', 't|||t0|||0123456789', 't|||t0|||0213456789'];
  const wrong = [
    [5, 6],
    [7, 0],
  ];
  const rec = (index: number, pid: number, grid: number[][], q: number): EvalPuzzleRecord => ({
    ...record(index, '-', [q]),
    puzzleIdentifier: pid,
    prediction: Array.from(encodeArcGrid(grid)),
  });
  // Row 0 (identity) confidently wrong first, then two right votes (row 1 swapped back, row 2).
  const recs = [rec(0, 1, wrong, 4), rec(1, 2, swap(truth), -1), rec(2, 1, truth, -1)];
  const r = arcVotes(recs, set, ids);
  assert.equal(r.inputs.length, 1);
  const i = r.inputs[0];
  assert.deepEqual(
    i.candidates.map((c) => [c.votes, c.correct]),
    [
      [2, true],
      [1, false],
    ],
  );
  assert.deepEqual(i.disagreeing, ['t|||t0|||0123456789']);
  assert.deepEqual(i.cellVotes[1][1].slice(0, 9), [1, 0, 0, 0, 0, 0, 0, 0, 2]);
  assert.ok(i.pass1 && i.pass2);
  assert.equal(r.pass1, 1);
  // One variant: only the wrong one votes (pass@1 0); two: a tie broken by q_halt (the wrong one); three: right.
  assert.deepEqual(
    r.byAugmentations.map((a) => [a.variants, a.pass1, a.pass2]),
    [
      [1, 0, 0],
      [2, 0, 1],
      [3, 1, 1],
    ],
  );
});
