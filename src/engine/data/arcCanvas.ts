// Locating an ARC grid anywhere on the 30x30 canvas: the train split of a built ARC dataset places
// grids at random offsets (translation augmentation), which the evaluator's top-left `_crop` does
// not handle. Used to inspect built data and to check our builder against the official one.

import { ARC_CANVAS, Grid, encodeArcGrid } from '../tasks/arc';

export interface PlacedGrid {
  grid: Grid;
  r0: number;
  c0: number;
}

/**
 * Finds the grid on a canvas row (900 ids) by the bounding box of colour ids (2..11) and checks that
 * the row is exactly what the official encoder writes for that grid and offset. Returns a reason
 * string when the canvas is not a well-formed encoding.
 */
export function locateArcGrid(ids: ArrayLike<number>): PlacedGrid | string {
  const N = ARC_CANVAS;
  if (ids.length !== N * N) return `canvas has ${ids.length} cells, expected ${N * N}`;
  let rMin = N,
    rMax = -1,
    cMin = N,
    cMax = -1;
  for (let i = 0; i < N * N; i++) {
    const v = ids[i];
    if (v >= 2 && v <= 11) {
      const r = Math.floor(i / N);
      const c = i % N;
      if (r < rMin) rMin = r;
      if (r > rMax) rMax = r;
      if (c < cMin) cMin = c;
      if (c > cMax) cMax = c;
    }
  }
  if (rMax < 0) return 'no colour cells on the canvas';
  const grid: Grid = [];
  for (let r = rMin; r <= rMax; r++) {
    const row: number[] = [];
    for (let c = cMin; c <= cMax; c++) {
      const v = ids[r * N + c];
      if (v < 2 || v > 11) return `cell (${r}, ${c}) inside the grid's bounding box holds id ${v}, not a colour`;
      row.push(v - 2);
    }
    grid.push(row);
  }
  const expect = encodeArcGrid(grid, rMin, cMin);
  for (let i = 0; i < N * N; i++) {
    if (expect[i] !== ids[i])
      return `cell (${Math.floor(i / N)}, ${i % N}) holds id ${ids[i]}, the encoder would write ${expect[i]} (misplaced EOS or stray token)`;
  }
  return { grid, r0: rMin, c0: cMin };
}
