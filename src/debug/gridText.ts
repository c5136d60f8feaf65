// Plain-text views of puzzle grids for the debugger: cell names and values, and the read-only
// document a stack frame points at (question, current answer with changed/wrong cells marked,
// halting head), so VS Code has a source to show and auto-selects the top frame.

import { formatSudokuGrid } from '../engine/tasks/sudoku';
import { ARC_CANVAS } from '../engine/tasks/arc';
import { decodeMaze } from '../engine/tasks/maze';
import type { CellProvenance, ProvenanceTable, UpdatePoint } from '../engine/analysis/provenance';
import type { PuzzleKind } from './inlinePuzzle';

/** "r4c7" (1-based row and column in the display grid). */
export function cellLabel(i: number, width: number): string {
  return `r${Math.floor(i / width) + 1}c${(i % width) + 1}`;
}

/**
 * The value a user reads in a cell: the Sudoku digit (0 = blank), the ARC colour (-1 = padding /
 * end marker), or the raw token id for other tasks.
 */
export function cellValue(kind: PuzzleKind, id: number): number {
  if (kind === 'sudoku') return id >= 2 && id <= 10 ? id - 1 : 0;
  if (kind === 'arc') return id >= 2 && id <= 11 ? id - 2 : -1;
  return id;
}

/** One character (or short token) per cell for text grids. */
export function cellGlyph(kind: PuzzleKind, id: number): string {
  if (kind === 'sudoku') return id >= 2 && id <= 10 ? String(id - 1) : '.';
  if (kind === 'arc') return id >= 2 && id <= 11 ? String(id - 2) : id === 1 ? '|' : ' ';
  if (kind === 'maze') return decodeMaze([id]);
  return String(id);
}

/** Rows of the display grid, cropped for ARC to the used part of the 30x30 canvas. */
export function gridRows(
  kind: PuzzleKind,
  ids: ArrayLike<number>,
  height: number,
  width: number,
  inputs?: ArrayLike<number>,
): number {
  if (kind !== 'arc' || width !== ARC_CANVAS) return height;
  // Show rows down to the last one that holds anything in the question or the answer (at least 1).
  let last = 0;
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      if (ids[i] !== 0 || (inputs && inputs[i] !== 0)) last = r;
    }
  }
  return last + 1;
}

export function rowText(kind: PuzzleKind, ids: ArrayLike<number>, row: number, width: number): string {
  const cells: string[] = [];
  for (let c = 0; c < width; c++) {
    cells.push(cellGlyph(kind, ids[row * width + c]));
    if (kind === 'sudoku' && (c === 2 || c === 5)) cells.push('|');
  }
  return cells.join(kind === 'maze' ? '' : ' ');
}

export function gridText(
  kind: PuzzleKind,
  ids: ArrayLike<number>,
  height: number,
  width: number,
  mark?: (cell: number) => string,
): string {
  if (kind === 'sudoku' && height === 9 && width === 9) {
    if (!mark) return formatSudokuGrid(ids);
    // One mark character after each digit: the box rules get one column per cell more.
    const rule = '---------+----------+---------';
    const lines: string[] = [];
    for (let r = 0; r < 9; r++) {
      if (r === 3 || r === 6) lines.push(rule);
      const boxes: string[] = [];
      for (let b = 0; b < 3; b++) {
        let box = '';
        for (let c = b * 3; c < b * 3 + 3; c++) box += cellGlyph(kind, ids[r * 9 + c]) + mark(r * 9 + c) + ' ';
        boxes.push(box.trimEnd());
      }
      lines.push(boxes.join(' | ').trimEnd());
    }
    return lines.join('\n');
  }
  const rows: string[] = [];
  const shown = gridRows(kind, ids, height, width);
  for (let r = 0; r < shown; r++) {
    let line = '';
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      line += cellGlyph(kind, ids[i]) + (mark ? mark(i) : '') + (kind === 'maze' ? '' : ' ');
    }
    rows.push(line.trimEnd());
  }
  return rows.join('\n');
}

export interface GridDocument {
  title: string;
  where: string;
  reason: string;
  kind: PuzzleKind;
  height: number;
  width: number;
  inputs: ArrayLike<number>;
  preds: ArrayLike<number>;
  changed: ReadonlySet<number>;
  wrong?: ReadonlySet<number>;
  halting: string;
  /** Per-cell provenance over steps 1..provenance.steps (engine/analysis/provenance.ts): each cell's story. */
  provenance?: ProvenanceTable;
}

/** The text document shown for a stack frame. Line numbers of its sections are returned for frames. */
export function renderGridDocument(d: GridDocument): {
  text: string;
  lines: { position: number; question: number; answer: number; halting: number };
} {
  const out: string[] = [];
  out.push(d.title, d.where, ...(d.reason ? [d.reason] : []), '');
  const question = out.length + 1;
  out.push('x — question');
  out.push(gridText(d.kind, d.inputs, d.height, d.width));
  out.push('');
  const answer = out.length + 1;
  out.push(
    `y — decoded answer (argmax of lm_head(y));  * changed since the previous step${d.wrong ? ',  ! wrong' : ''}`,
  );
  out.push(gridText(d.kind, d.preds, d.height, d.width, (i) => (d.wrong?.has(i) ? '!' : d.changed.has(i) ? '*' : ' ')));
  out.push('');
  const halting = out.length + 1;
  out.push(d.halting);
  if (d.provenance) out.push('', ...provenanceLines(d.provenance, d.kind, d.width, d.inputs));
  return { text: out.join('\n') + '\n', lines: { position: 2, question, answer, halting } };
}

/** "step 2 › cycle 3 (t 35)" for a y revision of the provenance table; t = 0 is the initial y. */
function pointText(p: UpdatePoint): string {
  return p.t === 0 ? 'the start (t 0)' : `step ${p.step} › cycle ${p.cycle} (t ${p.t})`;
}

/** Whether a cell has a story worth a line: it changed, or it ends wrong; Sudoku givens only when wrong. */
function told(c: CellProvenance, kind: PuzzleKind, inputs: ArrayLike<number>): boolean {
  const wrong = c.label !== undefined && c.final !== c.label;
  if (wrong) return true;
  if (kind === 'sudoku' && inputs[c.cell] >= 2) return false;
  return c.changes.length > 0;
}

/**
 * The `provenance` section of the step document: one line per cell that changed or ends wrong, with
 * its value now, its label, the y revision from which it is correct for good (or "never"), how often
 * it changed, its last flip and its confidence at the start and now. Cells are listed row-major.
 */
export function provenanceLines(
  table: ProvenanceTable,
  kind: PuzzleKind,
  width: number,
  inputs: ArrayLike<number>,
): string[] {
  const show = (id: number): string => cellGlyph(kind, id).trim() || String(id);
  const cells = table.cells.filter((c) => told(c, kind, inputs));
  const wrong = cells.filter((c) => c.label !== undefined && c.final !== c.label).length;
  const labelled = table.cells.some((c) => c.label !== undefined);
  const late = [...cells]
    .filter((c) => c.firstCorrect)
    .sort((a, b) => b.firstCorrect!.t - a.firstCorrect!.t || a.cell - b.cell)[0];
  const head = [
    `provenance over steps 1..${table.steps} (t = update count, ${table.updatesPerStep} per step; the answer changes only at y revisions):`,
    `${cells.length} cell${cells.length === 1 ? '' : 's'} changed${labelled ? ` or wrong; ${wrong} wrong now` : ''}` +
      (late
        ? `; the last to become correct for good: ${cellLabel(late.cell, width)} at ${pointText(late.firstCorrect!)}`
        : ''),
  ];
  if (cells.length === 0) return head;
  const rows: string[][] = [
    ['cell', 'now', ...(labelled ? ['label', 'correct for good from'] : []), 'changes', 'last flip', 'confidence'],
  ];
  for (const c of cells) {
    const conf = c.confidence;
    const correct = c.label === undefined ? '—' : c.firstCorrect ? pointText(c.firstCorrect) : 'never (wrong now)';
    rows.push([
      cellLabel(c.cell, width),
      show(c.final) + (c.label !== undefined && c.final !== c.label ? ' !' : ''),
      ...(labelled ? [c.label === undefined ? '—' : show(c.label), correct] : []),
      String(c.changes.length),
      c.lastFlip ? `${show(c.lastFlip.from)}→${show(c.lastFlip.to)} at ${pointText(c.lastFlip)}` : 'never changed',
      conf.length ? `${Math.round(conf[0] * 100)}% → ${Math.round(conf[conf.length - 1] * 100)}%` : '—',
    ]);
  }
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return [
    ...head,
    ...rows.map((r) =>
      r
        .map((v, j) => v.padEnd(widths[j]))
        .join('  ')
        .trimEnd(),
    ),
  ];
}
