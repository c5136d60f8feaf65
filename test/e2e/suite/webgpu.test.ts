// In-editor: a `trm` debug session on the webgpu backend, in the real extension host (code-server's
// Node), on SwiftShader's Vulkan driver from Debian's chromium (a real WebGPU adapter, in software).
// The session names the adapter in the Debug Console, stops on entry, steps, shows y / z variables,
// and its step summary equals the same session's on the cpu backend. The model is a tiny Sudoku
// TRM written at test time: SwiftShader is slow, the session must stay small.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { getPreset, type TrmConfig } from '../../../src/engine/config';
import { initialWeights } from '../../../src/engine/model/init';
import { waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const SUDOKU = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';

interface Seen {
  stops: DebugProtocol.StoppedEvent[];
  output: string[];
}

suite('webgpu backend', () => {
  let dir: string;
  let checkpoint: string;
  const seen = new Map<string, Seen>();
  let tracker: vscode.Disposable | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension('trm-lens.trm-lens')?.activate();
    assert.ok(fs.existsSync(SWIFTSHADER_ICD), `${SWIFTSHADER_ICD} (Debian's chromium) is installed by the e2e setup`);
    // Read by the Vulkan loader when Dawn creates its instance, i.e. when webgpu is selected below.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    process.env.XDG_RUNTIME_DIR ??= os.tmpdir();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-webgpu-'));
    const config: TrmConfig = {
      ...getPreset('sudoku-mlp-small'),
      hidden_size: 16,
      puzzle_emb_ndim: 16,
      expansion: 2,
      H_cycles: 2,
      L_cycles: 2,
      L_layers: 1,
      halt_max_steps: 2,
    };
    checkpoint = path.join(dir, 'model.safetensors');
    saveSafetensorsCheckpoint(checkpoint, config, initialWeights(config, 6));
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('trm', {
      createDebugAdapterTracker: (session) => {
        const s: Seen = { stops: [], output: [] };
        seen.set(session.configuration.name, s);
        return {
          onDidSendMessage: (m: DebugProtocol.ProtocolMessage) => {
            if (m.type !== 'event') return;
            const e = m as DebugProtocol.Event;
            if (e.event === 'stopped') s.stops.push(e as DebugProtocol.StoppedEvent);
            if (e.event === 'output') s.output.push((e as DebugProtocol.OutputEvent).body.output);
          },
        };
      },
    });
  });

  suiteTeardown(() => {
    tracker?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function launch(name: string, backend: string): Promise<{ session: vscode.DebugSession; seen: Seen }> {
    let session: vscode.DebugSession | undefined;
    const sub = vscode.debug.onDidStartDebugSession((s) => {
      if (s.configuration.name === name) session = s;
    });
    try {
      const ok = await vscode.debug.startDebugging(undefined, {
        type: 'trm',
        request: 'launch',
        name,
        checkpoint,
        puzzle: SUDOKU,
        backend,
        stopOnEntry: true,
      });
      assert.ok(ok, `the ${backend} session started`);
      const s = await waitUntil(`the ${name} session`, () => session, { timeoutMs: 60_000 });
      const events = await waitUntil('its adapter tracker', () => seen.get(name));
      await waitUntil(`the ${name} session to stop on entry`, () => events.stops[0], { timeoutMs: 240_000 });
      assert.equal(events.stops[0].body.reason, 'entry');
      return { session: s, seen: events };
    } finally {
      sub.dispose();
    }
  }

  async function stop(session: vscode.DebugSession): Promise<void> {
    const ended = new Promise<void>((resolve) => {
      const d = vscode.debug.onDidTerminateDebugSession((t) => {
        if (t.id === session.id) {
          d.dispose();
          resolve();
        }
      });
    });
    await vscode.debug.stopDebugging(session);
    await Promise.race([ended, new Promise((r) => setTimeout(r, 20_000))]);
  }

  test('a debug session on webgpu names the adapter, steps, shows y / z, and agrees with the cpu backend', async function () {
    this.timeout(600_000);
    const { session, seen: events } = await launch('webgpu e2e', 'webgpu');
    try {
      const banner = events.output.join('');
      assert.match(
        banner,
        /backend: WebGPU on a software adapter, SwiftShader driver [\d.]+ \(google swiftshader\): runs on the CPU, not a GPU \(Vulkan\)/,
      );
      const frames = (await session.customRequest('stackTrace', { threadId: 1 }))
        .stackFrames as DebugProtocol.StackFrame[];
      assert.equal(frames[0].name, 'cycle 1 › z 1 (z_L)');
      const scopes = (await session.customRequest('scopes', { frameId: frames[0].id })).scopes as DebugProtocol.Scope[];
      const names: string[] = [];
      for (const scope of scopes) {
        const vars = (await session.customRequest('variables', { variablesReference: scope.variablesReference }))
          .variables as DebugProtocol.Variable[];
        names.push(...vars.map((v) => v.name));
      }
      for (const v of ['y', 'z'])
        assert.ok(
          names.some((n) => n.startsWith(v)),
          `variable ${v} in ${names.join(', ')}`,
        );
      await session.customRequest('next', { threadId: 1 });
      await waitUntil('the stop after next', () => events.stops[1], { timeoutMs: 120_000 });
      const after = (await session.customRequest('stackTrace', { threadId: 1 }))
        .stackFrames as DebugProtocol.StackFrame[];
      assert.equal(after[0].name, 'cycle 1 › z 2 (z_L)');
      const gpuSummary = (await session.customRequest('trm/stepSummary', { step: 2 })) as {
        preds: number[];
        qHalt: number;
      };
      if (driverAvailable()) {
        await vscode.commands.executeCommand('workbench.debug.action.toggleRepl');
        await ui({ action: 'waitFor', selector: '.repl', text: 'SwiftShader' });
        await ui({ action: 'screenshot', name: 'debugger-webgpu-console' });
      }
      await stop(session);

      const cpu = await launch('cpu e2e', 'cpu');
      try {
        assert.match(cpu.seen.output.join(''), /backend: /);
        const cpuSummary = (await cpu.session.customRequest('trm/stepSummary', { step: 2 })) as {
          preds: number[];
          qHalt: number;
        };
        assert.deepEqual(gpuSummary.preds, cpuSummary.preds, 'step 2 answer on webgpu and on cpu');
        assert.ok(
          Math.abs(gpuSummary.qHalt - cpuSummary.qHalt) < 1e-4,
          `q_halt ${gpuSummary.qHalt} vs ${cpuSummary.qHalt}`,
        );
      } finally {
        await stop(cpu.session);
      }
    } finally {
      if (vscode.debug.activeDebugSession?.id === session.id) await stop(session);
    }
  });
});
