// Number and time formats for the dashboard's text (legends, header, tables). Pure, unit-tested.
import type { Metric } from '../../../src/protocol/dashboard';

/** A metric for reading: 4 significant digits, exponents for very large/small, "NaN/∞" for null. */
export function fmtMetric(v: Metric | undefined, digits = 4): string {
  if (v === undefined) return '–';
  if (v === null) return 'NaN/∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return Number(v.toPrecision(digits)).toString();
}

export function fmtPercent(v: Metric | undefined): string {
  if (v === undefined) return '–';
  if (v === null) return 'NaN/∞';
  return `${(v * 100).toFixed(1)}%`;
}

/** "1:02:03" / "4:05". */
export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '–';
  const s = Math.round(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`
    : `${m}:${String(r).padStart(2, '0')}`;
}

export function fmtCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
