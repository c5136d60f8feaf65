// The cursor's cell, large: the same data-resolution canvas scaled by CSS (pixelated), an SVG
// overlay for the grid structure (Sudoku boxes) and an SVG legend of the fixed, quantised domain.
import { axisBottom } from 'd3-axis';
import { scaleLinear, scaleLog } from 'd3-scale';
import { select } from 'd3-selection';
import { binCentre, cssOf, type ColorDomain } from '../model/colors';
import { h, svgEl } from './dom';

export const DETAIL_CSS = 270;

export class DetailView {
  readonly root: HTMLElement;
  readonly caption: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly overlay: SVGSVGElement;
  private readonly legend: SVGSVGElement;
  private readonly message: HTMLElement;
  private legendDrawn = '';
  private legendRamp: Uint8ClampedArray | null = null;

  constructor() {
    this.caption = h('figcaption', { class: 'tl-caption' });
    this.canvas = h('canvas', { class: 'tl-detail-canvas' });
    this.overlay = svgEl('svg', { class: 'tl-detail-overlay', 'aria-hidden': 'true' });
    this.message = h('div', { class: 'tl-detail-message' });
    this.legend = svgEl('svg', { class: 'tl-legend', 'aria-label': 'colour scale' });
    const wrap = h('div', { class: 'tl-detail-wrap' }, [this.canvas, this.overlay as unknown as Node, this.message]);
    this.root = h('figure', { class: 'tl-detail' }, [this.caption, wrap, this.legend as unknown as Node]);
  }

  configure(gridH: number, gridW: number, boxes: number): void {
    this.canvas.width = gridW;
    this.canvas.height = gridH;
    const scale = DETAIL_CSS / Math.max(gridW, gridH);
    const w = gridW * scale;
    const hh = gridH * scale;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${hh}px`;
    const ov = select(this.overlay).attr('width', w).attr('height', hh).attr('viewBox', `0 0 ${gridW} ${gridH}`);
    const lines: { x1: number; y1: number; x2: number; y2: number }[] = [];
    if (boxes > 1) for (let k = boxes; k < gridW; k += boxes) lines.push({ x1: k, y1: 0, x2: k, y2: gridH });
    if (boxes > 1) for (let k = boxes; k < gridH; k += boxes) lines.push({ x1: 0, y1: k, x2: gridW, y2: k });
    ov.selectAll('line')
      .data(lines)
      .join('line')
      .attr('x1', (d) => d.x1)
      .attr('y1', (d) => d.y1)
      .attr('x2', (d) => d.x2)
      .attr('y2', (d) => d.y2);
    this.legendDrawn = '';
  }

  /** Paints pixels (gridW × gridH RGBA) or shows a message instead (loading, error, not run yet). */
  show(pixels: ImageData | null, caption: string, message = ''): void {
    this.caption.textContent = caption;
    this.message.textContent = message;
    this.message.hidden = message === '';
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    if (pixels) ctx.putImageData(pixels, 0, 0);
    else ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
  }

  drawLegend(d: ColorDomain, ramp: Uint8ClampedArray, title: string): void {
    // The ramp is compared by identity (a theme change builds new ramps): no per-frame join of 1000 numbers.
    const sig = `${d.kind}|${d.max}|${d.min}|${title}`;
    if (sig === this.legendDrawn && ramp === this.legendRamp) return;
    this.legendDrawn = sig;
    this.legendRamp = ramp;
    const bins = ramp.length / 4;
    const width = DETAIL_CSS;
    // Room for the end ticks' labels ("−10", "1e-4"), which are centred on the ends.
    const left = 18;
    const right = 18;
    const svg = select(this.legend).attr('width', width).attr('height', 44);
    const bw = (width - left - right) / bins;
    const rects = svg
      .selectAll<SVGRectElement, number>('rect')
      .data(Array.from({ length: bins }, (_, i) => i))
      .join('rect')
      .attr('x', (b) => left + b * bw)
      .attr('y', 14)
      .attr('width', bw + 0.5)
      .attr('height', 10)
      .attr('fill', (b) => cssOf([ramp[b * 4], ramp[b * 4 + 1], ramp[b * 4 + 2], ramp[b * 4 + 3]]));
    rects
      .selectAll<SVGTitleElement, number>('title')
      .data((b) => [b])
      .join('title')
      .text((b) => binCentre(b, d, bins).toPrecision(3));
    // Long titles wrap onto no second line: shrink them to the width instead of cutting them off.
    svg
      .selectAll<SVGTextElement, string>('text.title')
      .data([title])
      .join('text')
      .attr('class', 'title')
      .attr('x', left)
      .attr('y', 10)
      .attr('textLength', null)
      .text((t) => t)
      .each(function () {
        const el = this as SVGTextElement;
        const room = width - 2;
        if (typeof el.getComputedTextLength === 'function' && el.getComputedTextLength() > room) {
          el.setAttribute('x', '1');
          el.setAttribute('textLength', String(room));
          el.setAttribute('lengthAdjust', 'spacingAndGlyphs');
        }
      });
    const axis = svg
      .selectAll<SVGGElement, number>('g.axis')
      .data([0])
      .join('g')
      .attr('class', 'axis')
      .attr('transform', 'translate(0, 24)');
    if (d.kind === 'log') {
      const x = scaleLog()
        .domain([d.min ?? d.max / 10, d.max])
        .range([left, width - right]);
      const decades = Math.round(Math.log10(d.max / (d.min ?? d.max / 10)));
      axis.call(
        axisBottom(x)
          .ticks(Math.min(decades, 5))
          .tickFormat((v) => fmtPower(Number(v)))
          .tickSizeOuter(0),
      );
    } else {
      const x = scaleLinear()
        .domain(d.kind === 'diverging' ? [-d.max, d.max] : [0, d.max])
        .range([left, width - right]);
      axis.call(axisBottom(x).ticks(5).tickSizeOuter(0));
    }
  }
}

/** A power of ten as a short label: 1e-3, 0.01, 0.1, 1, 10, 1e+2. */
function fmtPower(v: number): string {
  if (!(v > 0)) return String(v);
  const k = Math.round(Math.log10(v));
  if (Math.abs(Math.log10(v) - k) > 1e-6) return '';
  return k >= -2 && k <= 1 ? String(Number(v.toPrecision(1))) : `1e${k}`;
}
