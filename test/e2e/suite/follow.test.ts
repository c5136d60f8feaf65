// In-editor: following a training run. "TRM: Follow Checkpoint Folder…" watches an empty folder; official
// checkpoints (the fixture's torch.save file and two derived from its weights, same format) are copied
// in one by one, one of them written slowly in two parts. The followed-run dashboard shows each
// evaluation as it lands, marks the best, the half-written file is shown as being written and never as
// an error; comparing two and opening one in the debugger work from the commands and from the page.
// Also: the extension declares itself a workspace extension (VS Code Remote runs it beside the files).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import type { FollowDiagnostics } from '../../../src/extension/follow/register';
import type { CheckpointComparison } from '../../../src/engine/follow/types';
import type { FollowView } from '../../../src/protocol/followDashboard';
import { torchStateDictPickle, torchZip, type TensorSpec } from '../../unit/formats/builders';
import { fixtureDir, sharedDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const state = (): Thenable<FollowDiagnostics> =>
  vscode.commands.executeCommand<FollowDiagnostics>('trmLens.follow.state');

/** Every checkpoint state the extension reported while the test watched (a 'failed' must never appear). */
const seen = new Map<number, Set<string>>();
async function probe(): Promise<FollowDiagnostics> {
  const s = await state();
  for (const c of s.view?.checkpoints ?? []) {
    const set = seen.get(c.step) ?? new Set<string>();
    set.add(c.state);
    seen.set(c.step, set);
  }
  return s;
}
const until = <T>(what: string, f: (s: FollowDiagnostics) => T | undefined, timeoutMs = 180_000): Promise<T> =>
  waitUntil(what, async () => f(await probe()), { timeoutMs, intervalMs: 150, describe: () => state() });

/** The fixture's weights scaled by `factor`, written the way torch.save writes pretrain.py's step_N. */
function derivedCheckpoint(step: number, factor: number): Buffer {
  const { tensors } = readSafetensors(path.join(fixtureDir(), 'model.safetensors'));
  const specs: TensorSpec[] = [];
  const storages: Record<string, Uint8Array> = {};
  let i = 0;
  for (const [name, t] of tensors) {
    const data = Float32Array.from(t.data as Float32Array, (v) => v * factor);
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    specs.push({ name, storageType: 'FloatStorage', key: String(i), numel: data.length, shape: [...t.shape], stride });
    storages[String(i)] = new Uint8Array(data.buffer);
    i++;
  }
  return Buffer.from(torchZip(`step_${step}`, torchStateDictPickle(specs), storages));
}

const evaluated = (v: FollowView | null, step: number) =>
  v?.checkpoints.find((c) => c.step === step && c.state === 'evaluated');

suite('follow a training run', function () {
  // Three evaluations of the fixture model on a shared 2-core machine.
  this.timeout(300_000);
  let tmp = '';
  let dir = '';
  const data = (): string => path.join(sharedDir(), 'datasets/trm-built-samples/sudoku-mini-aug-3');

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.editorLayoutSingle');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-follow-'));
    dir = path.join(tmp, 'checkpoints', 'run');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(fixtureDir(), 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('trmLens.stopFollowing');
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the extension runs where the workspace is (VS Code Remote: extensionKind workspace)', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.deepEqual(ext.packageJSON.extensionKind, ['workspace']);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace);
  });

  test('TRM: Export Run for the Official Trainer writes the dataset, the hydra config and launch.sh', async () => {
    const out = path.join(tmp, 'export', 'sudoku-mlp-run');
    const summary = await vscode.commands.executeCommand<{ out: string; checkpointDir: string; files: string[] }>(
      'trmLens.exportOfficial',
      { data: data(), preset: 'sudoku-mlp', out, gpus: 4 },
    );
    assert.ok(summary, 'the export command returned nothing (see the TRM Follow output)');
    assert.equal(summary.out, out);
    for (const f of [
      'config/cfg_pretrain.yaml',
      'config/arch/trm.yaml',
      'launch.sh',
      'README.md',
      'data/train/dataset.json',
    ])
      assert.ok(fs.existsSync(path.join(out, f)), `${f} is missing`);
    assert.equal(summary.checkpointDir, path.join(out, 'checkpoints', 'sudoku-mlp-run'));
    assert.ok(fs.existsSync(path.join(summary.checkpointDir, 'all_config.yaml')));
    // A bad request is a notification and no folder, never a thrown "command failed".
    const bad = path.join(tmp, 'export', 'five-gpus');
    assert.equal(
      await vscode.commands.executeCommand('trmLens.exportOfficial', {
        data: data(),
        preset: 'sudoku-mlp',
        out: bad,
        gpus: 5,
      }),
      undefined,
    );
    assert.ok(!fs.existsSync(bad));
    if (driverAvailable())
      await ui({
        action: 'notifications',
        pattern: 'global_batch_size 768 is not divisible by 5 GPUs',
        timeoutMs: 30_000,
      });
  });

  test('checkpoints copied in one by one are each evaluated and drawn; a slowly written one is waited for', async () => {
    const view = await vscode.commands.executeCommand<FollowView | undefined>('trmLens.followCheckpoints', {
      dir,
      data: data(),
      limit: 2,
      pollMs: 250,
    });
    assert.ok(view, 'the follow command returned nothing (see the TRM Follow output)');
    assert.equal(view.status, 'watching');
    await until('the followed-run dashboard to say ready', (s) =>
      s.panel.open && s.panel.ready && (s.panel.sent.init ?? 0) >= 1 ? true : undefined,
    );

    // 1. An official checkpoint appears at once.
    fs.writeFileSync(path.join(dir, 'step_50'), derivedCheckpoint(50, 0.5));
    await until('step_50 to be evaluated', (s) => evaluated(s.view, 50));

    // 2. One written in two parts with a pause of several polls: "being written", never an error.
    const slow = derivedCheckpoint(100, 0.8);
    const f100 = path.join(dir, 'step_100');
    fs.writeFileSync(f100, slow.subarray(0, slow.length >> 1));
    const waiting = await until('step_100 to be seen as incomplete', (s) => {
      const c = s.view?.checkpoints.find((x) => x.step === 100);
      return c && /incomplete/.test(c.detail) ? c : undefined;
    });
    assert.equal(waiting.state, 'writing');
    const polls = (await state()).updates;
    await until('a few more polls with the half-written file', (s) => (s.updates >= polls ? s : undefined));
    await new Promise((r) => setTimeout(r, 1500)); // six more polls of an unchanged, incomplete file
    const still = (await probe()).view?.checkpoints.find((x) => x.step === 100);
    assert.equal(still?.state, 'writing', JSON.stringify(still));
    if (driverAvailable()) await ui({ action: 'webviewText', waitFor: 'step_100[\\s\\S]*being written' });
    fs.appendFileSync(f100, slow.subarray(slow.length >> 1));
    await until('step_100 to be evaluated', (s) => evaluated(s.view, 100));

    // 3. The fixture's own step_150, as pretrain.py wrote it.
    fs.copyFileSync(path.join(fixtureDir(), 'step_150'), path.join(dir, 'step_150'));
    const done = await until('step_150 to be evaluated', (s) => (evaluated(s.view, 150) ? s : undefined));

    const v = done.view!;
    assert.deepEqual(
      v.checkpoints.map((c) => [c.step, c.state]),
      [
        [50, 'evaluated'],
        [100, 'evaluated'],
        [150, 'evaluated'],
      ],
    );
    for (const c of v.checkpoints) {
      assert.equal(c.metrics?.count, 2);
      for (const k of ['exact', 'cells', 'qHalt'] as const)
        assert.ok(c.metrics[k] !== null && c.metrics[k] >= 0 && c.metrics[k] <= 1, `${c.name} ${k}`);
      assert.ok(c.metrics.meanSteps !== null && c.metrics.meanSteps >= 1 && c.metrics.meanSteps <= 16);
    }
    assert.ok(v.best !== null && [50, 100, 150].includes(v.best));
    assert.equal(v.haltMaxSteps, 16);
    for (const [step, states] of seen)
      assert.ok(!states.has('failed'), `step ${step} went through ${[...states].join(', ')}`);
    assert.ok(seen.get(100)?.has('writing'));
    assert.deepEqual(done.panel.webviewErrors, []);
    assert.deepEqual(
      done.panel.lastSent?.checkpoints.map((c) => c.state),
      ['evaluated', 'evaluated', 'evaluated'],
      'the page was told every evaluation',
    );

    if (driverAvailable()) {
      const text = await ui<string>({ action: 'webviewText', waitFor: 'step_150[\\s\\S]*evaluated' });
      assert.match(text, /Following .*checkpoints.run/);
      assert.match(text, /first 2 examples of the test split/);
      assert.match(text, /3 evaluated/);
      assert.match(text, new RegExp(`step_${v.best} ★ best`));
      for (const s of [50, 100, 150]) assert.match(text, new RegExp(`step_${s}`));
      assert.doesNotMatch(text, /failed/);
      const legend = await ui<string>({
        action: 'webviewText',
        selector: 'section[data-chart="follow-accuracy"] .db-legend',
        waitFor: `best, step ${v.best}`,
      });
      assert.match(legend, /exact \d+\.\d%\s+cells \d+\.\d%/);
      await ui({ action: 'screenshot', name: 'follow-dashboard' });
      // Scrolled to the checkpoint table (a click on its title brings it into view).
      await ui({ action: 'webviewClick', selector: '.fd-checkpoints .db-card-title' });
      await ui({ action: 'screenshot', name: 'follow-dashboard-table' });
    }
  });

  test('two checkpoints compare puzzle by puzzle; one opens in the debugger from the page', async () => {
    const cmp = await vscode.commands.executeCommand<CheckpointComparison | undefined>(
      'trmLens.compareFollowedCheckpoints',
      { a: 50, b: 150 },
    );
    assert.ok(cmp, 'no comparison');
    assert.equal(cmp.puzzles, 2);
    assert.equal(cmp.bothSolved + cmp.onlyA + cmp.onlyB + cmp.neither, 2);
    const s = await until('the comparison in the view', (st) => st.view?.comparison ?? undefined);
    assert.deepEqual([s.a, s.b], [50, 150]);
    // A checkpoint still being compared cannot be one that is not evaluated.
    assert.equal(
      await vscode.commands.executeCommand('trmLens.compareFollowedCheckpoints', { a: 50, b: 999 }),
      undefined,
    );

    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((d) => {
        if (d.type === 'trm') {
          sub.dispose();
          resolve(d);
        }
      });
    });
    if (driverAvailable()) {
      await ui({ action: 'webviewText', waitFor: 'Compare step 50 \\(A\\) with step 150 \\(B\\)' });
      await ui({ action: 'webviewClick', selector: 'tr[data-step="150"] .fd-debug' });
    } else {
      assert.equal(await vscode.commands.executeCommand('trmLens.debugFollowedCheckpoint', { step: 150 }), true);
    }
    const session = await started;
    assert.equal(session.configuration.checkpoint, path.join(dir, 'step_150'));
    assert.equal(session.configuration.dataset, data());
    assert.equal(typeof session.configuration.index, 'number');
    await until("the page's Debug to count the session", (st) => (st.debugSessionsStarted === 1 ? st : undefined));
    // The debugger runs the followed checkpoint: it stops on entry at the first z update.
    const frames = await waitUntil(
      'the session to stop on entry',
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
    assert.deepEqual(
      frames.map((f) => f.name),
      ['cycle 1 › z 1 (z_L)', 'step 1 › cycle 1', 'step 1'],
    );
    if (driverAvailable()) await ui({ action: 'screenshot', name: 'follow-debug' });
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
  });

  test('stop following keeps the view; a folder that does not exist yet is waited for', async () => {
    assert.equal(await vscode.commands.executeCommand('trmLens.stopFollowing'), true);
    const stopped = await until('the view to say stopped', (s) => (s.view?.status === 'stopped' ? s : undefined));
    assert.equal(stopped.view?.checkpoints.length, 3);
    const later = path.join(tmp, 'checkpoints', 'not-yet');
    await vscode.commands.executeCommand('trmLens.followCheckpoints', { dir: later, data: data(), pollMs: 250 });
    const waiting = await until('waiting for the folder', (s) =>
      s.view?.status === 'waiting-for-folder' ? s.view : undefined,
    );
    assert.match(waiting.message, /does not exist yet/);
    assert.equal(await vscode.commands.executeCommand('trmLens.stopFollowing'), true);
  });
});
