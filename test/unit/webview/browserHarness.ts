// Test harness: serves the real panel HTML (timelineHtml, with its CSP) plus dist/webview.js and
// media/timeline.css to headless Debian Chromium from a fake origin, stands in for VS Code with a
// fake `acquireVsCodeApi` and an in-page fake host that answers the protocol's pull requests with
// deterministic data, and records everything the webview posts, every CSP violation and any
// request that would leave the page (there must be none).
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { timelineHtml } from '../../../src/extension/timeline/html';

export const ORIGIN = 'https://trm-webview.test';
const ROOT = process.cwd();

/** VS Code injects theme colours as --vscode-* variables; these mirror the defaults in package.json. */
export const THEMES = {
  dark: {
    bodyClass: 'vscode-dark',
    vars: {
      '--vscode-editor-background': '#1e1e1e',
      '--vscode-editor-foreground': '#d4d4d4',
      '--vscode-descriptionForeground': '#9d9d9d',
      '--vscode-panel-border': '#444444',
      '--vscode-focusBorder': '#007fd4',
      '--vscode-font-family': 'DejaVu Sans, sans-serif',
      '--vscode-editor-font-family': 'DejaVu Sans Mono, monospace',
      '--vscode-font-size': '13px',
      '--vscode-trmLens-timeline-positive': '#f59322',
      '--vscode-trmLens-timeline-negative': '#3794ff',
      '--vscode-trmLens-timeline-changed': '#c586c0',
      '--vscode-trmLens-timeline-wrong': '#f14c4c',
      '--vscode-editorWidget-border': '#454545',
      '--vscode-button-background': '#0e639c',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-dropdown-background': '#3c3c3c',
      '--vscode-dropdown-foreground': '#f0f0f0',
    },
  },
  light: {
    bodyClass: 'vscode-light',
    vars: {
      '--vscode-editor-background': '#ffffff',
      '--vscode-editor-foreground': '#333333',
      '--vscode-descriptionForeground': '#717171',
      '--vscode-panel-border': '#d4d4d4',
      '--vscode-focusBorder': '#0090f1',
      '--vscode-font-family': 'DejaVu Sans, sans-serif',
      '--vscode-editor-font-family': 'DejaVu Sans Mono, monospace',
      '--vscode-font-size': '13px',
      '--vscode-trmLens-timeline-positive': '#d9480f',
      '--vscode-trmLens-timeline-negative': '#1c7ed6',
      '--vscode-trmLens-timeline-changed': '#ae3ec9',
      '--vscode-trmLens-timeline-wrong': '#e51400',
      '--vscode-editorWidget-border': '#c8c8c8',
      '--vscode-button-background': '#007acc',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-dropdown-background': '#ffffff',
      '--vscode-dropdown-foreground': '#333333',
    },
  },
} as const;
export type ThemeName = keyof typeof THEMES;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/**
 * In-page fake host (plain ES2020, injected as source text). It answers requests with values that
 * make pixels predictable: z/y norm of grid cell i is 5·(i mod W)/(W−1) (0 → background colour,
 * 5 → the positive end of the fixed [0, 5] domain), a channel slice is 5·(2·(i mod W)/(W−1) − 1)
 * (negative … background … positive); the P prefix values are 1000 so a prefix that is not dropped
 * would wreck the domain. Seeks are echoed back as trm/position the way the adapter does.
 */
const FAKE_HOST = String.raw`
(() => {
  const posted = [];
  const violations = [];
  let state;
  let cfg = null;
  const reply = (m) => setTimeout(() => window.postMessage(m, '*'), 1);
  const describe = (step, ordinal, n) => {
    const per = n + 1, cycle = Math.floor(ordinal / per) + 1, j = ordinal % per;
    return j < n ? { cycle, kind: 'z', index: j + 1, text: 'step ' + step + ' › cycle ' + cycle + ' › z ' + (j + 1) + ' (z_L)' }
                 : { cycle, kind: 'y', index: 0, text: 'step ' + step + ' › cycle ' + cycle + ' › y (z_H)' };
  };
  const handle = (m) => {
    if (!cfg) return;
    const info = cfg.traceInfo;
    if (m.type === 'requestHeatmap') {
      const P = info.puzzleEmbLen, S = info.seqLen, W = info.gridWidth;
      const v = new Float32Array(P + S);
      for (let i = 0; i < P; i++) v[i] = 1000;
      // Columns 0, W/2 and W-1 are exact (tests read those pixels); the others wander with the update
      // and settle as steps go on, so screenshots look like a recursion converging.
      const mid = Math.floor(W / 2);
      for (let i = 0; i < S; i++) {
        const c = i % W, r = Math.floor(i / W);
        let t = c / (W - 1);
        if (c !== 0 && c !== mid && c !== W - 1) {
          t += (0.45 * Math.sin(r * 1.3 + c * 0.7 + m.ordinal * 0.5 + m.step * 1.1)) / m.step;
          t = Math.max(0, Math.min(1, t));
        }
        // norm: [0, 5]; delta (the default, log scale): 1e-3 .. 10, four decades; others: [-5, 5].
        v[P + i] = m.view === 'norm' ? 5 * t : m.view === 'delta' ? 10 ** (-3 + 4 * t) : 5 * (2 * t - 1);
      }
      if (cfg.nanCell && m.step === cfg.nanCell.step && m.ordinal === cfg.nanCell.ordinal) v[P] = NaN;
      reply({ type: 'heatmap', id: m.id, values: v, min: -5, max: 5 });
    } else if (m.type === 'requestStepSummary') {
      const s = cfg.summaries[m.step - 1];
      if (!s) { reply({ type: 'error', id: m.id, message: 'step ' + m.step + ' has not been computed' }); return; }
      reply({ type: 'stepSummary', id: m.id, summary: {
        step: m.step, preds: Int32Array.from(s.preds), confidence: Float32Array.from(s.confidence), qHalt: s.qHalt,
        qContinue: -s.qHalt, haltProbability: 1 / (1 + Math.exp(-s.qHalt)), wouldHalt: s.qHalt > 0, halted: !!s.halted,
        changedCells: Int32Array.from(s.changed), correct: s.wrong.length === 0, accuracy: 1 - s.wrong.length / info.seqLen,
        wrongCells: Int32Array.from(s.wrong), nonFinite: false,
        ...(s.dz !== undefined ? { dz: s.dz, dy: s.dy } : {}) } });
    } else if (m.type === 'requestTrajectory') {
      const per = info.hCycles * (info.lCycles + 1);
      const steps = [], ords = [], xs = [], ys = [];
      for (let s = 1; s <= m.steps; s++) for (let o = 0; o < per; o++) {
        const k = (s - 1) * per + o, r = 1 + k * 0.08, a = k * 0.35;
        steps.push(s); ords.push(o); xs.push(r * Math.cos(a)); ys.push(r * Math.sin(a));
      }
      reply({ type: 'trajectory', id: m.id, tensor: m.tensor, steps: Int32Array.from(steps), ordinals: Int32Array.from(ords),
        xs: Float32Array.from(xs), ys: Float32Array.from(ys) });
    } else if (m.type === 'seek') {
      const d = describe(m.step, m.ordinal, info.lCycles);
      const position = { step: m.step, cycle: d.cycle, kind: d.kind, index: d.index, ordinal: m.ordinal, description: d.text, reason: 'seek' };
      if (m.layer !== undefined) position.layer = m.layer;
      reply({ type: 'position', sessionId: info.sessionId, position });
    }
  };
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { posted.push(m); handle(m); },
    getState: () => state,
    setState: (s) => { state = s; },
  });
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.__test = {
    posted, violations,
    setup: (c) => { cfg = c; },
    /** Sends a host message, converting the plain arrays a test passes into the typed arrays the protocol wants. */
    send: (m) => {
      if (m.traceInfo) {
        m.traceInfo.inputs = Int32Array.from(m.traceInfo.inputs);
        if (m.traceInfo.labels) m.traceInfo.labels = Int32Array.from(m.traceInfo.labels);
      }
      window.postMessage(m, '*');
    },
    sendRaw: (m) => window.postMessage(m, '*'),
  };
})();
`;

export interface OpenedPage {
  page: Page;
  pageErrors: string[];
  consoleErrors: string[];
  offOrigin: string[];
}

/** Opens the panel HTML in a new page with a theme; returns once the webview has posted `ready`. */
export async function openTimeline(
  browser: Browser,
  theme: ThemeName,
  viewport = { width: 1400, height: 1060 },
): Promise<OpenedPage> {
  const script = path.join(ROOT, 'dist/webview.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`node esbuild.mjs\` first`);
  const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const offOrigin: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  const t = THEMES[theme];
  const themeCss = `html { ${Object.entries(t.vars)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ')} }`;
  const html = timelineHtml({
    cspSource: ORIGIN,
    nonce: 'dGVzdC1ub25jZS0xMjM0NTY3OA==',
    scriptUri: `${ORIGIN}/dist/webview.js`,
    styleUri: `${ORIGIN}/media/timeline.css`,
  })
    .replace('<body>', `<body class="${t.bodyClass}">`)
    .replace('</head>', `<link rel="stylesheet" href="${ORIGIN}/theme.css">\n</head>`);
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.origin !== ORIGIN) {
      offOrigin.push(url.href);
      await route.abort();
      return;
    }
    const files: Record<string, [string | Buffer, string]> = {
      '/index.html': [html, 'text/html'],
      '/theme.css': [themeCss, 'text/css'],
      '/dist/webview.js': [fs.readFileSync(script), 'text/javascript'],
      '/media/timeline.css': [fs.readFileSync(path.join(ROOT, 'media/timeline.css')), 'text/css'],
    };
    const f = files[url.pathname];
    if (!f) {
      offOrigin.push(url.href);
      await route.fulfill({ status: 404, body: 'not found' });
      return;
    }
    await route.fulfill({ status: 200, body: f[0], contentType: f[1] });
  });
  await page.addInitScript({ content: FAKE_HOST });
  await page.goto(`${ORIGIN}/index.html`);
  await page.waitForFunction(() =>
    (window as unknown as { __test: { posted: { type: string }[] } }).__test.posted.some((m) => m.type === 'ready'),
  );
  return { page, pageErrors, consoleErrors, offOrigin };
}

/** Messages the webview posted so far (typed arrays come back as plain objects; tests only read scalars). */
export function posted(page: Page): Promise<Record<string, unknown>[]> {
  return page.evaluate(() =>
    (window as unknown as { __test: { posted: Record<string, unknown>[] } }).__test.posted.map(
      (m) => JSON.parse(JSON.stringify(m)) as Record<string, unknown>,
    ),
  );
}

export function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __test: { violations: string[] } }).__test.violations.slice());
}

/** RGBA of one pixel of a data-resolution canvas. */
export function pixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([sel, px, py]) => {
      const c = document.querySelector(sel) as HTMLCanvasElement | null;
      if (!c) throw new Error(`no canvas ${sel}`);
      return Array.from(c.getContext('2d')!.getImageData(px, py, 1, 1).data);
    },
    [selector, x, y] as const,
  );
}

export const hex = (h: string): number[] => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)).concat(255);
