// Registers training: "TRM: Train Model…", "TRM: Resume Training", "TRM: Stop Training", "TRM: Show
// Training Dashboard", the dashboard's panel serializer and a diagnostics command, all owned by
// context.subscriptions. Train and Resume take an optional TrainRequest-like argument (a task, a
// keybinding or a test skips the pickers; relative paths resolve against the first workspace folder)
// and resolve with the run's final snapshot, or undefined when nothing ran.
import * as vscode from 'vscode';
import type { TrainRequest } from '../../engine/train/events';
import { DASHBOARD_VIEW_TYPE, type RunSnapshot } from '../../protocol/dashboard';
import { DashboardPanel, type DashboardPanelState } from './dashboardPanel';
import { askResumeRequest, askTrainRequest } from './pickers';
import { parseTrainRequest, readRunSettings, resolveAgainst } from './request';
import { TrainingService, type TrainingServiceState } from './trainingService';

export const TRAIN_COMMAND = 'trmLens.train';
export const RESUME_TRAINING_COMMAND = 'trmLens.resumeTraining';
export const STOP_TRAINING_COMMAND = 'trmLens.stopTraining';
export const SHOW_DASHBOARD_COMMAND = 'trmLens.showTrainingDashboard';
/** Diagnostics only (not in the palette): the latest run and the dashboard's counters; in-editor tests use it. */
export const TRAINING_STATE_COMMAND = 'trmLens.training.state';

export interface TrainingState extends TrainingServiceState {
  dashboard: DashboardPanelState;
}

const baseDir = (): string | undefined => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

export function registerTraining(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Training', { log: true });
  const service = TrainingService.forExtension(context.extensionPath, log, () => {
    DashboardPanel.show(context.extensionUri, service, log, true);
  });

  /** Shared tail of train/resume: errors become a notification (with the log), never a thrown "command failed". */
  const start = async (make: () => Promise<TrainRequest | undefined>): Promise<RunSnapshot | undefined> => {
    let request: TrainRequest | undefined;
    try {
      request = await make();
      if (!request) return undefined; // the user closed a picker
      return await service.run(request);
    } catch (e) {
      // Said where the user is looking: the dashboard (opened beside the editor) and an error
      // notification with the reason; the log keeps it too.
      const message = e instanceof Error ? e.message : String(e);
      log.warn(`training not started: ${message}`);
      service.reportNotStarted(message);
      DashboardPanel.show(context.extensionUri, service, log, true);
      void vscode.window.showErrorMessage(`TRM: training did not start: ${message}`, 'Show Log').then((a) => {
        if (a) log.show(true);
      });
      return undefined;
    }
  };

  context.subscriptions.push(
    log,
    service,
    vscode.commands.registerCommand(TRAIN_COMMAND, (arg?: unknown) =>
      start(async () => {
        if (arg === undefined) return askTrainRequest();
        return parseTrainRequest(arg, baseDir());
      }),
    ),
    vscode.commands.registerCommand(RESUME_TRAINING_COMMAND, (arg?: unknown) =>
      start(async () => {
        if (arg === undefined) return askResumeRequest();
        // {out} is enough when the run folder remembers its dataset and preset.
        const given =
          typeof arg === 'object' && arg !== null && !Array.isArray(arg) ? (arg as Record<string, unknown>) : undefined;
        const out = given && typeof given.out === 'string' ? given.out : undefined;
        const remembered = out ? readRunSettings(resolveAgainst(out, baseDir())) : {};
        return parseTrainRequest({ ...remembered, ...given, resume: true }, baseDir(), true);
      }),
    ),
    vscode.commands.registerCommand(STOP_TRAINING_COMMAND, () => {
      const stopped = service.stop();
      if (!stopped) void vscode.window.showInformationMessage('TRM: no training run is in progress');
      return stopped;
    }),
    vscode.commands.registerCommand(SHOW_DASHBOARD_COMMAND, () => {
      DashboardPanel.show(context.extensionUri, service, log);
    }),
    vscode.commands.registerCommand(TRAINING_STATE_COMMAND, (): TrainingState => ({
      ...service.state(),
      dashboard: DashboardPanel.state(),
    })),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        DashboardPanel.revive(panel, context.extensionUri, service, log);
      },
    }),
    { dispose: () => DashboardPanel.disposeCurrent() },
  );
}
