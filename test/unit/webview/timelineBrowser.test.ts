// The built webview (dist/webview.js) in headless Debian Chromium under the panel's real CSP, fed
// protocol messages by a fake host: checks DOM text, canvas pixels, keyboard/click → seek, the
// play loop, message validation, theme colours and that nothing touches the network. Writes
// screenshots of the fake-host pages to .e2e-out/webview/ (the README's come from the real UI: see
// test/e2e/suite/timeline.test.ts) and prints first-frame and seek timings on a 30×30 ARC trace
// (printed, never asserted).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { NO_SESSION_NOTICE } from '../../../src/protocol/timeline';
import { THEMES, hex, launch, openTimeline, pixel, posted, violations, type OpenedPage } from './browserHarness';

const PUZZLE = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
const SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';
/** Screenshots of this test (not the README's): .e2e-out/webview/<name>. */
function shotPath(name: string): string {
  const dir = path.join(process.cwd(), '.e2e-out/webview');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
const tok = (ch: string): number => (ch === '0' ? 1 : Number(ch) + 1);

function sudokuSession(reached: number, haltAt: number) {
  const inputs = [...PUZZLE].map(tok);
  const labels = [...SOLUTION].map(tok);
  const summaries = Array.from({ length: reached }, (_, k) => {
    const step = k + 1;
    // Step s still has 12/s wrong cells (all solved from the halting step on) and confidence grows with s.
    const wrong =
      step >= haltAt
        ? []
        : Array.from({ length: Math.round(24 / step) }, (_, j) => (j * 7 + 3) % 81).filter((c) => inputs[c] === 1);
    const preds = labels.map((t, i) => (wrong.includes(i) ? ((t - 2 + 1) % 9) + 2 : t));
    const confidence = labels.map((_, i) =>
      inputs[i] !== 1 ? 0.99 : Math.min(0.99, 0.35 + 0.15 * step + (i % 5) * 0.02),
    );
    const changed =
      step === 1
        ? inputs.map((t, i) => (t === 1 ? i : -1)).filter((i) => i >= 0)
        : wrong.concat([5, 40]).filter((c) => inputs[c] === 1);
    const dz = 10 / 10 ** step; // drift falls by a decade per step
    return { preds, confidence, qHalt: -4 + 1.5 * step, halted: step === haltAt, changed, wrong, dz, dy: dz / 2 };
  });
  return {
    traceInfo: {
      sessionId: 'sess-1',
      sessionName: 'Sudoku #17',
      puzzleId: 'sudoku-extreme/test/17',
      taskKind: 'sudoku',
      gridHeight: 9,
      gridWidth: 9,
      seqLen: 81,
      puzzleEmbLen: 16,
      hiddenSize: 512,
      vocabSize: 11,
      hCycles: 3,
      lCycles: 6,
      lLayers: 2,
      maxSteps: 16,
      inputs,
      labels,
      checkpoint: 'trm-sudoku-mlp-small',
      backend: 'wasm (simd)',
    },
    summaries,
  };
}

function initMessage(session: ReturnType<typeof sudokuSession>, position: Record<string, unknown> | null) {
  return {
    type: 'init',
    protocolVersion: 1,
    theme: 'dark',
    view: null,
    traceInfo: session.traceInfo,
    position,
    notice: '',
  };
}

const BREAKPOINT_POS = {
  step: 3,
  cycle: 2,
  kind: 'z',
  index: 3,
  ordinal: 9,
  description: 'step 3 › cycle 2 › z 3 (z_L)',
  reason: 'breakpoint',
};

async function start(
  o: OpenedPage,
  session: ReturnType<typeof sudokuSession>,
  position: Record<string, unknown> | null,
): Promise<void> {
  await o.page.evaluate((s) => (window as never as { __test: { setup(c: unknown): void } }).__test.setup(s), session);
  await o.page.evaluate(
    (m) => (window as never as { __test: { send(m: unknown): void } }).__test.send(m),
    initMessage(session, position),
  );
}

/** Waits until every visible cell and answer thumbnail shows data (no pending requests, nothing missing). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const t = (window as never as { __test: { posted: { type: string; id?: number }[] } }).__test;
    return (
      t.posted.filter((m) => m.type.startsWith('request')).length > 0 &&
      !document.querySelector('.tl-detail-message:not([hidden])')
    );
  });
  // Let the request queue drain and a final frame paint.
  await page.waitForFunction(() => new Promise((r) => setTimeout(() => requestAnimationFrame(() => r(true)), 150)));
}

const status = (page: Page): Promise<string> => page.locator('.tl-status').innerText();
/** Waits for the status line to match (renders happen on the next animation frame). */
async function statusMatches(page: Page, re: RegExp, message?: string): Promise<void> {
  try {
    await page.waitForFunction(
      (src) => new RegExp(src).test(document.querySelector('.tl-status')!.textContent ?? ''),
      re.source,
      { timeout: 5000 },
    );
  } catch {
    assert.match(await status(page), re, message);
  }
}

describe('timeline webview in Chromium', () => {
  let browser: Browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
  });

  it('shows the no-session notice, with no network access and no CSP violation', async () => {
    const o = await openTimeline(browser, 'dark');
    await o.page.evaluate(
      (n) =>
        (window as never as { __test: { send(m: unknown): void } }).__test.send({
          type: 'init',
          protocolVersion: 1,
          theme: 'dark',
          view: null,
          traceInfo: null,
          position: null,
          notice: n,
        }),
      NO_SESSION_NOTICE,
    );
    await o.page.waitForFunction((n) => document.body.innerText.includes(n), NO_SESSION_NOTICE);
    assert.equal(await o.page.locator('.tl-main').isHidden(), true);
    assert.deepEqual(o.offOrigin, []);
    assert.deepEqual(await violations(o.page), []);
    assert.deepEqual(o.pageErrors, []);
    await o.page.close();
  });

  it('draws a Sudoku session: rows, heatmap pixels on the fixed domain, answer, q_halt, trajectory (dark)', async () => {
    const o = await openTimeline(browser, 'dark');
    const { page } = o;
    const session = sudokuSession(3, 3);
    await start(o, session, BREAKPOINT_POS);
    await settled(page);
    assert.match(await page.locator('.tl-title').innerText(), /puzzle sudoku-extreme\/test\/17 \(sudoku, 9×9\)/);
    assert.match(
      await page.locator('.tl-meta').innerText(),
      /T = H_cycles 3 × \(n = L_cycles 6 \+ 1\) updates × L_layers 2/,
    );
    const st = await status(page);
    assert.match(st, /stopped at step 3 › cycle 2 › z 3 \(z_L\) \(breakpoint\)/);
    assert.match(st, /cursor: step 3 › cycle 2 › z 3 \(z_L\)/);
    assert.equal(await page.locator('.tl-row').count(), 16, 'all 16 rows fit the viewport');
    assert.match(await page.locator('.tl-row[data-step="3"] .tl-rowlabel').innerText(), /step 3\s*q 0\.5\s*⚑\s*●/);
    assert.match(await page.locator('.tl-answer-text').innerText(), /step 3 · 81\/81 labelled cells right ✓ solved/);
    assert.match((await page.locator('.tl-answer-canvas').getAttribute('aria-label')) ?? '', /483921657\n967345821/);
    // Heatmap pixels of the default view (the change of each update, log scale): grid column 0 moved
    // 1e-3 (the bottom of the fixed [1e-3, 10] domain: background), column 8 moved 10 (the top:
    // positive colour). The 1000s in the puzzle prefix must have been dropped.
    const dark = THEMES.dark.vars;
    const cells = '.tl-row[data-step="3"] canvas.tl-cells';
    assert.deepEqual(await pixel(page, cells, 0, 0), hex(dark['--vscode-editor-background']));
    assert.deepEqual(await pixel(page, cells, 8, 4), hex(dark['--vscode-trmLens-timeline-positive']));
    assert.deepEqual(
      await pixel(page, cells, 20 * 10 + 8, 0),
      hex(dark['--vscode-trmLens-timeline-positive']),
      'last column (y update)',
    );
    assert.deepEqual(await pixel(page, cells, 9, 0), [0, 0, 0, 0], 'the gap between cells stays transparent');
    const detail = await pixel(page, 'canvas.tl-detail-canvas', 8, 8);
    assert.deepEqual(detail, hex(dark['--vscode-trmLens-timeline-positive']));
    // Steps not reached yet are placeholders, never requested.
    const unreached = await pixel(page, '.tl-row[data-step="5"] canvas.tl-cells', 8, 0);
    assert.notDeepEqual(unreached, hex(dark['--vscode-trmLens-timeline-positive']));
    const reqs = await posted(page);
    assert.ok(
      reqs.every((m) => m.type !== 'requestHeatmap' || (m.step as number) <= 3),
      'no heatmap request beyond the reached step',
    );
    assert.ok(reqs.some((m) => m.type === 'requestTrajectory' && m.steps === 3 && m.tensor === 'z'));
    // q_halt chart: one point per reached step, step 3 above zero (would halt), halted flag, breakpoint marker.
    assert.equal(await page.locator('svg.tl-qhalt circle.pt').count(), 3);
    assert.equal(await page.locator('svg.tl-qhalt circle.pt.halt').count(), 1);
    assert.equal(await page.locator('svg.tl-qhalt path.halted').count(), 1);
    assert.equal(await page.locator('svg.tl-qhalt circle.bp').count(), 1);
    // Drift under the q_halt chart, log scale: one vertex per reached step for ‖Δz‖ and ‖Δy‖.
    const dz = (await page.locator('svg.tl-drift path.dz').getAttribute('d')) ?? '';
    assert.equal(dz.split(/[ML]/).filter(Boolean).length, 3, dz);
    assert.match(
      (await page.locator('svg.tl-drift').getAttribute('aria-label')) ?? '',
      /step 3 ‖Δz‖ 0\.010 ‖Δy‖ 0\.005/,
    );
    await page.locator('svg.tl-drift').screenshot({ path: shotPath('drift-dark.png') });
    assert.equal(await page.locator('svg.tl-traj rect.pt').count(), 63, '3 steps × 21 updates');
    assert.equal(await page.locator('svg.tl-traj rect.pt.y').count(), 9, 'y updates are squares');
    assert.equal(await page.locator('svg.tl-traj circle.cursor').count(), 1);
    await page.screenshot({ path: shotPath('timeline-dark.png') });
    // A theme change (VS Code rewrites the variables and body class in place) repaints with the new colours.
    await page.evaluate(() => {
      document.documentElement.style.setProperty('--vscode-trmLens-timeline-positive', '#00ff00');
      document.body.classList.replace('vscode-dark', 'vscode-high-contrast');
    });
    await page.waitForFunction(() => {
      const c = document.querySelector('.tl-row[data-step="3"] canvas.tl-cells') as HTMLCanvasElement;
      return c.getContext('2d')!.getImageData(8, 4, 1, 1).data[1] === 255;
    });
    assert.deepEqual(await pixel(page, cells, 8, 4), [0, 255, 0, 255]);
    assert.deepEqual(o.offOrigin, []);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(o.pageErrors, []);
    await page.close();
  });

  it('keyboard and clicks move the cursor and seek; positions from VS Code move it; space plays and pauses', async () => {
    const o = await openTimeline(browser, 'dark');
    const { page } = o;
    await start(o, sudokuSession(3, 3), BREAKPOINT_POS);
    await settled(page);
    const ring = (): Promise<string> =>
      page.locator('svg.tl-traj circle.cursor').evaluate((c) => `${c.getAttribute('cx')},${c.getAttribute('cy')}`);
    const ringBefore = await ring();
    await page.locator('.tl-timeline').focus();
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() =>
      document.querySelector('.tl-status')!.textContent.includes('cursor: step 3 › cycle 2 › z 4 (z_L)'),
    );
    // The trajectory ring and the q_halt cursor line follow the cursor without redrawing the points.
    assert.notEqual(await ring(), ringBefore, 'the trajectory ring moved to the new update');
    assert.equal(await page.locator('svg.tl-traj circle.cursor').count(), 1);
    assert.equal(await page.locator('svg.tl-traj rect.pt').count(), 63);
    // The seek is sent once the cursor rests, and the echoed position does not move the cursor back.
    await page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string }[] } }).__test.posted.some((m) => m.type === 'seek'),
    );
    let seeks = (await posted(page)).filter((m) => m.type === 'seek');
    assert.deepEqual(seeks, [{ type: 'seek', step: 3, ordinal: 10 }]);
    await page.waitForFunction(() =>
      document.querySelector('.tl-status')!.textContent.includes('stopped at step 3 › cycle 2 › z 4 (z_L) (seek)'),
    );
    await page.keyboard.press('Home');
    await statusMatches(page, /cursor: step 1 › cycle 1 › z 1 \(z_L\)/);
    await page.waitForFunction(
      () => {
        const l = document.querySelector('svg.tl-qhalt line.cursor');
        const first = document.querySelector('svg.tl-qhalt circle.pt[data-step="1"]');
        return l && first && l.getAttribute('x1') === first.getAttribute('cx');
      },
      undefined,
      { timeout: 5000 },
    );
    await page.keyboard.press('End');
    await statusMatches(page, /cursor: step 3 › cycle 3 › y \(z_H\)/, 'End stops at the last reached update');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowLeft');
    await statusMatches(page, /cursor: step 3 › cycle 3 › z 6 \(z_L\)/, 'ArrowDown cannot move past the reached step');
    // Click: step 2, last column (y update of cycle 3) → immediate seek.
    const box = (await page.locator('.tl-row[data-step="2"] canvas.tl-cells').boundingBox())!;
    const scale = box.width / (21 * 10 - 1);
    await page.mouse.click(box.x + (20 * 10 + 4) * scale, box.y + box.height / 2);
    await page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string; step?: number }[] } }).__test.posted.some(
        (m) => m.type === 'seek' && m.step === 2,
      ),
    );
    seeks = (await posted(page)).filter((m) => m.type === 'seek');
    assert.deepEqual(seeks[seeks.length - 1], { type: 'seek', step: 2, ordinal: 20 });
    // A step in VS Code: a position event from the host moves the cursor.
    await page.evaluate(() =>
      (window as never as { __test: { sendRaw(m: unknown): void } }).__test.sendRaw({
        type: 'position',
        sessionId: 'sess-1',
        position: {
          step: 1,
          cycle: 1,
          kind: 'y',
          index: 0,
          ordinal: 6,
          description: 'step 1 › cycle 1 › y (z_H)',
          reason: 'step',
        },
      }),
    );
    await page.waitForFunction(() =>
      document.querySelector('.tl-status')!.textContent.includes('cursor: step 1 › cycle 1 › y (z_H)'),
    );
    // Positions of another session are ignored.
    await page.evaluate(() =>
      (window as never as { __test: { sendRaw(m: unknown): void } }).__test.sendRaw({
        type: 'position',
        sessionId: 'other',
        position: {
          step: 2,
          cycle: 1,
          kind: 'z',
          index: 1,
          ordinal: 0,
          description: 'step 2 › cycle 1 › z 1 (z_L)',
          reason: 'step',
        },
      }),
    );
    // Space plays: the cursor advances on its own; space again pauses.
    await page.locator('.tl-timeline').focus();
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#tl-play')!.textContent.includes('Pause'));
    // Playing moves the cursor on from step 1 › cycle 1 › y (the exact update reached when the page is
    // polled depends on the machine's load, so any later update counts).
    await page.waitForFunction(() =>
      /cursor: step (1 › cycle [23]|[2-9] ›)/.test(document.querySelector('.tl-status')!.textContent),
    );
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.querySelector('#tl-play')!.textContent.includes('Play'));
    const cursorPart = async (): Promise<string> => /cursor: [^·]+/.exec(await status(page))![0];
    const pausedAt = await cursorPart();
    await page.waitForTimeout(600);
    assert.equal(await cursorPart(), pausedAt, 'paused: the cursor stays');
    // Pausing seeks the session to where playback stopped, so VS Code's views follow.
    const lastSeek = (await posted(page)).filter((m) => m.type === 'seek').pop()!;
    assert.match(pausedAt, new RegExp(`cursor: step ${lastSeek.step as number} `));
    assert.deepEqual(o.pageErrors, []);
    await page.close();
  });

  it('switches to a channel slice (diverging colours), diffs against the previous update, and persists the view', async () => {
    const o = await openTimeline(browser, 'dark');
    const { page } = o;
    await start(o, sudokuSession(3, 3), BREAKPOINT_POS);
    await settled(page);
    await page.selectOption('#tl-view', 'channel');
    await page.fill('#tl-channel', '7');
    await page.locator('#tl-channel').dispatchEvent('change');
    await page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string; channel?: number }[] } }).__test.posted.some(
        (m) => m.type === 'requestHeatmap' && m.channel === 7,
      ),
    );
    await settled(page);
    const dark = THEMES.dark.vars;
    const cells = '.tl-row[data-step="3"] canvas.tl-cells';
    assert.deepEqual(
      await pixel(page, cells, 0, 0),
      hex(dark['--vscode-trmLens-timeline-negative']),
      'value −5: negative end',
    );
    assert.deepEqual(
      await pixel(page, cells, 4, 0),
      hex(dark['--vscode-editor-background']),
      'value 0: the middle bin is the background',
    );
    assert.deepEqual(
      await pixel(page, cells, 8, 0),
      hex(dark['--vscode-trmLens-timeline-positive']),
      'value +5: positive end',
    );
    const views = (await posted(page)).filter((m) => m.type === 'setView');
    assert.deepEqual(views[views.length - 1], {
      type: 'setView',
      view: { tensor: 'z', view: 'channel', channel: 7, diff: 'none', granularity: 'update' },
    });
    // Δ previous update: the fake data is identical across updates, so every difference is 0 (background).
    await page.selectOption('#tl-diff', 'previous');
    await settled(page);
    assert.deepEqual(await pixel(page, cells, 0, 0), hex(dark['--vscode-editor-background']));
    assert.deepEqual(await pixel(page, cells, 8, 0), hex(dark['--vscode-editor-background']));
    assert.match(await page.locator('.tl-detail .tl-caption').innerText(), /channel 7 · Δ previous update/);
    // Layer columns: 2 layers per update → 42 columns, requests carry the layer.
    await page.selectOption('#tl-granularity', 'layer');
    await page.waitForFunction(() =>
      (window as never as { __test: { posted: { type: string; layer?: number }[] } }).__test.posted.some(
        (m) => m.type === 'requestHeatmap' && m.layer === 2,
      ),
    );
    assert.equal(
      await page.locator('.tl-row[data-step="1"] canvas.tl-cells').evaluate((c) => (c as HTMLCanvasElement).width),
      42 * 10 - 1,
    );
    await statusMatches(page, /cursor: step 3 › cycle 2 › z 3 \(z_L\) › layer 2/);
    assert.deepEqual(o.pageErrors, []);
    await page.close();
  });

  it('rejects invalid host messages with a specific error and keeps working', async () => {
    const o = await openTimeline(browser, 'dark');
    const { page } = o;
    await start(o, sudokuSession(2, 2), { ...BREAKPOINT_POS, step: 2, description: 'step 2 › cycle 2 › z 3 (z_L)' });
    await settled(page);
    await page.evaluate(() => {
      const t = (window as never as { __test: { sendRaw(m: unknown): void } }).__test;
      t.sendRaw({ type: 'heatmap', id: 1, values: [1, 2, 3], min: 0, max: 1 });
      t.sendRaw({
        type: 'position',
        sessionId: 'sess-1',
        position: { step: 0, cycle: 1, kind: 'z', index: 1, ordinal: 0, description: '', reason: '' },
      });
      t.sendRaw({ type: 'launchMissiles' });
      t.sendRaw({ type: 'error', id: null, message: 'seek to step 9 failed: step 9 is beyond max_steps' });
    });
    await page.waitForFunction(
      () =>
        (window as never as { __test: { posted: { type: string }[] } }).__test.posted.filter(
          (m) => m.type === 'webviewError',
        ).length >= 3,
    );
    const errors = (await posted(page)).filter((m) => m.type === 'webviewError').map((m) => m.message as string);
    assert.match(errors[0], /heatmap\.values: expected Float32Array, got an array/);
    assert.match(errors[1], /position\.position\.step: expected an integer in \[1, 1000000\], got 0/);
    assert.match(errors[2], /unknown type "launchMissiles"/);
    await page.waitForFunction(() => document.querySelector('.tl-error')!.textContent.includes('beyond max_steps'));
    await statusMatches(page, /cursor: step 2 › cycle 2 › z 3/, 'state untouched by the bad messages');
    // A non-finite value is painted with the non-finite colour, not as a number.
    await page.close();
  });

  it('light theme colours, and a 30×30 ARC trace stays fluid (timings printed)', async () => {
    const o = await openTimeline(browser, 'light');
    const { page } = o;
    const session = sudokuSession(5, 4);
    await start(o, session, {
      step: 5,
      cycle: 1,
      kind: 'z',
      index: 2,
      ordinal: 1,
      description: 'step 5 › cycle 1 › z 2 (z_L)',
      reason: 'step',
    });
    await page.selectOption('#tl-diff', 'label');
    await settled(page);
    const light = THEMES.light.vars;
    assert.deepEqual(
      await pixel(page, '.tl-row[data-step="1"] canvas.tl-cells', 0, 0),
      hex(light['--vscode-editor-background']),
    );
    assert.deepEqual(
      await pixel(page, '.tl-row[data-step="1"] canvas.tl-cells', 8, 0),
      hex(light['--vscode-trmLens-timeline-positive']),
    );
    // Diff vs label: a wrong cell of step 1 is painted with the "wrong" colour in its answer thumbnail.
    const wrong1 = session.summaries[0].wrong[0];
    assert.deepEqual(
      await pixel(page, '.tl-row[data-step="1"] canvas.tl-ans', wrong1 % 9, Math.floor(wrong1 / 9)),
      hex(light['--vscode-trmLens-timeline-wrong']),
    );
    assert.match(await page.locator('.tl-answer-text').innerText(), /step 5 · 81\/81 labelled cells right/);
    // Back to step 2 (as after a reverse step): its answer still has wrong cells, outlined against the label.
    await page.evaluate(() =>
      (window as never as { __test: { sendRaw(m: unknown): void } }).__test.sendRaw({
        type: 'position',
        sessionId: 'sess-1',
        position: {
          step: 2,
          cycle: 3,
          kind: 'y',
          index: 0,
          ordinal: 20,
          description: 'step 2 › cycle 3 › y (z_H)',
          reason: 'step back',
        },
      }),
    );
    const right2 = 81 - session.summaries[1].wrong.length;
    await page.waitForFunction(
      (t) => document.querySelector('.tl-answer-text')!.textContent.includes(t),
      `step 2 · ${right2}/81 labelled cells right`,
    );
    assert.equal(
      await status(page).then((t) => /reached step 5/.test(t)),
      true,
      'going back does not forget later steps',
    );
    await page.screenshot({ path: shotPath('timeline-light.png') });

    // 30×30 ARC: 16 reached steps × 15 updates of 900 values. Once the data is cached, a cursor move
    // is one render pass: time those passes (performance.measure entries of the app).
    const arcInputs = Array.from({ length: 900 }, (_, i) => (i % 30 < 12 && i < 360 ? 2 + ((i * 7) % 10) : 0));
    const arc = {
      traceInfo: {
        ...session.traceInfo,
        sessionId: 'sess-arc',
        sessionName: 'ARC',
        puzzleId: 'arc-agi-1/eval/0a1d4ef5',
        taskKind: 'arc',
        gridHeight: 30,
        gridWidth: 30,
        seqLen: 900,
        vocabSize: 12,
        lCycles: 4,
        inputs: arcInputs,
        labels: arcInputs,
      },
      summaries: Array.from({ length: 16 }, (_, k) => ({
        preds: arcInputs,
        confidence: arcInputs.map(() => 0.5 + k / 40),
        qHalt: k - 8,
        halted: k === 15,
        changed: [],
        wrong: [],
      })),
    };
    const postedBeforeArc = (await posted(page)).length;
    await page.evaluate(() => {
      performance.clearMeasures('trm-timeline-first-frame');
      performance.clearMeasures('trm-timeline-complete');
    });
    await page.evaluate((s) => (window as never as { __test: { setup(c: unknown): void } }).__test.setup(s), arc);
    await page.evaluate((m) => (window as never as { __test: { send(m: unknown): void } }).__test.send(m), {
      type: 'init',
      protocolVersion: 1,
      theme: 'light',
      view: null,
      traceInfo: arc.traceInfo,
      notice: '',
      position: {
        step: 16,
        cycle: 3,
        kind: 'y',
        index: 0,
        ordinal: 14,
        description: 'step 16 › cycle 3 › y (z_H)',
        reason: 'step',
      },
    });
    await page.waitForFunction(() => document.querySelector('.tl-title')!.textContent.includes('arc-agi-1'));
    await page.waitForFunction(
      () => {
        const t = (window as never as { __test: { posted: { type: string; step?: number }[] } }).__test;
        return t.posted.filter((m) => m.type === 'requestHeatmap').length >= 10 * 15;
      },
      undefined,
      { timeout: 15_000 },
    );
    await settled(page);
    await page.waitForFunction(() => performance.getEntriesByName('trm-timeline-complete').length > 0, undefined, {
      timeout: 15_000,
    });
    const milestones = await page.evaluate(() =>
      ['trm-timeline-first-frame', 'trm-timeline-complete'].map(
        (n) => performance.getEntriesByName(n).pop()?.duration ?? NaN,
      ),
    );
    console.log(
      `[bench] ARC 30×30 init → first painted frame ${milestones[0].toFixed(1)} ms; → every visible cell, summary and trajectory painted ${milestones[1].toFixed(1)} ms (in-page fake host)`,
    );
    assert.ok(milestones.every(Number.isFinite), 'both milestones were measured');
    // Only rows in the viewport exist and were fetched (the cursor at step 16 scrolled the top rows away).
    const rowsInDom = await page.locator('.tl-row').count();
    const requestedSteps = new Set(
      (await posted(page))
        .slice(postedBeforeArc)
        .filter((m) => m.type === 'requestHeatmap' && (m.step as number) > 0)
        .map((m) => m.step as number),
    );
    console.log(
      `[info] ARC: ${rowsInDom} of 16 rows in the DOM; heatmaps requested for steps ${[...requestedSteps].sort((a, b) => a - b).join(',')}`,
    );
    assert.ok(rowsInDom < 16, `virtualised: ${rowsInDom} rows in the DOM`);
    assert.ok(!requestedSteps.has(1), 'step 1 is out of view and was not fetched');
    await page.locator('.tl-timeline').focus();
    const timings = await page.evaluate(async () => {
      performance.clearMeasures('trm-timeline-render');
      const keys = ['ArrowLeft', 'ArrowUp', 'ArrowLeft', 'ArrowDown'];
      for (let i = 0; i < 60; i++) {
        document.dispatchEvent(new KeyboardEvent('keydown', { key: keys[i % 4], bubbles: true }));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      }
      return performance.getEntriesByName('trm-timeline-render').map((e) => e.duration);
    });
    timings.sort((a, b) => a - b);
    const q = (p: number): string => timings[Math.min(timings.length - 1, Math.floor(p * timings.length))].toFixed(2);
    console.log(
      `[bench] ARC 30×30, 16×15 cells cached: render per cursor move over ${timings.length} moves: median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms`,
    );
    assert.ok(timings.length >= 30, 'every cursor move rendered');
    assert.deepEqual(o.pageErrors, []);
    assert.deepEqual(o.offOrigin, []);
    assert.deepEqual(await violations(page), []);
    await page.close();
  });
});
