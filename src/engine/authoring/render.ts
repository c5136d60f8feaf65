// Pictures and text of grids for hovers (ARC grids as small SVG images in their ARC colours; Sudoku
// and mazes as monospace text), and the JSON text that writes a prediction into the file in the
// style the file already uses (one row per line or compact), for the "copy prediction" quick fix.

import type { DecodedGrid } from './judge';
import type { LocatedGrid, LocatedPuzzle, TextSpan } from './locate';

/** ARC colours 0..9 (the official visualiser's palette; the timeline webview uses the same). */
export const ARC_COLORS: readonly string[] = [
  '#000000',
  '#0074d9',
  '#ff4136',
  '#2ecc40',
  '#ffdc00',
  '#aaaaaa',
  '#f012be',
  '#ff851b',
  '#7fdbff',
  '#870c25',
];

export type GridLike = Pick<DecodedGrid, 'height' | 'width' | 'cells'>;

/** An ARC grid as SVG: one square per cell, wrong cells outlined. */
export function arcGridSvg(g: GridLike, wrong: ReadonlySet<number> = new Set(), maxPx = 150): string {
  const cell = Math.max(4, Math.min(16, Math.floor(maxPx / Math.max(g.height, g.width, 1))));
  const w = g.width * cell,
    h = g.height * cell;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">`];
  for (let i = 0; i < g.cells.length; i++) {
    const x = (i % g.width) * cell,
      y = Math.floor(i / g.width) * cell;
    const fill = ARC_COLORS[Number(g.cells[i])] ?? '#808080';
    parts.push(
      `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#555" stroke-width="0.5"/>`,
    );
  }
  for (const i of wrong) {
    const x = (i % g.width) * cell,
      y = Math.floor(i / g.width) * cell;
    parts.push(
      `<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="#ffffff" stroke-width="2"/>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

export function svgDataUri(svg: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}`;
}

/** Monospace text of a Sudoku or maze grid; wrong cells are followed by '*'. */
export function textGrid(kind: 'sudoku' | 'maze', g: GridLike, wrong: ReadonlySet<number> = new Set()): string {
  const lines: string[] = [];
  for (let r = 0; r < g.height; r++) {
    if (kind === 'sudoku' && r > 0 && r % 3 === 0) lines.push('------+-------+------');
    let line = '';
    for (let c = 0; c < g.width; c++) {
      const i = r * g.width + c;
      if (kind === 'sudoku' && c > 0 && c % 3 === 0) line += '| ';
      line += g.cells[i] + (wrong.has(i) ? '*' : kind === 'sudoku' ? ' ' : '');
    }
    lines.push(line.trimEnd());
  }
  return lines.join('\n');
}

/** Leading whitespace of the line containing `offset`. */
function indentAt(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))?.[0] ?? '';
}

/** JSON for a grid in the style of `sample` (the text it replaces, if any). */
export function formatGridJson(kind: LocatedPuzzle['kind'], g: GridLike, text: string, sample?: TextSpan): string {
  const old = sample ? text.slice(sample.offset, sample.offset + sample.length) : '';
  const multiline = old.includes('\n');
  const sep = old === '' || /,\s/.test(old) ? ', ' : ',';
  const rows: string[] = [];
  for (let r = 0; r < g.height; r++) {
    const cells = g.cells.slice(r * g.width, (r + 1) * g.width);
    rows.push(kind === 'arc' ? `[${cells.join(sep)}]` : JSON.stringify(cells.join('')));
  }
  // A Sudoku / maze written as one string stays one string.
  if (kind !== 'arc' && !old.trimStart().startsWith('[')) return JSON.stringify(g.cells.join(''));
  if (!multiline || !sample) return `[${rows.join(sep)}]`;
  const firstRow = text.indexOf(kind === 'arc' ? '[' : '"', sample.offset + 1);
  const inner = indentAt(text, firstRow);
  const outer = indentAt(text, sample.offset + sample.length - 1);
  return `[\n${rows.map((r) => inner + r).join(',\n')}\n${outer}]`;
}

export interface TextEdit extends TextSpan {
  newText: string;
}

/**
 * The edit that writes `predicted` as the puzzle's expected output: replaces the label in place, or,
 * when there is none, inserts `"output"` (ARC) / `"answer"` (list) right after the input value.
 */
export function predictionEdit(
  text: string,
  puzzle: LocatedPuzzle,
  predicted: GridLike,
  label: LocatedGrid | undefined = puzzle.label,
): TextEdit | undefined {
  if (label)
    return {
      offset: label.value.offset,
      length: label.value.length,
      newText: formatGridJson(puzzle.kind, predicted, text, label.value),
    };
  if (!puzzle.input) return undefined;
  const at = puzzle.input.value.offset + puzzle.input.value.length;
  const key = puzzle.kind === 'arc' ? 'output' : 'answer';
  return {
    offset: at,
    length: 0,
    newText: `, "${key}": ${formatGridJson(puzzle.kind, predicted, text, puzzle.input.value)}`,
  };
}
