// Smoothing of noisy training curves, as TensorBoard does it: an exponential moving average with
// debiasing (so the first points are not pulled towards 0), over the logged points in step order.
// Gaps (null = NaN/∞ metrics) stay gaps and restart the average. The raw values stay what the
// legend shows and what is drawn faintly behind. Pure, unit-tested.

/** Smoothing weight in [0, 1): 0 = raw values; the dashboard's default. */
export const DEFAULT_SMOOTHING = 0.8;

export function emaSmooth(ys: readonly (number | null)[], weight = DEFAULT_SMOOTHING): (number | null)[] {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1), got ${weight}`);
  const out = new Array<number | null>(ys.length);
  let acc = 0;
  let n = 0;
  for (let i = 0; i < ys.length; i++) {
    const v = ys[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = null;
      acc = 0;
      n = 0;
      continue;
    }
    acc = acc * weight + (1 - weight) * v;
    n++;
    out[i] = acc / (1 - weight ** n);
  }
  return out;
}
