// Cancelling an evaluation stops it between supervision steps: the batches finished before stay
// reported (the cache keeps them), the rest is never computed; a resumed call skips done puzzles.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { useCpu } from '../model/fixture';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { readPuzzleFile } from '../../../src/engine/data/puzzleFile';
import { EvaluationCancelled, evaluatePuzzles } from '../../../src/engine/eval/evaluatePuzzles';
import { examplesSource } from '../../../src/engine/eval/source';
import { TrmModel } from '../../../src/engine/model/trm';
import type { EvalPuzzleRecord } from '../../../src/engine/eval/types';

const ROOT = path.resolve(__dirname, '../../../..');

before(async () => {
  await useCpu();
});

test('a cancelled evaluation keeps its finished batches; a resumed one computes only the rest', async () => {
  const loaded = loadCheckpoint(path.join(ROOT, 'media/models/sudoku-small/model.safetensors'), { seqLen: 81 });
  const model = TrmModel.fromWeights(loaded.config, loaded.weights, { source: 'demo' });
  try {
    const source = examplesSource(readPuzzleFile(path.join(ROOT, 'sample-workspace/sudoku/generated-moderate.csv')), 4);
    const abort = new AbortController();
    const got: EvalPuzzleRecord[] = [];
    await assert.rejects(
      evaluatePuzzles(model, source, {
        batchSize: 2,
        signal: abort.signal,
        onBatch: (recs) => {
          got.push(...recs);
          abort.abort();
        },
      }),
      EvaluationCancelled,
    );
    assert.deepEqual(
      got.map((r) => r.index),
      [0, 1],
    );
    const rest = await evaluatePuzzles(model, source, { batchSize: 4, done: new Set([0, 1]) });
    assert.deepEqual(
      rest.map((r) => r.index),
      [2, 3],
    );
    const all = await evaluatePuzzles(model, source, { batchSize: 4 });
    // Batch composition does not change a puzzle's record.
    for (const r of [...got, ...rest]) {
      assert.equal(r.exact, all[r.index].exact);
      assert.deepEqual(r.failureModes, all[r.index].failureModes);
      assert.deepEqual(
        r.steps.map((s) => s.correct),
        all[r.index].steps.map((s) => s.correct),
      );
    }
  } finally {
    model.dispose();
  }
});
