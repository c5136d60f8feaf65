// The ARC vote explorer's message: what the host sends for a test input (src/extension/votes/viewOf)
// passes the protocol's own validator (src/protocol/votes), variants that answered no grid included,
// and a page message of an unknown shape is refused with its path.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { applyArcVariant } from '../../../src/engine/data/augment';
import { encodeArcGrid } from '../../../src/engine/tasks/arc';
import { arcVariantExamples, arcVariantPlan, votesOfVariantRecords } from '../../../src/engine/eval/arcVotes';
import { votesViewOf } from '../../../src/extension/votes/viewOf';
import { validateHostToVotes, validateVotesToHost } from '../../../src/protocol/votes';
import { record } from './records';

test('the view of one test input is a valid host→page message', () => {
  const pairs = [
    { input: [[1, 2, 3]], output: [[3, 2, 1]] },
    { input: [[4]], output: [[4]] },
  ];
  const plan = arcVariantPlan('abc', 10, 1);
  const items = arcVariantExamples('abc', pairs, plan);
  const records = items.map((it, i) => ({
    ...record(i, '+', [0.5]),
    prediction: i === 4 ? new Array<number>(900).fill(0) : Array.from(it.example.labels!),
  }));
  const r = votesOfVariantRecords(items, pairs, records);
  const v = votesViewOf(r, 0, 'tiny on abc.json', pairs[0].input);
  assert.equal(validateHostToVotes({ type: 'votes', view: v }), undefined);
  assert.equal(v.variants.length, 10);
  assert.equal(v.variants.filter((x) => !x.grid).length, 1, 'the empty answer is listed without a grid');
  assert.equal(v.variants[0].transform, 0);
  assert.equal(v.inputs.length, 2);
  assert.deepEqual(v.candidates[0].grid, pairs[0].output);
  assert.ok(v.pass1);
  assert.throws(() => votesViewOf(r, 2, '', pairs[0].input), /has 2 test inputs; #2/);
  const bad = { type: 'votes', view: { ...v, cellVotes: [[[1, 2]]], extra: 1 } };
  assert.match(validateHostToVotes(bad) ?? '', /votes\.view\./);
  assert.match(validateVotesToHost({ type: 'selectInput', index: -1 }) ?? '', /index/);
  assert.equal(validateVotesToHost({ type: 'ready' }), undefined);
  // A prediction in a variant's own frame maps back (the helper used by the records above is the label).
  assert.deepEqual(applyArcVariant(pairs[0].output, plan[0]), pairs[0].output);
  assert.equal(encodeArcGrid([[0]]).length, 900);
});
