// Optimiser maths against values computed by hand from the formulas of the official optimisers (adam_atan2, torch AdamW, models/sparse_embedding.py SignSGD):
// AdamATan2, AdamW, sparse SignSGD for puzzle-embedding rows, EMA and the warm-up + cosine schedule.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { adamAtan2Step, adamWStep, emaUpdate, newAdamState, signSgdSparseStep } from '../../../src/engine/train/optim';
import { scheduledLr } from '../../../src/engine/train/schedule';

const close = (a: number, b: number, tol = 1e-6, what = ''): void =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('AdamATan2: first two updates match the hand-computed formula', () => {
  const p = Float32Array.from([1.0, -2.0]);
  const s = newAdamState(2);
  const h = { beta1: 0.9, beta2: 0.95, weightDecay: 0.1 };
  // Step 1, g = [0.5, -0.25], lr 0.01:
  // p = 1 * (1 - 0.001) = 0.999; m = 0.05; v = 0.05 * 0.25 = 0.0125; m_hat = 0.05 / 0.1 = 0.5;
  // sqrt(v)/sqrt(1-0.95) = sqrt(0.0125)/sqrt(0.05) = 0.5; atan2(0.5, 0.5) = pi/4; p = 0.999 - 0.01 pi/4.
  adamAtan2Step(p, Float32Array.from([0.5, -0.25]), s, 0.01, h);
  close(p[0], 0.999 - (0.01 * Math.PI) / 4, 1e-6, 'p0 step 1');
  close(p[1], -2 * 0.999 + (0.01 * Math.PI) / 4, 1e-6, 'p1 step 1');
  close(s.m[0], 0.05, 1e-7, 'm');
  close(s.v[0], 0.0125, 1e-7, 'v');
  assert.equal(s.t, 1);
  // Step 2, g = [0.1, 0.0]: m = 0.05 + 0.1 (0.1 - 0.05) = 0.055; v = 0.0125 + 0.05 (0.01 - 0.0125) = 0.012375;
  // m_hat = 0.055 / (1 - 0.81) ; denominator sqrt(0.012375) / sqrt(1 - 0.9025).
  const before = p[0];
  adamAtan2Step(p, Float32Array.from([0.1, 0.0]), s, 0.01, h);
  const expected = before * 0.999 - 0.01 * Math.atan2(0.055 / 0.19, Math.sqrt(0.012375) / Math.sqrt(0.0975));
  close(p[0], expected, 1e-6, 'p0 step 2');
});

test('AdamATan2 is invariant to a positive rescaling of the gradient; a zero gradient only decays', () => {
  const a = Float32Array.from([0.3, -0.7, 0.0]),
    b = Float32Array.from(a);
  const sa = newAdamState(3),
    sb = newAdamState(3);
  const h = { beta1: 0.9, beta2: 0.95, weightDecay: 0 };
  for (const g of [
    [0.2, -0.1, 0.05],
    [0.3, 0.4, -0.2],
  ]) {
    adamAtan2Step(a, Float32Array.from(g), sa, 1e-3, h);
    adamAtan2Step(b, Float32Array.from(g.map((x) => x * 1000)), sb, 1e-3, h);
  }
  for (let i = 0; i < 3; i++) close(a[i], b[i], 1e-6, `element ${i}`);
  const p = Float32Array.from([2.0]);
  adamAtan2Step(p, Float32Array.from([0]), newAdamState(1), 0.1, { beta1: 0.9, beta2: 0.95, weightDecay: 0.5 });
  close(p[0], 2 * (1 - 0.05), 1e-6, 'decay only');
});

test('AdamW: first update is lr * sign-like step with bias correction and decoupled decay', () => {
  const p = Float32Array.from([1.0]);
  const s = newAdamState(1);
  // m_hat = g, v_hat = g^2 -> update = lr * g / (|g| + eps) = lr * 0.5 / (0.5 + 1e-8)
  adamWStep(p, Float32Array.from([0.5]), s, 0.01, { beta1: 0.9, beta2: 0.999, weightDecay: 0.1, eps: 1e-8 });
  close(p[0], 1 * (1 - 0.001) - (0.01 * 0.5) / (0.5 + 1e-8), 1e-7, 'adamw');
});

test('SignSGD: rows sharing an id are summed before the sign; absent rows are untouched (no decay)', () => {
  const ndim = 2;
  const table = Float32Array.from([1, 1, 2, 2, 3, 3]); // 3 rows
  // ids [2, 0, 2]; row grads: id2 -> [0.5, -0.1] + [-0.2, -0.3] = [0.3, -0.4]; id0 -> [-1, 0]
  const touched = signSgdSparseStep(
    table,
    ndim,
    [2, 0, 2],
    Float32Array.from([0.5, -0.1, -1, 0, -0.2, -0.3]),
    0.1,
    0.5,
  );
  assert.deepEqual(touched.sort(), [0, 2]);
  const d = 1 - 0.1 * 0.5;
  close(table[0], 1 * d + 0.1, 1e-6, 'row 0 col 0 (g < 0)');
  close(table[1], 1 * d, 1e-6, 'row 0 col 1 (g = 0: sign 0, decay only)');
  assert.deepEqual([table[2], table[3]], [2, 2], 'row 1 not in the batch');
  close(table[4], 3 * d - 0.1, 1e-6, 'row 2 col 0');
  close(table[5], 3 * d + 0.1, 1e-6, 'row 2 col 1');
  assert.throws(
    () => signSgdSparseStep(table, ndim, [3], new Float32Array(2), 0.1, 0),
    /puzzle id 3 outside the table/,
  );
});

test('EMA: shadow = rate * shadow + (1 - rate) * param', () => {
  const sh = Float32Array.from([1, 0]);
  emaUpdate(sh, Float32Array.from([3, -2]), 0.999);
  close(sh[0], 0.999 + 0.003, 1e-6, 'e0');
  close(sh[1], -0.002, 1e-7, 'e1');
});

test('schedule: linear warm-up from step 1, then cosine down to lr_min_ratio', () => {
  const p = { baseLr: 1e-3, warmupSteps: 10, totalSteps: 110, minRatio: 0.1 };
  close(scheduledLr(1, p), 1e-4, 1e-12, 'step 1');
  close(scheduledLr(5, p), 5e-4, 1e-12, 'step 5');
  close(scheduledLr(10, p), 1e-3, 1e-12, 'end of warm-up');
  close(scheduledLr(60, p), 1e-3 * (0.1 + 0.9 * 0.5), 1e-12, 'half way');
  close(scheduledLr(110, p), 1e-4, 1e-12, 'end');
  // lr_min_ratio 1 (every official config): constant after warm-up.
  close(scheduledLr(80, { ...p, minRatio: 1 }), 1e-3, 1e-12, 'constant');
});
