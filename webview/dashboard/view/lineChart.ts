// One d3 SVG chart of training curves over optimiser steps: several series (colours from the VS Code
// theme's chart palette via CSS classes), gaps where a metric was NaN/∞, dashed checkpoint markers, a
// legend with each series' latest raw value (or the hovered step's), an optional log scale, and
// optional smoothing (EMA, drawn over the faint raw curve). The x axis spans the logged steps, not
// the run's planned length, so a minute of training fills the chart. Each series is LTTB-downsampled
// to about two points per pixel, so redraw cost does not grow with the run.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import { pointer, select } from 'd3-selection';
import { line } from 'd3-shape';
import type { Metric } from '../../../src/protocol/dashboard';
import { downsample } from '../model/downsample';
import { emaSmooth } from '../model/smooth';
import type { DashboardModel, SeriesKey } from '../model/runModel';
import { h, svgEl } from '../../view/dom';

export interface SeriesSpec {
  key: SeriesKey;
  label: string;
  colour: string; /* CSS class suffix: c1..c6 */
}
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  series: SeriesSpec[];
  format: (v: Metric | undefined) => string;
  /** Fixed y domain (accuracies); otherwise from the data. */
  domain?: [number, number];
  /** Offer a log-scale toggle (losses, learning rate). */
  logToggle?: boolean;
  /** y axis starts at 0 (counts, throughput). */
  zeroBased?: boolean;
  /** Offer smoothing (noisy per-batch metrics), on by default. */
  smoothToggle?: boolean;
}

const HEIGHT = 190;
const M = { top: 10, right: 14, bottom: 22, left: 52 };

export class LineChart {
  readonly root: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly logBox: HTMLInputElement | null = null;
  private readonly smoothBox: HTMLInputElement | null = null;
  private width = 420;
  private drawnVersion = -1;
  private hoverStep: number | null = null;
  private x: ScaleContinuousNumeric<number, number> = scaleLinear();

  constructor(
    private readonly spec: ChartSpec,
    private readonly model: DashboardModel,
    private readonly requestDraw: () => void,
  ) {
    this.svg = svgEl('svg', { class: 'db-svg', role: 'img', height: String(HEIGHT), 'data-chart': spec.id });
    this.legend = h('div', { class: 'db-legend' });
    const head = h('div', { class: 'db-card-head' }, [h('h2', { class: 'db-card-title', text: spec.title })]);
    if (spec.smoothToggle) {
      this.smoothBox = h('input', {
        attrs: { type: 'checkbox', 'aria-label': `${spec.title}: smoothed curves (raw values drawn faintly)` },
      });
      this.smoothBox.checked = true;
      this.smoothBox.addEventListener('change', () => {
        this.drawnVersion = -1;
        this.requestDraw();
      });
      head.append(h('label', { class: 'db-log db-smooth' }, [this.smoothBox, 'smooth']));
    }
    if (spec.logToggle) {
      this.logBox = h('input', { attrs: { type: 'checkbox', 'aria-label': `${spec.title}: logarithmic scale` } });
      this.logBox.addEventListener('change', () => {
        this.drawnVersion = -1;
        this.requestDraw();
      });
      head.append(h('label', { class: 'db-log' }, [this.logBox, 'log scale']));
    }
    this.root = h('section', { class: 'db-card', attrs: { 'data-chart': spec.id } }, [
      head,
      this.svg,
      this.legend,
      h('div', { class: 'db-caption', text: spec.caption }),
    ]);
    // The card's content width (grid column minus padding): drawn 1:1, so axis text keeps its size.
    new ResizeObserver((entries) => {
      const w = entries[entries.length - 1]?.contentRect.width;
      if (w) {
        this.resize(w);
        this.requestDraw();
      }
    }).observe(this.root);
    select(this.svg)
      .on('pointermove', (e: PointerEvent) => {
        this.hoverStep = Math.round(this.x.invert(pointer(e)[0]));
        this.drawnVersion = -1;
        this.requestDraw();
      })
      .on('pointerleave', () => {
        this.hoverStep = null;
        this.drawnVersion = -1;
        this.requestDraw();
      });
  }

  get logScale(): boolean {
    return this.logBox?.checked ?? false;
  }
  set logScale(v: boolean) {
    if (this.logBox) {
      this.logBox.checked = v;
      this.drawnVersion = -1;
    }
  }

  get smoothed(): boolean {
    return this.smoothBox?.checked ?? false;
  }
  set smoothed(v: boolean) {
    if (this.smoothBox) {
      this.smoothBox.checked = v;
      this.drawnVersion = -1;
    }
  }

  /** Width of the plotting area in CSS pixels. */
  resize(width: number): void {
    const w = Math.max(200, Math.floor(width));
    if (w !== this.width) {
      this.width = w;
      this.drawnVersion = -1;
    }
  }

  draw(): void {
    if (this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    const W = this.width;
    const svg = select(this.svg).attr('width', W).attr('viewBox', `0 0 ${W} ${HEIGHT}`);
    const maxPoints = Math.max(3, 2 * (W - M.left - M.right));
    const smooth = this.smoothed;
    const data = this.spec.series.map((s) => {
      const raw = this.model.series(s.key);
      // Smoothed over every logged point first, then both downsampled alike.
      const sm = smooth ? downsample(raw.xs, emaSmooth(raw.ys), maxPoints) : undefined;
      return { spec: s, ...downsample(raw.xs, raw.ys, maxPoints), smooth: sm };
    });
    const allX = data.flatMap((d) => d.xs);
    // The logged steps, not the run's planned length: a short run fills the chart.
    const x0 = allX.length ? Math.min(...allX) : (this.model.run?.info.startStep ?? 0);
    const x1 = allX.length ? Math.max(...allX) : x0 + 1;
    const xDomain: [number, number] = Number.isFinite(x0) && Number.isFinite(x1) ? [x0, Math.max(x1, x0 + 1)] : [0, 1];
    this.x = scaleLinear()
      .domain(xDomain)
      .range([M.left, W - M.right]);
    const x = this.x;

    const ys = data.flatMap((d) => d.ys.filter((v): v is number => v !== null));
    const log = this.logScale && ys.some((v) => v > 0);
    let y: ScaleContinuousNumeric<number, number>;
    if (log) {
      const pos = ys.filter((v) => v > 0);
      y = scaleLog()
        .domain([Math.min(...pos), Math.max(...pos)])
        .nice()
        .range([HEIGHT - M.bottom, M.top]);
    } else {
      let lo = this.spec.domain?.[0] ?? (ys.length ? Math.min(...ys) : 0);
      let hi = this.spec.domain?.[1] ?? (ys.length ? Math.max(...ys) : 1);
      if (this.spec.zeroBased) lo = Math.min(0, lo);
      if (hi - lo < 1e-12) {
        hi += Math.abs(hi) * 0.1 + 1e-6;
        lo -= Math.abs(lo) * 0.1 + (this.spec.zeroBased && lo >= 0 ? 0 : 1e-6);
      }
      y = scaleLinear()
        .domain([lo, hi])
        .nice()
        .range([HEIGHT - M.bottom, M.top]);
    }
    const yOf = (v: number): number => (log && v <= 0 ? NaN : y(v));

    svg
      .selectAll<SVGGElement, number>('g.x')
      .data([0])
      .join('g')
      .attr('class', 'axis x')
      .attr('transform', `translate(0,${HEIGHT - M.bottom})`)
      .call(
        axisBottom(x)
          .tickValues(x.ticks(Math.max(2, Math.floor(W / 90))).filter(Number.isInteger))
          .tickFormat((d) => String(d))
          .tickSizeOuter(0),
      ); // steps are whole numbers
    svg
      .selectAll<SVGGElement, number>('g.y')
      .data([0])
      .join('g')
      .attr('class', 'axis y')
      .attr('transform', `translate(${M.left},0)`)
      .call(
        axisLeft(y)
          .ticks(log ? 4 : 5, log ? '~g' : undefined)
          .tickSizeOuter(0),
      );
    svg
      .selectAll<SVGLineElement, { step: number; path: string }>('line.ckpt')
      .data(this.model.checkpoints, (c) => `${c.step}|${c.path}`)
      .join('line')
      .attr('class', 'ckpt')
      .attr('x1', (c) => x(c.step))
      .attr('x2', (c) => x(c.step))
      .attr('y1', M.top)
      .attr('y2', HEIGHT - M.bottom)
      .selectAll<SVGTitleElement, { step: number }>('title')
      .data((c) => [c])
      .join('title')
      .text((c) => `checkpoint at step ${c.step}`);
    const path = line<[number, number | null]>()
      .defined((p) => p[1] !== null && Number.isFinite(yOf(p[1])))
      .x((p) => x(p[0]))
      .y((p) => yOf(p[1] as number));
    svg
      .selectAll<SVGPathElement, (typeof data)[number]>('path.series')
      .data(data, (d) => d.spec.key)
      .join('path')
      .attr('class', (d) => `series ${d.spec.colour}${smooth ? ' raw' : ''}`)
      .attr('data-series', (d) => d.spec.key)
      .attr('d', (d) => path(d.xs.map((s, i) => [s, d.ys[i]] as [number, number | null])) ?? '');
    svg
      .selectAll<SVGPathElement, (typeof data)[number]>('path.smooth')
      .data(
        data.filter((d) => d.smooth),
        (d) => d.spec.key,
      )
      .join('path')
      .attr('class', (d) => `smooth ${d.spec.colour}`)
      .attr('data-series', (d) => d.spec.key)
      .attr('d', (d) => path(d.smooth!.xs.map((s, i) => [s, d.smooth!.ys[i]] as [number, number | null])) ?? '');
    // A single point draws no line: mark the newest value of each series with a dot.
    svg
      .selectAll<SVGCircleElement, (typeof data)[number]>('circle.last')
      .data(
        data.filter((d) => d.ys.length > 0 && d.ys[d.ys.length - 1] !== null),
        (d) => d.spec.key,
      )
      .join('circle')
      .attr('class', (d) => `last ${d.spec.colour}`)
      .attr('r', 2.5)
      .attr('cx', (d) => x(d.xs[d.xs.length - 1]))
      .attr('cy', (d) => yOf(d.ys[d.ys.length - 1] as number));

    const hover = this.hoverStep !== null ? this.model.nearest(this.hoverStep) : undefined;
    svg
      .selectAll<SVGLineElement, number>('line.hover')
      .data(hover ? [hover.step] : [])
      .join('line')
      .attr('class', 'hover')
      .attr('x1', (s) => x(s))
      .attr('x2', (s) => x(s))
      .attr('y1', M.top)
      .attr('y2', HEIGHT - M.bottom);
    const shown = hover ?? this.model.latest;
    svg.attr(
      'aria-label',
      `${this.spec.title}: ${this.spec.series.map((s) => `${s.label} ${this.spec.format(shown?.[s.key])}`).join(', ')}${shown ? ` at step ${shown.step}` : ', no data yet'}`,
    );
    this.legend.replaceChildren(
      h('span', {
        class: 'db-legend-step',
        text: shown ? `${hover ? 'step' : 'latest, step'} ${shown.step}` : 'no data yet',
      }),
      ...this.spec.series.map((s) =>
        h('span', { class: 'db-legend-item', attrs: { 'data-series': s.key } }, [
          h('span', { class: `db-swatch ${s.colour}` }),
          `${s.label} `,
          h('b', { text: this.spec.format(shown?.[s.key]) }),
        ]),
      ),
    );
  }
}
