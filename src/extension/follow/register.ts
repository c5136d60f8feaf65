// Registers scaling out: "TRM: Export Run for the Official Trainer…" (trm export-official with
// pickers), "TRM: Follow Checkpoint Folder…" (a FollowService with its worker and the followed-run
// dashboard), "TRM: Stop Following Checkpoints", "TRM: Show Followed Run", "TRM: Debug a Followed
// Checkpoint…", "TRM: Compare Two Followed Checkpoints…", the panel serializer and a diagnostics
// command. Commands take an optional argument (tests, tasks, keybindings skip the pickers) and report
// errors as notifications, never as a thrown "command failed".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../../engine/config';
import { exportForOfficial, type ExportRequest } from '../../engine/export/exportRun';
import type { CheckpointComparison } from '../../engine/follow/types';
import { WorkerEvaluator } from '../../engine/follow/workerEvaluator';
import { FOLLOW_VIEW_TYPE, type FollowView } from '../../protocol/followDashboard';
import { FollowPanel, type FollowPanelHost, type FollowPanelState } from './followPanel';
import { checkEvalSet, exportDataFor, parseExportRequest, parseFollowRequest } from './followRequest';
import { FollowService, type FollowRequest } from './followService';

export const EXPORT_OFFICIAL_COMMAND = 'trmLens.exportOfficial';
export const FOLLOW_COMMAND = 'trmLens.followCheckpoints';
export const STOP_FOLLOWING_COMMAND = 'trmLens.stopFollowing';
export const SHOW_FOLLOW_COMMAND = 'trmLens.showFollowedRun';
export const DEBUG_CHECKPOINT_COMMAND = 'trmLens.debugFollowedCheckpoint';
export const COMPARE_CHECKPOINTS_COMMAND = 'trmLens.compareFollowedCheckpoints';
/** Diagnostics only (not in the palette); in-editor tests read it. */
export const FOLLOW_STATE_COMMAND = 'trmLens.follow.state';

export interface FollowDiagnostics {
  following: FollowRequest | null;
  view: FollowView | null;
  panel: FollowPanelState;
  updates: number;
  debugSessionsStarted: number;
}

export interface ExportSummary {
  out: string;
  checkpointDir: string;
  files: string[];
  epochs: number;
  evalInterval: number | null;
  notes: { setting: string; effect: string }[];
}

const baseDir = (): string | undefined => vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;

async function pickFolder(title: string, openLabel: string, defaultUri?: vscode.Uri): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: defaultUri ?? vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0]?.fsPath;
}

async function askExportRequest(): Promise<ExportRequest | undefined> {
  const CONFIG = '$(file) Config file…';
  const pick = await vscode.window.showQuickPick(
    [
      ...Object.entries(PRESETS).map(([name, p]) => ({ label: name, detail: p.description })),
      { label: CONFIG, detail: 'a training config (`arch:` + training fields), as for Train Model' },
    ],
    { title: 'TRM: Export for the Official Trainer (1/4) — model and recipe', matchOnDetail: true },
  );
  if (!pick) return undefined;
  let preset: string | undefined;
  let configPath: string | undefined;
  if (pick.label === CONFIG) {
    const f = await vscode.window.showOpenDialog({
      title: 'Training config (YAML or JSON)',
      canSelectMany: false,
      filters: { Config: ['yaml', 'yml', 'json'] },
    });
    configPath = f?.[0]?.fsPath;
    if (!configPath) return undefined;
  } else preset = pick.label;
  const data = await pickFolder('TRM: Export (2/4) — built dataset folder (train/ and test/)', 'Export this dataset');
  if (!data) return undefined;
  const parent = await pickFolder('TRM: Export (3/4) — where to create the export folder', 'Create the export here');
  if (!parent) return undefined;
  const name = await vscode.window.showInputBox({
    title: 'TRM: Export (3/4) — export folder name (also the run name)',
    value: `${preset ?? path.basename(configPath!, path.extname(configPath!))}-${path.basename(data)}`,
    validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(v) ? undefined : "letters, digits, '_', '.', '-'"),
  });
  if (!name) return undefined;
  const gpus = await vscode.window.showQuickPick(['1', '2', '4', '8'], {
    title: 'TRM: Export (4/4) — GPUs per node launch.sh starts (NPROC_PER_NODE overrides it)',
  });
  if (!gpus) return undefined;
  return { data, out: path.join(parent, name), preset, configPath, gpus: Number(gpus) };
}

async function askFollowRequest(): Promise<FollowRequest | undefined> {
  const dir = await pickFolder(
    'TRM: Follow Checkpoint Folder (1/3) — the folder where step_N checkpoints appear (checkpoint_path)',
    'Follow this folder',
  );
  if (!dir) return undefined;
  let data = exportDataFor(dir);
  if (data) {
    const use = await vscode.window.showQuickPick(
      [
        { label: 'The export’s dataset', detail: data, value: data },
        { label: 'Another built dataset…', detail: 'its test split is the evaluation set', value: '' },
      ],
      { title: 'TRM: Follow (2/3) — evaluation set' },
    );
    if (!use) return undefined;
    data = use.value || undefined;
  }
  data ??= await pickFolder(
    'TRM: Follow (2/3) — built dataset whose test split is the evaluation set',
    'Evaluate on this',
  );
  if (!data) return undefined;
  checkEvalSet(data);
  const limit = await vscode.window.showQuickPick(
    [
      { label: '64', detail: 'the first 64 test examples (default: a quick signal per checkpoint)' },
      { label: '16', detail: 'the first 16: fastest' },
      { label: '256', detail: 'the first 256' },
      { label: 'all', detail: 'the whole test split (as slow as the official evaluation)' },
    ],
    { title: 'TRM: Follow (3/3) — how many test examples per checkpoint' },
  );
  if (!limit) return undefined;
  return parseFollowRequest({ dir, data, limit: limit.label === 'all' ? 0 : Number(limit.label) });
}

export function registerFollow(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Follow', { log: true });
  const evaluator = new WorkerEvaluator({
    workerFile: path.join(context.extensionPath, 'dist', 'followWorker.js'),
    onBackend: (d) => service.setBackend(d),
  });
  const service = new FollowService((job) => evaluator.evaluate(job));
  let debugSessionsStarted = 0;

  const report = (e: unknown): undefined => {
    const message = e instanceof Error ? e.message : String(e);
    log.warn(message);
    void vscode.window.showErrorMessage(`TRM: ${message}`);
    return undefined;
  };

  const debugCheckpoint = async (step: number, row?: number): Promise<boolean> => {
    const config = service.debugConfiguration(step, row);
    log.info(`debugging ${String(config.checkpoint)} on puzzle #${String(config.index)} of ${String(config.dataset)}`);
    const ok = await vscode.debug.startDebugging(
      vscode.workspace.workspaceFolders?.[0],
      config as vscode.DebugConfiguration,
    );
    if (ok) debugSessionsStarted++;
    return ok;
  };

  const compare = (a: number, b: number): CheckpointComparison => {
    const c = service.compare(a, b);
    FollowPanel.show(context.extensionUri, panelHost, log);
    return c;
  };

  const panelHost: FollowPanelHost = {
    view: () => service.view(),
    onDidChange: (f) => service.onDidChange(f),
    handle: (m) => {
      try {
        switch (m.type) {
          case 'stop':
            service.stop();
            break;
          case 'debug':
            void debugCheckpoint(m.step, m.row ?? undefined).then(undefined, report);
            break;
          case 'compare':
            service.compare(m.a, m.b);
            break;
          case 'reveal': {
            const e = service.entry(m.step);
            if (!e) break;
            const uri = vscode.Uri.file(e.file);
            // The OS file manager only where the UI and the files share a machine; the Explorer otherwise.
            void vscode.commands
              .executeCommand(
                vscode.env.remoteName || vscode.env.uiKind === vscode.UIKind.Web
                  ? 'revealInExplorer'
                  : 'revealFileInOS',
                uri,
              )
              .then(undefined, (err: unknown) => log.warn(`cannot reveal ${e.file}: ${String(err)}`));
            break;
          }
        }
      } catch (e) {
        report(e);
      }
    },
  };

  const evaluated = (): { label: string; step: number }[] =>
    (service.view()?.checkpoints ?? [])
      .filter((c) => c.state === 'evaluated')
      .reverse()
      .map((c) => ({
        label: `${c.name}${c.step === service.view()?.best ? ' ★ best' : ''}`,
        description: c.metrics ? `exact ${((c.metrics.exact ?? 0) * 100).toFixed(1)}%` : '',
        step: c.step,
      }));

  const stepArg = (arg: unknown, key: string): number | undefined => {
    if (arg === undefined) return undefined;
    const v = typeof arg === 'object' && arg !== null ? (arg as Record<string, unknown>)[key] : undefined;
    if (!Number.isInteger(v) || (v as number) < 0)
      throw new Error(`"${key}" must be a step number, got ${JSON.stringify(v)}`);
    return v as number;
  };

  context.subscriptions.push(
    log,
    { dispose: () => service.dispose() },
    { dispose: () => evaluator.dispose() },
    vscode.commands.registerCommand(
      EXPORT_OFFICIAL_COMMAND,
      async (arg?: unknown): Promise<ExportSummary | undefined> => {
        try {
          const req = arg === undefined ? await askExportRequest() : parseExportRequest(arg, baseDir());
          if (!req) return undefined;
          const r = exportForOfficial(req);
          log.info(`exported ${r.recipe.source} to ${r.out}`);
          for (const n of r.notes) log.info(`  ${n.setting}: ${n.effect}`);
          const summary: ExportSummary = {
            out: r.out,
            checkpointDir: r.checkpointDir,
            files: r.files,
            epochs: r.official.config.epochs,
            evalInterval: r.official.config.eval_interval,
            notes: r.notes.map((n) => ({ setting: n.setting, effect: n.effect })),
          };
          void vscode.window
            .showInformationMessage(
              `TRM: exported for the official trainer to ${r.out} (epochs ${r.official.config.epochs}; ${r.notes.length} notes on differences in README.md)`,
              'Open README',
              'Follow Checkpoints',
            )
            .then(async (choice) => {
              if (choice === 'Open README')
                await vscode.commands.executeCommand(
                  'markdown.showPreview',
                  vscode.Uri.file(path.join(r.out, 'README.md')),
                );
              else if (choice === 'Follow Checkpoints')
                await vscode.commands.executeCommand(FOLLOW_COMMAND, {
                  dir: r.checkpointDir,
                  data: path.join(r.out, 'data'),
                });
            });
          return summary;
        } catch (e) {
          return report(e);
        }
      },
    ),
    vscode.commands.registerCommand(FOLLOW_COMMAND, async (arg?: unknown): Promise<FollowView | undefined> => {
      try {
        const req = arg === undefined ? await askFollowRequest() : parseFollowRequest(arg, baseDir());
        if (!req) return undefined;
        log.info(`following ${req.dir} (evaluation set: ${req.limit || 'all'} examples of ${req.data})`);
        const view = service.follow(req);
        FollowPanel.show(context.extensionUri, panelHost, log);
        return view;
      } catch (e) {
        return report(e);
      }
    }),
    vscode.commands.registerCommand(STOP_FOLLOWING_COMMAND, () => {
      const stopped = service.stop();
      if (!stopped) void vscode.window.showInformationMessage('TRM: no checkpoint folder is being followed');
      return stopped;
    }),
    vscode.commands.registerCommand(SHOW_FOLLOW_COMMAND, () => {
      FollowPanel.show(context.extensionUri, panelHost, log);
    }),
    vscode.commands.registerCommand(DEBUG_CHECKPOINT_COMMAND, async (arg?: unknown): Promise<boolean | undefined> => {
      try {
        let step = stepArg(arg, 'step');
        if (step === undefined) {
          const pick = await vscode.window.showQuickPick(evaluated(), { title: 'TRM: Debug a Followed Checkpoint' });
          if (!pick) return undefined;
          step = pick.step;
        }
        const row =
          arg !== undefined && (arg as Record<string, unknown>).row !== undefined ? stepArg(arg, 'row') : undefined;
        return await debugCheckpoint(step, row);
      } catch (e) {
        return report(e);
      }
    }),
    vscode.commands.registerCommand(
      COMPARE_CHECKPOINTS_COMMAND,
      async (arg?: unknown): Promise<CheckpointComparison | undefined> => {
        try {
          let a = stepArg(arg, 'a');
          let b = stepArg(arg, 'b');
          if (a === undefined || b === undefined) {
            const list = evaluated();
            if (list.length < 2) throw new Error('compare needs two evaluated checkpoints of the followed folder');
            const pa = await vscode.window.showQuickPick(list, { title: 'TRM: Compare (1/2) — checkpoint A' });
            if (!pa) return undefined;
            const pb = await vscode.window.showQuickPick(
              list.filter((x) => x.step !== pa.step),
              { title: `TRM: Compare (2/2) — checkpoint B (A = step ${pa.step})` },
            );
            if (!pb) return undefined;
            a = pa.step;
            b = pb.step;
          }
          return compare(a, b);
        } catch (e) {
          return report(e);
        }
      },
    ),
    vscode.commands.registerCommand(FOLLOW_STATE_COMMAND, (): FollowDiagnostics => ({
      following: service.current ?? null,
      view: service.view(),
      panel: FollowPanel.state(),
      updates: service.updates,
      debugSessionsStarted,
    })),
    vscode.window.registerWebviewPanelSerializer(FOLLOW_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        FollowPanel.revive(panel, context.extensionUri, panelHost, log);
      },
    }),
    { dispose: () => FollowPanel.disposeCurrent() },
  );
}
