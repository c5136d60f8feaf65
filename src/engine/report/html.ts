// Self-contained HTML reports (`trm report`, and the "TRM: Write HTML Report" command): one file
// with inline CSS, inline SVG charts and PNG heatmaps as data: URIs, no script that fetches and no
// external reference, so it opens in any browser without VS Code or a network. Two kinds: a run of
// one puzzle (every update's y and z as small heatmaps, the q_halt and drift curves, the answer at
// each step) and an evaluation (`trm eval` results JSON: metrics, halting histogram, failure table).

import type { PuzzleTrace } from '../trace/types';
import { updateAt, describeUpdate } from '../trace/types';
import { positionNorms } from '../trace/views';
import { heatmapDataUri } from './png';

export interface RunReportInput {
  title: string;
  puzzle: {
    id: string;
    origin: string;
    kind: string;
    gridWidth: number;
    gridHeight: number;
    inputs: Int32Array;
    labels?: Int32Array;
  };
  checkpoint: string;
  backend: string;
  steps: number;
  /** Where the halt policy stops (marked on the curves), if it does. */
  haltStep?: number;
  haltPolicy: string;
  /** Renders a token id as text (Sudoku digits, ARC colours). */
  cellText: (id: number) => string;
}

interface Frame {
  step: number;
  ordinal: number;
  label: string;
  y: string;
  z: string;
  driftY: number;
  driftZ: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number) =>
  !Number.isFinite(x)
    ? String(x)
    : Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0)
      ? x.toExponential(2)
      : x.toFixed(3);

function relChange(a: Float32Array, b: Float32Array): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** A line chart as inline SVG: series of (x, y) points, step boundaries as faint verticals. */
export function lineChart(
  series: { name: string; color: string; points: [number, number][] }[],
  opts: { width?: number; height?: number; xLabel: string; yLabel: string; zeroLine?: boolean; marks?: number[] },
): string {
  const W = opts.width ?? 560;
  const H = opts.height ?? 180;
  const L = 48,
    R = 10,
    T = 10,
    B = 30;
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p[1]));
  if (all.length === 0) return '<p class="muted">no finite values</p>';
  const x0 = Math.min(...all.map((p) => p[0]));
  const x1 = Math.max(...all.map((p) => p[0]), x0 + 1);
  let y0 = Math.min(...all.map((p) => p[1]));
  let y1 = Math.max(...all.map((p) => p[1]));
  if (opts.zeroLine) {
    y0 = Math.min(y0, 0);
    y1 = Math.max(y1, 0);
  }
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const tx = (x: number) => (Number.isInteger(x) ? String(x) : fmt(x));
  const sx = (x: number) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (y: number) => T + (1 - (y - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(opts.yLabel)}">`,
  );
  for (const m of opts.marks ?? [])
    parts.push(`<line x1="${sx(m)}" x2="${sx(m)}" y1="${T}" y2="${H - B}" class="mark"/>`);
  if (opts.zeroLine) parts.push(`<line x1="${L}" x2="${W - R}" y1="${sy(0)}" y2="${sy(0)}" class="zero"/>`);
  parts.push(
    `<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="axis"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>`,
  );
  parts.push(
    `<text x="4" y="${T + 8}" class="tick">${fmt(y1)}</text><text x="4" y="${H - B}" class="tick">${fmt(y0)}</text>`,
  );
  parts.push(
    `<text x="${L}" y="${H - 8}" class="tick">${tx(x0)}</text><text x="${W - R - 30}" y="${H - 8}" class="tick">${tx(x1)}</text>`,
  );
  parts.push(`<text x="${(L + W) / 2 - 40}" y="${H - 4}" class="tick">${esc(opts.xLabel)}</text>`);
  series.forEach((s, k) => {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    parts.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${pts.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ')}"/>`,
    );
    for (const p of pts.length <= 40 ? pts : [])
      parts.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    parts.push(
      `<text x="${W - R - 120}" y="${T + 12 + 14 * k}" fill="${s.color}" class="legend">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#1d1d1f;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.muted{color:#666}.kv td{padding:1px 12px 1px 0}.kv td:first-child{color:#666}
table.t{border-collapse:collapse}table.t td,table.t th{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.t th{background:#f4f4f6}table.t td.l,table.t th.l{text-align:left}
.frames{display:grid;gap:6px;align-items:start}.frame{font-size:10px;text-align:center;color:#555}
.frame img{image-rendering:pixelated;display:block;margin:1px auto;border:1px solid #ccc}
.grid{border-collapse:collapse;font:12px ui-monospace,monospace}.grid td{width:18px;height:18px;text-align:center;border:1px solid #ccc}
.grid td.given{color:#888}.grid td.wrong{background:#ffd6d6;color:#a00;font-weight:bold}.grid td.right{background:#e5f6e5}
svg .axis{stroke:#999}svg .zero{stroke:#c33;stroke-dasharray:4 3}svg .mark{stroke:#eee}svg .tick,svg .legend{font-size:10px;fill:#555}
svg .legend{font-size:11px}.steps{display:flex;flex-wrap:wrap;gap:14px}
@media (prefers-color-scheme: dark){body{background:#1e1e1e;color:#ddd}table.t th{background:#2a2a2e}.grid td{border-color:#444}}
`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>${body}
<p class="muted">Written by TRM Lens on ${esc(new Date().toISOString())}. Self-contained: no scripts, no network.</p>
</body></html>
`;
}

function answerGrid(preds: ArrayLike<number>, inp: RunReportInput): string {
  const { gridWidth: w, gridHeight: h, inputs, labels } = inp.puzzle;
  const rows: string[] = [];
  for (let r = 0; r < h; r++) {
    const cells: string[] = [];
    for (let c = 0; c < w; c++) {
      const i = r * w + c;
      if (i >= preds.length) break;
      const given = inputs[i] !== 0 && (inp.puzzle.kind !== 'sudoku' || inputs[i] !== 1) && labels?.[i] === inputs[i];
      const cls = given ? 'given' : labels && labels[i] !== 0 ? (labels[i] === preds[i] ? 'right' : 'wrong') : '';
      cells.push(`<td class="${cls}">${esc(inp.cellText(preds[i]))}</td>`);
    }
    rows.push(`<tr>${cells.join('')}</tr>`);
  }
  return `<table class="grid">${rows.join('')}</table>`;
}

/** Collects every frame of steps 1..steps from a trace and writes the run report. */
export async function runReportHtml(trace: PuzzleTrace, inp: RunReportInput): Promise<string> {
  const c = trace.config;
  const T = trace.derived.totalSeqLen;
  const P = trace.derived.puzzleEmbLen;
  const D = c.hidden_size;
  const U = trace.derived.updatesPerStep;
  const { gridWidth: w, gridHeight: h } = inp.puzzle;
  const S = c.seq_len;
  const cellsShown = Math.min(S, w * h);
  const frames: Frame[] = [];
  const normsY: Float32Array[] = [];
  const normsZ: Float32Array[] = [];
  let prev = await trace.initialState();
  const driftPoints: { y: [number, number][]; z: [number, number][] } = { y: [], z: [] };
  for (let s = 1; s <= inp.steps; s++)
    for (let o = 0; o < U; o++) {
      const ref = updateAt(c, s, o);
      const st = await trace.stateAfter(ref);
      const ny = positionNorms(st.y, T, D).subarray(P, P + cellsShown);
      const nz = positionNorms(st.z, T, D).subarray(P, P + cellsShown);
      normsY.push(ny);
      normsZ.push(nz);
      const k = (s - 1) * U + o + 1;
      const dy = relChange(st.y, prev.y);
      const dz = relChange(st.z, prev.z);
      if (ref.kind === 'y') driftPoints.y.push([k, dy]);
      else driftPoints.z.push([k, dz]);
      frames.push({
        step: s,
        ordinal: o,
        label: describeUpdate(ref).replace(/^step \d+ › /, ''),
        y: '',
        z: '',
        driftY: dy,
        driftZ: dz,
      });
      prev = st;
    }
  const range = (arr: Float32Array[]) => {
    let lo = Infinity,
      hi = -Infinity;
    for (const a of arr)
      for (const v of a) {
        if (!Number.isFinite(v)) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    return [lo, hi];
  };
  const [ylo, yhi] = range(normsY);
  const [zlo, zhi] = range(normsZ);
  const scale = Math.max(2, Math.floor(48 / Math.max(w, h)));
  frames.forEach((f, i) => {
    f.y = heatmapDataUri(normsY[i], w, Math.ceil(cellsShown / w), ylo, yhi, scale);
    f.z = heatmapDataUri(normsZ[i], w, Math.ceil(cellsShown / w), zlo, zhi, scale);
  });
  const outs = [];
  for (let s = 1; s <= inp.steps; s++) outs.push(await trace.stepOutputs(s));
  const q = outs.map((o) => [o.step, o.qHalt] as [number, number]);
  const acc = outs.filter((o) => o.accuracy !== undefined).map((o) => [o.step, o.accuracy!] as [number, number]);
  const last = outs[(inp.haltStep ?? inp.steps) - 1];
  const body: string[] = [];
  body.push(`<h1>${esc(inp.title)}</h1>`);
  body.push(
    `<table class="kv"><tr><td>puzzle</td><td>${esc(inp.puzzle.id)} (${esc(inp.puzzle.origin)}, ${esc(inp.puzzle.kind)} ${h}×${w})</td></tr>` +
      `<tr><td>checkpoint</td><td>${esc(inp.checkpoint)}</td></tr><tr><td>backend</td><td>${esc(inp.backend)}</td></tr>` +
      `<tr><td>model</td><td>hidden_size ${D}, H_cycles (T) ${c.H_cycles}, L_cycles (n) ${c.L_cycles}, L_layers ${c.L_layers}; ${U} updates per step</td></tr>` +
      `<tr><td>halting</td><td>${esc(inp.haltPolicy)}; ${inp.haltStep ? `halts after step ${inp.haltStep}` : `runs all ${inp.steps} steps`}</td></tr>` +
      (last.correct !== undefined
        ? `<tr><td>answer</td><td id="verdict">${last.correct ? 'correct' : `wrong (${last.wrongCells?.length} cells)`} at step ${last.step}</td></tr>`
        : '') +
      `</table>`,
  );
  body.push('<h2>q_halt per supervision step</h2>');
  body.push(
    lineChart([{ name: 'q_halt (halt when > 0)', color: '#3a6ea5', points: q }], {
      xLabel: 'supervision step',
      yLabel: 'q_halt',
      zeroLine: true,
    }),
  );
  if (acc.length) {
    body.push('<h2>cell accuracy per step</h2>');
    body.push(
      lineChart([{ name: 'accuracy', color: '#2a8a4a', points: acc }], {
        xLabel: 'supervision step',
        yLabel: 'accuracy',
      }),
    );
  }
  body.push('<h2>drift: relative change of the updated latent at each update</h2>');
  body.push(
    lineChart(
      [
        { name: 'z (z_L) updates', color: '#8a5cc2', points: driftPoints.z },
        { name: 'y (z_H) revisions', color: '#d9822b', points: driftPoints.y },
      ],
      { xLabel: 'update', yLabel: 'relative change', marks: outs.map((o) => o.step * U) },
    ),
  );
  body.push('<h2>answer at each step</h2><div class="steps">');
  for (const o of outs)
    body.push(
      `<div><div class="muted">step ${o.step}: q_halt ${fmt(o.qHalt)}${o.accuracy !== undefined ? `, ${(o.accuracy * 100).toFixed(1)} % right` : ''}</div>${answerGrid(o.preds, inp)}</div>`,
    );
  body.push('</div>');
  body.push(
    `<h2>timeline frames: norm of y (z_H) and z (z_L) per cell after each update</h2><p class="muted">Colour: L2 norm over the hidden dimension at each grid cell (y: ${fmt(ylo)}..${fmt(yhi)}, z: ${fmt(zlo)}..${fmt(zhi)}).</p>`,
  );
  for (let s = 1; s <= inp.steps; s++) {
    body.push(`<h3>step ${s}</h3><div class="frames" style="grid-template-columns:repeat(${U},max-content)">`);
    for (const f of frames.filter((x) => x.step === s))
      body.push(
        `<div class="frame" data-step="${f.step}" data-ordinal="${f.ordinal}">${esc(f.label)}<img alt="y" src="${f.y}"><img alt="z" src="${f.z}"></div>`,
      );
    body.push('</div>');
  }
  return page(inp.title, body.join('\n'));
}

/** What `trm eval` writes (src/cli/commands/eval.ts). */
export interface EvalResultsFile {
  checkpoint?: string;
  data?: string;
  seconds?: number;
  metrics: Record<string, number>;
  puzzles: {
    row: number;
    exact: boolean;
    cellAccuracy: number;
    haltProbability: number;
    haltStep: number;
    firstCorrectStep: number;
    revisions: number[];
  }[];
}

export function validateEvalResults(v: unknown, where: string): EvalResultsFile {
  const o = v as Record<string, unknown>;
  if (
    typeof v !== 'object' ||
    v === null ||
    typeof o.metrics !== 'object' ||
    o.metrics === null ||
    !Array.isArray(o.puzzles)
  )
    throw new Error(
      `${where}: not a 'trm eval' results file (expected {metrics, puzzles: [...]}; write one with trm eval --out)`,
    );
  (o.puzzles as unknown[]).forEach((p, i) => {
    const r = p as Record<string, unknown>;
    if (
      typeof p !== 'object' ||
      p === null ||
      typeof r.exact !== 'boolean' ||
      typeof r.row !== 'number' ||
      typeof r.haltStep !== 'number'
    )
      throw new Error(
        `${where}: puzzles[${i}] lacks row/exact/haltStep (was it written by trm eval with per-puzzle results?)`,
      );
  });
  return v as EvalResultsFile;
}

/** Failure mode of one evaluated puzzle (the evaluation browser's groups, from the recorded fields). */
export function failureMode(p: EvalResultsFile['puzzles'][number]): string {
  if (p.exact)
    return p.firstCorrectStep > 0 && p.haltStep < p.firstCorrectStep ? 'right, but q halts before it is' : 'right';
  return p.firstCorrectStep > 0 ? 'right then lost' : 'never right';
}

export function evalReportHtml(r: EvalResultsFile, title: string): string {
  const body: string[] = [];
  const n = r.puzzles.length;
  const exact = r.puzzles.filter((p) => p.exact).length;
  body.push(`<h1>${esc(title)}</h1>`);
  body.push(
    `<table class="kv">${r.checkpoint ? `<tr><td>checkpoint</td><td>${esc(r.checkpoint)}</td></tr>` : ''}${r.data ? `<tr><td>data</td><td>${esc(r.data)}</td></tr>` : ''}` +
      `<tr><td>puzzles</td><td>${n}</td></tr><tr><td>exact</td><td id="exact">${exact} / ${n} (${n ? ((100 * exact) / n).toFixed(1) : '–'} %)</td></tr>` +
      (r.seconds !== undefined ? `<tr><td>time</td><td>${r.seconds.toFixed(1)} s</td></tr>` : '') +
      `</table>`,
  );
  body.push('<h2>metrics</h2><table class="t"><tr><th class="l">metric</th><th>value</th></tr>');
  for (const [k, v] of Object.entries(r.metrics))
    body.push(`<tr><td class="l">${esc(k)}</td><td>${fmt(Number(v))}</td></tr>`);
  body.push('</table>');
  const maxStep = Math.max(1, ...r.puzzles.map((p) => p.haltStep));
  const byStep: [number, number][] = [];
  const accByStep: [number, number][] = [];
  for (let s = 1; s <= maxStep; s++) {
    const at = r.puzzles.filter((p) => p.haltStep === s);
    byStep.push([s, at.length]);
    if (at.length) accByStep.push([s, at.filter((p) => p.exact).length / at.length]);
  }
  body.push('<h2>puzzles by halting step (first q_halt &gt; 0)</h2>');
  body.push(
    lineChart([{ name: 'puzzles', color: '#3a6ea5', points: byStep }], { xLabel: 'halting step', yLabel: 'puzzles' }),
  );
  body.push('<h2>exact accuracy by halting step</h2>');
  body.push(
    lineChart([{ name: 'exact', color: '#2a8a4a', points: accByStep }], { xLabel: 'halting step', yLabel: 'exact' }),
  );
  const groups = new Map<string, number>();
  for (const p of r.puzzles) groups.set(failureMode(p), (groups.get(failureMode(p)) ?? 0) + 1);
  body.push('<h2>failure modes</h2><table class="t" id="modes"><tr><th class="l">mode</th><th>puzzles</th></tr>');
  for (const [k, v] of [...groups].sort((a, b) => b[1] - a[1]))
    body.push(`<tr><td class="l">${esc(k)}</td><td>${v}</td></tr>`);
  body.push('</table>');
  const failures = r.puzzles.filter((p) => !p.exact).sort((a, b) => a.cellAccuracy - b.cellAccuracy);
  body.push(`<h2>failures (${failures.length})</h2>`);
  body.push(
    '<table class="t" id="failures"><tr><th>row</th><th class="l">mode</th><th>cell accuracy</th><th>halting step</th><th>p(halt)</th><th>first right step</th><th>cells revised</th></tr>',
  );
  for (const p of failures)
    body.push(
      `<tr><td>${p.row}</td><td class="l">${esc(failureMode(p))}</td><td>${(100 * p.cellAccuracy).toFixed(1)} %</td><td>${p.haltStep}</td><td>${fmt(p.haltProbability)}</td><td>${p.firstCorrectStep || '–'}</td><td>${(p.revisions ?? []).reduce((a, b) => a + b, 0)}</td></tr>`,
    );
  body.push('</table>');
  return page(title, body.join('\n'));
}
