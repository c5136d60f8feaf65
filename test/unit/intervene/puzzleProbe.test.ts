// The puzzle-identifier probe on a tiny seeded model with a random puzzle table: the own row gives
// the baseline bit for bit (zero reliance), swapped rows change answers and q_halt, the swap rows
// are what they say (blank = zeros, mean of the rows, seeded random, another identifier's row), and
// a model without a puzzle embedding gets one clear message.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseRowSwap, probePuzzleEmbedding, puzzleRow } from '../../../src/engine/intervene/puzzleProbe';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { useCpu } from '../model/fixture';
import { TINY_PUZZLE, tinyModel } from './tinyPatchModel';

before(useCpu);

const examples = [0, 1, 2].map((id) => ({
  id: `p${id}`,
  inputs: Int32Array.from(TINY_PUZZLE.inputs, (v, i) => (v + id * i) % 5),
  labels: TINY_PUZZLE.labels,
  puzzleIdentifier: id,
}));

test('swap rows: blank, mean, random (seeded), another identifier', async () => {
  const model = tinyModel();
  const n = model.config.puzzle_emb_ndim;
  assert.deepEqual(await puzzleRow(model, { mode: 'blank' }), new Float32Array(n));
  const rows = await Promise.all([0, 1, 2].map((puzzleId) => puzzleRow(model, { mode: 'puzzle', puzzleId })));
  const mean = await puzzleRow(model, { mode: 'mean' });
  for (let d = 0; d < n; d++) assert.ok(Math.abs(mean[d] - (rows[0][d] + rows[1][d] + rows[2][d]) / 3) < 1e-6);
  assert.deepEqual(
    await puzzleRow(model, { mode: 'random', seed: 4 }),
    await puzzleRow(model, { mode: 'random', seed: 4 }),
  );
  assert.notDeepEqual(
    await puzzleRow(model, { mode: 'random', seed: 4 }),
    await puzzleRow(model, { mode: 'random', seed: 5 }),
  );
  await assert.rejects(
    puzzleRow(model, { mode: 'puzzle', puzzleId: 3 }),
    /identifier 3 is outside the embedding table 0\.\.2/,
  );
  assert.deepEqual(parseRowSwap('random:7'), { mode: 'random', seed: 7 });
  assert.deepEqual(parseRowSwap('puzzle:2'), { mode: 'puzzle', puzzleId: 2 });
  assert.throws(() => parseRowSwap('nope'), /use blank, mean, random/);
  model.dispose();
});

test('probe: the baseline is the tracer’s answer; the own row changes nothing; blank changes the run', async () => {
  const model = tinyModel();
  const K = model.config.halt_max_steps;
  const own = await probePuzzleEmbedding(model, [examples[1]], { mode: 'puzzle', puzzleId: 1 });
  assert.equal(own.rows[0].cellsChanged, 0);
  assert.deepEqual(own.rows[0].swapped, own.rows[0].baseline);
  assert.equal(own.summary.reliance, 0);
  const trace = createPuzzleTrace(model, examples[1]);
  const last = await trace.stepOutputs(K);
  assert.equal(own.rows[0].baseline.cellAccuracy, last.accuracy);
  assert.ok(Math.abs(own.rows[0].baseline.qHalt - last.qHalt) < 1e-5);
  trace.dispose();

  const blank = await probePuzzleEmbedding(model, examples, { mode: 'blank' }, { batchSize: 2 });
  assert.equal(blank.rows.length, 3);
  assert.equal(blank.summary.puzzles, 3);
  assert.ok(
    blank.rows.some((r) => r.swapped.qHalt !== r.baseline.qHalt),
    'q_halt moves when the row is blank',
  );
  // Batching does not change the numbers.
  const single = await probePuzzleEmbedding(model, examples, { mode: 'blank' }, { batchSize: 1 });
  assert.deepEqual(
    single.rows.map((r) => r.cellsChanged),
    blank.rows.map((r) => r.cellsChanged),
  );
  model.dispose();
});

test('a model without a puzzle embedding: one clear message', async () => {
  const model = tinyModel({ puzzle_emb_ndim: 0, puzzle_emb_len: 0 });
  await assert.rejects(
    probePuzzleEmbedding(model, examples, { mode: 'blank' }),
    /this model has no puzzle embedding \(puzzle_emb_ndim 0\)/,
  );
  model.dispose();
});
