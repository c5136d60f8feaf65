// The evaluation browser's two d3 charts: accuracy per halting step (bars: how many puzzles halt at
// each step, how many of them are right at the halt and at N_sup) and the halting-policy lab's
// accuracy–compute plane (x: mean supervision steps, y: exact accuracy; one line per swept family,
// a point per single policy). SVG, sized to the container, redrawn on every view.
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { line } from 'd3-shape';
import type { EvalPolicyView, EvalView } from '../../src/protocol/evalBrowser';

const M = { top: 12, right: 16, bottom: 36, left: 46 };

export function drawHaltChart(el: HTMLElement, v: EvalView): void {
  const W = Math.max(280, el.clientWidth || 420),
    H = 200;
  select(el).selectAll('*').remove();
  const svg = select(el).append('svg').attr('width', W).attr('height', H).attr('class', 'eb-chart');
  const bins = v.byHaltStep;
  const x = scaleBand<number>()
    .domain(bins.map((b) => b.step))
    .range([M.left, W - M.right])
    .padding(0.2);
  const y = scaleLinear()
    .domain([0, Math.max(1, ...bins.map((b) => b.count))])
    .nice()
    .range([H - M.bottom, M.top]);
  svg
    .append('g')
    .attr('transform', `translate(0,${H - M.bottom})`)
    .call(axisBottom(x));
  svg.append('g').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4));
  svg
    .append('text')
    .attr('x', (M.left + W - M.right) / 2)
    .attr('y', H - 4)
    .attr('class', 'eb-axis-label')
    .attr('text-anchor', 'middle')
    .text('halting step (first q_halt > 0)');
  const bw = x.bandwidth();
  const g = svg.selectAll('g.eb-bin').data(bins).enter().append('g').attr('class', 'eb-bin');
  g.append('rect')
    .attr('class', 'eb-bar-all')
    .attr('x', (b) => x(b.step) ?? 0)
    .attr('width', bw)
    .attr('y', (b) => y(b.count))
    .attr('height', (b) => y(0) - y(b.count));
  g.append('rect')
    .attr('class', 'eb-bar-right')
    .attr('x', (b) => (x(b.step) ?? 0) + bw * 0.15)
    .attr('width', bw * 0.7)
    .attr('y', (b) => y(b.correctAtHalt))
    .attr('height', (b) => y(0) - y(b.correctAtHalt));
  g.append('title').text(
    (b) => `step ${b.step}: ${b.count} halt here, ${b.correctAtHalt} right at the halt, ${b.exact} right after N_sup`,
  );
}

const FAMILY_CLASS: Record<string, string> = {
  official: 'eb-p-official',
  fixed: 'eb-p-fixed',
  q_halt: 'eb-p-qhalt',
  threshold: 'eb-p-threshold',
  drift: 'eb-p-drift',
  cloud: 'eb-p-cloud',
};

export function drawPolicyChart(el: HTMLElement, v: EvalView, selected: (p: EvalPolicyView) => void): void {
  const W = Math.max(280, el.clientWidth || 420),
    H = 240;
  select(el).selectAll('*').remove();
  const svg = select(el).append('svg').attr('width', W).attr('height', H).attr('class', 'eb-chart eb-policy-chart');
  const ps = v.policies;
  const x = scaleLinear()
    .domain([0, Math.max(v.haltMaxSteps, ...ps.map((p) => p.meanSteps))])
    .range([M.left, W - M.right]);
  const lo = Math.min(...ps.map((p) => p.accuracy));
  const y = scaleLinear()
    .domain([Math.max(0, Math.floor(lo * 10) / 10 - 0.05), 1])
    .range([H - M.bottom, M.top]);
  svg
    .append('g')
    .attr('transform', `translate(0,${H - M.bottom})`)
    .call(axisBottom(x).ticks(8));
  svg
    .append('g')
    .attr('transform', `translate(${M.left},0)`)
    .call(
      axisLeft(y)
        .ticks(5)
        .tickFormat((d) => `${Math.round(Number(d) * 100)}%`),
    );
  svg
    .append('text')
    .attr('x', (M.left + W - M.right) / 2)
    .attr('y', H - 4)
    .attr('class', 'eb-axis-label')
    .attr('text-anchor', 'middle')
    .text('compute: mean supervision steps per puzzle');
  const families = [...new Set(ps.map((p) => p.family))];
  for (const f of families) {
    const pts = ps.filter((p) => p.family === f).sort((a, b) => a.meanSteps - b.meanSteps);
    if (pts.length > 1)
      svg
        .append('path')
        .datum(pts)
        .attr('class', `eb-curve ${FAMILY_CLASS[f] ?? ''}`)
        .attr(
          'd',
          line<EvalPolicyView>()
            .x((p) => x(p.meanSteps))
            .y((p) => y(p.accuracy)),
        );
  }
  svg
    .selectAll('circle.eb-policy')
    .data(ps)
    .enter()
    .append('circle')
    .attr('class', (p) => `eb-policy ${FAMILY_CLASS[p.family] ?? ''}`)
    .attr('data-policy', (p) => p.id)
    .attr('cx', (p) => x(p.meanSteps))
    .attr('cy', (p) => y(p.accuracy))
    .attr('r', (p) => (p.family === 'official' || p.family === 'q_halt' || p.family === 'cloud' ? 6 : 3.5))
    .on('click', (_e, p) => selected(p))
    .append('title')
    .text((p) => `${p.label}: ${(p.accuracy * 100).toFixed(1)} % exact, ${p.meanSteps.toFixed(2)} steps`);
  // Legend.
  const lg = svg.append('g').attr('transform', `translate(${M.left + 8},${M.top + 4})`);
  families.forEach((f, i) => {
    const row = lg.append('g').attr('transform', `translate(0,${i * 14})`);
    row
      .append('circle')
      .attr('r', 4)
      .attr('cx', 4)
      .attr('cy', 0)
      .attr('class', `eb-policy ${FAMILY_CLASS[f] ?? ''}`);
    row.append('text').attr('x', 12).attr('y', 4).attr('class', 'eb-legend').text(f.replace('_', ' '));
  });
}
