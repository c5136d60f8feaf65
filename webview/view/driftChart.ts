// Drift per supervision step on a log scale (d3 SVG), drawn under the q_halt chart: ‖Δz‖ and ‖Δy‖
// between step boundaries (RMS per position, engine/analysis/settling.ts). A run that settles falls
// by decades; one that keeps wandering stays high. The dotted line is the settling tolerance.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear, scaleLog } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { StepSummary } from '../../src/protocol/timeline';
import { fmt } from '../model/answer';
import { svgEl } from './dom';

const W = 340;
const H = 110;
const M = { top: 8, right: 10, bottom: 20, left: 36 };
/** SETTLING_DEFAULTS.settleTol of the engine (the webview imports no engine module). */
const SETTLE_TOL = 1e-2;

type Point = { step: number; v: number };

export class DriftChart {
  readonly root: SVGSVGElement;
  private drawn = '';

  constructor() {
    this.root = svgEl('svg', { class: 'tl-drift', width: String(W), height: String(H), role: 'img' });
  }

  invalidate(): void {
    this.drawn = '';
  }

  draw(maxSteps: number, summaries: (StepSummary | undefined)[], cursorStep: number | null): void {
    const known = summaries.filter((s): s is StepSummary => s !== undefined);
    const series = (k: 'dz' | 'dy'): Point[] =>
      known.flatMap((s) => {
        const v = s[k];
        return v !== undefined && Number.isFinite(v) && v > 0 ? [{ step: s.step, v }] : [];
      });
    const z = series('dz');
    const y = series('dy');
    const sig = `${maxSteps}|${cursorStep}|${z.map((p) => p.v).join(',')}|${y.map((p) => p.v).join(',')}`;
    if (sig === this.drawn) return;
    this.drawn = sig;
    const all = [...z, ...y].map((p) => p.v);
    const lo = Math.min(SETTLE_TOL / 10, ...all);
    const hi = Math.max(1, ...all);
    const x = scaleLinear()
      .domain([1, Math.max(2, maxSteps)])
      .range([M.left, W - M.right]);
    const ys = scaleLog()
      .domain([lo, hi])
      .nice()
      .range([H - M.bottom, M.top]);
    const svg = select(this.root);
    svg.attr(
      'aria-label',
      `drift per step, log scale: ${known.map((s) => `step ${s.step} ‖Δz‖ ${s.dz === undefined ? '?' : fmt(s.dz)} ‖Δy‖ ${s.dy === undefined ? '?' : fmt(s.dy)}`).join(', ') || 'no steps yet'}`,
    );
    svg
      .selectAll<SVGGElement, number>('g.x')
      .data([0])
      .join('g')
      .attr('class', 'axis x')
      .attr('transform', `translate(0,${H - M.bottom})`)
      .call(
        axisBottom(x)
          .ticks(Math.min(maxSteps, 8))
          .tickFormat((d) => String(d))
          .tickSizeOuter(0),
      );
    svg
      .selectAll<SVGGElement, number>('g.y')
      .data([0])
      .join('g')
      .attr('class', 'axis y')
      .attr('transform', `translate(${M.left},0)`)
      .call(axisLeft(ys).ticks(3, '.0e').tickSizeOuter(0));
    svg
      .selectAll<SVGLineElement, number>('line.tol')
      .data([SETTLE_TOL])
      .join('line')
      .attr('class', 'tol')
      .attr('x1', M.left)
      .attr('x2', W - M.right)
      .attr('y1', (d) => ys(d))
      .attr('y2', (d) => ys(d));
    svg
      .selectAll<SVGTextElement, number>('text.tol')
      .data([SETTLE_TOL])
      .join('text')
      .attr('class', 'tol')
      .attr('x', W - M.right)
      .attr('y', (d) => ys(d) - 3)
      .attr('text-anchor', 'end')
      .text('settled below');
    for (const [cls, pts] of [
      ['dz', z],
      ['dy', y],
    ] as const) {
      svg
        .selectAll<SVGPathElement, number>(`path.${cls}`)
        .data([0])
        .join('path')
        .attr('class', cls)
        .attr(
          'd',
          line<Point>()
            .x((p) => x(p.step))
            .y((p) => ys(p.v))(pts) ?? '',
        );
    }
    svg
      .selectAll<SVGLineElement, number>('line.cursor')
      .data(cursorStep === null ? [] : [cursorStep])
      .join('line')
      .attr('class', 'cursor')
      .attr('x1', (d) => x(d))
      .attr('x2', (d) => x(d))
      .attr('y1', M.top)
      .attr('y2', H - M.bottom);
    svg
      .selectAll<SVGTextElement, string>('text.legend')
      .data(['‖Δz‖', '‖Δy‖'])
      .join('text')
      .attr('class', (_d, i) => `legend ${i ? 'dy' : 'dz'}`)
      .attr('x', (_d, i) => M.left + 6 + i * 44)
      .attr('y', M.top + 8)
      .text((d) => d);
  }
}
