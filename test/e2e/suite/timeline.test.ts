// In-editor: "TRM: Show Recursion Timeline" opens the webview panel, which completes the ready
// handshake and says there is no session; then a real `trm` debug session (the Sudoku parity
// fixture's weights, an inline puzzle) drives it: trace info arrives, the webview pulls heatmaps,
// step summaries and the trajectory through the glue, paints them, stepping in VS Code moves its
// cursor, and a click on a timeline cell seeks the session (the adapter's stack trace and the Call
// Stack view follow). Webview DOM text, canvas pixels and clicks go through the e2e driver's UI
// handshake. Screenshots of the real UI in a dark and a light theme land in the run's output folder
// as timeline-dark.png / timeline-light.png (the README's come from firstHour.test.ts, which runs the
// bundled model).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { NO_SESSION_NOTICE } from '../../../src/protocol/timeline';
import type { TimelinePanelState } from '../../../src/extension/timeline/timelinePanel';
import { sharedDir, waitUntil } from '../support/shared';
import { driverAvailable, ui } from '../support/driver';

const EXTENSION_ID = 'trm-lens.trm-lens';
const PUZZLE = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
const SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const state = (): Thenable<TimelinePanelState> =>
  vscode.commands.executeCommand<TimelinePanelState>('trmLens.timeline.state');

const until = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> =>
  waitUntil(what, probe, { timeoutMs, describe: async () => ({ timelineState: await state() }) });

/** Starts a `trm` session on the fixture (stopped on entry, 3 supervision steps) and returns it once active. */
async function startSession(name: string): Promise<vscode.DebugSession> {
  const fixture = path.join(sharedDir(), 'fixtures/trm-sudoku-mlp-small');
  const started = await vscode.debug.startDebugging(undefined, {
    type: 'trm',
    request: 'launch',
    name,
    checkpoint: path.join(fixture, 'model.safetensors'),
    puzzle: PUZZLE,
    solution: SOLUTION,
    steps: 3,
    stopOnEntry: true,
  });
  assert.ok(started, `the trm debug session "${name}" did not start`);
  return until(`the trm session "${name}"`, async () => {
    const s = vscode.debug.activeDebugSession;
    return s?.type === 'trm' && s.name === name ? s : undefined;
  });
}

/** Stops a session and waits until the timeline has let go of it. */
async function stopSession(session: vscode.DebugSession): Promise<void> {
  await vscode.debug.stopDebugging(session);
  await until('the timeline to notice the end of the session', async () => {
    const s = await state();
    return s.shownSessionId !== session.id ? s : undefined;
  });
}

/** Sudoku: 21 update columns of 9 data pixels and a 1-pixel gap; the horizontal fraction of column `col`'s centre. */
const columnFraction = (col: number): number => (col * 10 + 4.5) / (21 * 10 - 1);

/** Polls a canvas pixel inside the webview until `ok` accepts it. */
async function pixelUntil(
  what: string,
  selector: string,
  x: number,
  y: number,
  ok: (px: number[]) => boolean,
  timeoutMs = 30_000,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let px: number[] = [];
  while (Date.now() < deadline) {
    px = await ui<number[]>({ action: 'canvasPixel', selector, x, y });
    if (ok(px)) return px;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: pixel (${x}, ${y}) of ${selector} is ${JSON.stringify(px)}`);
}

/** Switches the colour theme and waits until VS Code reports the new theme kind (no wait when it already is). */
async function useTheme(theme: string, kind: vscode.ColorThemeKind): Promise<void> {
  const changed =
    vscode.window.activeColorTheme.kind === kind
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          const sub = vscode.window.onDidChangeActiveColorTheme((t) => {
            if (t.kind === kind) {
              sub.dispose();
              resolve();
            }
          });
        });
  await vscode.workspace.getConfiguration('workbench').update('colorTheme', theme, vscode.ConfigurationTarget.Global);
  await Promise.race([
    changed,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`theme "${theme}" was not applied within 20 s`)), 20_000),
    ),
  ]);
}

suite('recursion timeline', () => {
  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    await ext.activate();
  });

  test('TRM: Show Recursion Timeline opens the panel, completes the handshake and shows the no-session notice', async () => {
    await vscode.commands.executeCommand('trmLens.showTimeline');
    const st = await until('the webview to say ready', async () => {
      const s = await state();
      return s.open && s.ready && (s.sent.init ?? 0) >= 1 ? s : undefined;
    });
    assert.equal(st.shownSessionId, null);
    assert.equal(st.received.ready, 1);
    // A second invocation reveals the same panel instead of opening another.
    await vscode.commands.executeCommand('trmLens.showTimeline');
    assert.equal((await state()).received.ready, 1);
    if (driverAvailable()) {
      // With no session running the page says so: the plain notice, or — when an earlier suite's session
      // ended in this window — that that session ended (both end with how to start one).
      const ended = 'The TRM debug session "[^"]+" ended — press F5 on a dataset to start another';
      const text = await ui<string>({
        action: 'webviewText',
        waitFor: `${escapeRegExp(NO_SESSION_NOTICE)}|${ended}`,
      });
      assert.match(text, new RegExp(`${escapeRegExp(NO_SESSION_NOTICE)}|${ended}`));
      await ui({ action: 'screenshot', name: 'timeline-no-session' });
    }
    assert.deepEqual((await state()).webviewErrors, []);
  });

  test('follows a live trm session: pulls and paints data, and stepping in VS Code moves the cursor', async function () {
    this.timeout(300_000);
    await vscode.commands.executeCommand('trmLens.showTimeline');
    const sentBefore = (await state()).sent;
    const session = await startSession('timeline e2e');
    try {
      // The webview pulls the cursor's row first: a heatmap per update, the step summary, the trajectory.
      const st = await until(
        'the timeline to show the session and receive its data',
        async () => {
          const s = await state();
          return s.shownSessionId === session.id &&
            s.position &&
            (s.sent.heatmap ?? 0) >= (sentBefore.heatmap ?? 0) + 21 &&
            (s.sent.stepSummary ?? 0) > (sentBefore.stepSummary ?? 0) &&
            (s.sent.trajectory ?? 0) > (sentBefore.trajectory ?? 0)
            ? s
            : undefined;
        },
        120_000,
      );
      assert.deepEqual(st.webviewErrors, []);
      assert.equal(st.sent.error ?? 0, sentBefore.error ?? 0, 'no request failed');
      if (driverAvailable()) {
        const text = await ui<string>({
          action: 'webviewText',
          waitFor: escapeRegExp(`stopped at ${st.position!.description}`),
        });
        assert.match(text, /\(sudoku, 9×9\)/);
        assert.match(text, /T = H_cycles 3 × \(n = L_cycles 6 \+ 1\) updates × L_layers 2/);
        // Step 1's row is painted with data (opaque ramp colours), not the translucent loading placeholder.
        await pixelUntil('step 1 to be painted', '.tl-row[data-step="1"] canvas.tl-cells', 4, 4, (px) => px[3] === 255);
      }
      // Step in VS Code: the adapter emits trm/position and the webview's cursor follows.
      const before = st.position!;
      const positionsBefore = st.sent.position ?? 0;
      await vscode.commands.executeCommand('workbench.action.debug.stepOver');
      const moved = await until('a new position after stepping', async () => {
        const s = await state();
        return (s.sent.position ?? 0) > positionsBefore && s.position && s.position.description !== before.description
          ? s
          : undefined;
      });
      if (driverAvailable()) {
        await ui({ action: 'webviewText', waitFor: escapeRegExp(`stopped at ${moved.position!.description}`) });
        await ui({ action: 'screenshot', name: 'timeline-session' });
      }
      assert.deepEqual((await state()).webviewErrors, []);
    } finally {
      await vscode.debug.stopDebugging(session);
    }
    await until('the timeline to notice the end of the session', async () => {
      const s = await state();
      return (s.sent.sessionEnded ?? 0) >= 1 || (s.shownSessionId === null && (s.sent.init ?? 0) >= 2) ? s : undefined;
    });
    if (driverAvailable()) await ui({ action: 'webviewText', waitFor: 'ended' });
  });

  test('a click on a timeline cell seeks the session: the adapter, the Call Stack view and the webview follow (dark and light screenshots)', async function () {
    if (!driverAvailable()) this.skip(); // clicks need the driver's Playwright page
    this.timeout(300_000);
    await vscode.commands.executeCommand('trmLens.showTimeline');
    const sentBefore = (await state()).sent;
    const session = await startSession('timeline click e2e');
    const originalTheme = vscode.workspace.getConfiguration('workbench').inspect<string>('colorTheme')?.globalValue;
    try {
      const entry = await until(
        'the timeline to show the new session with step 1 loaded',
        async () => {
          const s = await state();
          return s.shownSessionId === session.id &&
            s.position &&
            (s.sent.heatmap ?? 0) >= (sentBefore.heatmap ?? 0) + 21 &&
            (s.sent.stepSummary ?? 0) > (sentBefore.stepSummary ?? 0)
            ? s
            : undefined;
        },
        120_000,
      );
      await vscode.commands.executeCommand('workbench.view.debug'); // the Call Stack view, to watch it follow
      await ui({ action: 'webviewText', waitFor: escapeRegExp(`stopped at ${entry.position!.description}`) });
      const seeksBefore = (await state()).received.seek ?? 0;
      // Step 2 is not run yet; its z 3 of cycle 2 is update ordinal 9 (7 updates per cycle).
      const target = 'step 2 › cycle 2 › z 3 (z_L)';
      await ui({
        action: 'webviewClick',
        selector: '.tl-row[data-step="2"] canvas.tl-cells',
        fx: columnFraction(9),
        fy: 0.5,
      });
      const st = await until(
        'the session to stop where the click pointed',
        async () => {
          const s = await state();
          return (s.received.seek ?? 0) > seeksBefore && s.position?.step === 2 && s.position.ordinal === 9
            ? s
            : undefined;
        },
        120_000,
      );
      assert.equal(st.received.seek, seeksBefore + 1, 'one click, one seek');
      assert.equal(st.position!.description, target);
      // The adapter itself is there (what Call Stack and Variables ask for), not just the timeline's idea of it.
      const threads = (await session.customRequest('threads')) as { threads: { id: number }[] };
      const trace = (await session.customRequest('stackTrace', { threadId: threads.threads[0].id })) as {
        stackFrames: { name: string }[];
      };
      // The Call Stack names each frame with its parent: "cycle 2 › z 3 (z_L)" under "step 2 › cycle 2".
      assert.deepEqual(
        trace.stackFrames.map((f) => f.name),
        ['cycle 2 › z 3 (z_L)', 'step 2 › cycle 2', 'step 2'],
        `frames after the seek: ${JSON.stringify(trace.stackFrames.map((f) => f.name))}`,
      );
      await ui({ action: 'waitFor', selector: '.debug-call-stack .monaco-list-row', text: 'cycle 2 › z 3 (z_L)' });
      const text = await ui<string>({
        action: 'webviewText',
        waitFor: `${escapeRegExp(`stopped at ${target}`)}[^]*reached step 2`,
      });
      assert.match(text, new RegExp(`cursor: ${escapeRegExp(target)}`));
      // The seek ran step 2, so the webview pulls and paints its row (opaque data pixels).
      const cell = '.tl-row[data-step="2"] canvas.tl-cells';
      const darkPx = await pixelUntil('step 2 to be painted', cell, 9 * 10 + 4, 4, (px) => px[3] === 255, 60_000);
      assert.deepEqual((await state()).webviewErrors, []);
      assert.equal((await state()).sent.error ?? 0, sentBefore.error ?? 0, 'no request failed');

      // README screenshots from the real UI: the timeline's editor group maximised beside the Run and Debug
      // view, in a dark theme, then a light one (the same pixel repainted in the light palette).
      // The timeline's group is focused by revealing the panel (after earlier suites it need not be the first group).
      for (const cmd of [
        'workbench.action.closePanel',
        'workbench.action.closeAuxiliaryBar',
        'trmLens.showTimeline',
        'workbench.action.toggleMaximizeEditorGroup',
      ])
        await vscode.commands.executeCommand(cmd).then(undefined, () => undefined);
      // After RMSNorm every position's ‖z‖ is about the same, so the shots use the PCA view (the webview pulls it anew).
      const heatmapsBeforePca = (await state()).sent.heatmap ?? 0;
      await ui({ action: 'webviewSelect', selector: '#tl-view', value: 'pca' });
      await until(
        'the PCA heatmaps of the reached steps',
        async () => {
          const s = await state();
          return (s.sent.heatmap ?? 0) >= heatmapsBeforePca + 42 ? s : undefined;
        },
        120_000,
      );
      assert.equal((await state()).sent.error ?? 0, sentBefore.error ?? 0, 'no PCA request failed');
      await useTheme('Default Dark Modern', vscode.ColorThemeKind.Dark);
      const dark = await pixelUntil('the dark palette', cell, 9 * 10 + 4, 4, (px) => px[3] === 255);
      const darkShot = await ui<string>({ action: 'screenshot', name: 'timeline-dark' });
      await useTheme('Default Light Modern', vscode.ColorThemeKind.Light);
      await pixelUntil(
        'the light palette',
        cell,
        9 * 10 + 4,
        4,
        (px) => px[3] === 255 && px.slice(0, 3).join() !== dark.slice(0, 3).join(),
      );
      await ui({ action: 'webviewText', waitFor: escapeRegExp(`stopped at ${target}`) });
      const lightShot = await ui<string>({ action: 'screenshot', name: 'timeline-light' });
      assert.notDeepEqual(darkPx.slice(0, 3), [0, 0, 0]);
      // (The README's timeline screenshots come from firstHour.test.ts, with the bundled model.)
      assert.ok(fs.existsSync(darkShot) && fs.existsSync(lightShot));
      await ui({ action: 'webviewSelect', selector: '#tl-view', value: 'delta' }); // the saved view is per panel: leave the default
      assert.deepEqual((await state()).webviewErrors, []);
    } finally {
      await vscode.workspace
        .getConfiguration('workbench')
        .update('colorTheme', originalTheme, vscode.ConfigurationTarget.Global);
      await stopSession(session);
    }
  });
});
