// Colour scales for the timeline, after tensorflow/playground: a FIXED, quantised domain per view
// (symmetric around 0 for signed data, from 0 for norms) so the same colour means the same value in
// every small multiple and every frame. Ramps are precomputed RGBA lookup tables; painting a heatmap
// is one table lookup per value, straight into ImageData at data resolution.
import { interpolateLab } from 'd3-interpolate';
import { rgb } from 'd3-color';

export type Rgba = readonly [number, number, number, number];

/** Odd, so the middle bin is exactly 0 of a symmetric domain. */
export const RAMP_BINS = 21;

export interface ColorDomain {
  kind: 'diverging' | 'sequential' | 'log';
  /**
   * Values map from [-max, max] (diverging), [0, max] (sequential) or, on a log scale, [min, max]
   * (log: for magnitudes that span decades, such as the change an update makes); beyond clamps to
   * the end bins.
   */
  max: number;
  /** log only: the lower end (> 0); zero and values below it take the first bin. */
  min?: number;
}

/** Bins of a log-scale ramp: 9 per decade over LOG_DECADES, so one frame's spread shows as several colours. */
export const LOG_RAMP_BINS = 63;

/** Most decades a log domain spans: below that, values are float32 noise of a converged state. */
export const LOG_DECADES = 7;

/** Smallest finite value > 0 in values (Infinity when there is none). */
export function minPositiveOf(values: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > 0 && v < m) m = v;
  }
  return m;
}

/**
 * Grows a log domain to whole decades covering [minPositive, max] (never shrinks; at most
 * LOG_DECADES decades, keeping the top). Returns `d` itself when nothing changes.
 */
export function widenLogDomain(d: ColorDomain, minPositive: number, max: number): ColorDomain {
  let hi = d.max;
  let lo = d.min ?? Infinity;
  if (Number.isFinite(max) && max > 0 && max > hi * (1 + 1e-9)) hi = 10 ** Math.ceil(Math.log10(max) - 1e-9);
  if (Number.isFinite(minPositive) && minPositive > 0 && minPositive < lo * (1 - 1e-9))
    lo = 10 ** Math.floor(Math.log10(minPositive) + 1e-9);
  if (!(hi > 0)) return d;
  if (!(lo < hi)) lo = hi / 10;
  lo = Math.max(lo, hi / 10 ** LOG_DECADES);
  if (hi === d.max && lo === d.min) return d;
  return { kind: 'log', max: Number(hi.toPrecision(12)), min: Number(lo.toPrecision(12)) };
}

/** Parses any CSS colour (hex, rgb(), names); `fallback` when empty or invalid (a missing theme var). */
export function parseColor(css: string | undefined, fallback: Rgba): Rgba {
  const s = (css ?? '').trim();
  if (!s) return fallback;
  const c = rgb(s);
  if (!Number.isFinite(c.r) || !Number.isFinite(c.g) || !Number.isFinite(c.b)) return fallback;
  return [
    Math.round(c.r),
    Math.round(c.g),
    Math.round(c.b),
    Math.round((Number.isFinite(c.opacity) ? c.opacity : 1) * 255),
  ];
}

export const cssOf = (c: Rgba): string => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${(c[3] / 255).toFixed(3)})`;

/**
 * The smallest "nice" level (1, 2, 2.5, 5 × 10^k) at or above x, so the domain changes in a few
 * coarse jumps as new data arrives instead of creeping with every frame.
 */
export function niceCeil(x: number): number {
  if (!Number.isFinite(x) || x <= 0) return 1;
  const k = Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const v = m * 10 ** k;
    if (v >= x * (1 - 1e-12)) return Number(v.toPrecision(12));
  }
  return 10 ** (k + 1);
}

/** Grows a domain to cover |values| (never shrinks: frames stay comparable as more data arrives). */
export function widenDomain(d: ColorDomain, absMax: number): ColorDomain {
  if (!Number.isFinite(absMax) || absMax <= d.max) return d;
  return { kind: d.kind, max: niceCeil(absMax) };
}

/** Largest finite |v| in values[from, to). NaN/Inf are ignored here and painted as "non-finite". */
export function absMaxOf(values: ArrayLike<number>, from = 0, to = values.length): number {
  let m = 0;
  for (let i = from; i < to; i++) {
    const a = Math.abs(values[i]);
    if (a > m && a !== Infinity) m = a;
  }
  return m;
}

/** A quantised ramp: `bins` colours, RGBA bytes, interpolated in Lab through the given stops. */
export function buildRamp(stops: readonly Rgba[], bins = RAMP_BINS): Uint8ClampedArray {
  if (stops.length < 2) throw new Error(`a colour ramp needs at least 2 stops, got ${stops.length}`);
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`a colour ramp needs at least 2 bins, got ${bins}`);
  const out = new Uint8ClampedArray(bins * 4);
  const css = stops.map(cssOf);
  for (let b = 0; b < bins; b++) {
    const t = b / (bins - 1);
    const seg = Math.min(stops.length - 2, Math.floor(t * (stops.length - 1)));
    const local = t * (stops.length - 1) - seg;
    const c = rgb(interpolateLab(css[seg], css[seg + 1])(local));
    const a0 = stops[seg][3];
    const a1 = stops[seg + 1][3];
    out.set([Math.round(c.r), Math.round(c.g), Math.round(c.b), Math.round(a0 + (a1 - a0) * local)], b * 4);
  }
  return out;
}

/** Bin of a value in a domain; NaN/±Inf give -1 (painted with the non-finite colour). */
export function binOf(v: number, d: ColorDomain, bins = RAMP_BINS): number {
  if (!Number.isFinite(v)) return -1;
  if (d.kind === 'log') {
    const lo = Math.log10(d.min ?? d.max / 10);
    const t = v > 0 ? (Math.log10(v) - lo) / (Math.log10(d.max) - lo) : 0;
    return Math.max(0, Math.min(bins - 1, Math.floor(t * bins)));
  }
  const t = d.kind === 'diverging' ? (v / d.max + 1) / 2 : v / d.max;
  return Math.max(0, Math.min(bins - 1, Math.floor(t * bins)));
}

/** The value at the centre of a bin (for the legend). */
export function binCentre(b: number, d: ColorDomain, bins = RAMP_BINS): number {
  const t = (b + 0.5) / bins;
  if (d.kind === 'log') {
    const lo = Math.log10(d.min ?? d.max / 10);
    return 10 ** (lo + t * (Math.log10(d.max) - lo));
  }
  return d.kind === 'diverging' ? (2 * t - 1) * d.max : t * d.max;
}

/**
 * Paints `count` values starting at `from` into RGBA `out` (one pixel per value, row-major), so a
 * heatmap is drawn by a single putImageData at data resolution and scaled by CSS.
 */
export function paintValues(
  values: ArrayLike<number>,
  from: number,
  count: number,
  d: ColorDomain,
  ramp: Uint8ClampedArray,
  nonFinite: Rgba,
  out: Uint8ClampedArray,
): void {
  const bins = ramp.length / 4;
  for (let i = 0; i < count; i++) {
    const b = binOf(values[from + i], d, bins);
    const o = i * 4;
    if (b < 0) {
      out[o] = nonFinite[0];
      out[o + 1] = nonFinite[1];
      out[o + 2] = nonFinite[2];
      out[o + 3] = nonFinite[3];
      continue;
    }
    const r = b * 4;
    out[o] = ramp[r];
    out[o + 1] = ramp[r + 1];
    out[o + 2] = ramp[r + 2];
    out[o + 3] = ramp[r + 3];
  }
}

/** ARC's ten colours (official visualiser palette), indexed by colour 0..9. */
export const ARC_PALETTE: readonly Rgba[] = [
  '#000000',
  '#0074d9',
  '#ff4136',
  '#2ecc40',
  '#ffdc00',
  '#aaaaaa',
  '#f012be',
  '#ff851b',
  '#7fdbff',
  '#870c25',
].map((h) => parseColor(h, [0, 0, 0, 255]));

/** Linear mix a→b by t in [0, 1], alpha included. */
export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  const u = Math.max(0, Math.min(1, t));
  return [0, 1, 2, 3].map((i) => Math.round(a[i] + (b[i] - a[i]) * u)) as unknown as Rgba;
}
