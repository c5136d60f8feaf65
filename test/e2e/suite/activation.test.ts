// In-editor: the extension activates in a real VS Code, every contributed command has a handler, and
// "TRM: Show Compute Backend" initialises a real compute backend (the packaged wasm binaries), reports
// the one TF.js actually runs on, and shows it in the status bar and a notification (checked through
// the driver's UI handshake). "TRM: Show Model Info" reads the shared fixture checkpoint in both
// formats and reports the official parameter count; a file that is no checkpoint gives a notification.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ShownBackend } from '../../../src/extension/backendCommands';
import type { ModelInfo } from '../../../src/extension/modelInfoCommand';
import { fixtureDir } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const BACKENDS = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'];

function extension(): vscode.Extension<{ extensionPath: string }> {
  const ext = vscode.extensions.getExtension<{ extensionPath: string }>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  return ext;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

suite('activation', () => {
  test('the extension activates and returns its API', async () => {
    const ext = extension();
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(api.extensionPath, ext.extensionPath);
  });

  test('every contributed command has a registered handler', async () => {
    const ext = extension();
    await ext.activate();
    const contributed = (ext.packageJSON.contributes?.commands ?? []) as { command: string }[];
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('TRM: Show Compute Backend initialises a backend and returns it', async () => {
    await extension().activate();
    const info = await vscode.commands.executeCommand<ShownBackend | undefined>('trmLens.showBackend');
    assert.ok(info, 'trmLens.showBackend returned nothing (backend selection failed; see the error notification)');
    assert.ok(BACKENDS.includes(info.name), `unknown backend ${info.name}`);
    // What the engine reports is what TF.js runs on (both native packages register 'tensorflow').
    assert.equal(
      info.tfBackend,
      info.name.startsWith('tfjs-node') ? 'tensorflow' : info.name,
      'reported backend is not the active one',
    );
    // The wasm binaries ship in dist/: falling through to plain JS means they are missing or broken.
    assert.notEqual(info.name, 'cpu', `fell back to the cpu backend: ${info.fallbackReasons.join('; ')}`);
    assert.ok(info.description.length > 0);
    assert.ok(Number.isInteger(info.threads) && info.threads >= 1, `threads = ${info.threads}`);
    assert.equal(typeof info.simd, 'boolean');
    assert.equal(
      info.gpu,
      info.gpu && (info.name === 'tfjs-node-gpu' || (info.name === 'webgpu' && info.adapter?.software === false)),
      'only tfjs-node-gpu and webgpu on a hardware adapter compute on a GPU',
    );
    // Every better candidate that was skipped says why.
    for (const better of BACKENDS.slice(0, BACKENDS.indexOf(info.name))) {
      assert.ok(
        info.fallbackReasons.some((r) => r.startsWith(`${better}:`)),
        `no reason given for skipping ${better}: ${JSON.stringify(info.fallbackReasons)}`,
      );
    }
    // Inference runs on the native ONNX Runtime path shipped in the .vsix (its binaries for this platform).
    assert.equal(info.inference, 'onnxruntime', `native path not used: ${info.inferenceLine}`);
    assert.match(info.inferenceLine, /^ONNX Runtime \d+\.\d+\.\d+ on the CPU/);
    // A second call reuses the initialised backend.
    const again = await vscode.commands.executeCommand<ShownBackend | undefined>('trmLens.showBackend');
    assert.equal(again?.name, info.name);
    assert.equal(again?.threads, info.threads);
    assert.equal(again?.tfBackend, info.tfBackend);
  });

  test('the trmLens.backend setting turns the native path off and on again', async () => {
    await extension().activate();
    const cfg = vscode.workspace.getConfiguration('trmLens');
    try {
      await cfg.update('backend', 'tfjs', vscode.ConfigurationTarget.Global);
      const off = await vscode.commands.executeCommand<ShownBackend | undefined>('trmLens.showBackend');
      assert.ok(off);
      assert.equal(off.inference, off.name, 'TF.js computes inference');
      assert.match(off.inferenceLine, /^onnxruntime: not used \(TF\.js was chosen\)$/);
      await cfg.update('backend', 'onnxruntime', vscode.ConfigurationTarget.Global);
      const on = await vscode.commands.executeCommand<ShownBackend | undefined>('trmLens.showBackend');
      assert.equal(on?.inference, 'onnxruntime');
    } finally {
      await cfg.update('backend', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('the backend is shown in the status bar and in a notification (UI)', async function () {
    if (!driverAvailable()) this.skip();
    const info = await vscode.commands.executeCommand<ShownBackend | undefined>('trmLens.showBackend');
    assert.ok(info);
    const expected =
      info.inference === 'onnxruntime'
        ? `TRM: onnxruntime ×${info.inferenceThreads} (CPU)`
        : info.adapter
          ? `TRM: ${info.name} · ${info.adapter.vendor} ${info.adapter.architecture} (${info.gpu ? 'GPU' : 'software'})`
          : `TRM: ${info.name} ×${info.threads} (${info.gpu ? 'GPU' : 'CPU'})`;
    assert.equal(await ui<string>({ action: 'statusBar', pattern: `^${escapeRegExp(expected)}$` }), expected);
    // Through the command palette, as a user would run it.
    await ui({ action: 'runCommand', title: 'TRM: Show Compute Backend' });
    const messages = await ui<string[]>({ action: 'notifications', pattern: '^TRM compute backend: ' });
    assert.ok(
      messages.some((m) => m.includes(info.description) && m.includes(`Inference: ${info.inferenceLine}`)),
      `no notification names "${info.description}" and the inference path: ${JSON.stringify(messages)}`,
    );
    await ui({ action: 'screenshot', name: 'backend-status' });
  });

  test('TRM: Show Model Info reads the fixture checkpoint (safetensors and official torch) with the official parameter count', async () => {
    await extension().activate();
    const dir = fixtureDir();
    const expected = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
      model_config: { hidden_size: number; H_cycles: number; L_cycles: number; halt_max_steps: number };
      derived: { num_trainable_parameters: number };
    };
    for (const [file, format] of [
      ['model.safetensors', 'safetensors'],
      ['step_150', 'torch'],
    ] as const) {
      const info = await vscode.commands.executeCommand<ModelInfo | undefined>(
        'trmLens.modelInfo',
        path.join(dir, file),
      );
      assert.ok(info, `trmLens.modelInfo returned nothing for ${file}`);
      assert.equal(info.format, format);
      assert.equal(info.parameters, expected.derived.num_trainable_parameters, file);
      const m = expected.model_config;
      assert.deepEqual(
        [info.config.hidden_size, info.config.H_cycles, info.config.L_cycles, info.config.halt_max_steps],
        [m.hidden_size, m.H_cycles, m.L_cycles, m.halt_max_steps],
        file,
      );
    }
  });

  test('TRM: Show Model Info on a file that is no checkpoint says why, without failing the command', async () => {
    await extension().activate();
    const notACheckpoint = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'README.md');
    const info = await vscode.commands.executeCommand<ModelInfo | undefined>('trmLens.modelInfo', notACheckpoint);
    assert.equal(info, undefined);
    if (driverAvailable()) {
      const messages = await ui<string[]>({
        action: 'notifications',
        pattern: '^TRM: cannot read the checkpoint .*README\\.md: ',
      });
      assert.ok(
        messages.some((m) => m.length > 'TRM: cannot read the checkpoint '.length + 20),
        JSON.stringify(messages),
      );
    }
  });
});
