// Large puzzle-embedding tables (official ARC checkpoints carry ~2 GB) stay in host memory and are
// gathered per batch instead of being copied into the backend: the numbers must be bit-identical to
// the backend-table path, and the host table must be the loader's own array (no second copy).

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ARCH_DEFAULTS, TrmConfig } from '../../../src/engine/config';
import { initialWeights } from '../../../src/engine/model/init';
import { createRng } from '../../../src/engine/model/rng';
import { TrmModel } from '../../../src/engine/model/trm';
import { useCpu } from './fixture';

before(useCpu);

const config: TrmConfig = {
  ...ARCH_DEFAULTS,
  seq_len: 4,
  vocab_size: 6,
  num_puzzle_identifiers: 50,
  hidden_size: 8,
  num_heads: 2,
  expansion: 2,
  puzzle_emb_ndim: 16,
  puzzle_emb_len: 2,
  L_layers: 1,
  H_cycles: 2,
  L_cycles: 2,
  halt_max_steps: 2,
  forward_dtype: 'float32',
};

test('a host-side puzzle table gives bit-identical embeddings and steps, without copying the table', async () => {
  const w = initialWeights(config, 3);
  const table = w.get('puzzle_emb.weights')!;
  const rng = createRng(9);
  (table.data as Float32Array).forEach((_, i, a) => {
    a[i] = rng() * 2 - 1;
  });
  const onBackend = TrmModel.fromWeights(config, w, { hostPuzzleTable: false });
  const onHost = TrmModel.fromWeights(config, w, { hostPuzzleTable: true });
  try {
    assert.ok(onHost.params.hostPuzzleTable, 'table kept on the host');
    assert.equal(onHost.params.hostPuzzleTable.data, table.data, "the loader's array itself, not a copy");
    assert.equal(onHost.params.has('puzzle_emb.weights'), false, 'not also a backend variable');
    const inputs = tf.tensor2d([1, 2, 3, 4, 5, 1, 2, 3], [2, 4], 'int32');
    const ids = tf.tensor1d([49, 7], 'int32');
    const a = onBackend.embed(inputs, ids),
      b = onHost.embed(inputs, ids);
    assert.deepEqual(Array.from(b.dataSync()), Array.from(a.dataSync()));
    // Host ids (what the product passes: no read-back of an id tensor) give the same rows.
    const c = onHost.embed(inputs, Int32Array.of(49, 7));
    assert.deepEqual(Array.from(c.dataSync()), Array.from(a.dataSync()));
    c.dispose();
    const sa = onBackend.step(onBackend.initialState(2), a),
      sb = onHost.step(onHost.initialState(2), b);
    assert.deepEqual(Array.from(sb.logits.dataSync()), Array.from(sa.logits.dataSync()));
    assert.deepEqual(
      (await onHost.getWeights()).get('puzzle_emb.weights')!.shape,
      [50, 16],
      'checkpoints still hold the table',
    );
    assert.throws(
      () => onHost.embed(inputs, tf.tensor1d([50, 0], 'int32')),
      /puzzle identifier 50 is outside the embedding table 0\.\.49/,
    );
    tf.dispose([
      inputs,
      ids,
      a,
      b,
      sa.logits,
      sa.qHalt,
      sa.qContinue,
      sa.state.y,
      sa.state.z,
      sb.logits,
      sb.qHalt,
      sb.qContinue,
      sb.state.y,
      sb.state.z,
    ]);
  } finally {
    onBackend.dispose();
    onHost.dispose();
  }
});
