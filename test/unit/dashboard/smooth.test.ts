// Smoothing of noisy training curves: a debiased EMA (TensorBoard's), gaps stay gaps, 0 = raw.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { emaSmooth } from '../../../webview/dashboard/model/smooth';

test('debiased EMA: the first point is itself, a constant stays constant, jumps are damped', () => {
  assert.deepEqual(emaSmooth([5]), [5]);
  assert.deepEqual(
    emaSmooth([2, 2, 2, 2]).map((v) => Number(v!.toFixed(12))),
    [2, 2, 2, 2],
  );
  const s = emaSmooth([0, 1, 0, 1, 0, 1], 0.5);
  // (1 - 0.5)·1 / (1 - 0.25) = 2/3 after the second point.
  assert.ok(Math.abs((s[1] as number) - 2 / 3) < 1e-12);
  const amp = Math.max(...(s.slice(2) as number[])) - Math.min(...(s.slice(2) as number[]));
  assert.ok(amp < 0.5, `an alternating 0/1 curve swings less after smoothing (${amp})`);
  assert.deepEqual(emaSmooth([1, 3], 0), [1, 3], 'weight 0: raw');
});

test('gaps (NaN/∞ metrics) stay gaps and restart the average', () => {
  const s = emaSmooth([4, null, 10, 10], 0.9);
  assert.equal(s[1], null);
  assert.equal(s[2], 10, 'a new stretch starts from its own first value');
  assert.throws(() => emaSmooth([1], 1), /weight must be in \[0, 1\)/);
});
