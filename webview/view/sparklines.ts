// Watch expressions over recursion time (d3 SVG): one sparkline per expression over every update of
// the steps run so far, the cursor's update marked with its value; the Watch view's expressions and
// those added on the timeline (removable with ×). Clicking a sparkline seeks to that update.
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import { seriesExtent, seriesValueText, type SparklineSpec } from '../model/series';
import { h, svgEl } from './dom';

const W = 340;
const H = 30;

export type SparklineData =
  | { kind: 'data'; values: Float32Array; valueType: 'number' | 'boolean' }
  | { kind: 'error'; message: string }
  | { kind: 'loading' };

export class Sparklines {
  readonly root = h('div', { class: 'tl-sparks' });
  private drawn = '';

  constructor(
    private readonly onRemove: (expression: string) => void,
    private readonly onSeek: (index: number) => void,
  ) {}

  invalidate(): void {
    this.drawn = '';
  }

  draw(
    specs: SparklineSpec[],
    data: (s: SparklineSpec) => SparklineData,
    cursor: number,
    total: number,
    sig: string,
  ): void {
    const key = `${sig}|${cursor}|${total}`;
    if (key === this.drawn) return;
    this.drawn = key;
    if (specs.length === 0) {
      this.root.replaceChildren(
        h('div', {
          class: 'tl-caption',
          text: 'No watch expressions: add one in the Watch view (e.g. mean(entropy(y)), conf(y)[r4c7]) or with “Add sparkline…”.',
        }),
      );
      return;
    }
    this.root.replaceChildren(...specs.map((s) => this.row(s, data(s), cursor, total)));
  }

  private row(s: SparklineSpec, d: SparklineData, cursor: number, total: number): HTMLElement {
    const label = h('span', {
      class: 'tl-spark-expr',
      text: s.expression,
      title: s.added ? 'added on the timeline' : 'from the Watch view',
    });
    const value = h('span', { class: 'tl-spark-value' });
    const svg = svgEl('svg', { class: 'tl-spark', width: String(W), height: String(H), role: 'img' });
    svg.setAttribute('aria-label', `${s.expression} over recursion time`);
    if (d.kind === 'data') {
      const x = scaleLinear()
        .domain([0, Math.max(1, total - 1)])
        .range([2, W - 2]);
      const [lo, hi] = seriesExtent(d.values);
      const y = scaleLinear()
        .domain([lo, hi])
        .range([H - 3, 3]);
      const pts = Array.from(d.values, (v, i) => [i, v] as const);
      select(svg)
        .append('path')
        .attr('class', 'spark')
        .attr(
          'd',
          line<readonly [number, number]>()
            .defined((p) => Number.isFinite(p[1]))
            .x((p) => x(p[0]))
            .y((p) => y(p[1]))(pts) ?? '',
        );
      if (cursor >= 0 && cursor < d.values.length) {
        select(svg)
          .append('line')
          .attr('class', 'cur')
          .attr('x1', x(cursor))
          .attr('x2', x(cursor))
          .attr('y1', 0)
          .attr('y2', H);
        if (Number.isFinite(d.values[cursor]))
          select(svg)
            .append('circle')
            .attr('class', 'cur')
            .attr('cx', x(cursor))
            .attr('cy', y(d.values[cursor]))
            .attr('r', 2.5);
      }
      value.textContent = seriesValueText(d.values, cursor, d.valueType);
      svg.addEventListener('click', (e) => {
        const r = svg.getBoundingClientRect();
        const i = Math.round(x.invert(e.clientX - r.left));
        if (i >= 0 && i < d.values.length) this.onSeek(i);
      });
    } else {
      value.textContent = d.kind === 'error' ? d.message : 'loading…';
      value.classList.toggle('error', d.kind === 'error');
    }
    const parts: Node[] = [label, svg as unknown as Node, value];
    if (s.added) {
      const x = h('button', {
        class: 'tl-spark-remove',
        text: '×',
        title: `remove the sparkline ${s.expression}`,
        attrs: { type: 'button' },
      });
      x.addEventListener('click', () => this.onRemove(s.expression));
      parts.push(x);
    }
    return h('div', { class: 'tl-spark-row', attrs: { 'data-expression': s.expression } }, parts);
  }
}
