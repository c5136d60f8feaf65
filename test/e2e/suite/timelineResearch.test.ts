// In-editor: the timeline's research views on a real `trm` comparison session (launch attribute
// `compare`: run B is the fixture checkpoint with one matrix scaled by 1 %). The timeline draws
// run A's heatmaps, run B's under them, and the divergence strip (‖zA − zB‖, ‖yA − yB‖, cells whose
// decoded answer differs, and a mark under the first update where the runs part), checked by canvas
// pixels inside the webview frame. The screenshot lands in the run's output folder as
// timeline-compare.png (and in media/screenshots/ when TRM_SCREENSHOTS_DIR names it).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TimelinePanelState } from '../../../src/extension/timeline/timelinePanel';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';
import { sharedDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const PUZZLE = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
const SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';

const state = (): Thenable<TimelinePanelState> =>
  vscode.commands.executeCommand<TimelinePanelState>('trmLens.timeline.state');
const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, describe: async () => ({ timelineState: await state() }) });

/** Copies an in-editor screenshot into the README's folder when TRM_SCREENSHOTS_DIR names it. */
function keepForReadme(file: string, name: string): void {
  const dest = process.env.TRM_SCREENSHOTS_DIR;
  if (!dest) return;
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(file, path.join(dest, name));
}

/** The fixture weights with one matrix scaled by `factor`: another checkpoint of the same shape. */
function perturbedCheckpoint(fixture: string, factor: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-e2e-compare-'));
  const file = readSafetensors(path.join(fixture, 'model.safetensors'));
  const key = [...file.tensors.keys()].find((k) => k.endsWith('L_level.layers.0.mlp.down_proj.weight'))!;
  const t = file.tensors.get(key)!;
  file.tensors.set(key, { ...t, data: Float32Array.from(toFloat32(t), (v) => v * factor) });
  writeSafetensors(path.join(dir, 'model.safetensors'), file.tensors, file.metadata);
  fs.copyFileSync(path.join(fixture, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  return path.join(dir, 'model.safetensors');
}

/** Polls a canvas pixel (data resolution) inside the webview until `ok` accepts it. */
async function pixelUntil(
  what: string,
  selector: string,
  x: number,
  y: number,
  ok: (px: number[]) => boolean,
  timeoutMs = 60_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let px: number[] = [];
  while (Date.now() < deadline) {
    px = await ui<number[]>({ action: 'canvasPixel', selector, x, y });
    if (ok(px)) return px;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}: pixel (${x}, ${y}) of ${selector} is ${JSON.stringify(px)}`);
}

/** The timeline alone in the window for a screenshot (side bar, panel and other editor groups closed). */
async function timelineAlone(): Promise<void> {
  for (const cmd of [
    'workbench.action.closePanel',
    'workbench.action.closeAuxiliaryBar',
    'workbench.action.closeSidebar',
    'trmLens.showTimeline',
    'workbench.action.closeEditorsInOtherGroups',
  ])
    await vscode.commands.executeCommand(cmd).then(undefined, () => undefined);
  await new Promise((r) => setTimeout(r, 1500)); // the webview re-lays out to the new width
}

suite('recursion timeline: research views', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
  });

  test('a comparison session draws two lanes (A, B) and the divergence strip with the first divergence marked', async function () {
    if (!driverAvailable()) this.skip(); // canvas pixels need the driver's Playwright page
    this.timeout(300_000);
    const fixture = path.join(sharedDir(), 'fixtures/trm-sudoku-mlp-small');
    const runB = perturbedCheckpoint(fixture, 1.01);
    await vscode.commands.executeCommand('trmLens.showTimeline');
    const sentBefore = (await state()).sent;
    const name = 'timeline compare e2e';
    assert.ok(
      await vscode.debug.startDebugging(undefined, {
        type: 'trm',
        request: 'launch',
        name,
        checkpoint: path.join(fixture, 'model.safetensors'),
        puzzle: PUZZLE,
        solution: SOLUTION,
        steps: 2,
        stopOnEntry: true,
        compare: { checkpoint: runB },
      }),
      'the comparison session did not start',
    );
    const session = await until('the comparison session', async () => {
      const s = vscode.debug.activeDebugSession;
      return s?.type === 'trm' && s.name === name ? s : undefined;
    });
    try {
      const st = await until(
        "the timeline to load run A's and run B's heatmaps and step 1's divergence",
        async () => {
          const s = await state();
          return s.shownSessionId === session.id &&
            (s.sent.heatmap ?? 0) >= (sentBefore.heatmap ?? 0) + 42 &&
            (s.sent.divergence ?? 0) > (sentBefore.divergence ?? 0)
            ? s
            : undefined;
        },
        180_000,
      );
      assert.deepEqual(st.webviewErrors, []);
      assert.equal(st.sent.error ?? 0, sentBefore.error ?? 0, 'no request failed');
      const text = await ui<string>({ action: 'webviewText', waitFor: 'comparing with run B' });
      assert.match(text, /comparing with run B = [^ ]*model\.safetensors/);
      // Row canvas of step 1 at data resolution: A in rows 0..8, B in rows 10..18, the strip in rows 20..23
      // (‖zA − zB‖, ‖yA − yB‖, cells that differ, first-divergence mark); update columns every 10 pixels.
      const row = '.tl-row[data-step="1"] canvas.tl-cells';
      await pixelUntil("run A's lane painted", row, 4, 4, (px) => px[3] === 255);
      const b = await pixelUntil("run B's lane painted", row, 4, 14, (px) => px[3] === 255);
      const gap = await ui<number[]>({ action: 'canvasPixel', selector: row, x: 4, y: 9 });
      assert.equal(gap[3], 0, 'a gap between the lanes');
      const z = await pixelUntil('the strip ‖zA − zB‖ band', row, 204, 20, (px) => px[3] === 255);
      await pixelUntil('the strip ‖yA − yB‖ band', row, 204, 21, (px) => px[3] === 255);
      // A 1 % larger matrix moves z at once: the runs part at the first update (max |A − B| > 1e-3).
      const mark = await pixelUntil('the first-divergence mark', row, 4, 23, (px) => px[3] === 255);
      const noMark = await ui<number[]>({ action: 'canvasPixel', selector: row, x: 104, y: 23 });
      assert.equal(noMark[3], 0, 'only the first divergence is marked');
      assert.notDeepEqual(mark.slice(0, 3), b.slice(0, 3));
      assert.ok(z[0] + z[1] + z[2] > 0);
      await ui({ action: 'webviewText', waitFor: 'A≠B' });
      // Run B's answer thumbnail under run A's.
      await pixelUntil("run B's answer", '.tl-row[data-step="1"] canvas.tl-ans', 4, 14, (px) => px[3] === 255);

      // The screenshot: both steps run (a seek to step 2's last update), the PCA view, the timeline alone.
      const heatmaps = (await state()).sent.heatmap ?? 0;
      await session.customRequest('trm/seek', { step: 2, ordinal: 20 });
      await ui({ action: 'webviewSelect', selector: '#tl-view', value: 'pca' });
      await until(
        "step 2's heatmaps of both runs and its divergence",
        async () => {
          const s = await state();
          return (s.sent.heatmap ?? 0) >= heatmaps + 4 * 21 && (s.sent.divergence ?? 0) >= 2 ? s : undefined;
        },
        180_000,
      );
      await pixelUntil("step 2's strip", '.tl-row[data-step="2"] canvas.tl-cells', 204, 20, (px) => px[3] === 255);
      await timelineAlone();
      const shot = await ui<string>({ action: 'screenshot', name: 'timeline-compare' });
      keepForReadme(shot, 'timeline-compare.png');
      await ui({ action: 'webviewSelect', selector: '#tl-view', value: 'delta' }); // leave the default view
      assert.deepEqual((await state()).webviewErrors, []);
      assert.equal((await state()).sent.error ?? 0, sentBefore.error ?? 0, 'no request failed');
    } finally {
      await vscode.debug.stopDebugging(session);
      await until('the timeline to let go of the session', async () => {
        const s = await state();
        return s.shownSessionId !== session.id ? s : undefined;
      });
      await vscode.commands.executeCommand('workbench.view.debug');
    }
  });

  test('"Fork cloud…" on the timeline toolbar forks a cloud and the trajectory plot draws its fan; "Add sparkline…" draws an expression', async function () {
    if (!driverAvailable()) this.skip(); // toolbar clicks and the input boxes need the driver's Playwright page
    this.timeout(300_000);
    const fixture = path.join(sharedDir(), 'fixtures/trm-sudoku-mlp-small');
    await vscode.commands.executeCommand('trmLens.showTimeline');
    const sentBefore = (await state()).sent;
    const name = 'timeline cloud e2e';
    assert.ok(
      await vscode.debug.startDebugging(undefined, {
        type: 'trm',
        request: 'launch',
        name,
        checkpoint: path.join(fixture, 'model.safetensors'),
        puzzle: PUZZLE,
        solution: SOLUTION,
        steps: 3,
        stopOnEntry: true,
      }),
      'the session did not start',
    );
    const session = await until('the session', async () => {
      const s = vscode.debug.activeDebugSession;
      return s?.type === 'trm' && s.name === name ? s : undefined;
    });
    try {
      await until(
        'the timeline to show the session',
        async () => {
          const s = await state();
          return s.shownSessionId === session.id && (s.sent.trajectory ?? 0) > (sentBefore.trajectory ?? 0)
            ? s
            : undefined;
        },
        120_000,
      );
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      await until('the second stop', async () => {
        const s = await state();
        return s.position && s.position.ordinal >= 2 ? s : undefined;
      });
      const actions = (await state()).received.action ?? 0;
      await ui({ action: 'webviewClick', selector: '#tl-fork-cloud' });
      await until('the toolbar action to reach the host', async () => {
        const s = await state();
        return (s.received.action ?? 0) > actions ? s : undefined;
      });
      // The command's own prompts: N (default 8) and the noise scale (default 0.4).
      await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'how many branches' });
      await ui({ action: 'press', key: 'Enter' });
      await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'noise scale' });
      await ui({ action: 'press', key: 'Enter' });
      await until(
        'the cloud to reach the timeline',
        async () => {
          const s = await state();
          return (s.sent.cloud ?? 0) > (sentBefore.cloud ?? 0) ? s : undefined;
        },
        180_000,
      );
      // Eight branch paths on the plot, from the stop where the cloud was forked (the caption counts the paths drawn).
      const at = (await state()).position!.description;
      const text = await ui<string>({ action: 'webviewText', waitFor: '8 of 8 branch paths drawn' });
      assert.ok(text.includes(`with the cloud forked at ${at}`), `the caption names the fork point ${at}`);
      assert.match(text, /bold = picked by q: branch \d+/);
      // "Add sparkline…": the expression `correct` drawn over every update of the steps run (false, 0, here).
      const seriesBefore = (await state()).sent.series ?? 0;
      await ui({ action: 'webviewClick', selector: '#tl-add-sparkline' });
      await ui({ action: 'waitFor', selector: '.quick-input-widget', text: 'add a sparkline' });
      for (const key of 'correct') await ui({ action: 'press', key });
      await ui({ action: 'press', key: 'Enter' });
      await until('the sparkline series', async () => {
        const s = await state();
        return (s.sent.series ?? 0) > seriesBefore ? s : undefined;
      });
      const spark = await ui<string>({
        action: 'webviewText',
        selector: '.tl-spark-row[data-expression="correct"]',
        waitFor: 'correct\\s*(true|false)',
      });
      assert.match(spark, /correct\s*(true|false)/);
      await timelineAlone();
      const shot = await ui<string>({ action: 'screenshot', name: 'timeline-cloud-fan' });
      keepForReadme(shot, 'timeline-cloud-fan.png');
      assert.deepEqual((await state()).webviewErrors, []);
      assert.equal((await state()).sent.error ?? 0, sentBefore.error ?? 0, 'no request failed');
    } finally {
      await vscode.debug.stopDebugging(session);
      await until('the timeline to let go of the session', async () => {
        const s = await state();
        return s.shownSessionId !== session.id ? s : undefined;
      });
      await vscode.commands.executeCommand('workbench.view.debug');
    }
  });
});
