// In-editor: training from VS Code. "TRM: Train Model…" with a request argument (no pickers) trains a
// tiny TRM (the sudoku-mlp-small preset shrunk by a config file: hidden 16, T = 1, n = 2, N_sup = 2)
// on a tiny built Sudoku dataset generated into a temp folder, in the worker thread; the dashboard
// webview opens, completes its handshake and renders text and SVG curves; checkpoints appear on disk.
// Then "TRM: Stop Training" cancels a longer run (it still writes its checkpoint), "TRM: Resume
// Training" continues it, and a reopened dashboard re-hydrates from the stored history.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { metadataFor, SetBuilder, writeBuiltDataset } from '../../../src/engine/data/built';
import { DataRng } from '../../../src/engine/data/rng';
import { generateSudoku } from '../../../src/engine/data/sudokuGen';
import type { TrainingState } from '../../../src/extension/training/register';
import type { RunSnapshot } from '../../../src/protocol/dashboard';
import { waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const state = (): Thenable<TrainingState> => vscode.commands.executeCommand<TrainingState>('trmLens.training.state');

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, describe: async () => ({ trainingState: await state() }) });

/** A built Sudoku dataset (official layout) of `n` generated puzzles, train split only: no evaluation cost. */
function tinySudokuDataset(dir: string, n: number): void {
  const rng = new DataRng(7);
  const b = new SetBuilder(81);
  for (let i = 0; i < n; i++) {
    const g = generateSudoku(rng, 40, 1);
    b.addPuzzle(0, [
      { input: Int32Array.from(g.puzzle, (d) => d + 1), label: Int32Array.from(g.solution, (d) => d + 1) },
    ]);
    b.endGroup();
  }
  const set = b.build();
  writeBuiltDataset(dir, {
    identifiers: ['<blank>'],
    splits: { train: { meta: metadataFor(set, { vocabSize: 11, numPuzzleIdentifiers: 1 }), sets: [set] } },
  });
}

suite('training', () => {
  let tmp = '';
  let data = '';
  let config = '';

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    // Other suites' panels would be "the visible webview" for the driver.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-train-'));
    data = path.join(tmp, 'sudoku-tiny');
    tinySudokuDataset(data, 6);
    config = path.join(tmp, 'tiny.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        preset: 'sudoku-mlp-small',
        log_every: 1,
        arch: { hidden_size: 16, num_heads: 1, puzzle_emb_ndim: 16, H_cycles: 1, L_cycles: 2, halt_max_steps: 2 },
      }),
    );
  });

  suiteTeardown(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('TRM: Train Model with a request trains in a worker, shows the live dashboard and writes checkpoints', async () => {
    const out = path.join(tmp, 'run-a');
    const pending = vscode.commands.executeCommand<RunSnapshot | undefined>('trmLens.train', {
      configPath: config,
      data,
      out,
      steps: 4,
      batchSize: 2,
      checkpointEvery: 2,
      seed: 1,
    });
    // The dashboard opens with the run and its page says ready while the worker trains.
    await until('the dashboard to open and say ready', async () => {
      const s = await state();
      return s.dashboard.open && s.dashboard.ready && (s.dashboard.sent.init ?? 0) >= 1 ? s : undefined;
    });
    const snap = await pending;
    assert.ok(snap, 'the command returned no run (see the TRM Training output)');
    assert.equal(snap.status, 'done', `${snap.status}: ${snap.message}`);
    assert.equal(snap.info.totalSteps, 4);
    assert.equal(snap.info.preset, 'sudoku-mlp-small');
    assert.ok(snap.info.backend && snap.info.backend.length > 0);
    assert.deepEqual(
      snap.progress.map((p) => p.step),
      [1, 2, 3, 4],
    );
    for (const p of snap.progress)
      assert.ok(p.totalLoss !== null && p.totalLoss > 0, `step ${p.step}: loss ${String(p.totalLoss)}`);
    assert.deepEqual(
      snap.checkpoints.map((c) => c.step),
      [2, 4],
    );
    for (const c of snap.checkpoints) assert.ok(fs.existsSync(c.path), `checkpoint ${c.path} is missing`);
    assert.ok(fs.existsSync(path.join(out, 'run.json')));

    const st = await state();
    assert.equal(st.running, false);
    assert.equal(st.status, 'done');
    assert.equal(st.lastStep, 4);
    assert.equal(st.progressEvents, 4);
    assert.equal(st.invalidWorkerMessages, 0);
    assert.deepEqual(st.dashboard.webviewErrors, []);
    // Live messages or, when the page came up late, one init with the whole run: either way it ends told "done".
    const page = await until(
      'the page to be told the run is done',
      async () => {
        const s = await state();
        return s.dashboard.pageStatus === 'done' ? s : undefined;
      },
      10_000,
    );
    assert.ok((page.dashboard.sent.init ?? 0) >= 1, JSON.stringify(page.dashboard.sent));

    if (driverAvailable()) {
      const text = await ui<string>({ action: 'webviewText', waitFor: 'finished[\\s\\S]*step 4 / 4' });
      assert.match(text, /Training sudoku-mlp-small/);
      assert.match(text, /2 checkpoints/);
      assert.match(text, /latest, step 4\s+total \d/);
      assert.ok(text.includes(snap.checkpoints[1].path), 'the checkpoint list shows the last checkpoint');
      // SVG content: the halting chart's newest point is drawn (a dot with a box, hit by the pointer),
      // and pointing at it switches the legend from the latest values to that step's readout.
      await ui({ action: 'webviewClick', selector: 'svg[data-chart="halting"] circle.last' });
      const hovered = await ui<string>({
        action: 'webviewText',
        selector: 'section[data-chart="halting"] .db-legend',
        waitFor: '^step 4\\s+mean steps \\d',
      });
      assert.doesNotMatch(hovered, /latest/);
      await ui({ action: 'screenshot', name: 'training-dashboard' });
      await ui({ action: 'notifications', pattern: 'TRM training finished: finished at step 4', timeoutMs: 30_000 });
      await ui({ action: 'press', key: 'Escape' });
    }
  });

  test('TRM: Stop Training cancels after a checkpoint; Resume Training continues from it; the dashboard re-hydrates', async () => {
    const out = path.join(tmp, 'run-b');
    const pending = vscode.commands.executeCommand<RunSnapshot | undefined>('trmLens.train', {
      configPath: config,
      data,
      out,
      steps: 500,
      batchSize: 2,
      checkpointEvery: 1000,
      seed: 2,
    });
    await until('the first progress events', async () => {
      const s = await state();
      return s.running && s.lastStep !== null && s.lastStep >= 2 ? s : undefined;
    });
    // A second run while one is going is refused (a notification; the command resolves undefined).
    assert.equal(
      await vscode.commands.executeCommand('trmLens.train', { configPath: config, data, out: path.join(tmp, 'run-c') }),
      undefined,
    );
    assert.equal(await vscode.commands.executeCommand<boolean>('trmLens.stopTraining'), true);
    const stopped = await pending;
    assert.ok(stopped);
    assert.equal(stopped.status, 'cancelled', `${stopped.status}: ${stopped.message}`);
    const last = stopped.checkpoints.at(-1);
    assert.ok(last, 'a cancelled run still writes its checkpoint');
    assert.equal(last.step, stopped.progress.at(-1)?.step ?? -1);
    assert.ok(last.step < 500);
    assert.ok(fs.existsSync(last.path));

    // Resume with just the run folder: it remembers its dataset and recipe.
    const resumed = await vscode.commands.executeCommand<RunSnapshot | undefined>('trmLens.resumeTraining', {
      out,
      steps: last.step + 2,
    });
    assert.ok(resumed);
    assert.equal(resumed.status, 'done', `${resumed.status}: ${resumed.message}`);
    assert.equal(resumed.info.resumed, true);
    assert.equal(resumed.info.startStep, last.step);
    assert.equal(resumed.info.dataDir, data);
    assert.deepEqual(
      resumed.progress.map((p) => p.step),
      [last.step + 1, last.step + 2],
    );

    // Close the dashboard and reopen it: a fresh page re-hydrates from the stored history.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until('the dashboard to close', async () => ((await state()).dashboard.open ? undefined : true));
    await vscode.commands.executeCommand('trmLens.showTrainingDashboard');
    const reopened = await until('the reopened dashboard to say ready', async () => {
      const s = await state();
      return s.dashboard.open && s.dashboard.ready && (s.dashboard.sent.init ?? 0) >= 1 ? s : undefined;
    });
    assert.equal(reopened.dashboard.received.ready, 1);
    assert.equal(reopened.dashboard.sent.progress ?? 0, 0, 'everything came with init');
    assert.equal(reopened.runId, reopened.dashboard.shownRunId);
    if (driverAvailable()) {
      const text = await ui<string>({
        action: 'webviewText',
        waitFor: `resumed[\\s\\S]*finished[\\s\\S]*step ${last.step + 2} / ${last.step + 2}`,
      });
      assert.match(text, /latest, step \d+/);
      await ui({ action: 'screenshot', name: 'training-dashboard-reopened' });
    }
    assert.deepEqual((await state()).dashboard.webviewErrors, []);
    assert.equal(await vscode.commands.executeCommand<boolean>('trmLens.stopTraining'), false, 'nothing left to stop');
  });
});
