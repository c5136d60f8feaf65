// ARC canvas encoding (official builder, dataset/build_arc_dataset.py): ids 0 = PAD, 1 = EOS,
// 2..11 = colours 0..9, on a 30x30 canvas; grids are placed at an offset, EOS marks the row below and
// the column right of the grid.

export type Grid = number[][];
export const ARC_CANVAS = 30;
export const ARC_VOCAB = 12;

export function validateGrid(grid: unknown, what = 'grid'): Grid {
  if (!Array.isArray(grid) || grid.length === 0) throw new Error(`${what} must be a non-empty list of rows`);
  if (grid.length > ARC_CANVAS)
    throw new Error(`${what} has ${grid.length} rows; ARC grids have at most ${ARC_CANVAS}`);
  const width = Array.isArray(grid[0]) ? grid[0].length : -1;
  if (width <= 0 || width > ARC_CANVAS) throw new Error(`${what} row 0 must be a list of 1..${ARC_CANVAS} colours`);
  grid.forEach((row, r) => {
    if (!Array.isArray(row)) throw new Error(`${what} row ${r} is not a list`);
    if (row.length !== width) throw new Error(`${what} row ${r} has ${row.length} cells, row 0 has ${width}`);
    row.forEach((v, c) => {
      if (!Number.isInteger(v) || v < 0 || v > 9)
        throw new Error(`${what} cell [${r}][${c}] is ${JSON.stringify(v)}; colours are integers 0-9`);
    });
  });
  return grid as Grid;
}

/** Writes a grid onto a PAD canvas at (r0, c0) with EOS markers, flattened row-major. */
export function encodeArcGrid(grid: Grid, r0 = 0, c0 = 0): Int32Array {
  const out = new Int32Array(ARC_CANVAS * ARC_CANVAS);
  const h = grid.length;
  const w = grid[0].length;
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) out[(r0 + r) * ARC_CANVAS + c0 + c] = grid[r][c] + 2;
  if (r0 + h < ARC_CANVAS) for (let c = 0; c < w; c++) out[(r0 + h) * ARC_CANVAS + c0 + c] = 1;
  if (c0 + w < ARC_CANVAS) for (let r = 0; r < h; r++) out[(r0 + r) * ARC_CANVAS + c0 + w] = 1;
  return out;
}

/** Official `_crop`: the largest top-left rectangle of colour ids, minus 2. Empty if none. */
export function decodeArcGrid(ids: ArrayLike<number>): Grid {
  let maxW = ARC_CANVAS;
  const rows: Grid = [];
  for (let r = 0; r < ARC_CANVAS; r++) {
    let w = 0;
    while (w < maxW && ids[r * ARC_CANVAS + w] >= 2 && ids[r * ARC_CANVAS + w] <= 11) w++;
    if (w === 0) break;
    maxW = w;
    rows.push([]);
  }
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < maxW; c++) rows[r].push(ids[r * ARC_CANVAS + c] - 2);
  return rows;
}
