// Patch sweep on the fixture model: the unpatched baseline equals the tracer's step-1 accuracy
// (an independent path through the recursion), copying a run's own states changes nothing (bit for
// bit), batched patched runs equal one-at-a-time runs, and zeroing changes the answer somewhere.

import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { patchSweep } from '../../../src/engine/intervene/patchSweep';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { updateAt } from '../../../src/engine/trace/types';
import { fixtureModel, i32, useCpu } from '../model/fixture';

test('patch sweep over the last cycle of step 1 of the fixture model (7 updates x 9 cells)', async () => {
  await useCpu();
  const model = fixtureModel();
  const inputs = i32('inputs').slice(0, 81);
  const labels = i32('labels').slice(0, 81);
  const trace = createPuzzleTrace(model, { inputs, labels, puzzleIdentifier: 0 });
  try {
    const init = await trace.initialState();
    const x = await trace.x();
    const nine = Array.from({ length: 9 }, (_, i) => i * 10);
    const last = [14, 15, 16, 17, 18, 19, 20]; // cycle 3: z 1..6, then y (the pure-JS cpu backend is slow)
    const zero = await patchSweep(model, x, init, labels, { kind: 'zero', cells: nine, updates: last });
    const out1 = await trace.stepOutputs(1);
    assert.equal(zero.baseline, out1.accuracy);
    assert.deepEqual(zero.updates, last);
    assert.equal(zero.accuracy.length, 7 * 9);
    assert.ok(
      zero.delta.some((d) => d !== 0),
      'zeroing a cell state changes the answer somewhere',
    );
    const self = await patchSweep(model, x, init, labels, {
      kind: 'copy',
      cells: nine,
      updates: last,
      source: (u) => trace.stateAfter(updateAt(model.config, 1, u)),
    });
    assert.ok(
      self.delta.every((d) => d === 0),
      `copying the run into itself changes nothing (${self.delta.filter((d) => d !== 0).length} of ${self.delta.length} changed)`,
    );
    const cells = [0, 40, 80]; // columns 0, 4 and 8 of `nine`
    const one = await patchSweep(model, x, init, labels, { kind: 'zero', cells, updates: last, batchSize: 1 });
    for (let u = 0; u < 7; u++)
      cells.forEach((cell, j) =>
        assert.equal(one.accuracy[u * 3 + j], zero.accuracy[u * 9 + cell / 10], `u ${u} cell ${cell}`),
      );
  } finally {
    trace.dispose();
    model.dispose();
  }
});
