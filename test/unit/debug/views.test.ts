// Heatmap and trajectory views of recursion states (src/engine/trace/views.ts), checked against
// values computed by hand or by an independent method.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  channelValues,
  firstComponentValues,
  meanState,
  positionNorms,
  stateView,
  trajectoryPca,
} from '../../../src/engine/trace/views';

test('per-position norm and channel views', () => {
  const s = new Float32Array([3, 4, 0, 0, 1, 2, -2, 1, 1]); // [3, 3]
  assert.deepEqual(Array.from(positionNorms(s, 3, 3)), [5, Math.fround(Math.sqrt(5)), Math.fround(Math.sqrt(6))]);
  assert.deepEqual(Array.from(channelValues(s, 3, 3, 1)), [4, 1, 1]);
  const v = stateView(s, 3, 3, 'channel', 0);
  assert.deepEqual([v.min, v.max], [-2, 3]);
  assert.throws(() => channelValues(s, 3, 3, 3), /channel 3 is out of range: the hidden size D is 3/);
  assert.throws(() => positionNorms(s, 2, 3), /expected 2 x 3 = 6/);
  assert.throws(() => stateView(s, 3, 3, 'channel'), /needs a channel/);
});

test('first principal component matches the analytic direction and is sign-stable', () => {
  // Points spread along (1, 2) with a small orthogonal wobble: PC1 is (1, 2)/sqrt(5).
  const rows = 50;
  const s = new Float32Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    const a = i - 24.5;
    const b = i % 2 ? 0.1 : -0.1;
    s[2 * i] = 7 + a * 1 - b * 2;
    s[2 * i + 1] = -3 + a * 2 + b * 1;
  }
  const pc = firstComponentValues(s, rows, 2);
  const u = [1 / Math.sqrt(5), 2 / Math.sqrt(5)];
  for (let i = 0; i < rows; i++) {
    const expected = (s[2 * i] - 7) * u[0] + (s[2 * i + 1] + 3) * u[1];
    assert.ok(Math.abs(pc[i] - expected) < 1e-3, `${i}: ${pc[i]} vs ${expected}`);
  }
  // Same state, same picture: no sign flips between calls.
  assert.deepEqual(Array.from(firstComponentValues(s, rows, 2)), Array.from(pc));
  // Non-finite states give NaN (shown as gaps), not an exception.
  s[3] = NaN;
  assert.ok(Number.isNaN(firstComponentValues(s, rows, 2)[0]));
});

test('trajectory PCA: 2-D coordinates preserve pairwise distances of planar points', () => {
  // Points lying in a 2-D plane of R^4: the projection must be an isometry of that plane.
  const e1 = [0.5, 0.5, 0.5, 0.5];
  const e2 = [0.5, -0.5, 0.5, -0.5];
  const coords = [
    [0, 0],
    [3, 1],
    [-2, 4],
    [5, -1],
    [1, 1],
  ];
  const pts = coords.map(([a, b]) => Float64Array.from(e1.map((v, d) => 10 + a * v + b * e2[d])));
  const xy = trajectoryPca(pts);
  for (let i = 0; i < pts.length; i++) {
    for (let j = 0; j < pts.length; j++) {
      const d0 = Math.hypot(coords[i][0] - coords[j][0], coords[i][1] - coords[j][1]);
      const d1 = Math.hypot(xy[i].x - xy[j].x, xy[i].y - xy[j].y);
      assert.ok(Math.abs(d0 - d1) < 1e-6, `${i}-${j}: ${d0} vs ${d1}`);
    }
  }
  // Variance along x is at least the variance along y (x is the leading component).
  const vx = xy.reduce((a, p) => a + p.x * p.x, 0);
  const vy = xy.reduce((a, p) => a + p.y * p.y, 0);
  assert.ok(vx >= vy);
  assert.deepEqual(Array.from(meanState(new Float32Array([1, 2, 3, 4]), 2, 2)), [2, 3]);
});
