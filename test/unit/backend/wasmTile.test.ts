// The block-copy wasm Tile (src/engine/kernels/wasmTile.ts): every element equals the naive
// definition out[i] = x[i mod shape] for float32, int32 and bool, any rank, reps of 0 and 1, and the
// broadcasts the model makes (tf.broadcastTo and tf.where's mask) on the wasm backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';
import { tileInto } from '../../../src/engine/kernels/wasmTile';

/** out[idx] = x[idx_d mod shape_d], written index by index. */
function naiveTile(x: ArrayLike<number>, shape: number[], reps: number[]): number[] {
  const outShape = shape.map((d, i) => d * reps[i]);
  const n = outShape.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let src = 0;
    let stride = 1;
    const idx: number[] = [];
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d] = rem % outShape[d];
      rem = Math.floor(rem / outShape[d]);
    }
    for (let d = shape.length - 1; d >= 0; d--) {
      src += (idx[d] % shape[d]) * stride;
      stride *= shape[d];
    }
    out.push(x[src]);
  }
  return out;
}

const cases: [number[], number[]][] = [
  [[3], [4]],
  [
    [2, 3],
    [1, 1],
  ],
  [
    [2, 3],
    [3, 2],
  ],
  [
    [1, 1, 1],
    [1, 5, 7],
  ],
  [
    [1, 1, 4],
    [2, 3, 1],
  ],
  [
    [2, 1, 3, 2],
    [1, 4, 1, 3],
  ],
  [
    [3, 2],
    [0, 2],
  ],
  [[5], [1]],
];

test('tileInto matches the naive definition', () => {
  for (const [shape, reps] of cases) {
    const size = shape.reduce((p, d) => p * d, 1);
    const x = Float32Array.from({ length: size }, (_, i) => i * 1.5 - 2);
    const outSize = shape.reduce((p, d, i) => p * d * reps[i], 1);
    const out = new Float32Array(outSize).fill(NaN);
    tileInto(x, shape, reps, out);
    assert.deepEqual(Array.from(out), naiveTile(x, shape, reps), `shape ${shape} reps ${reps}`);
  }
});

test('tf.tile on wasm (kernel installed) equals the naive tile for float32, int32 and bool', async () => {
  const info = await selectBackend({ prefer: 'wasm', wasmDir: path.resolve('dist'), threads: 1 });
  assert.equal(info.name, 'wasm');
  for (const [shape, reps] of cases) {
    const size = shape.reduce((p, d) => p * d, 1);
    const f = Float32Array.from({ length: size }, (_, i) => i + 0.25);
    const n = Int32Array.from({ length: size }, (_, i) => 7 - 3 * i);
    const b = Uint8Array.from({ length: size }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const tf32 = tf.tile(tf.tensor(f, shape, 'float32'), reps);
    const ti32 = tf.tile(tf.tensor(n, shape, 'int32'), reps);
    const tb = tf.tile(tf.tensor(b, shape, 'bool'), reps);
    assert.deepEqual(
      tf32.shape,
      shape.map((d, i) => d * reps[i]),
    );
    assert.deepEqual(Array.from(tf32.dataSync()), naiveTile(f, shape, reps));
    assert.deepEqual(Array.from(ti32.dataSync()), naiveTile(n, shape, reps));
    assert.deepEqual(Array.from(tb.dataSync()), naiveTile(b, shape, reps));
    tf.dispose([tf32, ti32, tb]);
  }
});

test('the model-style broadcasts (broadcastTo, where with a [B,1,1] mask) are exact on wasm', () => {
  const D = 512;
  const T = 97;
  const init = tf.tensor1d(Float32Array.from({ length: D }, (_, i) => Math.sin(i)));
  const full = tf.broadcastTo(tf.reshape(init, [1, 1, D]), [2, T, D]);
  const v = full.dataSync();
  const iv = init.dataSync();
  for (let r = 0; r < 2 * T; r++) for (let c = 0; c < D; c += 37) assert.equal(v[r * D + c], iv[c]);
  const state = tf.fill([2, T, D], 3);
  const mask = tf.reshape(tf.tensor1d([1, 0], 'bool'), [2, 1, 1]);
  const picked = tf.where(mask, full, state).dataSync();
  assert.equal(picked[5], iv[5]);
  assert.equal(picked[T * D + 5], 3);
  tf.dispose([init, full, state, mask]);
});
