// Watch expressions over recursion time, pure parts: which sparklines to draw (the Watch view's
// expressions first, then those added on the timeline, each once), where an update sits in a series
// (row-major by step then ordinal), the y-range of a series and its value at the cursor in words.

export interface SparklineSpec {
  expression: string;
  /** Added on the timeline (removable there); false = from VS Code's Watch view. */
  added: boolean;
}

export function sparklineSpecs(watch: readonly string[], added: readonly string[]): SparklineSpec[] {
  const seen = new Set<string>();
  const out: SparklineSpec[] = [];
  for (const [list, isAdded] of [
    [watch, false],
    [added, true],
  ] as const)
    for (const e of list) {
      const k = e.trim();
      if (k === '' || seen.has(k)) continue;
      seen.add(k);
      out.push({ expression: k, added: isAdded });
    }
  return out;
}

/** Index of the update at step › ordinal in a series that starts at step 1 (U updates per step). */
export const seriesIndex = (step: number, ordinal: number, U: number): number => (step - 1) * U + ordinal;

/** [min, max] of the finite values ([0, 1] when there are none; widened when flat). */
export function seriesExtent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo > hi) return [0, 1];
  if (lo === hi) return [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  return [lo, hi];
}

/** The value at the cursor as people read it. */
export function seriesValueText(values: ArrayLike<number>, i: number, type: 'number' | 'boolean'): string {
  if (i < 0 || i >= values.length) return 'not run yet';
  const v = values[i];
  if (!Number.isFinite(v)) return 'not finite';
  if (type === 'boolean') return v ? 'true' : 'false';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}
