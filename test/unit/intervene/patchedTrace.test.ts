// PatchedTrace on a tiny seeded model: before the first patch it is the trunk bit for bit; a patch
// that writes the trunk's own values changes nothing after it (the recomputation is the tracer's
// own recursion); zero / set / skip / freeze / embedding swaps do what they say at their address and
// change what follows; a second build gives bit-identical states (deterministic); patches chain.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { type PuzzleTrace, type RecursionState, updateAt, updatesPerStep } from '../../../src/engine/trace/types';
import { PatchedTrace } from '../../../src/engine/intervene/patchedTrace';
import { type Patch, describePatch, patchProblem } from '../../../src/engine/intervene/patch';
import { puzzleRow } from '../../../src/engine/intervene/puzzleProbe';
import { useCpu } from '../model/fixture';
import { TINY_PUZZLE, tinyModel } from './tinyPatchModel';

let model: ReturnType<typeof tinyModel>;
let c: ReturnType<typeof tinyModel>['config'];
let U: number, K: number, P: number, D: number;
before(async () => {
  await useCpu();
  model = tinyModel();
  c = model.config;
  U = updatesPerStep(c); // 6
  K = c.halt_max_steps; // 3
  P = model.derived.puzzleEmbLen;
  D = c.hidden_size;
});

async function all(trace: PuzzleTrace): Promise<RecursionState[]> {
  const out: RecursionState[] = [];
  for (let s = 1; s <= K; s++) for (let o = 0; o < U; o++) out.push(await trace.stateAfter(updateAt(c, s, o)));
  return out;
}
const idx = (step: number, ordinal: number) => (step - 1) * U + ordinal;
const cellOf = (a: Float32Array, cell: number) => Array.from(a.subarray((P + cell) * D, (P + cell + 1) * D));

test('a patch writing the trunk its own values: every state and step output equals the trunk bit for bit', async () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const base = await all(trunk);
  const own = cellOf(base[idx(1, 2)].z, 3);
  const same = new PatchedTrace(model, trunk, [
    { op: 'set', step: 1, ordinal: 2, tensor: 'z', cells: [3], values: own },
  ]);
  const got = await all(same);
  got.forEach((s, i) => {
    assert.deepEqual(s.y, base[i].y, `y at ${i}`);
    assert.deepEqual(s.z, base[i].z, `z at ${i}`);
  });
  for (let s = 1; s <= K; s++)
    assert.deepEqual((await same.stepOutputs(s)).logits, (await trunk.stepOutputs(s)).logits);
  same.dispose();
  trunk.dispose();
});

test('zero a cell: the trunk before, zeros at the address, a different run after; deterministic', async () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const base = await all(trunk);
  const patch: Patch = { op: 'zero', step: 2, ordinal: 1, tensor: 'z', cells: [0, 4], value: 0 };
  const a = new PatchedTrace(model, trunk, [patch]);
  const got = await all(a);
  for (let i = 0; i < idx(2, 1); i++) assert.deepEqual(got[i], base[i], `before the patch, position ${i}`);
  assert.deepEqual(cellOf(got[idx(2, 1)].z, 0), new Array(D).fill(0));
  assert.deepEqual(cellOf(got[idx(2, 1)].z, 4), new Array(D).fill(0));
  assert.deepEqual(cellOf(got[idx(2, 1)].z, 1), cellOf(base[idx(2, 1)].z, 1), 'other cells untouched');
  assert.notDeepEqual(got[idx(2, 2)].z, base[idx(2, 2)].z, 'the next update computes from the patched state');
  // Deterministic: a second trace (fresh caches) gives the same numbers bit for bit, in any order.
  const b = new PatchedTrace(model, trunk, [patch]);
  assert.deepEqual(await b.stateAfter(updateAt(c, 3, 5)), got[idx(3, 5)]);
  assert.deepEqual(await all(b), got);
  assert.deepEqual(await b.stateAfter({ ...updateAt(c, 2, 2), layer: 2 }), got[idx(2, 2)], 'last layer = the update');
  a.dispose();
  b.dispose();
  trunk.dispose();
});

test('set one channel, skip an update, freeze z for the rest of the step', async () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const base = await all(trunk);
  const set = await all(
    new PatchedTrace(model, trunk, [{ op: 'set', step: 1, ordinal: 0, tensor: 'y', cells: [2], dim: 3, value: 1.5 }]),
  );
  const expect = Float32Array.from(base[0].y);
  expect[(P + 2) * D + 3] = 1.5;
  assert.deepEqual(set[0].y, expect);

  const skip = await all(new PatchedTrace(model, trunk, [{ op: 'skip', step: 1, ordinal: 4 }]));
  assert.deepEqual(skip[idx(1, 4)], base[idx(1, 3)], 'a skipped update leaves the state as it was');
  assert.notDeepEqual(skip[idx(1, 5)], base[idx(1, 5)]);

  const freeze = await all(new PatchedTrace(model, trunk, [{ op: 'freeze', step: 1, ordinal: 0, tensor: 'z' }]));
  assert.deepEqual(freeze[0], base[0], 'the state at the freeze is the trunk');
  for (let o = 1; o < U; o++) assert.deepEqual(freeze[idx(1, o)].z, base[0].z, `z frozen at ordinal ${o}`);
  assert.notDeepEqual(freeze[idx(1, 2)].y, base[idx(1, 2)].y, 'y updates still run (from the frozen z)');
  assert.notDeepEqual(freeze[idx(2, 0)].z, freeze[idx(1, 5)].z, 'the freeze ends with the step');
  trunk.dispose();
});

test('patches chain: a patched trace over a patched trunk, and several patches in one trace agree', async () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const p1: Patch = { op: 'zero', step: 1, ordinal: 1, tensor: 'y', cells: [1], value: 0 };
  const p2: Patch = { op: 'set', step: 2, ordinal: 3, tensor: 'z', cells: [5], value: 0.25 };
  const one = new PatchedTrace(model, trunk, [p1]);
  const chained = new PatchedTrace(model, one, [p2]);
  const both = new PatchedTrace(model, trunk, [p2, p1]);
  assert.deepEqual(await all(chained), await all(both));
  const first = await all(one);
  const got = await all(chained);
  for (let i = 0; i < idx(2, 3); i++) assert.deepEqual(got[i], first[i]);
  trunk.dispose();
});

test('embedding swap from the start: blank changes the run where the row mattered; the own row changes nothing', async () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const base = await all(trunk);
  const own = Array.from(await puzzleRow(model, { mode: 'puzzle', puzzleId: TINY_PUZZLE.puzzleIdentifier }));
  const same = await all(
    new PatchedTrace(model, trunk, [{ op: 'embedding', step: 1, ordinal: -1, mode: 'puzzle', row: own }]),
  );
  assert.deepEqual(same, base, 'its own row: bit for bit the trunk');
  const blank = Array.from(await puzzleRow(model, { mode: 'blank' }));
  const swapped = await all(
    new PatchedTrace(model, trunk, [{ op: 'embedding', step: 1, ordinal: -1, mode: 'blank', row: blank }]),
  );
  assert.notDeepEqual(swapped[0].z, base[0].z);
  trunk.dispose();
});

test('bad patches get specific messages', () => {
  const trunk = createPuzzleTrace(model, TINY_PUZZLE);
  const bad: [Patch, RegExp][] = [
    [{ op: 'zero', step: 0, ordinal: 0, tensor: 'z', cells: [1], value: 0 }, /step 0 is outside 1\.\.3/],
    [{ op: 'zero', step: 1, ordinal: 6, tensor: 'z', cells: [1], value: 0 }, /ordinal 6 is outside 0\.\.5/],
    [{ op: 'zero', step: 1, ordinal: 0, tensor: 'z', cells: [6], value: 0 }, /cell 6 is outside 0\.\.5/],
    [{ op: 'set', step: 1, ordinal: 0, tensor: 'y', cells: [1], value: NaN }, /finite number/],
    [{ op: 'set', step: 1, ordinal: 0, tensor: 'y', cells: [1], dim: 8, value: 1 }, /channel 8 is outside 0\.\.7/],
    [{ op: 'copy', step: 1, ordinal: 0, tensor: 'y', cells: [1], values: [1, 2] }, /expected 1 × 8 values/],
    [{ op: 'skip', step: 1, ordinal: -1 }, /ordinal -1 is outside 0\.\.5/],
  ];
  for (const [p, re] of bad) {
    assert.match(patchProblem(c, p) ?? '', re);
    assert.throws(() => new PatchedTrace(model, trunk, [p]), re);
  }
  const noEmb = tinyModel({ puzzle_emb_ndim: 0, puzzle_emb_len: 0 });
  assert.match(
    patchProblem(noEmb.config, { op: 'embedding', step: 1, ordinal: -1, mode: 'blank', row: [] }) ?? '',
    /no puzzle embedding \(puzzle_emb_ndim 0\)/,
  );
  assert.match(
    describePatch(c, { op: 'zero', step: 1, ordinal: 2, tensor: 'z', cells: [3], value: 0 }, (i) => `c${i}`),
    /step 1 › cycle 1 › y \(z_H\): zero z at c3/,
  );
  noEmb.dispose();
  trunk.dispose();
});
