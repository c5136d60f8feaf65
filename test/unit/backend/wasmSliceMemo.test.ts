// The memoising wasm Slice (src/engine/kernels/wasmSliceMemo.ts): a repeated contiguous slice of a
// large tensor is the same backend buffer with the right values, other slices are not kept, and
// the memo lets go of everything once the source is disposed (backend buffers, the engine's
// records, the tensor count).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { selectBackend } from '../../../src/engine/backend';
import { clearWasmKernelCaches } from '../../../src/engine/kernels';
import { MEMO_MIN_SOURCE_ELEMENTS, wasmSliceMemoSize } from '../../../src/engine/kernels/wasmSliceMemo';

interface Counts {
  buffers: number;
  engineBuffers: number;
  tensors: number;
}

function counts(): Counts {
  const backend = tf.backend() as unknown as { numDataIds(): number };
  return { buffers: backend.numDataIds(), engineBuffers: tf.memory().numDataBuffers, tensors: tf.memory().numTensors };
}

/** A [rows, cols] tensor with value 1000 * row + col, so every slice's values are predictable. */
function grid(rows: number, cols: number): tf.Tensor2D {
  const v = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) v[r * cols + c] = 1000 * r + c;
  return tf.tensor2d(v, [rows, cols]);
}

function assertRows(t: tf.Tensor, from: number, cols: number): void {
  const v = t.dataSync();
  const rows = v.length / cols;
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      assert.equal(v[r * cols + c], 1000 * (from + r) + c, `row ${r} col ${c}`);
    }
}

const dataIdOf = (t: tf.Tensor): unknown => (t as unknown as { dataId: unknown }).dataId;

test('selectBackend(wasm) installs the memo', async () => {
  const info = await selectBackend({ prefer: 'wasm', wasmDir: path.resolve('dist'), threads: 1 });
  assert.equal(info.name, 'wasm');
  clearWasmKernelCaches();
  assert.equal(wasmSliceMemoSize(), 0);
});

test('a repeated row slice of a large tensor shares one buffer and keeps its values', () => {
  const cols = 512;
  const rows = Math.ceil((2 * MEMO_MIN_SOURCE_ELEMENTS) / cols);
  const w = grid(rows, cols);
  const before = counts();
  const s1 = tf.slice(w, [4, 0], [8, cols]);
  const s2 = tf.slice(w, [4, 0], [8, cols]);
  const s3 = tf.slice(w, [4, 0], [8, cols]);
  assert.notEqual(dataIdOf(s1), dataIdOf(s2), 'the first repeat is kept, the first sighting is not');
  assert.equal(dataIdOf(s2), dataIdOf(s3), 'later repeats share the kept buffer');
  for (const s of [s1, s2, s3]) assertRows(s, 4, cols);
  assert.equal(wasmSliceMemoSize(), 1);
  const other = tf.slice(w, [0, 0], [8, cols]);
  assertRows(other, 0, cols);
  tf.dispose([s1, s2, s3, other]);
  const kept = counts();
  assert.equal(kept.tensors, before.tensors, 'the memo holds no tensor');
  assert.equal(kept.buffers, before.buffers + 1, 'only the memoised slice stays, owned by the memo');
  w.dispose();
  tf.tidy(() => tf.slice(grid(2, 2), [0, 0], [1, 2])).dispose(); // any slice sweeps entries of freed sources
  const after = counts();
  assert.equal(wasmSliceMemoSize(), 0);
  assert.equal(after.buffers, before.buffers - 1, 'w and its memoised slice are gone');
  assert.equal(after.engineBuffers, before.engineBuffers - 1, 'the engine forgets the freed buffers too');
  assert.equal(after.tensors, before.tensors - 1);
  clearWasmKernelCaches();
});

test('a memoised slice outlives its source while a tensor still uses it', () => {
  const cols = 256;
  const w = grid(Math.ceil((2 * MEMO_MIN_SOURCE_ELEMENTS) / cols), cols);
  tf.slice(w, [1, 0], [3, cols]).dispose();
  const held = tf.slice(w, [1, 0], [3, cols]); // memoised now
  w.dispose();
  tf.tidy(() => tf.slice(grid(2, 2), [0, 0], [1, 2])).dispose(); // sweep: the memo lets go, `held` keeps the buffer
  assertRows(held, 1, cols);
  const before = counts();
  held.dispose();
  const after = counts();
  assert.equal(after.buffers, before.buffers - 1);
  assert.equal(after.engineBuffers, before.engineBuffers - 1);
});

test('strided slices, small sources and int32 data are not memoised', () => {
  const cols = 512;
  const w = grid(Math.ceil((2 * MEMO_MIN_SOURCE_ELEMENTS) / cols), cols);
  const small = grid(4, 4);
  const ints = tf.cast(w, 'int32');
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => {
      assert.deepEqual(Array.from(tf.slice(w, [0, 1], [4, 2]).dataSync()), [1, 2, 1001, 1002, 2001, 2002, 3001, 3002]);
      assert.deepEqual(Array.from(tf.slice(small, [1, 0], [1, 4]).dataSync()), [1000, 1001, 1002, 1003]);
      assert.deepEqual(Array.from(tf.slice(ints, [1, 0], [1, 3]).dataSync()), [1000, 1001, 1002]);
    });
  }
  assert.equal(wasmSliceMemoSize(), 0);
  tf.dispose([w, small, ints]);
});

test('gradients through a memoised slice are unchanged', () => {
  const cols = 512;
  const w = grid(Math.ceil((2 * MEMO_MIN_SOURCE_ELEMENTS) / cols), cols);
  const f = (x: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tf.slice(x, [2, 0], [2, cols]), 3));
  for (let i = 0; i < 3; i++) {
    const g = tf.grad(f)(w);
    const v = g.dataSync();
    for (let k = 0; k < v.length; k++) assert.equal(v[k], k >= 2 * cols && k < 4 * cols ? 3 : 0);
    g.dispose();
  }
  w.dispose();
  clearWasmKernelCaches();
});
