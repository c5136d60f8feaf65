// selectBackend() in plain node: native TensorFlow is absent here, so the default order lands on
// wasm (threads + SIMD reported), skipped candidates carry reasons, patched globals are restored,
// prefer: 'cpu' switches, and a preferred backend that cannot load fails with its reason.
// Needs `node esbuild.mjs` first (the wasm binaries and pthread files live in dist/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_ORDER, currentBackend, defaultThreads, selectBackend } from '../../../src/engine/backend';
import { BACKEND_NAMES } from '../../../src/engine/backend/names';

const wasmDir = path.resolve('dist');

async function matmul(): Promise<number[][]> {
  const a = tf.tensor2d([
    [1, 2],
    [3, 4],
  ]);
  const b = tf.tensor2d([
    [5, 6],
    [7, 8],
  ]);
  const c = tf.matMul(a, b);
  const v = await (c as tf.Tensor2D).array();
  tf.dispose([a, b, c]);
  return v;
}

test('prefer: tfjs-node fails with a clear reason when the package is not installed', async () => {
  await assert.rejects(
    selectBackend({ prefer: 'tfjs-node', wasmDir }),
    /compute backend 'tfjs-node' cannot be used: tfjs-node: module not installed/,
  );
  assert.equal(currentBackend(), undefined);
});

test('an unknown backend name is rejected with the valid names', async () => {
  await assert.rejects(
    selectBackend({ prefer: 'webgl' as never }),
    /unknown compute backend "webgl"; expected one of tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu/,
  );
  await assert.rejects(
    selectBackend({ prefer: 'wasm', wasmDir, threads: 0 }),
    /threads must be a positive integer \(got 0\)/,
  );
});

test('default order picks wasm with SIMD and threads, and restores every patched global', async () => {
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  const listeners = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
  const info = await selectBackend({ wasmDir });
  assert.equal(info.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.gpu, false);
  assert.ok(info.threads >= 1 && info.threads <= defaultThreads(), `threads ${info.threads}`);
  if (os.cpus().length > 1)
    assert.equal(info.threads, defaultThreads(), `fallback reasons: ${info.fallbackReasons.join('; ')}`);
  assert.match(info.description, new RegExp(`WebAssembly .*SIMD, ${info.threads} thread`));
  assert.match(info.fallbackReasons[0], /^tfjs-node-gpu: module not installed/);
  // No hardware adapter here (no Vulkan driver, or only a software one): the reason says which.
  assert.match(
    info.fallbackReasons[1],
    /^webgpu: (no Vulkan driver|the Vulkan loader|Dawn found no|only a software adapter)/,
  );
  assert.match(info.fallbackReasons[2], /^tfjs-node: module not installed/);
  assert.deepEqual(currentBackend(), info);
  assert.equal(URL.createObjectURL, createObjectURL);
  assert.equal(os.cpus, cpus);
  assert.equal(os.cpus().length, os.availableParallelism());
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'mainScriptUrlOrBlob'), false);
  assert.deepEqual(
    ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e)),
    listeners,
  );
  assert.deepEqual(await matmul(), [
    [19, 22],
    [43, 50],
  ]);
});

test('prefer: cpu switches backends; wasm comes back without re-initialising', async () => {
  const cpu = await selectBackend({ prefer: 'cpu' });
  assert.equal(cpu.name, 'cpu');
  assert.equal(cpu.threads, 1);
  assert.deepEqual(cpu.fallbackReasons, []);
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(await matmul(), [
    [19, 22],
    [43, 50],
  ]);
  const threadsBefore = (await selectBackend({ prefer: 'wasm', wasmDir })).threads;
  const again = await selectBackend({ prefer: 'wasm', wasmDir, threads: threadsBefore + 1 });
  assert.equal(again.threads, threadsBefore);
  assert.match(again.fallbackReasons.join('\n'), /already initialised with \d+ thread\(s\); threads = \d+ ignored/);
  assert.equal(tf.getBackend(), 'wasm');
});

test('BACKEND_ORDER is the documented start-up order, the same as the names launch configurations accept', () => {
  assert.deepEqual(BACKEND_ORDER, ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu']);
  assert.deepEqual(BACKEND_ORDER, BACKEND_NAMES);
});
