// In-editor: trajectory clouds and trace bundles in a real VS Code. A `trm` session on the sample
// Sudoku file generated-moderate.csv (bundled small model) stops on entry; TRM: Fork Trajectory Cloud Here… from the command
// palette (N and the noise scale answered in its input boxes) opens the Cloud panel, which must draw
// N branches; a click on a branch's Adopt button moves the session onto that branch (the Call Stack
// names it); TRM: Save Trace Bundle… writes a bundle, the session ends, and opening the bundle file
// and running TRM: Open Trace Bundle… restores the same update with identical Variables.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const CSV = 'sudoku/generated-moderate.csv';
const N = 8;

const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 120_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, intervalMs: 200 });

/** Copies an in-editor screenshot into the README's folder when TRM_SCREENSHOTS_DIR names it. */
function keepForReadme(file: string, name: string): void {
  const dest = process.env.TRM_SCREENSHOTS_DIR;
  if (!dest) return;
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(file, path.join(dest, name));
}

async function frames(s: vscode.DebugSession): Promise<DebugProtocol.StackFrame[]> {
  return ((await s.customRequest('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse['body'])
    .stackFrames;
}

/** Every variable of the top frame's scopes, two levels deep, as "scope/name = value" lines. */
async function variables(s: vscode.DebugSession): Promise<string[]> {
  const top = (await frames(s))[0];
  const scopes = ((await s.customRequest('scopes', { frameId: top.id })) as DebugProtocol.ScopesResponse['body'])
    .scopes;
  const out: string[] = [];
  const walk = async (prefix: string, ref: number, depth: number): Promise<void> => {
    const vars = (
      (await s.customRequest('variables', { variablesReference: ref })) as DebugProtocol.VariablesResponse['body']
    ).variables;
    for (const v of vars) {
      out.push(`${prefix}/${v.name} = ${v.value}`);
      if (depth > 0 && v.variablesReference > 0) await walk(`${prefix}/${v.name}`, v.variablesReference, depth - 1);
    }
  };
  for (const sc of scopes) await walk(sc.name, sc.variablesReference, 1);
  return out;
}

function ended(session: vscode.DebugSession): Promise<void> {
  return new Promise<void>((resolve) => {
    const d = vscode.debug.onDidTerminateDebugSession((t) => {
      if (t.id === session.id) {
        d.dispose();
        resolve();
      }
    });
  });
}

suite('trajectory clouds and trace bundles', function () {
  this.timeout(420_000);
  let folder: vscode.WorkspaceFolder;
  let checkpoint = '';
  let tmp = '';
  const stops: { session: string; body: DebugProtocol.StoppedEvent['body'] }[] = [];
  let tracker: vscode.Disposable | undefined;
  const sessions: vscode.DebugSession[] = [];

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const ws = vscode.workspace.workspaceFolders?.[0];
    assert.ok(ws, 'the e2e run opens the sample workspace');
    folder = ws;
    checkpoint = path.join(ext.extensionPath, 'media/models/sudoku-small/model.safetensors');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-cloud-'));
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('trm', {
      createDebugAdapterTracker: (s) => ({
        onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
          if (m.type === 'event' && (m as DebugProtocol.Event).event === 'stopped')
            stops.push({ session: s.id, body: (m as DebugProtocol.StoppedEvent).body });
        },
      }),
    });
  });

  suiteTeardown(async () => {
    tracker?.dispose();
    for (const s of sessions) await vscode.debug.stopDebugging(s).then(undefined, () => undefined);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a cloud forked from the palette draws N branches; Adopt moves the Call Stack; a saved bundle reopens at the same update with identical Variables', async function () {
    if (!driverAvailable()) this.skip();
    const nextStop = (sessionId: string, from: number, what: string) =>
      until(what, () => stops.slice(from).find((x) => x.session === sessionId));

    // 1. A session stopped on entry.
    let from = stops.length;
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((d) => {
        if (d.type === 'trm') {
          sub.dispose();
          resolve(d);
        }
      });
    });
    assert.ok(
      await vscode.debug.startDebugging(folder, {
        type: 'trm',
        request: 'launch',
        name: 'cloud e2e',
        checkpoint,
        dataset: path.join(folder.uri.fsPath, CSV),
        index: 0,
        stopOnEntry: true,
      }),
      'the trm session started',
    );
    const session = await started;
    sessions.push(session);
    const entry = await nextStop(session.id, from, 'the entry stop');
    assert.equal(entry.body.reason, 'entry');
    await vscode.commands.executeCommand('workbench.view.debug');
    await ui({ action: 'waitFor', selector: '.debug-call-stack .monaco-list-row', text: 'step 1' });

    // 2. Fork through the command palette; the input boxes ask N (default 8) and the noise scale.
    await ui({ action: 'runCommand', title: 'TRM: Fork Trajectory Cloud Here…' });
    await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'how many branches' });
    await ui({ action: 'press', key: 'Enter' });
    await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'noise scale' });
    await ui({ action: 'press', key: 'Enter' });
    const legend = await ui<string>(
      { action: 'webviewText', selector: '.legend', waitFor: 'branches drawn', timeoutMs: 240_000 },
      300_000,
    );
    assert.match(legend, new RegExp(`^${N} branches drawn`));
    const table = await ui<string>({ action: 'webviewText', selector: 'table.branches' });
    assert.equal((table.match(/Adopt/g) ?? []).length, N, table);
    const title = await ui<string>({ action: 'webviewText', selector: 'h2' });
    assert.match(title, new RegExp(`^Cloud of ${N} branches from step 1`));
    await vscode.commands.executeCommand('workbench.action.closePanel');
    keepForReadme(await ui<string>({ action: 'screenshot', name: 'cloud' }), 'cloud.png');

    // 3. Adopt branch 2 by its button: the session stops on it and the Call Stack names it.
    from = stops.length;
    await ui({ action: 'webviewClick', selector: 'button.adopt[data-branch="2"]' });
    const adopted = await nextStop(session.id, from, 'the stop on the adopted branch');
    assert.match(adopted.body.description ?? '', new RegExp(`^Adopted branch 2/${N}`));
    const onBranch = await frames(session);
    assert.ok(
      onBranch.some((f) => new RegExp(`branch 2/${N}`).test(f.name)),
      `a frame names the branch: ${JSON.stringify(onBranch.map((f) => f.name))}`,
    );
    await vscode.commands.executeCommand('workbench.view.debug');
    await ui({ action: 'waitFor', selector: '.debug-call-stack .monaco-list-row', text: `branch 2/${N}` });
    const rows = await ui<string[]>({ action: 'texts', selector: '.debug-call-stack .monaco-list-row' });
    assert.ok(
      rows.some((r) => r.includes(`branch 2/${N}`)),
      `the Call Stack view shows the branch: ${JSON.stringify(rows)}`,
    );

    // Move on along the branch, so the bundle's cursor is not the adoption point itself.
    from = stops.length;
    await vscode.commands.executeCommand('workbench.action.debug.stepOver');
    await nextStop(session.id, from, 'the step on the branch');
    const savedFrames = (await frames(session)).map((f) => f.name);
    const savedVars = await variables(session);
    assert.ok(savedVars.length > 4, JSON.stringify(savedVars));

    // 4. Save a bundle through its command, end the session.
    const bundle = path.join(tmp, 'cloud-e2e.trmbundle.json');
    await vscode.commands.executeCommand('trmLens.saveBundle', vscode.Uri.file(bundle), 'e2e: branch 2 of 8');
    assert.ok(fs.existsSync(bundle), 'the bundle file was written');
    const saved = JSON.parse(fs.readFileSync(bundle, 'utf8')) as { forks: { branch: number; n: number }[] };
    assert.deepEqual(
      saved.forks.map((f) => [f.branch, f.n]),
      [[2, N]],
    );
    const gone = ended(session);
    await vscode.debug.stopDebugging(session);
    await gone;

    // 5. Open the bundle the way a user does: the file in the editor, then the palette command.
    await vscode.window.showTextDocument(vscode.Uri.file(bundle));
    from = stops.length;
    const restarted = new Promise<vscode.DebugSession>((resolve) => {
      const sub = vscode.debug.onDidStartDebugSession((d) => {
        if (d.type === 'trm') {
          sub.dispose();
          resolve(d);
        }
      });
    });
    await ui({ action: 'runCommand', title: 'TRM: Open Trace Bundle…' });
    const restored = await restarted;
    sessions.push(restored);
    const stop = await nextStop(restored.id, from, 'the restored stop');
    assert.equal(stop.body.description, 'Restored from trace bundle');
    assert.deepEqual(
      (await frames(restored)).map((f) => f.name),
      savedFrames,
    );
    assert.deepEqual(await variables(restored), savedVars);
    await vscode.commands.executeCommand('workbench.view.debug');
    await ui({ action: 'waitFor', selector: '.debug-call-stack .monaco-list-row', text: `branch 2/${N}` });
    const gone2 = ended(restored);
    await vscode.debug.stopDebugging(restored);
    await gone2;
  });
});
