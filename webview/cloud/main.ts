// The trajectory cloud view (webview): the fan of N noisy branches on the latent trajectory (PCA of
// the mean z or y after each update; the walked trajectory solid, branches faint, the selected one
// highlighted), each branch's halting step and q_halt, the per-cell vote agreement and entropy maps;
// clicking a branch adopts it in the debugger. Messages: src/protocol/cloud.ts.
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import type { CloudView } from '../../src/protocol/cloud';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };
const vscode = acquireVsCodeApi();
const NS = 'http://www.w3.org/2000/svg';

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

function fan(v: CloudView): SVGSVGElement {
  const W = 420,
    H = 260,
    P = 14;
  // Scales down with the panel (a narrow editor column cut the fan off at a fixed width).
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'fan', role: 'img' }) as SVGSVGElement;
  const f = v.fan;
  const xs = [...f.trunk.xs, ...f.branches.flatMap((b) => b.xs)].filter(Number.isFinite);
  const ys = [...f.trunk.ys, ...f.branches.flatMap((b) => b.ys)].filter(Number.isFinite);
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs)])
    .nice()
    .range([P, W - P]);
  const y = scaleLinear()
    .domain([Math.min(...ys), Math.max(...ys)])
    .nice()
    .range([H - P, P]);
  const path = line<[number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]));
  const fx = f.trunk.xs[f.forkIndex];
  const fy = f.trunk.ys[f.forkIndex];
  f.branches.forEach((b, k) => {
    const pts: [number, number][] = [[fx, fy], ...b.xs.map((bx, i) => [bx, b.ys[i]] as [number, number])];
    const sel = k === v.selected;
    const br = v.branches[k];
    root.appendChild(
      svg('path', {
        d: path(pts) ?? '',
        class: `branch${sel ? ' selected' : ''}${br.correct === true ? ' right' : br.correct === false ? ' wrong' : ''}`,
        'data-branch': k,
      }),
    );
  });
  const trunk: [number, number][] = f.trunk.xs.map((tx, i) => [tx, f.trunk.ys[i]]);
  root.appendChild(svg('path', { d: path(trunk) ?? '', class: 'trunk' }));
  root.appendChild(svg('circle', { cx: x(fx), cy: y(fy), r: 5, class: 'fork' }));
  root.setAttribute(
    'aria-label',
    `fan of ${f.branches.length} branches from ${v.fork.description} (PCA of mean ${f.tensor})`,
  );
  return root;
}

function cellMap(
  values: number[],
  w: number,
  h: number,
  max: number,
  title: string,
  fmt: (x: number) => string,
): HTMLElement {
  const box = el('div', 'map');
  box.appendChild(el('div', 'maptitle', title));
  const g = el('div', 'grid');
  g.style.gridTemplateColumns = `repeat(${w}, 18px)`;
  for (let i = 0; i < Math.min(values.length, w * h); i++) {
    const c = el('div', 'cell', fmt(values[i]));
    c.style.setProperty('--t', String(max > 0 ? values[i] / max : 0));
    c.title = `r${Math.floor(i / w) + 1}c${(i % w) + 1}: ${values[i].toFixed(3)}`;
    g.appendChild(c);
  }
  box.appendChild(g);
  return box;
}

function render(v: CloudView): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  const right = v.branches.filter((b) => b.correct).length;
  app.appendChild(el('h2', undefined, `Cloud of ${v.n} branches from ${v.fork.description}`));
  app.appendChild(
    el(
      'p',
      'muted',
      `noise ${v.noise.scale} on ${v.noise.target} at each ${v.noise.at}, seed ${v.noise.seed}; halting: ${v.halt}` +
        (v.branches[0]?.correct !== undefined ? `; ${right} of ${v.n} branches correct` : ''),
    ),
  );
  const sel = el('p', 'selections');
  for (const [rule, s] of Object.entries(v.selections))
    sel.appendChild(
      el(
        'span',
        `sel ${s.correct === true ? 'right' : s.correct === false ? 'wrong' : ''}`,
        `${rule}: ${s.branch !== undefined ? `branch ${s.branch}` : 'per-cell'}${s.correct === undefined ? '' : s.correct ? ' ✓' : ' ✗'}`,
      ),
    );
  app.appendChild(sel);
  const row = el('div', 'row');
  const plot = el('div', 'fanbox');
  const drawn = fan(v);
  plot.appendChild(drawn);
  // The legend counts what was drawn (paths with a line), so a missing branch shows here too.
  const paths = [...drawn.querySelectorAll('path.branch')].filter((p) => (p.getAttribute('d') ?? '').length > 0);
  const nRight = paths.filter((p) => p.classList.contains('right')).length;
  const nWrong = paths.filter((p) => p.classList.contains('wrong')).length;
  plot.appendChild(
    el(
      'p',
      'legend',
      `${paths.length} branches drawn` +
        (nRight + nWrong > 0 ? ` (${nRight} right in green, ${nWrong} wrong in red)` : '') +
        `; the walked trajectory as the solid line; PCA of the mean ${v.fan.tensor} after each update`,
    ),
  );
  row.appendChild(plot);
  const table = el('table', 'branches');
  table
    .appendChild(el('tr'))
    .append(
      el('th', undefined, 'branch'),
      el('th', undefined, 'halts at'),
      el('th', undefined, 'q_halt'),
      el('th', undefined, 'answer'),
      el('th'),
    );
  for (const b of v.branches) {
    const tr = el('tr', b.branch === v.selected ? 'selected' : '');
    const adopt = el('button', 'adopt', 'Adopt');
    adopt.dataset.branch = String(b.branch);
    tr.append(
      el('td', undefined, String(b.branch)),
      el('td', undefined, `step ${b.haltStep}${b.haltedByRule ? '' : ' (limit)'}`),
      el('td', undefined, b.qHalt.toFixed(2)),
      el(
        'td',
        b.correct === true ? 'right' : b.correct === false ? 'wrong' : '',
        b.correct === undefined ? '–' : b.correct ? 'correct' : 'wrong',
      ),
      el('td'),
    );
    tr.lastElementChild!.appendChild(adopt);
    table.appendChild(tr);
  }
  row.appendChild(table);
  app.appendChild(row);
  const maps = el('div', 'row');
  maps.appendChild(
    cellMap(
      v.votes.agreement.map((a) => 1 - a),
      v.gridWidth,
      v.gridHeight,
      1,
      'vote disagreement (shown: share of the majority where below 1)',
      (x) => (x > 0 ? (1 - x).toFixed(1).replace(/^0/, '') : ''),
    ),
  );
  maps.appendChild(
    cellMap(
      v.votes.entropy,
      v.gridWidth,
      v.gridHeight,
      Math.max(1e-9, ...v.votes.entropy),
      'vote entropy (bits)',
      (x) => (x > 0 ? x.toFixed(1) : ''),
    ),
  );
  app.appendChild(maps);
}

document.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button.adopt') as HTMLElement | null;
  if (b) vscode.postMessage({ type: 'adopt', branch: Number(b.dataset.branch) });
});
window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as { type?: string; view?: CloudView };
  if (m?.type === 'cloud' && m.view) render(m.view);
});
vscode.postMessage({ type: 'ready' });
