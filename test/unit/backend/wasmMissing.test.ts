// Without the wasm binaries (a wrong wasmDir) selection falls back to the cpu backend and says why;
// preferring wasm then fails with that reason. Own file: wasm initialises once per process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';

test('missing wasm binaries: wasm is skipped with the folder named, cpu is used', async () => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-nowasm-'));
  try {
    await assert.rejects(
      selectBackend({ prefer: 'wasm', wasmDir: empty }),
      new RegExp(
        `compute backend 'wasm' cannot be used: wasm: no tfjs-backend-wasm\\*\\.wasm in ${empty.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    const info = await selectBackend({ wasmDir: empty });
    assert.equal(info.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(
      info.fallbackReasons.map((r) => r.split(':')[0]),
      ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm'],
    );
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});

test('pthread files missing: wasm still runs, single-threaded, and says why', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-wasm1-'));
  try {
    for (const f of fs.readdirSync('dist').filter((f) => f.endsWith('.wasm')))
      fs.copyFileSync(path.join('dist', f), path.join(dir, f));
    const info = await selectBackend({ prefer: 'wasm', wasmDir: dir, threads: 2 });
    assert.equal(info.name, 'wasm');
    assert.equal(info.threads, 1);
    assert.match(
      info.fallbackReasons.join('\n'),
      /wasm threads: tfjs-pthread-worker\.js, tfjs-backend-wasm-threaded-simd\.js not found in .*; using one thread/,
    );
    const c = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    assert.deepEqual(await c.array(), [[11]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
