// In-editor: the evaluation browser. An evaluation of the bundled demo model on the sample
// workspace's Sudoku file runs in the worker; the browser lists the failure groups with the same
// counts as `trm eval --out` JSON on the same files; a group click filters the list; a puzzle's
// Debug button opens the debugger stopped at its decisive step; the halting-policy lab draws its
// curve; export writes CSV. A second evaluation resumes from the cache and computes nothing.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvalDiagnostics } from '../../../src/extension/evalBrowser/register';
import type { EvalView } from '../../../src/protocol/evalBrowser';
import { waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const REPO = path.resolve(__dirname, '../../../..');
const state = (): Thenable<EvalDiagnostics> =>
  vscode.commands.executeCommand<EvalDiagnostics>('trmLens.evalBrowser.state');
const until = <T>(what: string, f: (s: EvalDiagnostics) => T | undefined, timeoutMs = 120_000): Promise<T> =>
  waitUntil(what, async () => f(await state()), { timeoutMs, intervalMs: 200, describe: () => state() });

suite('evaluation browser', function () {
  this.timeout(300_000);
  let checkpoint = '';
  let data = '';
  let tmp = '';
  let cli: {
    failureModes: Record<string, number>;
    metrics: Record<string, number>;
    records: { index: number; decisiveStep: number; failureModes: string[] }[];
  };

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const ws = vscode.workspace.workspaceFolders?.[0];
    assert.ok(ws, 'the e2e run opens the sample workspace');
    checkpoint = path.join(ext.extensionPath, 'media/models/sudoku-small/model.safetensors');
    data = path.join(ws.uri.fsPath, 'sudoku/generated-moderate.csv');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-eval-'));
    // The reference: `trm eval` on the same checkpoint and file.
    const out = path.join(tmp, 'cli.json');
    const r = spawnSync(
      process.execPath,
      [path.join(REPO, 'dist/cli.js'), 'eval', '--checkpoint', checkpoint, '--data', data, '--out', out],
      { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
    );
    assert.equal(r.status, 0, r.stderr);
    cli = JSON.parse(fs.readFileSync(out, 'utf8')) as typeof cli;
  });

  suiteTeardown(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('an evaluation lists the failure groups with trm eval’s counts; a group click filters the list', async () => {
    const view = await vscode.commands.executeCommand<EvalView | undefined>('trmLens.evaluateCheckpoint', {
      checkpoint,
      data,
      batchSize: 4,
    });
    assert.ok(view, 'the evaluate command returned nothing (see the TRM Evaluation output)');
    assert.equal(view.puzzles.length, 8);
    assert.deepEqual(view.failureCounts, cli.failureModes);
    assert.equal(view.metrics.exact_accuracy, cli.metrics.exact_accuracy);
    assert.deepEqual(
      view.puzzles.map((p) => p.failureModes),
      cli.records.map((p) => p.failureModes),
    );
    await until('the browser to say ready', (s) => (s.panel.ready && (s.panel.sent.init ?? 0) >= 1 ? true : undefined));
    const [mode, count] = Object.entries(cli.failureModes)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])[0];
    if (driverAvailable()) {
      const text = await ui<string>({ action: 'webviewText', selector: '.eb-groups', waitFor: 'wrong at halt' });
      for (const [m, n] of Object.entries(cli.failureModes)) assert.match(text, new RegExp(`${m}\\s*${n}`), m);
      await ui({ action: 'screenshot', name: 'eval-browser' });
      await ui({ action: 'webviewClick', selector: `.eb-group[data-mode="${mode}"]` });
      const rows = await ui<string>({ action: 'webviewText', selector: '.eb-row-count', waitFor: `^${count} puzzles` });
      assert.match(rows, new RegExp(`^${count} puzzles`));
    }
    assert.deepEqual((await state()).panel.webviewErrors, []);
  });

  test('a click opens the puzzle in the debugger stopped at its decisive step', async () => {
    const target = cli.records.find((r) => r.failureModes.length > 0 && r.decisiveStep > 1) ?? cli.records[0];
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((d) => {
        if (d.type === 'trm') {
          sub.dispose();
          resolve(d);
        }
      });
    });
    if (driverAvailable()) {
      await ui({ action: 'webviewClick', selector: '.eb-group[data-mode="all"]' });
      await ui({ action: 'webviewClick', selector: `tr[data-index="${target.index}"] .eb-debug` });
    } else
      assert.equal(
        await vscode.commands.executeCommand('trmLens.evalBrowser.openPuzzle', { index: target.index }),
        true,
      );
    const session = await started;
    assert.equal(session.configuration.dataset, data);
    assert.equal(session.configuration.index, target.index);
    const frames = await waitUntil(
      `the session to stop at step ${target.decisiveStep}`,
      async () => {
        try {
          const r = (await session.customRequest('stackTrace', { threadId: 1 })) as { stackFrames: { name: string }[] };
          return r.stackFrames.length ? r.stackFrames : undefined;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 120_000, intervalMs: 300 },
    );
    // Short Call Stack names: the update frame names its cycle, the one above it the step.
    assert.match(frames[0].name, /^cycle \d+ › y/);
    assert.match(frames[1].name, new RegExp(`^step ${target.decisiveStep} › cycle \\d+$`));
    const s = await state();
    assert.equal(s.lastOpened?.step, target.decisiveStep);
    if (driverAvailable()) await ui({ action: 'screenshot', name: 'eval-debug-decisive-step' });
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession((t) => {
        if (t.id === session.id) {
          d.dispose();
          resolve();
        }
      });
    });
    await vscode.debug.stopDebugging(session);
    await ended;
    // The stop was this session's: its function breakpoint is gone.
    assert.ok(
      !vscode.debug.breakpoints.some(
        (b) => b instanceof vscode.FunctionBreakpoint && /^step \d+ cycle/.test(b.functionName),
      ),
    );
  });

  test('the policy lab draws its curve; export writes CSV; a second run resumes from the cache', async () => {
    await vscode.commands.executeCommand('trmLens.showEvaluationBrowser');
    await until('the browser to be ready again', (s) => (s.panel.ready ? true : undefined));
    const v = (await state()).view as EvalView;
    const official = v.policies.find((p) => p.id === 'official');
    const q = v.policies.find((p) => p.id === 'q_halt');
    assert.ok(official && q);
    assert.equal(official.accuracy, v.metrics.exact_accuracy);
    assert.equal(q.accuracy, v.metrics.exact_accuracy_at_halt);
    if (driverAvailable()) {
      const lab = await ui<string>({ action: 'webviewText', selector: '.eb-lab', waitFor: 'official' });
      assert.match(lab, /threshold/);
      assert.match(lab, /drift/);
      await ui({ action: 'webviewClick', selector: '.eb-lab .db-card-title' });
      await ui({ action: 'screenshot', name: 'eval-policy-lab' });
    }
    const csv = path.join(tmp, 'eval.csv');
    assert.equal(await vscode.commands.executeCommand('trmLens.exportEvaluation', { format: 'csv', file: csv }), csv);
    assert.equal(fs.readFileSync(csv, 'utf8').trim().split('\n').length, 9);
    const again = await vscode.commands.executeCommand<EvalView | undefined>('trmLens.evaluateCheckpoint', {
      checkpoint,
      data,
    });
    assert.ok(again);
    assert.equal(again.resumed, 8);
    assert.equal(again.computed, 0);
    assert.deepEqual(again.failureCounts, cli.failureModes);
  });
});
