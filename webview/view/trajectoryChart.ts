// The latent trajectory (d3 SVG): the host projects the mean state after every update onto its
// first two principal components; points are joined in time order, coloured by step, y-updates
// drawn as squares, the cursor ringed. Clicking a point seeks there.
import { extent } from 'd3-array';
import { interpolateLab } from 'd3-interpolate';
import { scaleLinear, scaleSequential } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { TrajectoryMessage } from '../../src/protocol/timeline';
import { cssOf, type Rgba } from '../model/colors';
import type { FanPath } from '../model/fan';
import { svgEl } from './dom';

const W = 340;
const H = 170;
const PAD = 12;

export interface TrajPoint {
  i: number;
  step: number;
  ordinal: number;
  x: number;
  y: number;
}

/** Points of a trajectory message with finite coordinates (a diverged state cannot be placed). */
export function trajectoryPoints(t: Pick<TrajectoryMessage, 'steps' | 'ordinals' | 'xs' | 'ys'>): TrajPoint[] {
  const pts: TrajPoint[] = [];
  for (let i = 0; i < t.steps.length; i++) {
    if (Number.isFinite(t.xs[i]) && Number.isFinite(t.ys[i]))
      pts.push({ i, step: t.steps[i], ordinal: t.ordinals[i], x: t.xs[i], y: t.ys[i] });
  }
  return pts;
}

export class TrajectoryChart {
  readonly root: SVGSVGElement;
  private drawn = '';
  private cursorDrawn: string | null = null;
  private byKey = new Map<string, TrajPoint>();
  private x = scaleLinear();
  private y = scaleLinear();

  constructor(private readonly onPoint: (step: number, ordinal: number) => void) {
    this.root = svgEl('svg', { class: 'tl-traj', width: String(W), height: String(H), role: 'img' });
    select(this.root).on('click', (e: MouseEvent) => {
      const t = (e.target as Element).closest('[data-step]');
      if (t) this.onPoint(Number(t.getAttribute('data-step')), Number(t.getAttribute('data-ordinal')));
    });
  }

  invalidate(): void {
    this.drawn = '';
    this.cursorDrawn = null;
  }

  /**
   * Redraws the points only when the data, colours or message change; a cursor move (every arrow
   * key, every play tick) only moves the ring, so it stays cheap with hundreds of points.
   */
  draw(
    t: TrajectoryMessage | null,
    isYUpdate: (ordinal: number) => boolean,
    cursor: { step: number; ordinal: number } | null,
    from: Rgba,
    to: Rgba,
    message: string,
    /** A trajectory cloud's branches, in the same projection as `t` (then `t` is the cloud's trunk). */
    fan: { sig: string; paths: FanPath[] } | null = null,
  ): void {
    const sig = `${t ? t.id : -1}|${cssOf(from)}|${cssOf(to)}|${message}|${fan?.sig ?? ''}`;
    if (sig !== this.drawn) {
      this.drawn = sig;
      this.drawPoints(t, isYUpdate, from, to, message, fan?.paths ?? []);
    }
    const cursorSig = cursor ? `${cursor.step}:${cursor.ordinal}` : '';
    if (cursorSig === this.cursorDrawn) return;
    this.cursorDrawn = cursorSig;
    const p = cursor ? this.byKey.get(cursorSig) : undefined;
    select(this.root)
      .selectAll<SVGCircleElement, TrajPoint>('circle.cursor')
      .data(p ? [p] : [])
      .join('circle')
      .attr('class', 'cursor')
      .attr('cx', (d) => this.x(d.x))
      .attr('cy', (d) => this.y(d.y))
      .attr('r', 7)
      .raise();
  }

  private drawPoints(
    t: TrajectoryMessage | null,
    isYUpdate: (ordinal: number) => boolean,
    from: Rgba,
    to: Rgba,
    message: string,
    fan: FanPath[],
  ): void {
    const svg = select(this.root);
    const pts = t ? trajectoryPoints(t) : [];
    const all = [...pts, ...fan.flatMap((f) => f.pts)];
    this.byKey = new Map(pts.map((p) => [`${p.step}:${p.ordinal}`, p]));
    this.cursorDrawn = null;
    svg
      .selectAll<SVGTextElement, string>('text.msg')
      .data(pts.length ? [] : [message || 'no trajectory yet'])
      .join('text')
      .attr('class', 'msg')
      .attr('x', W / 2)
      .attr('y', H / 2)
      .attr('text-anchor', 'middle')
      .text((d) => d);
    const xe = extent(all, (p) => p.x) as [number, number] | [undefined, undefined];
    const ye = extent(all, (p) => p.y) as [number, number] | [undefined, undefined];
    const x = scaleLinear()
      .domain(xe[0] === undefined ? [0, 1] : [xe[0], xe[1]])
      .nice()
      .range([PAD, W - PAD]);
    const y = scaleLinear()
      .domain(ye[0] === undefined ? [0, 1] : [ye[0], ye[1]])
      .nice()
      .range([H - PAD, PAD]);
    this.x = x;
    this.y = y;
    const maxStep = Math.max(1, ...pts.map((p) => p.step));
    const colour = scaleSequential(interpolateLab(cssOf(from), cssOf(to))).domain([1, Math.max(2, maxStep)]);
    svg.attr(
      'aria-label',
      `latent trajectory (PCA of mean ${t?.tensor ?? 'z'} after each update): ${pts.length} points over ${maxStep} steps`,
    );
    // The cloud's branches under the trunk: a fan from the fork point, the picked and adopted branches on top.
    const fanLine = line<{ x: number; y: number }>()
      .x((p) => x(p.x))
      .y((p) => y(p.y));
    const fanPaths = svg
      .selectAll<SVGPathElement, FanPath>('path.fan')
      .data(fan, (f) => String(f.branch))
      .join('path')
      .attr('class', (f) => `fan ${f.role}`)
      .attr('data-branch', (f) => String(f.branch))
      .attr('d', (f) => fanLine(f.pts) ?? '');
    // Under the trunk and its points, in data order (adopted and picked branches above the others).
    for (const n of fanPaths.nodes().reverse()) n.parentNode?.insertBefore(n, n.parentNode.firstChild);
    fanPaths
      .selectAll<SVGTitleElement, FanPath>('title')
      .data((f) => [f])
      .join('title')
      .text((f) => f.title);
    svg
      .selectAll<SVGPathElement, number>('path.traj')
      .data([0])
      .join('path')
      .attr('class', 'traj')
      .attr(
        'd',
        line<TrajPoint>()
          .x((p) => x(p.x))
          .y((p) => y(p.y))(pts) ?? '',
      );
    const marks = svg
      .selectAll<SVGRectElement, TrajPoint>('rect.pt')
      .data(pts, (p) => `${p.step}:${p.ordinal}`)
      .join('rect')
      .attr('class', (p) => `pt${isYUpdate(p.ordinal) ? ' y' : ''}`)
      .attr('data-step', (p) => String(p.step))
      .attr('data-ordinal', (p) => String(p.ordinal))
      .attr('x', (p) => x(p.x) - (isYUpdate(p.ordinal) ? 4 : 2.5))
      .attr('y', (p) => y(p.y) - (isYUpdate(p.ordinal) ? 4 : 2.5))
      .attr('width', (p) => (isYUpdate(p.ordinal) ? 8 : 5))
      .attr('height', (p) => (isYUpdate(p.ordinal) ? 8 : 5))
      .attr('rx', (p) => (isYUpdate(p.ordinal) ? 1 : 2.5))
      .attr('fill', (p) => colour(p.step));
    marks
      .selectAll<SVGTitleElement, TrajPoint>('title')
      .data((p) => [p])
      .join('title')
      .text((p) => `step ${p.step}, update ${p.ordinal + 1}`);
  }
}
