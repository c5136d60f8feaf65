// The hover's picture of a puzzle: input, expected output and prediction SIDE BY SIDE at a size that
// fits a hover without scrolling (ARC as one SVG image in the ARC colours; Sudoku and mazes as one
// monospace block, wrong cells marked). No vscode import, unit-tested.
import { ARC_COLORS, type GridLike } from '../../engine/authoring/render';

export interface HoverPanel {
  title: string;
  grid: GridLike;
  wrong?: ReadonlySet<number>;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One SVG with the panels in a row, titled; each grid at most `maxPx` on its longer side. */
export function arcPanelsSvg(panels: readonly HoverPanel[], maxPx = 120): string {
  const gap = 14;
  const titleH = 16;
  const sizes = panels.map((p) => {
    const cell = Math.max(3, Math.min(16, Math.floor(maxPx / Math.max(p.grid.height, p.grid.width, 1))));
    // A panel is at least as wide as its title (about 6.5 px per character at 11 px).
    return { cell, w: Math.max(p.grid.width * cell, Math.ceil(p.title.length * 6.5)), h: p.grid.height * cell };
  });
  const width = sizes.reduce((a, s) => a + s.w, 0) + gap * (panels.length - 1);
  const height = titleH + Math.max(...sizes.map((s) => s.h), 1);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  ];
  let x0 = 0;
  panels.forEach((p, k) => {
    const { cell, w } = sizes[k];
    parts.push(`<text x="${x0}" y="12" font-family="sans-serif" font-size="11" fill="#999">${esc(p.title)}</text>`);
    for (let i = 0; i < p.grid.cells.length; i++) {
      const x = x0 + (i % p.grid.width) * cell;
      const y = titleH + Math.floor(i / p.grid.width) * cell;
      const fill = ARC_COLORS[Number(p.grid.cells[i])] ?? '#808080';
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${fill}" stroke="#555" stroke-width="0.5"/>`,
      );
    }
    for (const i of p.wrong ?? []) {
      const x = x0 + (i % p.grid.width) * cell;
      const y = titleH + Math.floor(i / p.grid.width) * cell;
      parts.push(
        `<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="none" stroke="#ffffff" stroke-width="2"/>`,
      );
    }
    x0 += w + gap;
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Lines of one Sudoku / maze grid (Sudoku with box rules); wrong cells followed by '*'. */
function gridLines(kind: 'sudoku' | 'maze', g: GridLike, wrong: ReadonlySet<number>): string[] {
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
  return lines;
}

/** The panels' text grids next to each other under their titles, as one monospace block. */
export function textPanels(kind: 'sudoku' | 'maze', panels: readonly HoverPanel[]): string {
  const cols = panels.map((p) => [p.title, ...gridLines(kind, p.grid, p.wrong ?? new Set())]);
  const widths = cols.map((c) => Math.max(...c.map((l) => l.length)));
  const rows = Math.max(...cols.map((c) => c.length));
  const out: string[] = [];
  for (let r = 0; r < rows; r++)
    out.push(
      cols
        .map((c, k) => (c[r] ?? '').padEnd(widths[k]))
        .join('   ')
        .trimEnd(),
    );
  return out.join('\n');
}
