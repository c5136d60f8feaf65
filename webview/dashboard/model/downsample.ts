// Fewer points for drawing: largest-triangle-three-buckets (Steinarsson 2013) keeps the visual shape
// of a curve — spikes and plateaus — with about as many points as there are pixels, so a long run
// redraws as fast as a short one. Null values (metrics that were NaN/Infinity) are gaps: each
// finite stretch between them is downsampled on its own and the gaps are kept. Pure, unit-tested.

export interface XY {
  xs: number[];
  ys: (number | null)[];
}

/** LTTB of one gap-free stretch; returns the kept indices (first and last always kept). */
export function lttbIndices(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  start: number,
  end: number,
  threshold: number,
): number[] {
  const n = end - start;
  if (threshold >= n || threshold < 3) {
    if (threshold < 3 && n > 2) return threshold <= 1 ? [start] : [start, end - 1];
    return Array.from({ length: n }, (_, i) => start + i);
  }
  const out = [start];
  const every = (n - 2) / (threshold - 2);
  let a = start;
  for (let i = 0; i < threshold - 2; i++) {
    // Average of the next bucket: the third point of the triangle.
    const nextStart = start + Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(start + Math.floor((i + 2) * every) + 1, end);
    let avgX = 0;
    let avgY = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      avgX += xs[j];
      avgY += ys[j];
    }
    const cnt = nextEnd - nextStart;
    avgX /= cnt;
    avgY /= cnt;
    // The point of this bucket with the largest triangle (a, point, next average).
    const from = start + Math.floor(i * every) + 1;
    const to = start + Math.floor((i + 1) * every) + 1;
    let best = from;
    let bestArea = -1;
    for (let j = from; j < to; j++) {
      const area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(best);
    a = best;
  }
  out.push(end - 1);
  return out;
}

/**
 * At most about `maxPoints` points of a series whose x values ascend. Each finite stretch gets a
 * share of `maxPoints` proportional to its length (at least its two ends); nulls between stretches stay.
 */
export function downsample(xs: readonly number[], ys: readonly (number | null)[], maxPoints: number): XY {
  if (xs.length !== ys.length) throw new Error(`downsample: ${xs.length} x values but ${ys.length} y values`);
  if (!Number.isInteger(maxPoints) || maxPoints < 3)
    throw new Error(`downsample: maxPoints must be an integer ≥ 3, got ${maxPoints}`);
  if (xs.length <= maxPoints) return { xs: [...xs], ys: [...ys] };
  const stretches: [number, number][] = [];
  let s = -1;
  for (let i = 0; i <= ys.length; i++) {
    const ok = i < ys.length && ys[i] !== null;
    if (ok && s < 0) s = i;
    if (!ok && s >= 0) {
      stretches.push([s, i]);
      s = -1;
    }
  }
  const finite = stretches.reduce((acc, [a, b]) => acc + (b - a), 0);
  const out: XY = { xs: [], ys: [] };
  const yv = ys as ArrayLike<number>; // read only inside finite stretches
  let prevEnd = 0;
  for (const [a, b] of stretches) {
    if (a > prevEnd) {
      out.xs.push(xs[a - 1]);
      out.ys.push(null);
    } // one null marks the gap
    const share = Math.max(2, Math.round((maxPoints * (b - a)) / Math.max(1, finite)));
    for (const i of lttbIndices(xs, yv, a, b, share)) {
      out.xs.push(xs[i]);
      out.ys.push(ys[i]);
    }
    prevEnd = b;
  }
  if (prevEnd < ys.length) {
    out.xs.push(xs[ys.length - 1]);
    out.ys.push(null);
  }
  return out;
}
