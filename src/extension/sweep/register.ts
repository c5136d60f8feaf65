// "TRM: Patch Sweep": sweeps the current step of the paused `trm` debug session (trm/patchSweep of
// src/protocol/debugger.ts) under a cancellable progress notification fed by the adapter's progress
// events, then shows the result on the "Patch Sweep" page. Without a session it offers to pick a
// puzzle file and a model: it starts a `trm` session on them (stopped on entry) and sweeps step 1.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  TRM_EVENT_POSITION,
  TRM_PATCH_SWEEP,
  type TrmPatchSweepBody,
  type TrmPatchSweepProgress,
} from '../../protocol/debugger';
import { sweepReportProblem } from '../../protocol/sweep';
import { BUNDLED_MODELS, bundledModelPath } from '../bundledModels';
import { SweepPanel, type SweepPanelState } from './sweepPanel';

export const PATCH_SWEEP_COMMAND = 'trmLens.patchSweep';
export const PATCH_SWEEP_STATE_COMMAND = 'trmLens.patchSweep.state';

export interface SweepDiagnostics {
  panel: SweepPanelState;
  sweeps: number;
  cancelled: number;
  /** Progress updates shown in the notification (adapter events of the running or last sweep). */
  progressReports: number;
  lastError: string | null;
}

const PUZZLE_FILTERS = { 'Puzzle files': ['csv', 'json', 'jsonl', 'txt', 'npy'], 'All files': ['*'] };

export function registerSweep(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Patch Sweep', { log: true });
  const diag = { sweeps: 0, cancelled: 0, progressReports: 0, lastError: null as string | null };

  /** Sweeps `step` (default: where the session stands) of a stopped session and opens the page. */
  async function sweep(session: vscode.DebugSession, step?: number): Promise<void> {
    const where = step === undefined ? 'the current step' : `step ${step}`;
    const body = (await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `TRM: patch sweep of ${where}`, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        diag.progressReports = 0;
        const sub = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
          if (e.session.id !== session.id || e.event !== TRM_PATCH_SWEEP.progress.event) return;
          const p = e.body as TrmPatchSweepProgress;
          const pct = p.total ? (100 * p.done) / p.total : 0;
          progress.report({ increment: pct - reported, message: `${p.done} of ${p.total} patched runs` });
          reported = pct;
          diag.progressReports++;
        });
        const cancel = token.onCancellationRequested(() => {
          log.info('cancel requested');
          void Promise.resolve(session.customRequest(TRM_PATCH_SWEEP.request.command, { cancel: true })).catch(
            (e: Error) => log.warn(`cancel: ${e.message}`),
          );
        });
        try {
          return (await session.customRequest(
            TRM_PATCH_SWEEP.request.command,
            step === undefined ? {} : { step },
          )) as TrmPatchSweepBody;
        } finally {
          sub.dispose();
          cancel.dispose();
        }
      },
    ))!;
    if (!body.report) {
      diag.cancelled++;
      log.info('sweep cancelled');
      void vscode.window.showInformationMessage('TRM: patch sweep cancelled.');
      return;
    }
    const problem = sweepReportProblem(body.report);
    if (problem) throw new Error(`the debug adapter sent an invalid sweep: ${problem}`);
    diag.sweeps++;
    log.info(
      `swept step ${body.report.step} of ${body.report.puzzle}: ${body.report.updates.length} x ${body.report.cells.length} in ${body.report.seconds.toFixed(1)} s`,
    );
    SweepPanel.show(context.extensionUri, body.report, session, log);
  }

  /** No session: pick a puzzle file and a model, start a session stopped on entry, return it. */
  async function startOnPickedPuzzle(): Promise<vscode.DebugSession | undefined> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    const files = await vscode.window.showOpenDialog({
      title: 'TRM Patch Sweep: a puzzle file (its first puzzle is swept; it needs a solution)',
      canSelectMany: false,
      filters: PUZZLE_FILTERS,
      defaultUri: folder?.uri,
    });
    if (!files?.length) return undefined;
    const bundled = BUNDLED_MODELS.flatMap((m) => {
      const file = bundledModelPath(context.extensionPath, m);
      return file ? [{ label: `${m.name} (bundled)`, description: m.description, file }] : [];
    });
    const pick = await vscode.window.showQuickPick(
      [...bundled, { label: 'Choose a checkpoint…', description: 'step_N or .safetensors', file: '' }],
      { title: 'TRM Patch Sweep: which model?' },
    );
    if (!pick) return undefined;
    let checkpoint = pick.file;
    if (!checkpoint) {
      const c = await vscode.window.showOpenDialog({ title: 'TRM Patch Sweep: checkpoint', canSelectMany: false });
      if (!c?.length) return undefined;
      checkpoint = c[0].fsPath;
    }
    const started = new Promise<vscode.DebugSession>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new Error('the trm debug session did not stop on entry within 5 minutes'));
      }, 300_000);
      const sub = vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
        if (e.session.type !== 'trm' || e.event !== TRM_EVENT_POSITION) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(e.session);
      });
    });
    const ok = await vscode.debug.startDebugging(folder, {
      type: 'trm',
      request: 'launch',
      name: `Patch sweep: ${path.basename(files[0].fsPath)}`,
      dataset: files[0].fsPath,
      checkpoint,
      stopOnEntry: true,
    });
    if (!ok) throw new Error('the trm debug session did not start (see the Debug Console)');
    return started;
  }

  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(PATCH_SWEEP_COMMAND, async (args?: { step?: number }) => {
      try {
        let session = vscode.debug.activeDebugSession;
        if (session?.type !== 'trm') {
          const choice = await vscode.window.showInformationMessage(
            'TRM: Patch Sweep sweeps the current step of a paused trm debug session. Start debugging a puzzle file, or pick a puzzle file and a model now.',
            'Pick Puzzle and Model…',
          );
          if (!choice) return;
          session = await startOnPickedPuzzle();
          if (!session) return;
        }
        await sweep(session, args?.step);
      } catch (e) {
        diag.lastError = (e as Error).message;
        log.error(diag.lastError);
        void vscode.window.showErrorMessage(`TRM: patch sweep: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand(PATCH_SWEEP_STATE_COMMAND, (): SweepDiagnostics => ({
      panel: SweepPanel.state(),
      ...diag,
    })),
    { dispose: () => SweepPanel.disposeCurrent() },
  );
}
