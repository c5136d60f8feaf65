// Augmentations of the official builders (dataset/common.py `dihedral_transform` and the builders):
// the 8 dihedral transforms with their inverses, ARC colour permutations and variant names, the
// Sudoku validity-preserving shuffle, and the inverse mapping used to vote over ARC variants.
// Random plans draw from NumPy's legacy RNG in the official order, so seeded builds match upstream.

import { Grid } from '../tasks/arc';
import { NumpyRandomState } from './numpyRandom';

/** 0 identity, 1 rot90 CCW, 2 rot180, 3 rot270 CCW, 4 left-right mirror, 5 up-down mirror, 6 transpose, 7 anti-diagonal. */
export type DihedralId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const DIHEDRAL_INVERSE: readonly DihedralId[] = [0, 3, 2, 1, 4, 5, 6, 7];

export function isDihedralId(t: number): t is DihedralId {
  return Number.isInteger(t) && t >= 0 && t <= 7;
}

/**
 * Gather map of `dihedral_transform` (NumPy rot90/fliplr/flipud/.T) on an h x w array:
 * out has shape [oh, ow] and out.flat[i] = in.flat[src[i]].
 */
export function dihedralIndexMap(h: number, w: number, t: DihedralId): { oh: number; ow: number; src: Int32Array } {
  const swap = t === 1 || t === 3 || t === 6 || t === 7;
  const oh = swap ? w : h;
  const ow = swap ? h : w;
  const src = new Int32Array(h * w);
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      let r: number;
      let c: number;
      switch (t) {
        case 0:
          r = i;
          c = j;
          break;
        case 1:
          r = j;
          c = w - 1 - i;
          break; // np.rot90(a, 1)
        case 2:
          r = h - 1 - i;
          c = w - 1 - j;
          break;
        case 3:
          r = h - 1 - j;
          c = i;
          break; // np.rot90(a, 3)
        case 4:
          r = i;
          c = w - 1 - j;
          break; // np.fliplr
        case 5:
          r = h - 1 - i;
          c = j;
          break; // np.flipud
        case 6:
          r = j;
          c = i;
          break; // a.T
        default:
          r = h - 1 - j;
          c = w - 1 - i;
          break; // np.fliplr(np.rot90(a, 1))
      }
      src[i * ow + j] = r * w + c;
    }
  }
  return { oh, ow, src };
}

export function dihedralGrid(grid: Grid, t: DihedralId): Grid {
  const h = grid.length;
  const w = grid[0].length;
  const { oh, ow, src } = dihedralIndexMap(h, w, t);
  const out: Grid = [];
  for (let i = 0; i < oh; i++) {
    const row: number[] = [];
    for (let j = 0; j < ow; j++) {
      const s = src[i * ow + j];
      row.push(grid[Math.floor(s / w)][s % w]);
    }
    out.push(row);
  }
  return out;
}

/** Dihedral transform of a flat square side x side array (Maze augmentation). */
export function dihedralSquare(flat: Int32Array, side: number, t: DihedralId): Int32Array {
  if (flat.length !== side * side) throw new Error(`dihedralSquare: ${flat.length} cells is not ${side}x${side}`);
  const { src } = dihedralIndexMap(side, side, t);
  const out = new Int32Array(flat.length);
  for (let i = 0; i < out.length; i++) out[i] = flat[src[i]];
  return out;
}

// ---------------------------------------------------------------------------------------------
// ARC variants

/** mapping[old colour] = new colour; mapping[0] = 0. */
export type ColourMap = readonly number[];

export interface ArcVariant {
  task: string;
  transform: DihedralId;
  colours: ColourMap;
}

export const IDENTITY_COLOURS: ColourMap = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
export const VARIANT_SEPARATOR = '|||';

/** Official `aug()`: a random dihedral id (randint(0, 8)), then a random permutation of colours 1..9 (0 fixed). */
export function randomArcVariant(task: string, rng: NumpyRandomState): ArcVariant {
  const transform = rng.randint(0, 8) as DihedralId;
  const perm = rng.permutation(9).map((x) => x + 1);
  return { task, transform, colours: [0, ...perm] };
}

/** `<task>|||t<t>|||<ten digits>` (TRM). The identity variant is named by the bare task name. */
export function variantName(v: ArcVariant): string {
  return `${v.task}${VARIANT_SEPARATOR}t${v.transform}${VARIANT_SEPARATOR}${v.colours.join('')}`;
}

/**
 * Parses a puzzle identifier name: TRM `<task>|||t<k>|||<perm>`, HRM `<task>_t<k>_<perm>`, or a bare
 * task name (identity). Returns undefined for names that are neither (e.g. "<blank>").
 */
export function parseVariantName(name: string): ArcVariant | undefined {
  if (name === '<blank>' || name.length === 0) return undefined;
  let task: string;
  let t: string;
  let perm: string;
  const parts = name.split(VARIANT_SEPARATOR);
  if (parts.length !== 1 && parts.length !== 3) return undefined;
  if (parts.length === 3) {
    [task, t, perm] = parts;
    if (!/^t[0-7]$/.test(t)) return undefined;
  } else {
    const m = /^(.*)_t([0-7])_(\d{10})$/.exec(name);
    if (!m) return { task: name, transform: 0, colours: IDENTITY_COLOURS };
    [, task, t, perm] = m;
    t = `t${t}`;
  }
  const colours = [...perm].map(Number);
  if (
    colours.length !== 10 ||
    colours[0] !== 0 ||
    new Set(colours).size !== 10 ||
    colours.some((c) => !(c >= 0 && c <= 9))
  )
    return undefined;
  return { task, transform: Number(t.slice(1)) as DihedralId, colours };
}

/** Forward: colours mapped first, then the dihedral transform (official `_map_grid`). */
export function applyArcVariant(grid: Grid, v: ArcVariant): Grid {
  return dihedralGrid(
    grid.map((row) => row.map((c) => v.colours[c])),
    v.transform,
  );
}

export function inverseColours(m: ColourMap): number[] {
  const inv = new Array<number>(m.length).fill(0);
  m.forEach((to, from) => {
    inv[to] = from;
  });
  return inv;
}

/** Inverse (official `inverse_aug`): inverse dihedral transform, then inverse colour permutation. */
export function invertArcVariant(grid: Grid, v: ArcVariant): Grid {
  const inv = inverseColours(v.colours);
  return dihedralGrid(grid, DIHEDRAL_INVERSE[v.transform]).map((row) => row.map((c) => inv[c]));
}

/** Maps a prediction for a named variant back to the original task's frame (for pass@K voting). */
export function invertPrediction(grid: Grid, identifierName: string): { task: string; grid: Grid } {
  const v = parseVariantName(identifierName);
  if (!v) throw new Error(`puzzle identifier ${JSON.stringify(identifierName)} is not an ARC task or variant name`);
  return { task: v.task, grid: invertArcVariant(grid, v) };
}

// ---------------------------------------------------------------------------------------------
// Sudoku

export interface SudokuShuffle {
  /** digitMap[d] = new digit for old digit d (0 = blank stays 0). */
  digitMap: number[];
  transpose: boolean;
  rowPerm: number[];
  colPerm: number[];
}

/**
 * Official `shuffle_sudoku` plan, drawn in its order: digit relabelling, transpose with p = 1/2,
 * band order then the rows inside each band, stack order then the columns inside each stack.
 */
export function randomSudokuShuffle(rng: NumpyRandomState): SudokuShuffle {
  const digitMap = [0, ...rng.permutation(9).map((x) => x + 1)];
  const transpose = rng.random() < 0.5;
  const lines = (): number[] => {
    const outer = rng.permutation(3);
    const out: number[] = [];
    for (const b of outer) for (const r of rng.permutation(3)) out.push(b * 3 + r);
    return out;
  };
  const rowPerm = lines();
  const colPerm = lines();
  return { digitMap, transpose, rowPerm, colPerm };
}

/** Inverse plan: applying `s` then `invertSudokuShuffle(s)` gives the original ids back. */
export function invertSudokuShuffle(s: SudokuShuffle): SudokuShuffle {
  const inv = (p: number[]): number[] => {
    const o = new Array<number>(p.length);
    p.forEach((v, i) => {
      o[v] = i;
    });
    return o;
  };
  const digitMap = inv(s.digitMap);
  // Forward: out[i][j] = digit(T(x)[rowPerm[i]][colPerm[j]]). Inverse un-permutes first, then un-transposes:
  // with transpose, rows of the result index columns of the source, so the permutations swap roles.
  return s.transpose
    ? { digitMap, transpose: true, rowPerm: inv(s.colPerm), colPerm: inv(s.rowPerm) }
    : { digitMap, transpose: false, rowPerm: inv(s.rowPerm), colPerm: inv(s.colPerm) };
}

/**
 * Applies a shuffle to 81 Sudoku token ids (1 = blank, 2..10 = digits): new cell (i, j) takes the
 * (optionally transposed) old cell (rowPerm[i], colPerm[j]), then digits are relabelled.
 */
export function applySudokuShuffle(ids: ArrayLike<number>, s: SudokuShuffle): Int32Array {
  if (ids.length !== 81) throw new Error(`a Sudoku needs 81 cells, got ${ids.length}`);
  const out = new Int32Array(81);
  for (let i = 0; i < 9; i++) {
    for (let j = 0; j < 9; j++) {
      const r = s.rowPerm[i];
      const c = s.colPerm[j];
      const v = s.transpose ? ids[c * 9 + r] : ids[r * 9 + c];
      out[i * 9 + j] = v >= 1 && v <= 10 ? s.digitMap[v - 1] + 1 : v;
    }
  }
  return out;
}
