// Turns a heatmap response (one value per sequence position, puzzle prefix included or not) into
// the S = H×W grid the timeline draws, and computes diffs between consecutive updates.
import type { TraceInfo } from '../../src/protocol/timeline';

/** Offset of the first grid value, or an error naming the lengths that were expected. */
export function gridOffset(valuesLength: number, info: Pick<TraceInfo, 'seqLen' | 'puzzleEmbLen'>): number | string {
  if (valuesLength === info.seqLen + info.puzzleEmbLen) return info.puzzleEmbLen;
  if (valuesLength === info.seqLen) return 0;
  return `heatmap has ${valuesLength} values; expected P + S = ${info.puzzleEmbLen + info.seqLen} or S = ${info.seqLen}`;
}

/** The S grid values (a copy when the prefix is dropped, so the response buffer can be released). */
export function gridValues(
  values: Float32Array,
  info: Pick<TraceInfo, 'seqLen' | 'puzzleEmbLen'>,
): Float32Array | string {
  const off = gridOffset(values.length, info);
  if (typeof off === 'string') return off;
  return off === 0 ? values : values.slice(off, off + info.seqLen);
}

/** a − b elementwise (NaN where either is not finite stays NaN/Inf and is painted as non-finite). */
export function diffValues(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new Error(`cannot diff heatmaps of ${a.length} and ${b.length} values`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** Cells (indices) set in a list, as a membership mask of length n; out-of-range indices are ignored. */
export function cellMask(cells: ArrayLike<number> | undefined, n: number): Uint8Array {
  const m = new Uint8Array(n);
  if (cells)
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i];
      if (c >= 0 && c < n) m[c] = 1;
    }
  return m;
}
