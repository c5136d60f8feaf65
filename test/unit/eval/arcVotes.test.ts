// The ARC vote explorer's numbers on hand-made variants: answers mapped back by the inverse of
// their variant pool their votes, per-cell votes count colours, the disagreeing variant is named,
// pass@1 / pass@2 follow from the ranking, and accuracy by number of voting variants; the explorer's
// own variant plan on a real ARC task (arc-agi-1 evaluation 0c786b71), mapped back by the inverses.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SetBuilder } from '../../../src/engine/data/built';
import { applyArcVariant } from '../../../src/engine/data/augment';
import { decodeArcGrid, encodeArcGrid } from '../../../src/engine/tasks/arc';
import { arcVariantExamples, arcVariantPlan, arcVotes, votesOfVariantRecords } from '../../../src/engine/eval/arcVotes';
import { SHARED } from '../model/fixture';
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

test('variant plan: the 8 dihedral transforms first, then seeded colour permutations, each once', () => {
  const eight = arcVariantPlan('t', 8);
  assert.deepEqual(
    eight.map((v) => v.transform),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
  assert.ok(eight.every((v) => v.colours.join('') === '0123456789'));
  const many = arcVariantPlan('t', 40, 3);
  assert.equal(new Set(many.map((v) => `${v.transform}/${v.colours.join('')}`)).size, 40);
  assert.ok(many.every((v) => v.colours[0] === 0 && new Set(v.colours).size === 10));
  assert.deepEqual(arcVariantPlan('t', 40, 3), many, 'seeded');
  assert.notDeepEqual(arcVariantPlan('t', 40, 4), many);
  assert.throws(() => arcVariantPlan('t', 0), /integer in 1\.\.1000/);
});

test('a real ARC task: every variant answered, mapped back by its inverse, votes on the original grid', () => {
  // 0c786b71: a 3x4 input whose answer is 6x8 (not square: a wrong inverse of a rotation shows).
  const file = path.join(SHARED, 'datasets/arc-agi-1/evaluation/0c786b71.json');
  const task = JSON.parse(fs.readFileSync(file, 'utf8')) as { test: { input: number[][]; output: number[][] }[] };
  const pairs = task.test;
  const plan = arcVariantPlan('0c786b71', 12, 0);
  const items = arcVariantExamples('0c786b71', pairs, plan);
  assert.equal(items.length, 12);
  assert.equal(items[0].name, '0c786b71');
  assert.deepEqual(decodeArcGrid(items[0].example.labels!), pairs[0].output);
  // A model that answers every variant's own label right, except: variant 3 recolours the first
  // cell (in its frame), variant 5 answers nothing (all padding), variant 7 answers the input.
  const truth = pairs[0].output;
  const records: EvalPuzzleRecord[] = items.map((it, i) => {
    let pred = Array.from(it.example.labels!);
    if (i === 5) pred = new Array<number>(900).fill(0);
    if (i === 7) pred = Array.from(it.example.inputs);
    const rec = record(i, i === 3 || i === 5 || i === 7 ? '-' : '+', [i === 3 ? 6 : 1]);
    return { ...rec, prediction: pred };
  });
  const wrongCell = applyArcVariant(truth, items[3].variant);
  wrongCell[0][0] = (wrongCell[0][0] % 9) + 1;
  records[3].prediction = Array.from(encodeArcGrid(wrongCell));
  const r = votesOfVariantRecords(items, pairs, records);
  assert.equal(r.inputs.length, 1);
  const v = r.inputs[0];
  assert.deepEqual(v.noAnswer, [items[5].name]);
  assert.equal(v.variants.length, 11);
  assert.deepEqual(v.candidates[0].grid, truth, 'the 9 right answers map back onto the original answer');
  assert.equal(v.candidates[0].votes, 9);
  assert.deepEqual(v.disagreeing.sort(), [items[3].name, items[7].name].sort());
  // The input answer maps back to the original input (3x4): another shape, so no cell votes from it.
  assert.ok(v.candidates.some((c) => JSON.stringify(c.grid) === JSON.stringify(pairs[0].input) && c.votes === 1));
  const H = truth.length;
  const W = truth[0].length;
  assert.deepEqual([v.cellVotes.length, v.cellVotes[0].length], [H, W]);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++)
      assert.equal(
        v.cellVotes[y][x].reduce((a, b) => a + b, 0),
        10,
        `r${y}c${x}`,
      );
  // Exactly one cell of the original grid got a vote for another colour (where variant 3 erred).
  const split = v.cellVotes.flat().filter((c) => Math.max(...c) < 10);
  assert.equal(split.length, 1);
  assert.ok(v.pass1 && v.pass2);
  // By the number of voting variants: the first one alone (identity, right) already passes.
  assert.deepEqual(
    r.byAugmentations.map((a) => a.pass1),
    new Array(11).fill(1),
  );
  assert.throws(() => votesOfVariantRecords(items, pairs, records.slice(1)), /11 answers for 12 variants/);
});

test('without answers voting, pass@1 follows the confident wrong candidate and pass@2 the runner-up', () => {
  const pairs = [{ input: [[1]], output: [[2]] }];
  const plan = arcVariantPlan('x', 3);
  const items = arcVariantExamples('x', pairs, plan);
  // Variants 0 and 1 answer [[3]] (wrong), variant 2 answers the truth: 2 votes against 1.
  const answer = (g: number[][], i: number) => ({
    ...record(i, '-', [0]),
    prediction: Array.from(encodeArcGrid(applyArcVariant(g, items[i].variant))),
  });
  const r = votesOfVariantRecords(items, pairs, [answer([[3]], 0), answer([[3]], 1), answer([[2]], 2)]);
  assert.equal(r.pass1, 0);
  assert.equal(r.pass2, 1);
  assert.deepEqual(r.inputs[0].cellVotes[0][0].slice(0, 4), [0, 0, 1, 2]);
  assert.deepEqual(
    r.byAugmentations.map((a) => [a.variants, a.pass1, a.pass2]),
    [
      [1, 0, 0],
      [2, 0, 0],
      [3, 0, 1],
    ],
  );
  assert.throws(() => arcVariantExamples('x', [{ input: [[1]] }], plan), /has no output/);
});
