// The patch sweep heatmap: a canvas of rows = updates x columns = cells, each cell coloured by its
// delta on a diverging scale (lost red ↔ recovered blue, symmetric around 0), with d3 axes (update
// labels on the left, the grid's rows r1..r9 above the column blocks) and thin separators between
// grid rows and between cycles. Reports the hovered and clicked cell.
import { axisBottom } from 'd3-axis';
import { scaleDiverging, scaleLinear } from 'd3-scale';
import { interpolateRdBu } from 'd3-scale-chromatic';
import { select } from 'd3-selection';
import type { SweepReport } from '../../src/protocol/sweep';
import { h, sizeHiDpiCanvas } from '../view/dom';

const CELL_W = 10;
const CELL_H = 18;
const LEFT = 112;
const TOP = 22;

/** Delta → colour: −extent deep red (lost), 0 near white, +extent deep blue (recovered). */
export function sweepColour(extent: number): (d: number) => string {
  const s = scaleDiverging(interpolateRdBu).domain([-extent, 0, extent]).clamp(true);
  return (d) => (Number.isFinite(d) ? s(d) : '#808080');
}

/** The legend: a gradient bar with a d3 axis in percentage points, "lost" on the left, "recovered" on the right. */
export function drawLegend(host: HTMLElement, extent: number): void {
  const width = 320;
  const canvas = h('canvas', { class: 'sw-legend-bar' });
  const ctx = sizeHiDpiCanvas(canvas, width, 12);
  const colour = sweepColour(extent);
  for (let x = 0; x < width; x++) {
    ctx.fillStyle = colour(-extent + (2 * extent * (x + 0.5)) / width);
    ctx.fillRect(x, 0, 1, 12);
  }
  const axisHost = h('div', { class: 'sw-legend-axis' });
  host.append(
    h('span', { class: 'sw-legend-end sw-loss', text: 'lost' }),
    h('div', { class: 'sw-legend-scale' }, [canvas, axisHost]),
    h('span', { class: 'sw-legend-end sw-gain', text: 'recovered' }),
    h('span', { class: 'sw-legend-note', text: 'accuracy change vs the unpatched step, percentage points' }),
  );
  const x = scaleLinear()
    .domain([-extent * 100, extent * 100])
    .range([0, width]);
  select(axisHost)
    .append('svg')
    .attr('width', width + 24)
    .attr('height', 22)
    .append('g')
    .attr('transform', 'translate(12,0)')
    .call(
      axisBottom(x)
        .ticks(5)
        .tickFormat((v) => `${Number(v) > 0 ? '+' : ''}${Number(v).toFixed(extent >= 0.1 ? 0 : 1)}`),
    );
}

export class SweepHeatmap {
  readonly canvas: HTMLCanvasElement;

  constructor(
    host: HTMLElement,
    r: SweepReport,
    colour: (d: number) => string,
    on: { hover(row: number, col: number): void; click(row: number, col: number): void },
  ) {
    const rows = r.updates.length,
      cols = r.cells.length;
    const side = r.gridSide > 0 && cols === r.gridSide * r.gridSide ? r.gridSide : 0;
    // A gap between grid rows (Sudoku: 9 blocks of 9 cells), so r4c7 is found by eye.
    const gap = side ? 3 : 0;
    const colX = (j: number): number => LEFT + j * CELL_W + (side ? Math.floor(j / side) * gap : 0);
    const width = colX(cols - 1) + CELL_W + 8;
    const height = TOP + rows * CELL_H + 4;
    this.canvas = h('canvas', {
      class: 'sw-canvas',
      attrs: { 'data-rows': String(rows), 'data-cols': String(cols), 'aria-label': 'patch sweep heatmap' },
    });
    host.append(this.canvas);
    const ctx = sizeHiDpiCanvas(this.canvas, width, height);
    const fg = getComputedStyle(document.body).getPropertyValue('--sw-foreground').trim() || '#ccc';
    const muted = getComputedStyle(document.body).getPropertyValue('--sw-muted').trim() || '#999';
    const font = getComputedStyle(document.body).fontFamily || 'sans-serif';
    ctx.font = `11px ${font}`;
    ctx.textBaseline = 'middle';
    // Column header: the grid's row above each block of cells.
    ctx.fillStyle = muted;
    ctx.textAlign = 'center';
    if (side) for (let g = 0; g < side; g++) ctx.fillText(`r${g + 1}`, colX(g * side) + (side * CELL_W) / 2, TOP / 2);
    ctx.textAlign = 'right';
    for (let i = 0; i < rows; i++) {
      const y = TOP + i * CELL_H;
      ctx.fillStyle = r.updateLabels[i].endsWith('› y') ? fg : muted;
      ctx.fillText(r.updateLabels[i], LEFT - 8, y + CELL_H / 2);
      for (let j = 0; j < cols; j++) {
        ctx.fillStyle = colour(r.delta[i * cols + j] ?? NaN);
        ctx.fillRect(colX(j), y, CELL_W - 1, CELL_H - 1);
      }
      // A line under each y revision: the end of a cycle.
      if (r.updateLabels[i].endsWith('› y') && i < rows - 1) {
        ctx.fillStyle = muted;
        ctx.fillRect(LEFT - 4, y + CELL_H - 0.5, width - LEFT, 1);
      }
    }
    const hit = (e: MouseEvent): [number, number] => {
      const b = this.canvas.getBoundingClientRect();
      const x = e.clientX - b.left,
        y = e.clientY - b.top;
      const row = Math.floor((y - TOP) / CELL_H);
      if (row < 0 || row >= rows || x < LEFT) return [-1, -1];
      for (let j = 0; j < cols; j++) if (x >= colX(j) && x < colX(j) + CELL_W) return [row, j];
      return [-1, -1];
    };
    this.canvas.addEventListener('mousemove', (e) => {
      const [row, col] = hit(e);
      on.hover(row, col);
      this.canvas.style.cursor = row >= 0 ? 'pointer' : 'default';
    });
    // Leaving the canvas keeps the last cell's line (so it can be read, or copied, after a click).
    this.canvas.addEventListener('click', (e) => {
      const [row, col] = hit(e);
      if (row >= 0) on.click(row, col);
    });
  }
}
