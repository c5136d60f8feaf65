// Per-cell provenance on hover (an answer cell of the timeline): when the cell first became correct
// and stayed so, every change of its decoded value with its update, its confidence over the
// episode as a sparkline, and the update that flipped it last — the debugger's provenance table
// (src/engine/analysis/provenance.ts) in words. Pure: unit-tested.
import type { Provenance, TaskKind } from '../../src/protocol/timeline';
import { tokenGlyph } from './answer';
import { columnsFor, describeColumn, type Sizes } from './layout';

const BLOCKS = '▁▂▃▄▅▆▇█';

/** A unicode sparkline of values in [0, 1] (NaN: a space); long series are sampled to `width`. */
export function sparkline(values: ArrayLike<number | null>, width = 48): string {
  const n = values.length;
  if (n === 0) return '';
  const idx =
    n <= width
      ? Array.from({ length: n }, (_, i) => i)
      : Array.from({ length: width }, (_, i) => Math.round((i * (n - 1)) / (width - 1)));
  return idx
    .map((i) => {
      const v = values[i];
      if (v === null || !Number.isFinite(v)) return ' ';
      return BLOCKS[Math.max(0, Math.min(BLOCKS.length - 1, Math.floor(Math.max(0, Math.min(1, v)) * BLOCKS.length)))];
    })
    .join('');
}

/** A token as people read it: the digit / maze symbol, else its id. */
export function tokenText(task: TaskKind, token: number): string {
  const g = tokenGlyph(task, token);
  if (g) return g;
  if (task === 'sudoku' && token === 1) return '·';
  if (task === 'arc' && token >= 2 && token <= 11) return `colour ${token - 2}`;
  return `#${token}`;
}

export const cellName = (cell: number, width: number): string =>
  `r${Math.floor(cell / width) + 1}c${(cell % width) + 1}`;

/** "step 2 › cycle 1 › y (z_H)" for an update; "the start" for the initial state. */
export function describeUpdate(p: { step: number; ordinal: number }, sizes: Sizes): string {
  if (p.step < 1 || p.ordinal < 0) return 'the start (initial y)';
  const col = columnsFor(sizes, 'update')[p.ordinal];
  return col ? `step ${p.step} › ${describeColumn(col)}` : `step ${p.step}, update ${p.ordinal + 1}`;
}

/** The hover text of one answer cell. */
export function describeProvenance(
  prov: Provenance,
  cell: number,
  info: Sizes & { taskKind: TaskKind; gridWidth: number },
): string {
  const c = prov.cells.find((x) => x.cell === cell);
  const name = cellName(cell, info.gridWidth);
  if (!c) return `${name}: no provenance for this cell`;
  const tok = (t: number): string => tokenText(info.taskKind, t);
  const verdict = c.label === undefined ? 'no label' : c.final === c.label ? 'correct' : `wrong, label ${tok(c.label)}`;
  const lines = [
    `${name} after the episode (${prov.steps} step${prov.steps === 1 ? '' : 's'}): ${tok(c.final)} (${verdict})`,
  ];
  lines.push(
    c.firstCorrect
      ? `correct for good from ${describeUpdate(c.firstCorrect, info)}`
      : c.label === undefined
        ? `holds its final value from ${describeUpdate(c.stableFrom, info)}`
        : 'never correct for good (ends wrong)',
  );
  lines.push(
    c.lastFlip
      ? `last flipped ${tok(c.lastFlip.from)} → ${tok(c.lastFlip.to)} at ${describeUpdate(c.lastFlip, info)}`
      : `never changed (${tok(c.initial)} from the start)`,
  );
  if (c.changes.length) {
    const shown = c.changes.slice(-8).map((ch) => `${tok(ch.from)}→${tok(ch.to)} @ ${describeUpdate(ch, info)}`);
    lines.push(`changes (${c.changes.length}): ${c.changes.length > 8 ? '…, ' : ''}${shown.join(', ')}`);
  }
  const conf = c.confidence;
  const f = (v: number | null) => (v !== null && Number.isFinite(v) ? v.toFixed(2) : '?');
  lines.push(`confidence ${sparkline(conf)} ${f(conf[0])} → ${f(conf[conf.length - 1])} (start, then each y revision)`);
  return lines.join('\n');
}
