// Timeline geometry as pure functions: which columns a step has (one per update, or one per layer
// inside each update), how big a cell is once the data-resolution canvas is scaled by CSS, which
// rows are visible (only those are drawn and fetched) and which cell a pointer is over.
import type { Granularity, TraceInfo } from '../../src/protocol/timeline';

export interface Column {
  index: number; // 0-based column in the current granularity
  ordinal: number; // 0-based update inside the step (0..T*(n+1)-1)
  layer?: number; // 1..L_layers (layer granularity only)
  cycle: number; // 1-based H cycle
  kind: 'z' | 'y'; // the state this update writes: z = z_L, y = z_H
  zIndex: number; // z: 1..n, y: 0
  label: string; // short header label: "z3", "y", "z3·2"
}

export type Sizes = Pick<TraceInfo, 'hCycles' | 'lCycles' | 'lLayers'>;

/** T·(n+1): 21 for Sudoku (T=3, n=6), 15 for Maze/ARC (T=3, n=4). */
export const updatesPerStep = (s: Pick<Sizes, 'hCycles' | 'lCycles'>): number => s.hCycles * (s.lCycles + 1);

export function columnsFor(s: Sizes, granularity: Granularity): Column[] {
  const cols: Column[] = [];
  const per = s.lCycles + 1;
  const layers = granularity === 'layer' ? s.lLayers : 1;
  for (let ordinal = 0; ordinal < updatesPerStep(s); ordinal++) {
    const cycle = Math.floor(ordinal / per) + 1;
    const j = ordinal % per;
    const kind = j < s.lCycles ? 'z' : 'y';
    const zIndex = kind === 'z' ? j + 1 : 0;
    const base = kind === 'z' ? `z${zIndex}` : 'y';
    for (let l = 1; l <= layers; l++) {
      cols.push({
        index: cols.length,
        ordinal,
        cycle,
        kind,
        zIndex,
        ...(granularity === 'layer' ? { layer: l, label: `${base}·${l}` } : { label: base }),
      });
    }
  }
  return cols;
}

/**
 * Column showing a session position. A position inside an update (layer set) maps to that layer's
 * column; a position after an update maps to its last layer, which is the update's output.
 */
export function columnOf(cols: readonly Column[], ordinal: number, layer?: number): number {
  let best = -1;
  for (const c of cols) {
    if (c.ordinal !== ordinal) continue;
    if (c.layer === undefined || c.layer === layer) return c.index;
    best = c.index; // the last layer of this ordinal, when no layer (or an unknown one) is asked for
  }
  return best;
}

/** "cycle 2 › z 5 (z_L)" / "cycle 3 › y (z_H) › layer 2": names from the paper next to the code's. */
export function describeColumn(c: Column): string {
  const what = c.kind === 'z' ? `z ${c.zIndex} (z_L)` : 'y (z_H)';
  return `cycle ${c.cycle} › ${what}${c.layer !== undefined ? ` › layer ${c.layer}` : ''}`;
}

export interface RowGeometry {
  gridW: number;
  gridH: number; // data pixels per cell (one per sequence position)
  rowDataHeight?: number; // data pixels of the row canvas (gridH, or two lanes and a strip)
  gap: number; // data pixels between cells
  pitch: number; // gridW + gap
  dataWidth: number; // canvas width attribute of a row
  scale: number; // CSS px per data px
  cellCss: number; // CSS width of one cell
  rowHeightCss: number; // canvas CSS height
  rowPitchCss: number; // distance between row tops
}

export const ROW_PADDING_CSS = 6;

/** Picks the scale that fits all columns in `availableCss`, within [minScale, maxScale]. */
export function rowGeometry(
  gridH: number,
  gridW: number,
  columns: number,
  availableCss: number,
  minScale = 1,
  maxScale = 6,
  /** Data pixels of a row's canvas (more than gridH when a comparison adds run B's lane and a strip). */
  rowDataHeight = gridH,
): RowGeometry {
  if (columns < 1) throw new Error(`a timeline row needs at least one column, got ${columns}`);
  const gap = 1;
  const pitch = gridW + gap;
  const dataWidth = columns * pitch - gap;
  const fit = availableCss / dataWidth;
  const scale = Math.max(minScale, Math.min(maxScale, Number.isFinite(fit) ? fit : minScale));
  const rowHeightCss = rowDataHeight * scale;
  return {
    gridW,
    gridH,
    rowDataHeight,
    gap,
    pitch,
    dataWidth,
    scale,
    cellCss: gridW * scale,
    rowHeightCss,
    rowPitchCss: Math.ceil(rowHeightCss) + ROW_PADDING_CSS,
  };
}

/** 1-based inclusive step range intersecting the viewport, widened by `overscan` rows. */
export function visibleRows(
  scrollTop: number,
  viewportHeight: number,
  rowPitchCss: number,
  rowCount: number,
  overscan = 1,
): { first: number; last: number } {
  if (rowCount < 1) return { first: 1, last: 0 };
  const first = Math.max(1, Math.floor(scrollTop / rowPitchCss) + 1 - overscan);
  const last = Math.min(rowCount, Math.ceil((scrollTop + Math.max(0, viewportHeight)) / rowPitchCss) + overscan);
  return { first, last: Math.max(first - 1, last) };
}

/** Column under x (CSS px from the row canvas's left edge), or -1 over a gap or outside. */
export function hitColumn(xCss: number, g: RowGeometry, columns: number): number {
  const dx = xCss / g.scale;
  if (dx < 0) return -1;
  const col = Math.floor(dx / g.pitch);
  if (col >= columns) return -1;
  return dx - col * g.pitch < g.gridW ? col : -1;
}

/** scrollTop that brings `step`'s row into view with minimal movement (unchanged when visible). */
export function scrollToRow(step: number, scrollTop: number, viewportHeight: number, rowPitchCss: number): number {
  const top = (step - 1) * rowPitchCss;
  const bottom = top + rowPitchCss;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportHeight) return Math.max(0, bottom - viewportHeight);
  return scrollTop;
}
