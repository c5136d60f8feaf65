// Patches: interventions in the recursion, addressed by supervision step › update (ordinal 0..U-1
// inside the step) › grid cells. A patch changes the state shown at its address (set, zero or copy
// values of y = z_H or z = z_L at some cells, or skip the update there), or what the updates after
// it do (freeze z or y for the rest of the step; swap the puzzle-embedding row of x). Patches are
// plain data with every value resolved (a copy from run B carries the copied numbers), so a trace
// bundle can store them and replay them exactly without run B.

import { type TrmConfig, derive } from '../config';
import { describeUpdate, updateAt, updatesPerStep } from '../trace/types';

export type PatchTensor = 'y' | 'z';

/** Where a patch acts: after the update at `ordinal` of `step` (-1: before the step's first update, embedding swaps only). */
export interface PatchPosition {
  step: number;
  ordinal: number;
}

/** Values written into cells: `value` fills each cell's vector (or element `dim`), `values` gives cells.length × D numbers. */
export interface PatchSet extends PatchPosition {
  op: 'set' | 'zero' | 'copy';
  tensor: PatchTensor;
  /** Grid cells 0..S-1 (positions P + cell of the state); -P..-1 are the puzzle-prefix positions. */
  cells: number[];
  /** One channel 0..D-1 only (with `value`). */
  dim?: number;
  value?: number;
  /** cells.length × D values, row-major (a copy from run B, or a whole vector). */
  values?: number[];
  /** Where copied values came from (a label, for display). */
  from?: string;
}

export interface PatchSkip extends PatchPosition {
  op: 'skip';
}

export interface PatchFreeze extends PatchPosition {
  op: 'freeze';
  tensor: PatchTensor;
}

export type EmbeddingMode = 'blank' | 'mean' | 'random' | 'puzzle' | 'copy';

export interface PatchEmbedding extends PatchPosition {
  op: 'embedding';
  mode: EmbeddingMode;
  /** The row used from here on (puzzle_emb_ndim values), resolved when the patch was made. */
  row: number[];
  /** For display: the seed (random), the identifier (puzzle) or the source (copy). */
  detail?: string;
}

export type Patch = PatchSet | PatchSkip | PatchFreeze | PatchEmbedding;

/** Compares positions in time order. */
export function comparePatchPositions(a: PatchPosition, b: PatchPosition): number {
  return a.step !== b.step ? a.step - b.step : a.ordinal - b.ordinal;
}

/** Why a patch cannot apply to a model of this shape (undefined when it can). */
export function patchProblem(c: TrmConfig, p: Patch, maxSteps = c.halt_max_steps): string | undefined {
  const U = updatesPerStep(c);
  const S = c.seq_len;
  const D = c.hidden_size;
  const P = derive(c).puzzleEmbLen;
  if (!Number.isInteger(p.step) || p.step < 1 || p.step > maxSteps) return `step ${p.step} is outside 1..${maxSteps}`;
  const minOrdinal = p.op === 'embedding' ? -1 : 0;
  if (!Number.isInteger(p.ordinal) || p.ordinal < minOrdinal || p.ordinal >= U)
    return `update ordinal ${p.ordinal} is outside ${minOrdinal}..${U - 1} (U = H_cycles × (L_cycles + 1) = ${U})`;
  switch (p.op) {
    case 'skip':
      return undefined;
    case 'freeze':
      return p.tensor === 'y' || p.tensor === 'z'
        ? undefined
        : `freeze needs tensor 'y' or 'z', got ${String(p.tensor)}`;
    case 'embedding': {
      if (c.puzzle_emb_ndim <= 0) return noPuzzleEmbedding(c);
      if (!Array.isArray(p.row) || p.row.length !== c.puzzle_emb_ndim)
        return `the puzzle-embedding row must have ${c.puzzle_emb_ndim} values (puzzle_emb_ndim), got ${Array.isArray(p.row) ? p.row.length : 'none'}`;
      const bad = p.row.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
      return bad >= 0 ? `puzzle-embedding row value [${bad}] is not a finite number` : undefined;
    }
    default: {
      if (p.tensor !== 'y' && p.tensor !== 'z') return `tensor must be 'y' or 'z', got ${String(p.tensor)}`;
      if (!Array.isArray(p.cells) || p.cells.length === 0) return 'no cells given';
      for (const cell of p.cells)
        if (!Number.isInteger(cell) || cell < -P || cell >= S)
          return `cell ${cell} is outside 0..${S - 1} (seq_len${P > 0 ? `; -${P}..-1 are the puzzle-prefix positions` : ''})`;
      if (p.dim !== undefined && (!Number.isInteger(p.dim) || p.dim < 0 || p.dim >= D))
        return `channel ${p.dim} is outside 0..${D - 1} (hidden_size)`;
      if (p.values !== undefined) {
        if (p.dim !== undefined) return 'a single channel takes one value, not a vector';
        if (!Array.isArray(p.values) || p.values.length !== p.cells.length * D)
          return `expected ${p.cells.length} × ${D} values (cells × hidden_size), got ${Array.isArray(p.values) ? p.values.length : 'none'}`;
        const bad = p.values.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
        if (bad >= 0) return `value [${bad}] is not a finite number`;
      } else if (typeof p.value !== 'number' || !Number.isFinite(p.value))
        return `the value must be a finite number, got ${String(p.value)}`;
      return undefined;
    }
  }
}

export function noPuzzleEmbedding(c: Pick<TrmConfig, 'puzzle_emb_ndim'>): string {
  return `this model has no puzzle embedding (puzzle_emb_ndim ${c.puzzle_emb_ndim}): its answer cannot depend on a puzzle identifier, so there is no row to swap`;
}

/** Writes the value patches of one position into a shown state (in place). P: puzzle-prefix positions. */
export function applySetPatches(
  patches: readonly Patch[],
  state: { y: Float32Array; z: Float32Array },
  P: number,
  D: number,
): void {
  for (const p of patches) {
    if (p.op !== 'set' && p.op !== 'zero' && p.op !== 'copy') continue;
    const t = state[p.tensor];
    p.cells.forEach((cell, i) => {
      const o = (P + cell) * D;
      if (p.values) for (let d = 0; d < D; d++) t[o + d] = p.values[i * D + d];
      else if (p.dim !== undefined) t[o + p.dim] = p.value!;
      else t.fill(p.value!, o, o + D);
    });
  }
}

/** One line per patch: "step 1 › cycle 1 › z 3 (z_L): zero z at r4c7". */
export function describePatch(c: Pick<TrmConfig, 'L_cycles'>, p: Patch, cellName: (i: number) => string): string {
  const where = p.ordinal < 0 ? `start of step ${p.step}` : describeUpdate(updateAt(c, p.step, p.ordinal));
  const cells = (cs: number[]) =>
    cs[0] < 0 && cs.length > 6
      ? 'every position'
      : cs.length > 6
        ? `${cs.length} cells (${cs.slice(0, 4).map(cellName).join(', ')}, …)`
        : cs.map(cellName).join(', ');
  switch (p.op) {
    case 'skip':
      return `${where}: skip the update (its state = the state before it)`;
    case 'freeze':
      return `${where}: freeze ${p.tensor} for the rest of step ${p.step}`;
    case 'embedding':
      return `${where}: puzzle-embedding row = ${p.mode}${p.detail ? ` (${p.detail})` : ''} from here on`;
    case 'copy':
      return `${where}: copy ${p.tensor} at ${cells(p.cells)} from ${p.from ?? 'run B'}`;
    case 'zero':
      return `${where}: zero ${p.tensor} at ${cells(p.cells)}`;
    case 'set':
      return `${where}: ${p.tensor}[${cells(p.cells)}]${p.dim !== undefined ? `[${p.dim}]` : ''} = ${p.values ? 'a vector' : p.value}`;
  }
}
