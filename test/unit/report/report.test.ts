// HTML reports open in a plain browser without a network: a run report of the bundled demo model
// and an evaluation report, loaded in Chromium (Playwright) with every request but the file itself
// blocked; checks what they show and that nothing was fetched.

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { evalReportHtml, failureMode, runReportHtml, validateEvalResults } from '../../../src/engine/report/html';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { TrmModel } from '../../../src/engine/model/trm';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { useCpu } from '../model/fixture';
import { launch } from '../webview/browserHarness';

const PUZZLE = '......8.95967..1.3.1...54.7167359.4..38.4.7.5..9.7231698.5276347..4.39.1..3198.7.';
const SOLUTION = '374216859596784123812935467167359248238641795459872316981527634725463981643198572';

let browser: Browser;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-report-'));
before(async () => {
  await useCpu();
  browser = await launch();
});
after(() => browser.close());

/** Opens a file with every other request blocked; returns the page and the blocked URLs. */
async function open(file: string) {
  const page = await browser.newPage();
  const blocked: string[] = [];
  const url = pathToFileURL(file).href;
  await page.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    blocked.push(route.request().url());
    return route.abort();
  });
  await page.goto(url);
  return { page, blocked };
}

test('run report: frames, curves and answers of the demo model, self-contained', async () => {
  const loaded = loadCheckpoint(path.resolve('media/models/sudoku-small/model.safetensors'));
  const model = TrmModel.fromWeights(loaded.config, loaded.weights);
  const enc = { inputs: encodeSudoku(PUZZLE), labels: encodeSudoku(SOLUTION) };
  const trace = createPuzzleTrace(model, { inputs: enc.inputs, puzzleIdentifier: 0, labels: enc.labels });
  try {
    const html = await runReportHtml(trace, {
      title: 'demo run',
      puzzle: {
        id: 'p1',
        origin: 'test',
        kind: 'sudoku',
        gridWidth: 9,
        gridHeight: 9,
        inputs: enc.inputs,
        labels: enc.labels,
      },
      checkpoint: loaded.path,
      backend: 'cpu',
      steps: 3,
      haltPolicy: 'all steps',
      cellText: (id) => (id >= 2 && id <= 10 ? String(id - 1) : '·'),
    });
    assert.ok(!/https?:\/\//.test(html.replaceAll('http://www.w3.org/2000/svg', '')), 'no external URL in the report');
    assert.ok(!/<script/i.test(html));
    const file = path.join(dir, 'run.html');
    fs.writeFileSync(file, html);
    const { page, blocked } = await open(file);
    assert.equal(await page.title(), 'demo run');
    assert.equal(await page.locator('.frame').count(), 3 * 6, 'one frame per update of 3 steps');
    assert.equal(await page.locator('.frame img').count(), 3 * 6 * 2);
    // Every heatmap decoded (data: PNG): a natural width > 0.
    const widths = await page
      .locator('.frame img')
      .evaluateAll((imgs) => imgs.map((i) => (i as HTMLImageElement).naturalWidth));
    assert.ok(
      widths.every((w) => w > 0),
      `undecoded images: ${widths.join(',')}`,
    );
    assert.ok((await page.locator('svg polyline').count()) >= 3, 'q_halt, accuracy and drift curves');
    assert.equal(await page.locator('table.grid').count(), 3);
    const verdict = await page.locator('#verdict').textContent();
    const o3 = await trace.stepOutputs(3);
    assert.equal(verdict, o3.correct ? 'correct at step 3' : `wrong (${o3.wrongCells!.length} cells) at step 3`);
    await page.screenshot({ path: path.join(dir, 'run.png'), fullPage: false });
    assert.deepEqual(blocked, []);
    await page.close();
  } finally {
    trace.dispose();
    model.dispose();
  }
});

test('evaluation report: metrics, failure modes and the failure table from a trm eval results file', async () => {
  const results = {
    checkpoint: '/models/x.safetensors',
    data: '/data/sudoku',
    seconds: 3.2,
    metrics: { exact_accuracy: 0.5, accuracy: 0.9 },
    puzzles: [
      { row: 0, exact: true, cellAccuracy: 1, haltProbability: 0.9, haltStep: 1, firstCorrectStep: 1, revisions: [0] },
      {
        row: 1,
        exact: false,
        cellAccuracy: 0.8,
        haltProbability: 0.7,
        haltStep: 2,
        firstCorrectStep: 0,
        revisions: [2],
      },
      {
        row: 2,
        exact: false,
        cellAccuracy: 0.95,
        haltProbability: 0.2,
        haltStep: 3,
        firstCorrectStep: 2,
        revisions: [1],
      },
      { row: 3, exact: true, cellAccuracy: 1, haltProbability: 0.6, haltStep: 1, firstCorrectStep: 2, revisions: [3] },
    ],
  };
  const r = validateEvalResults(results, 'results.json');
  assert.deepEqual(r.puzzles.map(failureMode), [
    'right',
    'never right',
    'right then lost',
    'right, but q halts before it is',
  ]);
  assert.throws(() => validateEvalResults({ metrics: {} }, 'x.json'), /not a 'trm eval' results file/);
  assert.throws(() => validateEvalResults({ metrics: {}, puzzles: [{ row: 0 }] }, 'x.json'), /puzzles\[0\] lacks/);
  const file = path.join(dir, 'eval.html');
  fs.writeFileSync(file, evalReportHtml(r, 'eval <report>'));
  const { page, blocked } = await open(file);
  assert.equal(await page.title(), 'eval <report>');
  assert.equal(await page.locator('#exact').textContent(), '2 / 4 (50.0 %)');
  assert.equal(await page.locator('#failures tr').count(), 1 + 2);
  assert.match((await page.locator('#failures tr').nth(1).textContent()) ?? '', /never right/);
  assert.match((await page.locator('#modes').textContent()) ?? '', /right then lost/);
  assert.deepEqual(blocked, []);
  await page.close();
});
