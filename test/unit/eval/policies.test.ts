// The halting-policy lab re-scores recorded steps: each policy's stop step and correctness on
// hand-made records, the accuracy–compute numbers, and the puzzles one policy wins over another.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  cloudPolicy,
  driftPolicy,
  fixedPolicy,
  officialPolicy,
  qHaltPolicy,
  rightOnlyUnder,
  scorePolicy,
  standardPolicies,
  thresholdPolicy,
} from '../../../src/engine/eval/policies';
import { summarize } from '../../../src/engine/eval/summary';
import { record, steps } from './records';

const recs = [
  record(0, '++++', [-1, 3, 3, 3]), // right everywhere but step-1 q says continue
  record(1, '--++', [-1, 0.5, 3, 3]), // q_halt > 0 stops it at 2: wrong there, right officially
  record(2, '-++-', [-2, -2, 1.5, 3]), // right at 2-3, lost at 4
  record(3, '----', [-1, -1, -1, -1]), // never right
];

test('official = the last step; q_halt > 0 = trm eval’s halting step', () => {
  const off = scorePolicy(officialPolicy(), recs);
  assert.deepEqual(off.correct, [true, true, false, false]);
  assert.equal(off.accuracy, summarize(recs).metrics.exact_accuracy);
  assert.equal(off.meanSteps, 4);
  const q = scorePolicy(qHaltPolicy(), recs);
  assert.deepEqual(q.correct, [true, false, true, false]);
  assert.equal(q.accuracy, summarize(recs).metrics.exact_accuracy_at_halt);
  assert.equal(q.meanSteps, (2 + 2 + 3 + 4) / 4);
});

test('fixed budgets, probability thresholds and drift stops', () => {
  assert.deepEqual(scorePolicy(fixedPolicy(1), recs).correct, [true, false, false, false]);
  assert.deepEqual(scorePolicy(fixedPolicy(3), recs).correct, [true, true, true, false]);
  // sigmoid(0.5) = 0.62 < 0.9: record 1 goes on to step 3; sigmoid(1.5) = 0.82 < 0.9: record 2 to step 4.
  const t = scorePolicy(thresholdPolicy(0.9), recs);
  assert.deepEqual(t.correct, [true, true, false, false]);
  assert.equal(t.meanSteps, (2 + 3 + 4 + 4) / 4);
  // Drift: stop at the first step (from 2) with no changed cell and dy <= tol (records use dy 0.01).
  const d = scorePolicy(driftPolicy(0.05), recs);
  assert.deepEqual(d.correct, [true, false, true, false]);
  assert.equal(d.meanSteps, (2 + 2 + 3 + 2) / 4);
  assert.deepEqual(scorePolicy(driftPolicy(0.001), recs).meanSteps, 4);
  assert.throws(() => thresholdPolicy(1), /\(0, 1\)/);
});

test('puzzles right under one policy and wrong under another', () => {
  const off = scorePolicy(officialPolicy(), recs);
  const q = scorePolicy(qHaltPolicy(), recs);
  assert.deepEqual(rightOnlyUnder(off, q, recs), [1]);
  assert.deepEqual(rightOnlyUnder(q, off, recs), [2]);
});

test('the cloud slot reads noisy-branch outcomes and falls back to the official run', () => {
  const c = scorePolicy(cloudPolicy('best of 8 by Q', new Map([[3, { correct: true, steps: 6 }]]), 8), recs);
  assert.deepEqual(c.correct, [true, true, false, true]);
  assert.equal(c.meanSteps, (4 + 4 + 4 + 6) / 4);
});

test('the standard sweep covers every step budget once', () => {
  const all = standardPolicies(4);
  assert.equal(all.filter((p) => p.family === 'fixed').length, 4);
  assert.equal(new Set(all.map((p) => p.id)).size, all.length);
  assert.ok(steps('+', []).length === 1);
});
