// The model on the wasm backend with the project's kernels (routed BatchMatMul, memoised Slice)
// against the official fixture (shared/fixtures/trm-sudoku-mlp-small): the teacher-forced ACT step
// 16 of all 4 rows (parity rung 3, as test/unit/model/stepFixture.test.ts runs it on cpu), run
// twice so the second run goes through the cached weight slices and transposes, plus a plain
// comparison with the stock kernels. Thresholds are the model tests' own.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';
import {
  clearWasmKernelCaches,
  installWasmKernels,
  uninstallWasmKernels,
  wasmKernelsInstalled,
} from '../../../src/engine/kernels';
import { wasmSliceMemoSize } from '../../../src/engine/kernels/wasmSliceMemo';
import type { TrmModel } from '../../../src/engine/model/trm';
import { f32, fixtureModel, i32, maxAbsDiff, report } from '../model/fixture';

before(async () => {
  const info = await selectBackend({ prefer: 'wasm', wasmDir: path.resolve('dist') });
  assert.equal(info.name, 'wasm');
  assert.ok(wasmKernelsInstalled());
});

const B = 4,
  S = 81,
  V = 11,
  T = 97,
  D = 64,
  TD = T * D,
  K = 16;

/** Step K from the reference carry of step K-1; returns y, z and logits on the host. */
function lastStep(model: TrmModel): { y: Float32Array; z: Float32Array; logits: Float32Array } {
  const ys = f32('y_steps'),
    zs = f32('z_steps');
  const prev = K - 2;
  return tf.tidy(() => {
    const x = model.embed(tf.tensor2d(i32('inputs'), [B, S], 'int32'), tf.tensor1d(i32('puzzle_identifiers'), 'int32'));
    const start = {
      y: tf.tensor3d(ys.slice(prev * B * TD, (prev + 1) * B * TD), [B, T, D]),
      z: tf.tensor3d(zs.slice(prev * B * TD, (prev + 1) * B * TD), [B, T, D]),
    };
    const out = model.step(start, x);
    return {
      y: out.state.y.dataSync() as Float32Array,
      z: out.state.z.dataSync() as Float32Array,
      logits: out.logits.dataSync() as Float32Array,
    };
  });
}

test('teacher-forced step 16 on wasm matches the fixture (y, z, logits within 1e-3), twice', () => {
  const model = fixtureModel();
  const k = K - 1;
  try {
    for (const run of [1, 2]) {
      const out = lastStep(model);
      const err = {
        y: maxAbsDiff(out.y, f32('y_steps').subarray(k * B * TD, (k + 1) * B * TD)),
        z: maxAbsDiff(out.z, f32('z_steps').subarray(k * B * TD, (k + 1) * B * TD)),
        logits: maxAbsDiff(out.logits, f32('logits_steps').subarray(k * B * S * V, (k + 1) * B * S * V)),
      };
      report(
        `wasm rung 3, run ${run}: max abs error y / z / logits`,
        `${err.y.toExponential(2)} / ${err.z.toExponential(2)} / ${err.logits.toExponential(2)}`,
      );
      assert.ok(err.y <= 1e-3 && err.z <= 1e-3 && err.logits <= 1e-3, `run ${run}: ${JSON.stringify(err)}`);
    }
    assert.ok(wasmSliceMemoSize() > 0, 'the weight slices were memoised');
  } finally {
    model.dispose();
  }
});

test('the project kernels and the stock kernels agree on a whole step', () => {
  const model = fixtureModel();
  try {
    const ours = lastStep(model);
    uninstallWasmKernels();
    const stock = lastStep(model);
    installWasmKernels();
    const d = Math.max(maxAbsDiff(ours.y, stock.y), maxAbsDiff(ours.z, stock.z), maxAbsDiff(ours.logits, stock.logits));
    report('wasm project vs stock kernels, max abs difference', d);
    assert.ok(d <= 1e-4, `difference ${d}`);
  } finally {
    model.dispose();
    clearWasmKernelCaches();
  }
});
