// The patch language of the Debug Console and setExpression: each documented statement becomes the
// trm/patch arguments it names; everything else is refused with a message that says what to write.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { isPatchStatement, parsePatchStatement } from '../../../src/debug/patchSyntax';

const cellOf = (n: string): number | undefined => {
  const m = /^r(\d)c(\d)$/.exec(n);
  return m ? (Number(m[1]) - 1) * 9 + Number(m[2]) - 1 : undefined;
};
const parse = (t: string) => parsePatchStatement(t, cellOf);

test('documented statements', () => {
  assert.deepEqual(parse('y[r4c7] = 0'), { op: 'zero', tensor: 'y', cells: [33] });
  assert.deepEqual(parse('z.r1c2 = zero'), { op: 'zero', tensor: 'z', cells: [1] });
  assert.deepEqual(parse('y[r4c7][12] = 0.5'), { op: 'set', value: 0.5, tensor: 'y', cells: [33], dim: 12 });
  assert.deepEqual(parse('y[r4c7][12] = 0'), { op: 'set', value: 0, tensor: 'y', cells: [33], dim: 12 });
  assert.deepEqual(parse('z[r1c1, r2c1] = B'), { op: 'copy', source: 'B', tensor: 'z', cells: [0, 9] });
  assert.deepEqual(parse('z = B'), { op: 'copy', source: 'B', tensor: 'z' });
  assert.deepEqual(parse('y = zero'), { op: 'zero', tensor: 'y' });
  assert.deepEqual(parse('y[r1c1] = -1.5e-2'), { op: 'set', value: -0.015, tensor: 'y', cells: [0] });
  assert.deepEqual(parse('skip'), { op: 'skip' });
  assert.deepEqual(parse('freeze z'), { op: 'freeze', tensor: 'z' });
  assert.deepEqual(parse('puzzle_emb = random:7'), { op: 'embedding', swap: 'random:7' });
  assert.deepEqual(parse('puzzle_id = 2'), { op: 'embedding', swap: 'puzzle:2' });
  assert.deepEqual(parse('patches = none'), { op: 'clear' });
  for (const t of ['y[r4c7] = 0', 'skip', 'freeze y', 'puzzle_emb = B', 'patches = none'])
    assert.ok(isPatchStatement(t), t);
  for (const t of ['y[r4c7] == 0', 'q_halt > 0', 'conf(y)[r4c7]', 'z']) assert.ok(!isPatchStatement(t), t);
});

test('refused statements say what to write', () => {
  const bad: [string, RegExp][] = [
    ['y[r9c9x] = 0', /'r9c9x' is not a cell of this puzzle/],
    ['y[r1c1] = NaN', /must be a finite number, got NaN/],
    ['y[r1c1] = Infinity', /must be a finite number/],
    ['y[r1c1] = seven', /'seven' is not a value for y\[r1c1\]: give a number, zero or B/],
    ['z = 3', /a whole tensor can be set to zero or B only/],
    ['q_halt = 1', /cannot patch 'q_halt'/],
    ['puzzle_id = x', /puzzle_id takes a puzzle identifier/],
    ['patches = 3', /'patches' can only be set to none/],
    ['frobnicate', /is not a patch/],
  ];
  for (const [t, re] of bad) assert.throws(() => parse(t), re, t);
});
