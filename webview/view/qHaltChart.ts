// q_halt per supervision step (d3 SVG): the logit the ACT head would halt on (halt when q_halt > 0,
// dashed zero line), markers where the training rule would halt and where the session halted,
// breakpoint markers at steps where the debugger stopped on a breakpoint, and the cursor's step.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { StepSummary } from '../../src/protocol/timeline';
import { fmt } from '../model/answer';
import { svgEl } from './dom';

const W = 340;
const H = 170;
const M = { top: 14, right: 10, bottom: 20, left: 36 };

export class QHaltChart {
  readonly root: SVGSVGElement;
  private drawn = '';
  private cursorDrawn: number | null | undefined;

  constructor(private readonly onStep: (step: number) => void) {
    this.root = svgEl('svg', { class: 'tl-qhalt', width: String(W), height: String(H), role: 'img' });
    select(this.root).on('click', (e: MouseEvent) => {
      const t = (e.target as Element).closest('[data-step]');
      if (t) this.onStep(Number(t.getAttribute('data-step')));
    });
  }

  invalidate(): void {
    this.drawn = '';
    this.cursorDrawn = undefined;
  }

  draw(
    maxSteps: number,
    summaries: (StepSummary | undefined)[],
    breakpointSteps: ReadonlySet<number>,
    cursorStep: number | null,
  ): void {
    const known = summaries.filter((s): s is StepSummary => s !== undefined);
    const sig = `${maxSteps}|${known.map((s) => `${s.step}:${s.qHalt}:${s.halted}`).join(',')}|${[...breakpointSteps].join(',')}`;
    const x = scaleLinear()
      .domain([1, Math.max(2, maxSteps)])
      .range([M.left, W - M.right]);
    // The cursor line alone moves on a cursor change; the curve, axes and markers redraw only with new data.
    if (sig === this.drawn && cursorStep === this.cursorDrawn) return;
    this.cursorDrawn = cursorStep;
    select(this.root)
      .selectAll<SVGLineElement, number>('line.cursor')
      .data(cursorStep === null ? [] : [cursorStep])
      .join('line')
      .attr('class', 'cursor')
      .attr('x1', (d) => x(d))
      .attr('x2', (d) => x(d))
      .attr('y1', M.top)
      .attr('y2', H - M.bottom);
    if (sig === this.drawn) return;
    this.drawn = sig;
    const finiteQ = known.map((s) => s.qHalt).filter(Number.isFinite);
    const lim = Math.max(1, ...finiteQ.map(Math.abs));
    const y = scaleLinear()
      .domain([-lim, lim])
      .nice()
      .range([H - M.bottom, M.top]);
    const svg = select(this.root);
    svg.attr(
      'aria-label',
      `q_halt per step: ${known.map((s) => `step ${s.step} ${fmt(s.qHalt)}${s.halted ? ' halted' : ''}`).join(', ') || 'no steps yet'}`,
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
      .call(axisLeft(y).ticks(4).tickSizeOuter(0));
    svg
      .selectAll<SVGLineElement, number>('line.zero')
      .data([0])
      .join('line')
      .attr('class', 'zero')
      .attr('x1', M.left)
      .attr('x2', W - M.right)
      .attr('y1', y(0))
      .attr('y2', y(0));
    svg
      .selectAll<SVGTextElement, number>('text.zero')
      .data([0])
      .join('text')
      .attr('class', 'zero')
      .attr('x', W - M.right)
      .attr('y', y(0) - 3)
      .attr('text-anchor', 'end')
      .text('halt if q_halt > 0');
    const pts = known.filter((s) => Number.isFinite(s.qHalt));
    svg
      .selectAll<SVGPathElement, number>('path.q')
      .data([0])
      .join('path')
      .attr('class', 'q')
      .attr(
        'd',
        line<StepSummary>()
          .x((s) => x(s.step))
          .y((s) => y(s.qHalt))(pts) ?? '',
      );
    svg
      .selectAll<SVGCircleElement, StepSummary>('circle.pt')
      .data(pts, (s) => String(s.step))
      .join('circle')
      .attr('class', (s) => `pt${s.wouldHalt ? ' halt' : ''}`)
      .attr('data-step', (s) => String(s.step))
      .attr('cx', (s) => x(s.step))
      .attr('cy', (s) => y(s.qHalt))
      .attr('r', 3.5);
    svg
      .selectAll<SVGPathElement, StepSummary>('path.halted')
      .data(
        known.filter((s) => s.halted),
        (s) => String(s.step),
      )
      .join('path')
      .attr('class', 'halted')
      .attr('data-step', (s) => String(s.step))
      .attr('d', (s) => `M${x(s.step)},${M.top - 2} l-5,-8 h10 z`)
      .selectAll<SVGTitleElement, StepSummary>('title')
      .data((s) => [s])
      .join('title')
      .text((s) => `halted at step ${s.step}`);
    svg
      .selectAll<SVGCircleElement, number>('circle.bp')
      .data(
        [...breakpointSteps].filter((s) => s <= maxSteps),
        (s) => String(s),
      )
      .join('circle')
      .attr('class', 'bp')
      .attr('data-step', (s) => String(s))
      .attr('cx', (s) => x(s))
      .attr('cy', H - M.bottom - 5)
      .attr('r', 3.5);
    // Invisible wide hit targets make every step clickable, even those without data yet.
    svg
      .selectAll<SVGRectElement, number>('rect.hit')
      .data(Array.from({ length: maxSteps }, (_, i) => i + 1))
      .join('rect')
      .attr('class', 'hit')
      .attr('data-step', (s) => String(s))
      .attr('x', (s) => x(s) - (x(2) - x(1)) / 2)
      .attr('width', x(2) - x(1))
      .attr('y', M.top)
      .attr('height', H - M.top - M.bottom)
      .lower();
  }
}
