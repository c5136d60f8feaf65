// In-editor: the `trm` debugger in a real VS Code. "F5" on the sample Sudoku CSV without a
// launch.json (the configuration provider finds the checkpoint in the workspace and asks which
// puzzle), a `halt` function breakpoint stops at the first halting decision, and the Call Stack
// shows the recursion (step › cycle › update). The checkpoint is the parity fixture with its q_head
// halt bias raised by 5 (so q_halt crosses 0 after a few steps), written into the test workspace;
// where it halts is not assumed but checked against the adapter's own step summaries.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';
import { fixtureDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const CSV = 'sudoku/sudoku-extreme-style-sample.csv';
const HALT_BIAS_SHIFT = 5;

/** Writes the fixture weights with q_head's halt bias shifted, plus its all_config.yaml, into `dir`. */
function writeHaltingModel(dir: string): string {
  const fixture = fixtureDir();
  const file = readSafetensors(path.join(fixture, 'model.safetensors'));
  const key = [...file.tensors.keys()].find((k) => k.endsWith('q_head.bias'));
  assert.ok(key, 'the fixture has a q_head.bias');
  const bias = Float32Array.from(toFloat32(file.tensors.get(key)!));
  bias[0] += HALT_BIAS_SHIFT;
  file.tensors.set(key, { dtype: 'float32', shape: [2], data: bias });
  fs.mkdirSync(dir, { recursive: true });
  writeSafetensors(path.join(dir, 'model.safetensors'), file.tensors, file.metadata);
  fs.copyFileSync(path.join(fixture, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  return path.join(dir, 'model.safetensors');
}

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs });

/** Waits until VS Code focuses a stack frame of `session` (it has processed the stop). */
function focusedFrame(session: vscode.DebugSession): Promise<vscode.DebugStackFrame> {
  return until('VS Code to focus a frame of the stopped session', () => {
    const item = vscode.debug.activeStackItem;
    return item instanceof vscode.DebugStackFrame && item.session.id === session.id ? item : undefined;
  });
}

suite('trm debugger', () => {
  let folder: vscode.WorkspaceFolder;
  let modelDir: string;
  let checkpoint: string;
  const stops: DebugProtocol.StoppedEvent[] = [];
  let tracker: vscode.Disposable | undefined;

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    const ws = vscode.workspace.workspaceFolders?.[0];
    assert.ok(ws, 'the e2e run opens the sample workspace');
    folder = ws;
    assert.ok(fs.existsSync(path.join(folder.uri.fsPath, CSV)), `${CSV} is in the sample workspace`);
    modelDir = path.join(folder.uri.fsPath, 'models', 'e2e-halting');
    checkpoint = writeHaltingModel(modelDir);
    // Every stopped event the trm adapter sends, as VS Code receives it.
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('trm', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
          if (m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped')
            stops.push(m as DebugProtocol.StoppedEvent);
        },
      }),
    });
  });

  suiteTeardown(() => {
    tracker?.dispose();
    if (modelDir) fs.rmSync(path.join(modelDir, '..'), { recursive: true, force: true });
  });

  test('F5 on a Sudoku CSV stops on the halting breakpoint; the Call Stack shows step › cycle › update', async function () {
    this.timeout(300_000);
    const nextStop = (from: number) => until(`a stop after #${from}`, () => stops[from], 120_000);
    const halt = new vscode.FunctionBreakpoint('halt');
    vscode.debug.addBreakpoints([halt]);
    const csv = vscode.Uri.file(path.join(folder.uri.fsPath, CSV));
    await vscode.window.showTextDocument(csv);
    // The checkpoint is found in the workspace when it is the only one there (else it is named here,
    // so the test never waits on a checkpoint pick).
    const found = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder, '**/{*.safetensors,step_*}'),
      '**/{node_modules,.git}/**',
    );
    const onlyOurs = found.length === 1 && found[0].fsPath === checkpoint;
    const from = stops.length;
    let session: vscode.DebugSession | undefined;
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === 'trm') session = s;
    });
    try {
      if (driverAvailable()) {
        // What F5 without launch.json sends: no request, no name; the provider builds the rest and
        // asks which puzzle of the open CSV to debug (answered in the Quick Pick: the first, #0).
        const started = vscode.debug.startDebugging(folder, {
          type: 'trm',
          request: '',
          name: '',
          ...(onlyOurs ? {} : { checkpoint }),
        });
        await ui({ action: 'waitFor', selector: '.quick-input-widget .monaco-list-row', text: '1. line 2' });
        await ui({ action: 'press', key: 'Enter' });
        assert.ok(await started, 'the trm session started');
      } else {
        assert.ok(
          await vscode.debug.startDebugging(folder, {
            type: 'trm',
            request: 'launch',
            name: 'debugger e2e',
            dataset: csv.fsPath,
            index: 0,
            stopOnEntry: true,
            ...(onlyOurs ? {} : { checkpoint }),
          }),
          'the trm session started',
        );
      }
      const entry = await nextStop(from);
      assert.equal(entry.body.reason, 'entry');
      const s = await until('the trm session', () => session);
      assert.equal(s.configuration.index, 0);
      assert.equal(s.configuration.checkpoint, checkpoint);

      // VS Code acts on Continue once its own model has the stopped thread's frames.
      await focusedFrame(s);
      await vscode.commands.executeCommand('workbench.action.debug.continue');
      const stop = await nextStop(from + 1);
      assert.equal(stop.body.reason, 'function breakpoint');
      assert.equal(stop.body.description, 'Paused on halting decision');
      const m = /^Paused on halting decision: q_halt = (-?\d+\.\d{3}) > 0 at step (\d+), answer \d+\/81 correct/.exec(
        stop.body.text ?? '',
      );
      assert.ok(m, `stop text: ${stop.body.text}`);
      const step = Number(m[2]);
      assert.ok(Number(m[1]) > 0);
      // The first halting decision of the episode: no earlier step says halt.
      for (let k = 1; k <= step; k++) {
        const sum = await s.customRequest('trm/stepSummary', { step: k });
        assert.equal(sum.wouldHalt, k === step, `step ${k}: q_halt ${sum.qHalt}`);
      }
      const frames = (await s.customRequest('stackTrace', { threadId: 1 })).stackFrames as DebugProtocol.StackFrame[];
      assert.deepEqual(
        frames.map((f) => f.name),
        ['cycle 3 › y (z_H)', `step ${step} › cycle 3`, `step ${step}`],
      );
      const scopes = (await s.customRequest('scopes', { frameId: frames[0].id })).scopes as DebugProtocol.Scope[];
      const halting = scopes.find((x) => x.name.startsWith('halting'));
      assert.ok(halting, scopes.map((x) => x.name).join(', '));
      const vars = (await s.customRequest('variables', { variablesReference: halting.variablesReference }))
        .variables as DebugProtocol.Variable[];
      assert.equal(vars.find((v) => v.name === 'decision')?.value, 'halt (q_halt > 0)');
      if (driverAvailable()) {
        await vscode.commands.executeCommand('workbench.view.debug');
        await ui({
          action: 'waitFor',
          selector: '.debug-call-stack .monaco-list-row',
          text: `step ${step} › cycle 3`,
        });
        const rows = await ui<string[]>({ action: 'texts', selector: '.debug-call-stack .monaco-list-row' });
        const firstLines = rows.map((r) => r.split('\n')[0].trim());
        for (const name of ['cycle 3 › y (z_H)', `step ${step} › cycle 3`, `step ${step}`]) {
          assert.ok(firstLines.includes(name), `Call Stack view has a frame '${name}': ${JSON.stringify(rows)}`);
        }
        // The view's header carries the stop's description.
        const headers = await ui<string[]>({ action: 'texts', selector: '.pane-header' });
        assert.ok(
          headers.some((h) => /call stack/i.test(h) && /paused on halting decision/i.test(h)),
          `pane headers: ${JSON.stringify(headers)}`,
        );
        await ui({ action: 'screenshot', name: 'debugger-halting' });
      }

      // Step back: the previous update, the last z update of the cycle.
      await focusedFrame(s);
      await vscode.commands.executeCommand('workbench.action.debug.stepBack');
      await nextStop(from + 2);
      const back = (await s.customRequest('stackTrace', { threadId: 1 })).stackFrames as DebugProtocol.StackFrame[];
      assert.equal(back[0].name, 'cycle 3 › z 6 (z_L)');
    } finally {
      sub.dispose();
      vscode.debug.removeBreakpoints([halt]);
      if (session) {
        const ended = new Promise<void>((resolve) => {
          const d = vscode.debug.onDidTerminateDebugSession((t) => {
            if (t.id === session!.id) {
              d.dispose();
              resolve();
            }
          });
        });
        await vscode.debug.stopDebugging(session);
        await Promise.race([ended, new Promise((r) => setTimeout(r, 20_000))]);
      }
    }
  });
});
