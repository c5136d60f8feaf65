// The routed wasm BatchMatMul (src/engine/kernels/wasmMatMul.ts) against a float64 reference
// computed in plain JS, for every case it rewrites (transpose flags, folded batches, a single A
// against a batch of B, equal batches) and the cases it hands to the stock kernel; also that it
// leaks no backend memory and drops cached weight transposes once the weight is disposed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';
import { clearWasmMatMulCache, installWasmMatMul, wasmMatMulInstalled } from '../../../src/engine/kernels/wasmMatMul';

let seed = 42;
function rand(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    out[i] = seed / 2 ** 31 - 1;
  }
  return out;
}

/** Row-major strides of `shape`. */
function strides(shape: number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/**
 * op(A) @ op(B) in float64 with numpy broadcasting of the outer (batch) axes, written
 * independently of the kernel: every output element is found by walking its outer index.
 */
function reference(
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
  ta: boolean,
  tb: boolean,
): { shape: number[]; data: Float64Array } {
  const rA = aShape.length;
  const rB = bShape.length;
  const M = ta ? aShape[rA - 1] : aShape[rA - 2];
  const K = ta ? aShape[rA - 2] : aShape[rA - 1];
  const N = tb ? bShape[rB - 2] : bShape[rB - 1];
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const rank = Math.max(outerA.length, outerB.length);
  const padA = [...new Array<number>(rank - outerA.length).fill(1), ...outerA];
  const padB = [...new Array<number>(rank - outerB.length).fill(1), ...outerB];
  const outer = padA.map((d, i) => Math.max(d, padB[i]));
  const sA = strides(padA);
  const sB = strides(padB);
  const sO = strides(outer);
  const batch = outer.reduce((p, d) => p * d, 1);
  const data = new Float64Array(batch * M * N);
  for (let n = 0; n < batch; n++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(n / sO[d]) % outer[d];
      ia += (padA[d] === 1 ? 0 : idx) * sA[d];
      ib += (padB[d] === 1 ? 0 : idx) * sB[d];
    }
    const ao = ia * M * K;
    const bo = ib * K * N;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[ao + (ta ? k * M + i : i * K + k)] * b[bo + (tb ? j * K + k : k * N + j)];
        data[(n * M + i) * N + j] = s;
      }
  }
  return { shape: [...(outerA.length || outerB.length ? outer : []), M, N], data };
}

function check(aShape: number[], bShape: number[], ta: boolean, tb: boolean): void {
  const size = (s: number[]): number => s.reduce((p, d) => p * d, 1);
  const av = rand(size(aShape));
  const bv = rand(size(bShape));
  const want = reference(av, aShape, bv, bShape, ta, tb);
  const a = tf.tensor(av, aShape);
  const b = tf.tensor(bv, bShape);
  const c = tf.matMul(a, b, ta, tb);
  const got = c.dataSync();
  assert.deepEqual(c.shape, want.shape, `shape for ${aShape} x ${bShape} (${ta}, ${tb})`);
  assert.equal(got.length, want.data.length);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got[i] - want.data[i]));
  assert.ok(worst < 1e-4, `${aShape} x ${bShape} ta=${ta} tb=${tb}: max |diff| ${worst}`);
  tf.dispose([a, b, c]);
}

test('routed kernel is installed by selectBackend on wasm', async () => {
  const info = await selectBackend({ prefer: 'wasm', wasmDir: path.resolve('dist') });
  assert.equal(info.name, 'wasm');
  assert.equal(wasmMatMulInstalled(), true);
  assert.equal(installWasmMatMul(), true); // idempotent
});

test('2-D products with every combination of transpose flags', () => {
  for (const ta of [false, true])
    for (const tb of [false, true]) {
      check(ta ? [13, 7] : [7, 13], tb ? [5, 13] : [13, 5], ta, tb);
    }
});

test('batched A against one B (a linear layer on [B, T, D]) folds the batch into rows', () => {
  check([3, 7, 13], [13, 5], false, false);
  check([3, 7, 13], [5, 13], false, true);
  check([2, 3, 13, 7], [5, 13], true, true);
  check([3, 7, 13], [1, 13, 5], false, false);
  check([2, 7, 13], [1, 1, 13, 5], false, false); // B's extra unit axes lead the output shape
});

test('one A against a batch of B (the token MLP as W @ h) and equal batches', () => {
  check([1, 7, 13], [4, 13, 5], false, false);
  check([7, 13], [4, 5, 13], false, true);
  check([13, 7], [2, 2, 13, 5], true, false);
  check([1, 1, 7, 13], [3, 13, 5], false, false);
  check([4, 7, 13], [4, 13, 5], false, false);
  check([2, 3, 7, 13], [2, 3, 5, 13], false, true);
});

test('general batch broadcasting is tiled out (the stock kernel returns too few values for it)', () => {
  check([2, 1, 4, 6], [1, 3, 6, 5], false, false);
  check([2, 1, 6, 4], [3, 5, 6], true, true);
});

test("non-float data and mismatched shapes fail with the stock kernel's errors", () => {
  const ai = tf.tensor2d([[1, 2]], [1, 2], 'int32');
  assert.throws(() => tf.matMul(ai, ai, false, true), /BatchMatMul for non non-float32 tensors not yet supported/);
  ai.dispose();
  assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))), /inner shapes \(3\) and \(4\)/);
  assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 3, 4]), tf.ones([3, 4, 5]))), /could not be broadcast/);
});

test("no backend memory is leaked; a disposed weight's cached transpose is freed", () => {
  const backend = tf.backend() as unknown as { numDataIds(): number };
  clearWasmMatMulCache(); // earlier tests' transposes would otherwise be swept in the middle of the count
  const x = tf.tensor(rand(6 * 8), [6, 8]);
  const before = backend.numDataIds();
  const w = tf.tensor(rand(4 * 8), [4, 8]);
  const y1 = tf.matMul(x, w, false, true);
  const y2 = tf.matMul(x, w, false, true); // cached transpose of w
  assert.deepEqual(y1.dataSync(), y2.dataSync());
  tf.dispose([y1, y2]);
  assert.equal(backend.numDataIds(), before + 2, 'w and its cached transpose');
  w.dispose();
  const w2 = tf.tensor(rand(4 * 8), [4, 8]);
  const y3 = tf.matMul(x, w2, false, true); // sweeps the cache entry of the disposed w
  tf.dispose([y3, w2]);
  const y4 = tf.matMul(x, x, false, true); // sweeps w2's entry, caches x's transpose
  y4.dispose();
  assert.equal(backend.numDataIds(), before + 1, 'only the transpose of the live x remains cached');
  x.dispose();
});
