// Registers the evaluation browser: "TRM: Evaluate Checkpoint on Dataset…" (a worker evaluation with
// a cancellable progress notification, cached per checkpoint hash + dataset hash in the extension's
// global storage, so a cancelled or interrupted run resumes), the browser panel, export to JSON/CSV,
// and opening a puzzle in the debugger (or the timeline) stopped at its decisive step: a `trm` launch
// on the puzzle with a function breakpoint on that step's last y revision ("step k cycle T y").
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EvalJob, EvalJobResult } from '../../engine/eval/evalJob';
import { recordsToCsv, summarize } from '../../engine/eval/summary';
import { EVAL_VIEW_TYPE, type EvalView } from '../../protocol/evalBrowser';
import { EvalPanel, type EvalPanelState } from './evalPanel';
import { evalViewOf } from './viewOf';
import { EvalCancelledError, EvalWorkerClient } from './workerClient';

export const EVALUATE_COMMAND = 'trmLens.evaluateCheckpoint';
export const SHOW_EVAL_COMMAND = 'trmLens.showEvaluationBrowser';
export const EXPORT_EVAL_COMMAND = 'trmLens.exportEvaluation';
/** Opens puzzle `index` at `step` in the debugger or timeline (what a click in the browser does). */
export const OPEN_EVAL_PUZZLE_COMMAND = 'trmLens.evalBrowser.openPuzzle';
/** Diagnostics only (not in the palette), for in-editor tests. */
export const EVAL_STATE_COMMAND = 'trmLens.evalBrowser.state';

export interface EvaluateArgs {
  checkpoint: string;
  config?: string;
  data: string;
  limit?: number;
  batchSize?: number;
}

export interface EvalDiagnostics {
  panel: EvalPanelState;
  view: EvalView | null;
  debugSessionsStarted: number;
  lastOpened: { index: number; step: number; where: string; breakpoint: string } | null;
  cacheFile: string | null;
}

export function registerEvalBrowser(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Evaluation', { log: true });
  const worker = new EvalWorkerClient(path.join(context.extensionPath, 'dist', 'evalWorker.js'));
  let last: { result: EvalJobResult; view: EvalView; job: EvalJob } | undefined;
  let evalId = 0;
  let debugSessionsStarted = 0;
  let lastOpened: EvalDiagnostics['lastOpened'] = null;

  const report = (e: unknown): undefined => {
    const message = e instanceof Error ? e.message : String(e);
    log.warn(message);
    void vscode.window.showErrorMessage(`TRM: ${message}`);
    return undefined;
  };

  const openPuzzle = async (index: number, step: number, where: 'debugger' | 'timeline'): Promise<boolean> => {
    if (!last) throw new Error('no evaluation to open a puzzle from');
    const { result, job } = last;
    const rec = result.records.find((r) => r.index === index);
    if (!rec) throw new Error(`puzzle #${index} is not in the evaluation`);
    if (!Number.isInteger(step) || step < 1 || step > result.haltMaxSteps)
      throw new Error(`step ${step} is outside 1..${result.haltMaxSteps} (N_sup)`);
    const name = `step ${step} cycle ${result.hCycles} y`;
    const bp = new vscode.FunctionBreakpoint(name, true);
    vscode.debug.addBreakpoints([bp]);
    const config: vscode.DebugConfiguration = {
      type: 'trm',
      request: 'launch',
      name: `${rec.id} of ${path.basename(job.data)} at step ${step}`,
      checkpoint: job.checkpoint,
      ...(job.config ? { config: job.config } : {}),
      dataset: job.data,
      index,
      haltPolicy: 'all',
      stopOnEntry: false,
      pickPuzzle: false,
    };
    log.info(`opening ${rec.id} (#${index}) in the ${where} at step ${step} (breakpoint '${name}')`);
    // The breakpoint belongs to this session only: removed when it ends.
    const sub = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.configuration.name !== config.name) return;
      vscode.debug.removeBreakpoints([bp]);
      sub.dispose();
    });
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], config);
    if (!ok) {
      vscode.debug.removeBreakpoints([bp]);
      sub.dispose();
      return false;
    }
    debugSessionsStarted++;
    lastOpened = { index, step, where, breakpoint: name };
    if (where === 'timeline') await vscode.commands.executeCommand('trmLens.showTimeline');
    return true;
  };

  /** An ARC test input of the evaluation in the ARC vote explorer (the same checkpoint and file). */
  const openVotes = async (index: number): Promise<unknown> => {
    if (!last) throw new Error('no evaluation to open a puzzle from');
    const rec = last.result.records.find((r) => r.index === index);
    const m = rec && /\/test\/(\d+)$/.exec(rec.id);
    if (!rec || !m || !rec.name) throw new Error(`puzzle #${index} is not an ARC test input`);
    return vscode.commands.executeCommand('trmLens.exploreArcVotes', {
      checkpoint: last.job.checkpoint,
      ...(last.job.config ? { config: last.job.config } : {}),
      file: last.job.data,
      task: rec.name,
      input: Number(m[1]),
    });
  };

  const exportTo = async (format: 'json' | 'csv', file?: string): Promise<string | undefined> => {
    if (!last) throw new Error('no evaluation to export: run "TRM: Evaluate Checkpoint on Dataset…" first');
    const r = last.result;
    let target = file;
    if (!target) {
      const uri = await vscode.window.showSaveDialog({
        title: `TRM: Export Evaluation (${format.toUpperCase()})`,
        defaultUri: vscode.Uri.file(
          path.join(path.dirname(r.data), `${path.basename(r.data).replace(/\.[^.]*$/, '')}-evaluation.${format}`),
        ),
        filters: format === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
      });
      if (!uri) return undefined;
      target = uri.fsPath;
    }
    const s = summarize(r.records);
    const text =
      format === 'csv'
        ? recordsToCsv(r.records)
        : JSON.stringify(
            {
              checkpoint: r.checkpoint,
              data: r.data,
              haltMaxSteps: r.haltMaxSteps,
              metrics: s.metrics,
              failureModes: s.failureCounts,
              byHaltStep: s.byHaltStep,
              confusion: s.confusion,
              settling: s.settling,
              policies: last.view.policies.map(({ correct: _c, ...p }) => p),
              records: r.records,
            },
            null,
            1,
          );
    fs.writeFileSync(target, text);
    log.info(`exported ${r.records.length} puzzles to ${target}`);
    return target;
  };

  const host = {
    view: () => last?.view ?? null,
    handle: (
      m:
        | { type: 'open'; index: number; step: number; where: 'debugger' | 'timeline' | 'votes' }
        | { type: 'export'; format: 'json' | 'csv' },
    ) => {
      if (m.type === 'open' && m.where === 'votes') void openVotes(m.index).then(undefined, report);
      else if (m.type === 'open')
        void openPuzzle(m.index, m.step, m.where as 'debugger' | 'timeline').then(undefined, report);
      else void exportTo(m.format).then(undefined, report);
    },
  };

  const pickArgs = async (): Promise<EvaluateArgs | undefined> => {
    const ck = await vscode.window.showOpenDialog({
      title: 'TRM: Evaluate (1/3) — checkpoint (step_N or .safetensors)',
      canSelectMany: false,
      openLabel: 'Evaluate this checkpoint',
    });
    if (!ck?.[0]) return undefined;
    const data = await vscode.window.showOpenDialog({
      title: 'TRM: Evaluate (2/3) — dataset: a built dataset folder, Sudoku CSV, ARC JSON or puzzle list',
      canSelectMany: false,
      canSelectFolders: true,
      canSelectFiles: true,
      openLabel: 'Evaluate on this',
    });
    if (!data?.[0]) return undefined;
    const limit = await vscode.window.showQuickPick(
      [
        { label: 'all', detail: 'every puzzle (the official evaluation)' },
        { label: '1000', detail: 'the first 1,000' },
        { label: '100', detail: 'the first 100' },
      ],
      { title: 'TRM: Evaluate (3/3) — how many puzzles' },
    );
    if (!limit) return undefined;
    return { checkpoint: ck[0].fsPath, data: data[0].fsPath, limit: limit.label === 'all' ? 0 : Number(limit.label) };
  };

  const evaluate = async (args?: EvaluateArgs): Promise<EvalView | undefined> => {
    const a = args ?? (await pickArgs());
    if (!a) return undefined;
    for (const [k, v] of [
      ['checkpoint', a.checkpoint],
      ['data', a.data],
    ] as const)
      if (typeof v !== 'string' || !fs.existsSync(v)) throw new Error(`the ${k} ${String(v)} does not exist`);
    const job: EvalJob = {
      checkpoint: a.checkpoint,
      ...(a.config ? { config: a.config } : {}),
      data: a.data,
      limit: a.limit ?? 0,
      batchSize: a.batchSize ?? 64,
      cacheDir: path.join(context.globalStorageUri.fsPath, 'evaluations'),
    };
    const out = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `TRM: evaluating ${path.basename(a.checkpoint)} on ${path.basename(a.data)}`,
        cancellable: true,
      },
      async (progress, token) => {
        let reported = 0;
        return worker.run(
          job,
          (done, total) => {
            const pct = total ? (100 * done) / total : 100;
            progress.report({ increment: pct - reported, message: `${done}/${total} puzzles` });
            reported = pct;
          },
          token,
        );
      },
    );
    const view = evalViewOf(++evalId, out.result, out.backend);
    last = { result: out.result, view, job };
    log.info(
      `evaluated ${out.result.records.length} puzzles (${out.result.resumed} from the cache ${out.result.cacheFile}) in ${out.result.seconds.toFixed(1)} s on ${out.backend}`,
    );
    EvalPanel.show(context.extensionUri, host, log);
    EvalPanel.refresh();
    return view;
  };

  context.subscriptions.push(
    log,
    { dispose: () => worker.dispose() },
    vscode.commands.registerCommand(EVALUATE_COMMAND, async (args?: EvaluateArgs) => {
      try {
        return await evaluate(args);
      } catch (e) {
        if (e instanceof EvalCancelledError) {
          void vscode.window.showInformationMessage(
            'TRM: evaluation cancelled; finished puzzles are kept and the next run resumes from them',
          );
          return undefined;
        }
        return report(e);
      }
    }),
    vscode.commands.registerCommand(SHOW_EVAL_COMMAND, () => EvalPanel.show(context.extensionUri, host, log)),
    vscode.commands.registerCommand(EXPORT_EVAL_COMMAND, async (args?: { format?: 'json' | 'csv'; file?: string }) => {
      try {
        let format = args?.format;
        if (!format) {
          const pick = await vscode.window.showQuickPick(['json', 'csv'], { title: 'TRM: Export Evaluation as…' });
          if (!pick) return undefined;
          format = pick as 'json' | 'csv';
        }
        return await exportTo(format, args?.file);
      } catch (e) {
        return report(e);
      }
    }),
    vscode.commands.registerCommand(
      OPEN_EVAL_PUZZLE_COMMAND,
      async (args: { index: number; step?: number; where?: 'debugger' | 'timeline' }) => {
        try {
          const rec = last?.result.records.find((r) => r.index === args.index);
          return await openPuzzle(args.index, args.step ?? rec?.decisiveStep ?? 1, args.where ?? 'debugger');
        } catch (e) {
          return report(e);
        }
      },
    ),
    vscode.commands.registerCommand(EVAL_STATE_COMMAND, (): EvalDiagnostics => ({
      panel: EvalPanel.state(),
      view: last?.view ?? null,
      debugSessionsStarted,
      lastOpened,
      cacheFile: last?.result.cacheFile ?? null,
    })),
    vscode.window.registerWebviewPanelSerializer(EVAL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel): Promise<void> {
        EvalPanel.revive(panel, context.extensionUri, host, log);
      },
    }),
    { dispose: () => EvalPanel.disposeCurrent() },
  );
}
