// One small d3 SVG chart of evaluation results against the training step: a line with a dot per
// evaluated checkpoint for each series, a fixed y range (accuracies 0-1, halting 0-N_sup) so charts of
// different runs compare, and the best checkpoint marked by a dashed rule and a star. Evaluations are
// few (one per checkpoint), so every point is drawn; no downsampling.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { FollowCheckpointView, FollowMetrics } from '../../../src/protocol/followDashboard';
import { h, svgEl } from '../../view/dom';

export interface FollowSeries {
  key: Exclude<keyof FollowMetrics, 'count'>;
  label: string;
  colour: string; // c1..c6 (dashboard.css)
}
export interface FollowChartSpec {
  id: string;
  title: string;
  caption: string;
  series: FollowSeries[];
  format: (v: number | null | undefined) => string;
  /** Fixed y range; `top` null = from the data (halting: N_sup). */
  yMax: number | null;
}

const HEIGHT = 170;
const M = { top: 14, right: 14, bottom: 22, left: 46 };

export class FollowChart {
  readonly root: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly legend: HTMLElement;
  private width = 360;

  constructor(
    private readonly spec: FollowChartSpec,
    private readonly requestDraw: () => void,
  ) {
    this.svg = svgEl('svg', { class: 'db-svg', role: 'img', height: String(HEIGHT), 'data-chart': spec.id });
    this.legend = h('div', { class: 'db-legend' });
    this.root = h('section', { class: 'db-card', attrs: { 'data-chart': spec.id } }, [
      h('div', { class: 'db-card-head' }, [h('h2', { class: 'db-card-title', text: spec.title })]),
      this.svg,
      this.legend,
      h('div', { class: 'db-caption', text: spec.caption }),
    ]);
    new ResizeObserver((entries) => {
      const w = entries[entries.length - 1]?.contentRect.width;
      if (w && Math.floor(w) !== this.width) {
        this.width = Math.max(200, Math.floor(w));
        this.requestDraw();
      }
    }).observe(this.root);
  }

  draw(checkpoints: FollowCheckpointView[], best: number | null, haltMaxSteps: number | null): void {
    const W = this.width;
    const svg = select(this.svg).attr('width', W).attr('viewBox', `0 0 ${W} ${HEIGHT}`);
    const done = checkpoints.filter((c) => c.metrics !== null);
    const steps = checkpoints.map((c) => c.step);
    const x0 = steps.length ? Math.min(...steps) : 0;
    const x1 = steps.length ? Math.max(...steps) : 1;
    // A little room either side, so the first and last checkpoints are not drawn on the axes.
    const pad = x1 > x0 ? (x1 - x0) * 0.04 : 1;
    const x = scaleLinear()
      .domain([x0 - pad, x1 + pad])
      .range([M.left, W - M.right]);
    const top = this.spec.yMax ?? haltMaxSteps ?? Math.max(1, ...done.map((c) => c.metrics!.meanSteps ?? 0));
    const y = scaleLinear()
      .domain([0, top])
      .nice()
      .range([HEIGHT - M.bottom, M.top]);
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
      );
    svg
      .selectAll<SVGGElement, number>('g.y')
      .data([0])
      .join('g')
      .attr('class', 'axis y')
      .attr('transform', `translate(${M.left},0)`)
      .call(axisLeft(y).ticks(4).tickSizeOuter(0));
    // Checkpoints still being written or evaluated: a faint tick at their step.
    svg
      .selectAll<SVGLineElement, FollowCheckpointView>('line.pending')
      .data(
        checkpoints.filter((c) => c.metrics === null),
        (c) => c.name,
      )
      .join('line')
      .attr('class', (c) => `pending ${c.state}`)
      .attr('x1', (c) => x(c.step))
      .attr('x2', (c) => x(c.step))
      .attr('y1', HEIGHT - M.bottom - 6)
      .attr('y2', HEIGHT - M.bottom);
    const bestC = done.find((c) => c.step === best);
    svg
      .selectAll<SVGGElement, FollowCheckpointView>('g.best')
      .data(bestC ? [bestC] : [], (c) => c.name)
      .join((enter) => {
        const g = enter.append('g').attr('class', 'best');
        g.append('line');
        g.append('text').text('★ best');
        return g;
      })
      .attr('data-step', (c) => String(c.step))
      .call((g) =>
        g
          .select('line')
          .attr('x1', (c) => x(c.step))
          .attr('x2', (c) => x(c.step))
          .attr('y1', M.top)
          .attr('y2', HEIGHT - M.bottom),
      )
      .call((g) =>
        g
          .select('text')
          .attr('x', (c) => Math.min(x(c.step) + 3, W - M.right - 40))
          .attr('y', M.top - 3),
      );
    const path = line<[number, number]>()
      .x((p) => x(p[0]))
      .y((p) => y(p[1]));
    const data = this.spec.series.map((s) => ({
      spec: s,
      points: done
        .map((c) => [c.step, c.metrics![s.key]] as [number, number | null])
        .filter((p): p is [number, number] => p[1] !== null),
    }));
    svg
      .selectAll<SVGPathElement, (typeof data)[number]>('path.series')
      .data(data, (d) => d.spec.key)
      .join('path')
      .attr('class', (d) => `series ${d.spec.colour}`)
      .attr('data-series', (d) => d.spec.key)
      .attr('d', (d) => path(d.points) ?? '');
    svg
      .selectAll<SVGGElement, (typeof data)[number]>('g.dots')
      .data(data, (d) => d.spec.key)
      .join('g')
      .attr('class', (d) => `dots ${d.spec.colour}`)
      .selectAll<SVGCircleElement, [number, number]>('circle')
      .data((d) => d.points.map((p) => ({ p, label: d.spec.label })))
      .join('circle')
      .attr('class', (d) => `dot${d.p[0] === best ? ' is-best' : ''}`)
      .attr('r', (d) => (d.p[0] === best ? 4 : 2.8))
      .attr('cx', (d) => x(d.p[0]))
      .attr('cy', (d) => y(d.p[1]))
      .selectAll('title')
      .data((d) => [d])
      .join('title')
      .text((d) => `step ${d.p[0]}: ${d.label} ${this.spec.format(d.p[1])}`);
    const latest = done[done.length - 1];
    const shown = bestC ?? latest;
    svg.attr(
      'aria-label',
      `${this.spec.title}: ${shown ? this.spec.series.map((s) => `${s.label} ${this.spec.format(shown.metrics![s.key])}`).join(', ') + ` at step ${shown.step}` : 'no evaluation yet'}`,
    );
    this.legend.replaceChildren(
      h('span', {
        class: 'db-legend-step',
        text: shown ? `${bestC ? 'best' : 'latest'}, step ${shown.step}` : 'no evaluation yet',
      }),
      ...this.spec.series.map((s) =>
        h('span', { class: 'db-legend-item', attrs: { 'data-series': s.key } }, [
          h('span', { class: `db-swatch ${s.colour}` }),
          `${s.label} `,
          h('b', { text: shown ? this.spec.format(shown.metrics![s.key]) : '–' }),
        ]),
      ),
    );
  }
}
