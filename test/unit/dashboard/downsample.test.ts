// LTTB downsampling for drawing: bounded point counts, ends and spikes kept, gaps (nulls) preserved.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsample, lttbIndices } from '../../../webview/dashboard/model/downsample';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('downsample', () => {
  it('returns short series unchanged (as copies)', () => {
    const xs = [1, 2, 3];
    const ys = [0.5, null, 0.25];
    const r = downsample(xs, ys, 10);
    assert.deepEqual(r, { xs, ys });
    assert.notEqual(r.xs, xs);
  });

  it('bounds the number of points, keeps both ends and the spike', () => {
    const n = 10_000;
    const xs = range(n);
    const ys = xs.map((x) => Math.sin(x / 300) + (x === 4321 ? 50 : 0));
    const r = downsample(xs, ys, 200);
    assert.ok(r.xs.length <= 200 && r.xs.length >= 190, `${r.xs.length} points`);
    assert.equal(r.xs[0], 0);
    assert.equal(r.xs[r.xs.length - 1], n - 1);
    assert.ok(r.xs.includes(4321), 'the spike survives');
    assert.ok(
      r.xs.every((x, i) => i === 0 || x > r.xs[i - 1]),
      'x ascends',
    );
    assert.ok(
      r.ys.every((y, i) => y === ys[r.xs[i]]),
      'kept points are original points',
    );
  });

  it('keeps gaps: each finite stretch is downsampled on its own', () => {
    const n = 1000;
    const xs = range(n);
    const ys: (number | null)[] = xs.map((x) => (x >= 400 && x < 450 ? null : x % 7));
    const r = downsample(xs, ys, 100);
    const nulls = r.ys.map((y, i) => (y === null ? i : -1)).filter((i) => i >= 0);
    assert.equal(nulls.length, 1, 'one null marks the gap');
    const gapAt = nulls[0];
    assert.ok(
      r.xs[gapAt - 1] <= 399 && r.xs[gapAt + 1] >= 450,
      `gap between ${r.xs[gapAt - 1]} and ${r.xs[gapAt + 1]}`,
    );
    assert.ok(r.xs.includes(399) && r.xs.includes(450), 'stretch ends kept');
    // Trailing and leading gaps are kept too.
    const t = downsample(range(10), [null, 1, 2, 3, 4, 5, 6, 7, 8, null], 4);
    assert.equal(t.ys[0], null);
    assert.equal(t.ys[t.ys.length - 1], null);
  });

  it('refuses mismatched input and a tiny budget', () => {
    assert.throws(() => downsample([1, 2], [1], 10), /2 x values but 1 y values/);
    assert.throws(() => downsample([1, 2], [1, 2], 2), /maxPoints must be an integer ≥ 3, got 2/);
  });
});

describe('lttbIndices', () => {
  it('keeps the first and last index and picks one point per bucket', () => {
    const xs = range(102);
    const ys = xs.map((x) => (x === 50 ? 10 : 0));
    const idx = lttbIndices(xs, ys, 0, 102, 12);
    assert.equal(idx.length, 12);
    assert.equal(idx[0], 0);
    assert.equal(idx[11], 101);
    assert.ok(idx.includes(50));
  });
});
