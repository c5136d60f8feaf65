// The built dashboard (dist/dashboard.js) in headless Debian Chromium under the panel's real CSP, fed
// protocol messages by a fake host: ready handshake, re-hydration from init, live updates drawn as SVG
// curves, legends and header text, the Stop button, refusal of invalid messages, theme colours, and
// nothing touching the network. Screenshots go to .e2e-out/dashboard/.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { dashboardHtml } from '../../../src/extension/training/dashboardHtml';
import {
  NO_RUN_NOTICE,
  type HostToDashboardMessage,
  type ProgressPoint,
  type RunSnapshot,
} from '../../../src/protocol/dashboard';
import { ORIGIN, THEMES, launch, type ThemeName } from '../webview/browserHarness';
import { info } from './fixtures';

const ROOT = process.cwd();
const CHART_VARS: Record<ThemeName, Record<string, string>> = {
  dark: {
    '--vscode-charts-foreground': '#cccccc',
    '--vscode-charts-blue': '#3794ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#89d185',
    '--vscode-charts-purple': '#b180d7',
    '--vscode-charts-yellow': '#cca700',
    '--vscode-charts-lines': 'rgba(204,204,204,0.5)',
  },
  light: {
    '--vscode-charts-foreground': '#616161',
    '--vscode-charts-blue': '#1a85ff',
    '--vscode-charts-orange': '#d18616',
    '--vscode-charts-green': '#388a34',
    '--vscode-charts-purple': '#652d90',
    '--vscode-charts-yellow': '#bf8803',
    '--vscode-charts-lines': 'rgba(97,97,97,0.5)',
  },
};

const FAKE_HOST = String.raw`
(() => {
  const posted = [];
  const violations = [];
  let state;
  window.acquireVsCodeApi = () => ({ postMessage: (m) => posted.push(JSON.parse(JSON.stringify(m))), getState: () => state, setState: (s) => { state = s; } });
  document.addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.__test = { posted, violations, send: (m) => window.postMessage(m, '*') };
})();
`;

interface Opened {
  page: Page;
  pageErrors: string[];
  offOrigin: string[];
}

async function open(browser: Browser, theme: ThemeName): Promise<Opened> {
  const script = path.join(ROOT, 'dist/dashboard.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`node esbuild.mjs\` first`);
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 }, deviceScaleFactor: 1 });
  const pageErrors: string[] = [];
  const offOrigin: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(m.text());
  });
  const vars = { ...THEMES[theme].vars, ...CHART_VARS[theme] };
  const themeCss = `html { ${Object.entries(vars)
    .map(([k, v]) => `${k}: ${v};`)
    .join(' ')} }`;
  const html = dashboardHtml({
    cspSource: ORIGIN,
    nonce: 'dGVzdC1ub25jZS0xMjM0NTY3OA==',
    scriptUri: `${ORIGIN}/dist/dashboard.js`,
    styleUri: `${ORIGIN}/media/dashboard.css`,
  })
    .replace('<body>', `<body class="${THEMES[theme].bodyClass}">`)
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
      '/dist/dashboard.js': [fs.readFileSync(script), 'text/javascript'],
      '/media/dashboard.css': [fs.readFileSync(path.join(ROOT, 'media/dashboard.css')), 'text/css'],
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
    (window as never as { __test: { posted: { type: string }[] } }).__test.posted.some((m) => m.type === 'ready'),
  );
  return { page, pageErrors, offOrigin };
}

const send = (page: Page, m: unknown): Promise<void> =>
  page.evaluate((x) => (window as never as { __test: { send(m: unknown): void } }).__test.send(x), m);
const postedBy = (page: Page): Promise<Record<string, unknown>[]> =>
  page.evaluate(() => (window as never as { __test: { posted: Record<string, unknown>[] } }).__test.posted.slice());
const violationsOf = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as never as { __test: { violations: string[] } }).__test.violations.slice());
const text = (page: Page, sel: string): Promise<string> => page.locator(sel).first().innerText();

/** A plausible run: losses fall, accuracy rises, one NaN loss at step 130 (a gap). */
function curve(from: number, to: number, every = 10): ProgressPoint[] {
  const pts: ProgressPoint[] = [];
  for (let s = from; s <= to; s += every) {
    const t = s / 400;
    pts.push({
      step: s,
      lr: 1e-3 * Math.min(1, s / 100) * (0.55 + 0.45 * Math.cos(Math.PI * t)),
      lmLoss: s === 130 ? null : 2.3 * Math.exp(-3 * t) + 0.1 + 0.05 * Math.sin(s),
      qHaltLoss: 0.7 * Math.exp(-4 * t) + 0.02,
      totalLoss: 2.3 * Math.exp(-3 * t) + 0.35 * Math.exp(-4 * t) + 0.11,
      accuracy: 0.1 + 0.85 * (1 - Math.exp(-3 * t)),
      exactAccuracy: Math.max(0, 0.9 * (1 - Math.exp(-2 * t)) - 0.2),
      qHaltAccuracy: 0.5 + 0.45 * (1 - Math.exp(-4 * t)),
      meanSteps: 1 + 7 * (1 - Math.exp(-2 * t)),
      examplesPerSec: 300 + 20 * Math.sin(s / 30),
      elapsedSec: s * 0.1,
    });
  }
  return pts;
}

function run(progress: ProgressPoint[], status: RunSnapshot['status'] = 'running'): RunSnapshot {
  return {
    info: info(1, { totalSteps: 400, backend: 'wasm (simd, 2 threads)', parameters: 1_234_567 }),
    status,
    message: '',
    progress,
    evals: [{ step: 100, metrics: { accuracy: 0.61, exact_accuracy: 0.05 } }],
    checkpoints: [{ step: 100, path: '/runs/a/step_100/model.safetensors' }],
  };
}

const init = (r: RunSnapshot | null, theme: ThemeName = 'dark'): HostToDashboardMessage => ({
  type: 'init',
  protocolVersion: 1,
  theme,
  run: r,
  notice: r ? '' : NO_RUN_NOTICE,
});

function shot(name: string): string {
  const dir = path.join(ROOT, '.e2e-out/dashboard');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

describe('training dashboard webview (Chromium, real CSP)', () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('says ready, shows the no-run notice, and touches nothing outside the page', async () => {
    const o = await open(browser, 'dark');
    assert.deepEqual((await postedBy(o.page))[0], { type: 'ready', protocolVersion: 1 });
    await send(o.page, init(null));
    await o.page.waitForFunction((t) => document.querySelector('.db-notice')?.textContent === t, NO_RUN_NOTICE);
    assert.equal(await o.page.locator('.db-main').isHidden(), true);
    assert.deepEqual(o.pageErrors, []);
    assert.deepEqual(await violationsOf(o.page), []);
    assert.deepEqual(o.offOrigin, []);
    await o.page.close();
  });

  it('re-hydrates from init and draws every chart; live progress extends the curves', async () => {
    const o = await open(browser, 'dark');
    await send(o.page, init(run(curve(10, 200))));
    await o.page.waitForSelector('svg[data-chart="loss"] path.series[data-series="totalLoss"]');
    const header = await text(o.page, '.db-header');
    assert.match(header, /Training sudoku-mlp-small/);
    assert.match(header, /training/);
    assert.match(header, /backend wasm \(simd, 2 threads\)/);
    assert.match(header, /1\.23M parameters/);
    assert.match(header, /step 200 \/ 400 \(50\.0%\)/);
    assert.match(header, /1 checkpoint/);
    for (const chart of ['loss', 'accuracy', 'halting', 'lr', 'throughput']) {
      const d = await o.page.getAttribute(`svg[data-chart="${chart}"] path.series`, 'd');
      assert.ok(d && d.length > 50 && !d.includes('NaN'), `${chart}: path ${d?.slice(0, 40)}`);
    }
    // The NaN loss at step 130 is a gap: the lm path has two sub-paths (raw and smoothed alike).
    const lm = await o.page.getAttribute('svg[data-chart="loss"] path.series[data-series="lmLoss"]', 'd');
    assert.equal(lm?.match(/M/g)?.length, 2, 'one gap in the lm curve');
    const lmSmooth = await o.page.getAttribute('svg[data-chart="loss"] path.smooth[data-series="lmLoss"]', 'd');
    assert.equal(lmSmooth?.match(/M/g)?.length, 2, 'one gap in the smoothed lm curve');
    // Noisy curves are smoothed, the raw one drawn faintly behind; the learning rate is not.
    assert.equal(await o.page.locator('svg[data-chart="accuracy"] path.smooth').count(), 3);
    assert.equal(await o.page.locator('svg[data-chart="accuracy"] path.series.raw').count(), 3);
    assert.equal(await o.page.locator('svg[data-chart="lr"] path.smooth').count(), 0);
    // The x axis spans the logged steps (10..200), not the planned 400: the last tick is at most 200.
    const ticks = (await o.page.locator('svg[data-chart="loss"] g.x .tick text').allTextContents()).map(Number);
    assert.ok(Math.max(...ticks) <= 200 && Math.max(...ticks) >= 150, `x ticks ${ticks.join(', ')}`);
    // Unticking "smooth" shows the raw curve alone (and is remembered with the webview state).
    await o.page.locator('section[data-chart="accuracy"] .db-smooth input').uncheck();
    await o.page.waitForFunction(
      () => document.querySelectorAll('svg[data-chart="accuracy"] path.smooth').length === 0,
    );
    assert.equal(await o.page.locator('svg[data-chart="accuracy"] path.series.raw').count(), 0);
    await o.page.locator('section[data-chart="accuracy"] .db-smooth input').check();
    assert.match(
      await text(o.page, 'section[data-chart="accuracy"] .db-legend'),
      /latest, step 200\s+cell \d+\.\d%\s+exact \d+\.\d%\s+q_halt \d+\.\d%/,
    );
    assert.match(await text(o.page, '.db-evals'), /exact_accuracy[\s\S]*100[\s\S]*0\.61/);
    assert.match(await text(o.page, '.db-checkpoints'), /step 100\s+\/runs\/a\/step_100\/model\.safetensors/);
    assert.equal(await o.page.locator('svg[data-chart="loss"] line.ckpt').count(), 1);
    const before = (await o.page.getAttribute('svg[data-chart="loss"] path.series[data-series="totalLoss"]', 'd'))!;
    await send(o.page, { type: 'progress', runId: 1, points: curve(210, 300) });
    await o.page.waitForFunction(() =>
      /step 300 \/ 400/.test(document.querySelector('.db-statusrow')?.textContent ?? ''),
    );
    const afterD = await o.page.getAttribute('svg[data-chart="loss"] path.series[data-series="totalLoss"]', 'd');
    assert.notEqual(afterD, before);
    // Messages for another run are ignored.
    await send(o.page, { type: 'progress', runId: 9, points: curve(310, 320) });
    await send(o.page, {
      type: 'checkpoint',
      runId: 1,
      point: { step: 300, path: '/runs/a/step_300/model.safetensors' },
    });
    await o.page.waitForFunction(() =>
      /2 checkpoints/.test(document.querySelector('.db-statusrow')?.textContent ?? ''),
    );
    assert.match(await text(o.page, '.db-statusrow'), /step 300 \/ 400/);
    // A checkpoint marker at the newest step must not take the pointer from the data point under it.
    const hits = await o.page.evaluate(() =>
      [...document.querySelectorAll('svg[data-chart] circle.last')].map((c) => {
        const r = c.getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return `${c.closest('svg')?.getAttribute('data-chart')}: ${top?.tagName.toLowerCase()}.${top?.getAttribute('class') ?? ''}`;
      }),
    );
    assert.ok(hits.length >= 3, `newest-point markers drawn: ${hits.join('; ')}`);
    for (const h of hits) assert.match(h, /: circle\.last/);
    await o.page.screenshot({ path: shot('dashboard-dark.png'), fullPage: true });
    assert.deepEqual(o.pageErrors, []);
    assert.deepEqual(await violationsOf(o.page), []);
    assert.deepEqual(o.offOrigin, []);
    await o.page.close();
  });

  it('Stop posts stop for the shown run; a final status hides it and shows the reason', async () => {
    const o = await open(browser, 'light');
    await send(o.page, init(run(curve(10, 100)), 'light'));
    await o.page.waitForSelector('.db-stop:not([hidden])');
    await o.page.click('.db-stop');
    await o.page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string }[] } }).__test.posted.some((m) => m.type === 'stop'),
    );
    assert.deepEqual(
      (await postedBy(o.page)).find((m) => m.type === 'stop'),
      { type: 'stop', runId: 1 },
    );
    await send(o.page, {
      type: 'status',
      runId: 1,
      info: info(1, { totalSteps: 400 }),
      status: 'stopping',
      message: 'stopping: the trainer finishes its step and writes a checkpoint',
    });
    await o.page.waitForFunction(() => (document.querySelector('.db-stop') as HTMLButtonElement).disabled);
    await send(o.page, {
      type: 'status',
      runId: 1,
      info: info(1, { totalSteps: 400 }),
      status: 'cancelled',
      message: 'stopped at step 100',
    });
    await o.page.waitForSelector('.db-stop[hidden]', { state: 'attached' });
    assert.match(await text(o.page, '.db-header'), /stopped[\s\S]*stopped at step 100/);
    // Theme colours: the cell accuracy curve uses the light theme's chart blue.
    const stroke = await o.page.$eval(
      'svg[data-chart="accuracy"] path.series[data-series="accuracy"]',
      (e) => getComputedStyle(e).stroke,
    );
    assert.equal(stroke, 'rgb(26, 133, 255)');
    await o.page.screenshot({ path: shot('dashboard-light.png'), fullPage: true });
    assert.deepEqual(o.pageErrors, []);
    await o.page.close();
  });

  it('refuses an invalid message and reports it to the host', async () => {
    const o = await open(browser, 'dark');
    await send(o.page, init(run(curve(10, 50))));
    await send(o.page, { type: 'progress', runId: 1, points: [{ ...curve(60, 60)[0], lr: 'fast' }] });
    await o.page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string }[] } }).__test.posted.some(
        (m) => m.type === 'webviewError',
      ),
    );
    const err = (await postedBy(o.page)).find((m) => m.type === 'webviewError');
    assert.match(
      String(err?.message),
      /ignored an invalid message from the extension: progress\.points\[0\]\.lr: expected a finite number or null/,
    );
    assert.match(await text(o.page, '.db-statusrow'), /step 50 \/ 400/);
    // A re-init (the panel re-hydrating after a reload) replaces the run.
    await send(o.page, init(null));
    await o.page.waitForFunction(() => !(document.querySelector('.db-notice') as HTMLElement).hidden);
    o.pageErrors.splice(0); // the console.error of the refused message is expected
    await o.page.close();
  });
});
