// In-editor: "TRM: Patch Sweep". A `trm` session on the sample workspace's Sudoku CSV with the bundled
// default model (the paper's 3 x (6 + 1) recursion) stops on entry; the command, run from the command
// palette, sweeps step 1 (21 updates x 81 cells) under a progress notification and opens the "Patch
// Sweep" page. Its numbers equal `trm sweep --out` on the same files; its heatmap canvas is not one
// flat colour, and the largest loss is drawn red and the largest recovery blue; a click on a cell
// moves the debugger to that update. Screenshot: media/screenshots/patch-sweep.png (TRM_SCREENSHOTS_DIR).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SweepDiagnostics } from '../../../src/extension/sweep/register';
import type { SweepReport } from '../../../src/protocol/sweep';
import { waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const REPO = path.resolve(__dirname, '../../../..');
const CSV = 'sudoku/sudoku-extreme-style-sample.csv';
// The heatmap's layout (webview/sweep/heatmap.ts), in CSS pixels = canvas pixels at device scale 1.
const LEFT = 112,
  TOP = 22,
  CELL_W = 10,
  CELL_H = 18,
  GAP = 3;
const colX = (j: number): number => LEFT + j * CELL_W + Math.floor(j / 9) * GAP;

const state = (): Thenable<SweepDiagnostics> =>
  vscode.commands.executeCommand<SweepDiagnostics>('trmLens.patchSweep.state');

/** Copies an in-editor screenshot into the README's folder when TRM_SCREENSHOTS_DIR names it. */
function keepForReadme(file: string, name: string): void {
  const dest = process.env.TRM_SCREENSHOTS_DIR;
  if (!dest) return;
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(file, path.join(dest, name));
}

suite('patch sweep', function () {
  this.timeout(600_000);
  let tmp = '';
  let checkpoint = '';
  let csv = '';
  let cli: SweepReport;
  let session: vscode.DebugSession | undefined;
  const positions: { step: number; ordinal: number }[] = [];
  const subs: vscode.Disposable[] = [];

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const ws = vscode.workspace.workspaceFolders?.[0];
    assert.ok(ws, 'the e2e run opens the sample workspace');
    checkpoint = path.join(ext.extensionPath, 'media/models/sudoku/model.safetensors');
    csv = path.join(ws.uri.fsPath, CSV);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-sweep-'));
    // The reference: `trm sweep` on the same checkpoint and puzzle.
    const out = path.join(tmp, 'cli.json');
    const r = spawnSync(
      process.execPath,
      [path.join(REPO, 'dist/cli.js'), 'sweep', '--checkpoint', checkpoint, '--puzzle', csv, '--out', out],
      { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    assert.equal(r.status, 0, r.stderr);
    cli = JSON.parse(fs.readFileSync(out, 'utf8')) as SweepReport;
    subs.push(
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.event === 'trm/position') positions.push(e.body as { step: number; ordinal: number });
      }),
    );
  });

  suiteTeardown(async () => {
    for (const s of subs) s.dispose();
    if (session) await vscode.debug.stopDebugging(session);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the command sweeps the paused session’s step: trm sweep’s numbers, a heatmap of them, a click seeks', async () => {
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((d) => {
        if (d.type === 'trm') {
          sub.dispose();
          resolve(d);
        }
      });
    });
    assert.ok(
      await vscode.debug.startDebugging(vscode.workspace.workspaceFolders![0], {
        type: 'trm',
        request: 'launch',
        name: 'patch sweep e2e',
        dataset: csv,
        index: 0,
        checkpoint,
        stopOnEntry: true,
      }),
      'the trm session started',
    );
    session = await started;
    await waitUntil('the session to stop on entry', () => (positions.length ? true : undefined), {
      timeoutMs: 180_000,
    });
    // Let VS Code finish showing the stop (it focuses the frame and opens the step's grid document)
    // before the command palette opens: a focus change closes the palette.
    await waitUntil(
      'VS Code to focus a frame of the stopped session',
      () => {
        const item = vscode.debug.activeStackItem;
        return item instanceof vscode.DebugStackFrame && item.session.id === session!.id ? item : undefined;
      },
      { timeoutMs: 120_000 },
    );
    await waitUntil(
      'the step document to open',
      () =>
        vscode.window.visibleTextEditors.some((e) => e.document.uri.path.endsWith('.trm-grid')) ? true : undefined,
      { timeoutMs: 60_000 },
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(vscode.debug.activeDebugSession?.id, session.id);
    const before = (await state()).sweeps;
    if (driverAvailable()) await ui({ action: 'runCommand', title: 'TRM: Patch Sweep' });
    else void vscode.commands.executeCommand('trmLens.patchSweep');
    // The progress notification, while the sweep runs (it takes seconds: checked right after its first batch).
    await waitUntil('the first progress report', async () => ((await state()).progressReports > 0 ? true : undefined), {
      timeoutMs: 300_000,
      intervalMs: 100,
      describe: () => state(),
    });
    if (driverAvailable())
      await ui({ action: 'notifications', pattern: 'patch sweep of the current step', timeoutMs: 60_000 }, 90_000);
    const s = await waitUntil(
      'the Patch Sweep page to draw the heatmap',
      async () => {
        const d = await state();
        if (d.lastError) throw new Error(`the sweep failed: ${d.lastError}`);
        return d.sweeps > before && d.panel.rendered ? d : undefined;
      },
      { timeoutMs: 480_000, intervalMs: 500, describe: () => state() },
    );
    const report = s.panel.report!;
    // The same numbers as the CLI: same model, puzzle and step, both TF.js.
    assert.equal(report.step, 1);
    assert.deepEqual(report.updateLabels, cli.updateLabels);
    assert.equal(report.updateLabels.length, 21);
    assert.equal(report.updateLabels[20], 'cycle 3 › y');
    assert.equal(report.baseline, cli.baseline);
    assert.deepEqual(report.accuracy, cli.accuracy);
    assert.deepEqual(report.delta, cli.delta);
    const finite = cli.delta.map((d) => d!);
    assert.deepEqual(s.panel.rendered, {
      type: 'rendered',
      rows: 21,
      cols: 81,
      minDelta: Math.min(...finite),
      maxDelta: Math.max(...finite),
    });
    assert.deepEqual(s.panel.webviewErrors, []);
    if (!driverAvailable()) return;

    // What the page says, in the numbers of `trm sweep`.
    const header = await ui<string>({ action: 'webviewText', selector: '.sw-header', waitFor: 'baseline accuracy' });
    assert.match(header, new RegExp(`baseline accuracy ${(cli.baseline * 100).toFixed(1)} % of 81 labelled cells`));
    assert.match(header, /21 updates × 81 cells = 1701 patched runs \(zeroing\)/);
    const worst = finite.indexOf(Math.min(...finite));
    const best = finite.indexOf(Math.max(...finite));
    const where = (k: number): string => `${cli.updateLabels[Math.floor(k / 81)]} at ${cli.cellLabels[k % 81]}`;
    assert.ok(header.includes(`largest loss: ${where(worst)}`), header);
    assert.ok(header.includes(`largest recovery: ${where(best)}`), header);

    // The pixels: many colours over the cells, red where the most is lost, blue where the most is recovered.
    const colours = await ui<number>({
      action: 'canvasColors',
      selector: '.sw-canvas',
      x: LEFT,
      y: TOP,
      w: colX(80) + CELL_W - LEFT,
      h: 21 * CELL_H,
    });
    assert.ok(colours > 12, `the heatmap has ${colours} colours`);
    const pixel = (k: number): Promise<number[]> =>
      ui<number[]>({
        action: 'canvasPixel',
        selector: '.sw-canvas',
        x: colX(k % 81) + 4,
        y: TOP + Math.floor(k / 81) * CELL_H + 8,
      });
    const [lr, , lb] = await pixel(worst);
    assert.ok(lr > lb + 60, `largest loss drawn red (rgb ${lr}, ·, ${lb})`);
    const [gr, , gb] = await pixel(best);
    assert.ok(gb > gr + 30, `largest recovery drawn blue (rgb ${gr}, ·, ${gb})`);
    keepForReadme(await ui<string>({ action: 'screenshot', name: 'patch-sweep' }), 'patch-sweep.png');

    // Hover names update, cell, accuracy and delta; a click moves the debugger to that update.
    const row = 9; // cycle 2 › z 3
    const seen = positions.length;
    await ui({
      action: 'webviewClick',
      selector: '.sw-canvas',
      fx: (colX(40) + 4) / (colX(80) + CELL_W + 8),
      fy: (TOP + row * CELL_H + 8) / (TOP + 21 * CELL_H + 4),
    });
    const moved = await waitUntil(
      'the debugger to move to the clicked update',
      () => positions.slice(seen).find((p) => p.step === 1 && p.ordinal === row),
      { timeoutMs: 60_000 },
    );
    assert.equal(moved.ordinal, row);
    // The debugger shows the update's grid document in front of the page; back on the page (kept
    // alive while hidden), the hover names update, cell and accuracy, and the status line the seek.
    await ui({ action: 'click', selector: '.tabs-container .tab:has-text("Patch Sweep")' });
    const tip = await ui<string>({ action: 'webviewText', selector: '.sw-tip', waitFor: 'cycle 2 › z 3 · r5c5' });
    const k = row * 81 + 40;
    assert.ok(tip.includes(`accuracy ${(cli.accuracy[k]! * 100).toFixed(1)} %`), tip);
    await ui({ action: 'webviewText', selector: '.sw-status', waitFor: 'The debugger is at' });
  });
});
