// Two runs on one timeline (a comparison session: run A and the launch's `compare` run B): where
// each lane sits inside a step's row (A's heatmaps, B's under them, then the divergence strip), what
// the strip says about one update, and the first update where the runs part. Pure: unit-tested.
import type { Divergence } from '../../src/protocol/timeline';

/** The vertical layout of a step's row canvas, in data pixels (a cell is gridH pixels high). */
export interface LaneLayout {
  /** True when the row holds two lanes and a strip (a comparison session). */
  compare: boolean;
  aTop: number;
  bTop: number;
  stripTop: number;
  /** Height of each of the strip's four bands: ‖zA − zB‖, ‖yA − yB‖, cells that differ, first divergence. */
  band: number;
  /** Canvas height of the row. */
  height: number;
}

export const STRIP_BANDS = 4;

export function laneLayout(gridH: number, compare: boolean): LaneLayout {
  if (!compare) return { compare, aTop: 0, bTop: -1, stripTop: -1, band: 0, height: gridH };
  const band = Math.max(1, Math.round(gridH / 9));
  const bTop = gridH + 1;
  const stripTop = bTop + gridH + 1;
  return { compare, aTop: 0, bTop, stripTop, band, height: stripTop + STRIP_BANDS * band };
}

export type Lane = 'A' | 'B' | 'strip' | 'gap';

/** Which lane a data-pixel row of the canvas belongs to. */
export function laneAt(yData: number, l: LaneLayout): Lane {
  if (!l.compare) return 'A';
  if (yData >= 0 && yData < l.bTop - 1) return 'A';
  if (yData >= l.bTop && yData < l.stripTop - 1) return 'B';
  if (yData >= l.stripTop && yData < l.height) return 'strip';
  return 'gap';
}

/** One update's differences (NaN / −1 where B lacks the value). */
export interface UpdateDivergence {
  zNorm: number;
  yNorm: number;
  /** The first-divergence criterion: max(max |zA − zB|, max |yA − yB|), ignoring values B lacks. */
  max: number;
  cellsDiffer: number;
}

export function divergenceAt(d: Divergence, ordinal: number): UpdateDivergence | undefined {
  if (ordinal < 0 || ordinal >= d.zNorm.length) return undefined;
  const zm = d.zMax[ordinal];
  const ym = d.yMax[ordinal];
  const max = Number.isNaN(zm) ? ym : Number.isNaN(ym) ? zm : Math.max(zm, ym);
  return { zNorm: d.zNorm[ordinal], yNorm: d.yNorm[ordinal], max, cellsDiffer: d.cellsDiffer[ordinal] };
}

/**
 * The first update (in recursion order) whose divergence passes `threshold`, scanning steps
 * 1..lastStep: `null` when none does, `undefined` while an earlier step is not loaded yet (the answer
 * could still change).
 */
export function firstDivergence(
  byStep: readonly (Divergence | undefined)[],
  lastStep: number,
  threshold: number,
): { step: number; ordinal: number } | null | undefined {
  for (let step = 1; step <= lastStep; step++) {
    const d = byStep[step];
    if (!d) return undefined;
    for (let o = 0; o < d.zNorm.length; o++) if (divergenceAt(d, o)!.max > threshold) return { step, ordinal: o };
  }
  return null;
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : 'not recorded');

/** The strip's tooltip for one update. */
export function describeDivergence(u: UpdateDivergence, first: boolean, threshold: number): string {
  const cells =
    u.cellsDiffer < 0
      ? 'decoded cells: unknown (B has no y here)'
      : `${u.cellsDiffer} cell${u.cellsDiffer === 1 ? '' : 's'} decode differently`;
  return (
    `‖zA − zB‖ = ${fmt(u.zNorm)} · ‖yA − yB‖ = ${fmt(u.yNorm)} · max |A − B| = ${fmt(u.max)} · ${cells}` +
    (first ? `\nfirst divergence: the runs part here (max |A − B| > ${threshold})` : '')
  );
}

/** Largest finite norm and smallest positive one of a step's series (the strip's log colour domain). */
export function normRange(d: Divergence): { max: number; minPositive: number } {
  let max = 0;
  let minPositive = Infinity;
  for (const a of [d.zNorm, d.yNorm])
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v > max) max = v;
      if (v > 0 && v < minPositive) minPositive = v;
    }
  return { max, minPositive };
}
