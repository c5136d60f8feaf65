// The ARC vote explorer (webview): for one test input of an ARC task run under N augmentations, the
// vote grid (the winning answer, each cell with how many variants voted its colour; split cells
// marked), the ranked candidates with their votes (pass@1 = the first is right, pass@2 = one of the
// first two), every variant's answer mapped back by its inverse (the ones that disagree flagged), and
// pass@1 / pass@2 against the number of augmentations that vote (d3). Messages: src/protocol/votes.ts.
import { scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';
import { type HostToVotes, type VotesView, validateHostToVotes } from '../../src/protocol/votes';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void };
const vscode = acquireVsCodeApi();
const NS = 'http://www.w3.org/2000/svg';
/** The ARC palette (colours 0..9) as the ARC-AGI viewer draws it. */
const PALETTE = [
  '#000000',
  '#0074d9',
  '#ff4136',
  '#2ecc40',
  '#ffdc00',
  '#aaaaaa',
  '#f012be',
  '#ff851b',
  '#7fdbff',
  '#870c25',
];

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
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** A grid as coloured cells (size px each); `label(y, x)` writes text into a cell. */
function gridEl(g: number[][], size: number, cls: string, label?: (y: number, x: number) => string): HTMLElement {
  const box = el('div', `grid ${cls}`);
  box.style.gridTemplateColumns = `repeat(${g[0]?.length ?? 0}, ${size}px)`;
  g.forEach((row, y) =>
    row.forEach((c, x) => {
      const cell = el('div', 'cell', label?.(y, x));
      cell.style.background = PALETTE[c] ?? '#444';
      cell.style.width = cell.style.height = `${size}px`;
      cell.dataset.colour = String(c);
      box.appendChild(cell);
    }),
  );
  return box;
}

function voteGrid(v: VotesView): HTMLElement {
  const win = v.candidates[0];
  const wrap = el('div', 'card');
  if (!win) {
    wrap.appendChild(el('p', 'muted', 'No variant answered with a grid: nothing to vote on.'));
    return wrap;
  }
  const total = v.variants.filter(
    (x) => x.grid && x.grid.length === win.grid.length && x.grid[0]?.length === win.grid[0]?.length,
  ).length;
  wrap.appendChild(
    el(
      'h3',
      undefined,
      `Vote grid: the top candidate (${win.votes} of ${v.variants.length} variants), each cell with the votes for its colour`,
    ),
  );
  const g = gridEl(win.grid, 30, 'vote-grid', (y, x) => String(v.cellVotes[y][x][win.grid[y][x]]));
  let split = 0;
  [...g.children].forEach((cell, i) => {
    const y = Math.floor(i / win.grid[0].length);
    const x = i % win.grid[0].length;
    const votes = v.cellVotes[y][x];
    const mine = votes[win.grid[y][x]];
    const c = cell as HTMLElement;
    c.dataset.votes = String(mine);
    c.title = `r${y + 1}c${x + 1}: ${votes
      .map((n, colour) => (n ? `colour ${colour}: ${n}` : ''))
      .filter(Boolean)
      .join(', ')} (of ${total} same-shape answers)`;
    if (mine < total) {
      c.classList.add('split');
      split++;
    }
    if (v.truth[y]?.[x] !== win.grid[y][x]) c.classList.add('wrong');
  });
  wrap.appendChild(g);
  wrap.appendChild(
    el(
      'p',
      'muted legend',
      `${split} split cell(s) outlined in orange (variants voted different colours); cells ringed in white differ from the expected answer. ` +
        `${total} of ${v.variants.length} answers have this shape and vote per cell.`,
    ),
  );
  return wrap;
}

function passExplanation(v: VotesView): HTMLElement {
  const box = el('div', 'card pass');
  const c = v.candidates;
  const first = c[0];
  const second = c[1];
  box.appendChild(el('h3', undefined, `pass@1 ${v.pass1 ? '✓' : '✗'}   pass@2 ${v.pass2 ? '✓' : '✗'}`));
  const lines = [
    first
      ? `pass@1 submits the most voted answer (${first.votes} vote${first.votes === 1 ? '' : 's'}, mean halting probability ${first.meanHaltProbability.toFixed(2)}): ${first.correct ? 'right' : 'wrong'}.`
      : 'pass@1: no answer.',
    second
      ? `pass@2 also submits the runner-up (${second.votes} vote${second.votes === 1 ? '' : 's'}): ${second.correct ? 'right' : 'wrong'}.`
      : 'pass@2: there is no second candidate.',
    'Ties in votes are broken by the mean sigmoid(q_halt), as evaluators/arc.py does.',
  ];
  for (const l of lines) box.appendChild(el('p', undefined, l));
  const list = el('div', 'candidates');
  c.slice(0, 6).forEach((k, i) => {
    const item = el('div', `candidate${k.correct ? ' right' : ''}`);
    item.appendChild(gridEl(k.grid, 8, 'thumb'));
    item.appendChild(
      el('div', 'caption', `#${i + 1}: ${k.votes} vote${k.votes === 1 ? '' : 's'}${k.correct ? ' ✓' : ''}`),
    );
    list.appendChild(item);
  });
  if (c.length > 6) list.appendChild(el('div', 'muted', `… ${c.length - 6} more candidates`));
  box.appendChild(list);
  return box;
}

function variantsCard(v: VotesView): HTMLElement {
  const box = el('div', 'card');
  const disagree = v.variants.filter((x) => !x.agrees);
  box.appendChild(
    el(
      'h3',
      undefined,
      `Variants: ${v.variants.length - disagree.length} agree with the top candidate, ${disagree.length} disagree`,
    ),
  );
  const list = el('div', 'variants');
  for (const x of [...disagree, ...v.variants.filter((y) => y.agrees)]) {
    const item = el('div', `variant${x.agrees ? '' : ' disagrees'}${x.correct ? ' right' : ''}`);
    item.dataset.variant = x.name;
    if (x.grid) item.appendChild(gridEl(x.grid, 6, 'thumb'));
    else item.appendChild(el('div', 'noanswer', 'no grid'));
    const cap = el(
      'div',
      'caption',
      `${x.transform === 0 && x.colours === '0123456789' ? 'identity' : `t${x.transform} ${x.colours}`}${x.haltProbability !== undefined ? ` · p ${x.haltProbability.toFixed(2)}` : ''}`,
    );
    cap.title = x.name;
    item.appendChild(cap);
    list.appendChild(item);
  }
  box.appendChild(list);
  return box;
}

function curve(v: VotesView): HTMLElement {
  const box = el('div', 'card curve-card');
  const pts = v.report.byAugmentations;
  box.appendChild(
    el(
      'h3',
      undefined,
      `Accuracy by number of augmentations (${v.inputs.length} test input(s): pass@1 ${pct(v.report.pass1)}, pass@2 ${pct(v.report.pass2)} with all)`,
    ),
  );
  const W = 420,
    H = 180,
    L = 36,
    B = 26,
    P = 10;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'curve', role: 'img' });
  const x = scaleLinear()
    .domain([1, Math.max(2, pts.length)])
    .range([L, W - P]);
  const y = scaleLinear()
    .domain([0, 1])
    .range([H - B, P]);
  for (const t of [0, 0.5, 1]) {
    root.appendChild(svg('line', { x1: L, x2: W - P, y1: y(t), y2: y(t), class: 'gridline' }));
    const lab = svg('text', { x: L - 4, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' });
    lab.textContent = `${t * 100}%`;
    root.appendChild(lab);
  }
  for (const t of x.ticks(Math.min(8, pts.length))) {
    if (!Number.isInteger(t)) continue;
    const lab = svg('text', { x: x(t), y: H - 8, class: 'tick', 'text-anchor': 'middle' });
    lab.textContent = String(t);
    root.appendChild(lab);
  }
  for (const [k, cls] of [
    ['pass2', 'pass2'],
    ['pass1', 'pass1'],
  ] as const) {
    const d = line<(typeof pts)[number]>()
      .x((p) => x(p.variants))
      .y((p) => y(p[k]))(pts);
    root.appendChild(svg('path', { d: d ?? '', class: `line ${cls}` }));
  }
  root.setAttribute('aria-label', `pass@1 and pass@2 for 1..${pts.length} voting augmentations`);
  box.appendChild(root);
  box.appendChild(el('p', 'muted legend', 'solid: pass@1, dashed: pass@2; x: the first m variants of each input vote'));
  return box;
}

function render(v: VotesView): void {
  const app = document.getElementById('app')!;
  app.replaceChildren();
  app.appendChild(el('h2', undefined, `ARC votes: ${v.task}, test input ${v.input + 1} of ${v.inputs.length}`));
  app.appendChild(el('p', 'muted', v.source));
  if (v.inputs.length > 1) {
    const nav = el('div', 'nav');
    v.inputs.forEach((i, k) => {
      const b = el('button', k === v.input ? 'current' : '', `input ${k + 1}${i.pass1 ? ' ✓' : ''}`);
      b.dataset.input = String(k);
      nav.appendChild(b);
    });
    app.appendChild(nav);
  }
  const top = el('div', 'row');
  const q = el('div', 'card');
  q.appendChild(el('h3', undefined, 'Test input'));
  q.appendChild(gridEl(v.question, 14, 'question'));
  q.appendChild(el('h3', undefined, 'Expected answer'));
  q.appendChild(gridEl(v.truth, 14, 'truth'));
  top.append(q, voteGrid(v), passExplanation(v));
  app.appendChild(top);
  const bottom = el('div', 'row');
  bottom.append(variantsCard(v), curve(v));
  app.appendChild(bottom);
}

document.addEventListener('click', (e) => {
  const b = (e.target as HTMLElement).closest('button[data-input]') as HTMLElement | null;
  if (b) vscode.postMessage({ type: 'selectInput', index: Number(b.dataset.input) });
});
window.addEventListener('message', (e: MessageEvent) => {
  const problem = validateHostToVotes(e.data);
  if (problem) {
    vscode.postMessage({ type: 'error', message: problem.slice(0, 4000) });
    return;
  }
  const m = e.data as HostToVotes;
  try {
    render(m.view);
  } catch (err) {
    vscode.postMessage({ type: 'error', message: String((err as Error)?.stack ?? err).slice(0, 4000) });
  }
});
vscode.postMessage({ type: 'ready' });
