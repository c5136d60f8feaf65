// VS Code glue of trajectory clouds, trace bundles and HTML reports: commands that send the trm/*
// requests of src/protocol/cloud.ts to the active `trm` session (fork a cloud, adopt a branch,
// save a bundle), open a bundle as a new session, and write a report of the session's puzzle or
// of a `trm eval` results file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  TRM_REQUEST_BUNDLE_SAVE,
  TRM_REQUEST_CLOUD_ADOPT,
  TRM_REQUEST_CLOUD_FORK,
  type CloudView,
} from '../../protocol/cloud';
import { readBundle } from '../../engine/bundle/bundle';
import { evalReportHtml, validateEvalResults } from '../../engine/report/html';
import { runReportFromLaunch } from '../../debug/runReport';
import { CloudPanel } from './cloudPanel';

let lastCloud: { session: vscode.DebugSession; view: CloudView } | undefined;

function trmSession(): vscode.DebugSession | undefined {
  const s = vscode.debug.activeDebugSession;
  if (s?.type === 'trm') return s;
  void vscode.window.showErrorMessage('TRM: start a trm debug session and stop somewhere first.');
  return undefined;
}

function branchItems(view: CloudView): (vscode.QuickPickItem & { branch: number })[] {
  const items = view.branches.map((b) => ({
    branch: b.branch,
    label: `${b.branch === view.selected ? '$(star-full) ' : ''}branch ${b.branch}`,
    description: `halts at step ${b.haltStep}${b.haltedByRule ? '' : ' (step limit)'} · q_halt ${b.qHalt.toFixed(2)}${b.correct === undefined ? '' : b.correct ? ' · correct' : ' · wrong'}`,
  }));
  return [...items, { branch: -1, label: 'trunk', description: 'walk the trajectory the cloud forked from' }];
}

async function askNumber(
  title: string,
  value: string,
  check: (v: number) => string | undefined,
): Promise<number | undefined> {
  const s = await vscode.window.showInputBox({
    title,
    value,
    validateInput: (t) => (Number.isFinite(Number(t)) ? check(Number(t)) : 'a number'),
  });
  return s === undefined ? undefined : Number(s);
}

async function adopt(session: vscode.DebugSession, view: CloudView): Promise<void> {
  const pick = await vscode.window.showQuickPick(branchItems(view), {
    title: `TRM: adopt a branch of the cloud forked at ${view.fork.description} (★ = ${view.select} selection)`,
  });
  if (!pick) return;
  await session.customRequest(TRM_REQUEST_CLOUD_ADOPT, { forkId: view.forkId, branch: pick.branch });
}

export function registerCloud(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand(
      'trmLens.cloudFork',
      async (args?: { n?: number; scale?: number; seed?: number }) => {
        const session = trmSession();
        if (!session) return;
        const n =
          args?.n ??
          (await askNumber('TRM cloud: how many branches (N)?', '8', (v) =>
            Number.isInteger(v) && v >= 1 && v <= 256 ? undefined : 'an integer in 1..256',
          ));
        if (n === undefined) return;
        const scale =
          args?.scale ??
          (await askNumber('TRM cloud: noise scale (std per element; states are RMS-normed)', '0.4', (v) =>
            v >= 0 && v <= 100 ? undefined : 'a number in 0..100',
          ));
        if (scale === undefined) return;
        try {
          const view = (await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `TRM: running a cloud of ${n} branches…` },
            () => session.customRequest(TRM_REQUEST_CLOUD_FORK, { n, scale, seed: args?.seed ?? 0 }),
          )) as CloudView;
          lastCloud = { session, view };
          CloudPanel.show(context, session, view);
          const right = view.branches.filter((b) => b.correct).length;
          const q = view.selections.q;
          void vscode.window
            .showInformationMessage(
              `TRM cloud at ${view.fork.description}: ${n} branches${view.branches[0].correct !== undefined ? `, ${right} correct` : ''}; Q picks branch ${q?.branch}${q?.correct === undefined ? '' : q.correct ? ' (correct)' : ' (wrong)'}; vote ${view.selections.vote?.correct === undefined ? '' : view.selections.vote.correct ? 'correct' : 'wrong'}.`,
              'Adopt a Branch…',
            )
            .then((a) => (a ? adopt(session, view) : undefined));
        } catch (e) {
          void vscode.window.showErrorMessage(`TRM: ${(e as Error).message}`);
        }
      },
    ),
    vscode.commands.registerCommand('trmLens.cloudAdopt', async () => {
      const session = trmSession();
      if (!session) return;
      if (!lastCloud || lastCloud.session.id !== session.id) {
        void vscode.window.showErrorMessage('TRM: fork a cloud first (TRM: Fork Trajectory Cloud Here).');
        return;
      }
      await adopt(session, lastCloud.view).catch((e: Error) => vscode.window.showErrorMessage(`TRM: ${e.message}`));
    }),
    vscode.commands.registerCommand('trmLens.saveBundle', async (target?: vscode.Uri, notesArg?: string) => {
      const session = trmSession();
      if (!session) return;
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'TRM: save the debugging state as a trace bundle',
          filters: { 'TRM trace bundle': ['trmbundle.json'] },
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri.with({
            path: `${vscode.workspace.workspaceFolders[0].uri.path}/debug.trmbundle.json`,
          }),
        }));
      if (!uri) return;
      const notes =
        notesArg ?? (await vscode.window.showInputBox({ title: 'TRM: notes for this bundle (optional)' })) ?? '';
      const breakpoints = vscode.debug.breakpoints
        .filter((b): b is vscode.FunctionBreakpoint => b instanceof vscode.FunctionBreakpoint && b.enabled)
        .map((b) => ({ name: b.functionName, ...(b.condition ? { condition: b.condition } : {}) }));
      let file = uri.fsPath;
      if (!file.endsWith('.trmbundle.json')) file = file.replace(/(\.json)?$/, '.trmbundle.json');
      try {
        await session.customRequest(TRM_REQUEST_BUNDLE_SAVE, { file, notes, breakpoints });
        void vscode.window.showInformationMessage(
          `TRM: saved ${path.basename(file)} (reopen it with F5 or TRM: Open Trace Bundle).`,
        );
      } catch (e) {
        void vscode.window.showErrorMessage(`TRM: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('trmLens.openBundle', async (target?: vscode.Uri) => {
      const uri =
        target ??
        (vscode.window.activeTextEditor?.document.uri.fsPath.endsWith('.trmbundle.json')
          ? vscode.window.activeTextEditor.document.uri
          : undefined) ??
        (
          await vscode.window.showOpenDialog({
            filters: { 'TRM trace bundle': ['trmbundle.json'] },
            canSelectMany: false,
          })
        )?.[0];
      if (!uri) return;
      try {
        const b = readBundle(uri.fsPath);
        // The bundle's function breakpoints, shown in the Breakpoints view.
        const have = new Set(
          vscode.debug.breakpoints
            .filter((x) => x instanceof vscode.FunctionBreakpoint)
            .map((x) => (x as vscode.FunctionBreakpoint).functionName),
        );
        const add = b.breakpoints
          .filter((x) => !have.has(x.name))
          .map((x) => new vscode.FunctionBreakpoint(x.name, true, x.condition));
        if (add.length) vscode.debug.addBreakpoints(add);
      } catch (e) {
        void vscode.window.showErrorMessage(`TRM: ${(e as Error).message}`);
        return;
      }
      // A bundle saved outside the workspace still restores in it (its paths are shown from there).
      const folder = vscode.workspace.getWorkspaceFolder(uri) ?? vscode.workspace.workspaceFolders?.[0];
      await vscode.debug.startDebugging(folder, {
        type: 'trm',
        request: 'launch',
        name: `Restore ${path.basename(uri.fsPath)}`,
        bundle: uri.fsPath,
      });
    }),
    vscode.commands.registerCommand('trmLens.writeReport', async (source?: vscode.Uri, target?: vscode.Uri) => {
      const session = vscode.debug.activeDebugSession?.type === 'trm' ? vscode.debug.activeDebugSession : undefined;
      let src = source;
      if (!src && !session) {
        src = (
          await vscode.window.showOpenDialog({
            title: "TRM: a 'trm eval' results file to report",
            filters: { JSON: ['json'] },
          })
        )?.[0];
        if (!src) return;
      }
      const out =
        target ??
        (await vscode.window.showSaveDialog({ title: 'TRM: write the HTML report', filters: { HTML: ['html'] } }));
      if (!out) return;
      try {
        const html = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: 'TRM: writing the report…' },
          async () => {
            if (src)
              return evalReportHtml(
                validateEvalResults(JSON.parse(fs.readFileSync(src.fsPath, 'utf8')), src.fsPath),
                `TRM evaluation: ${path.basename(src.fsPath)}`,
              );
            const c = session!.configuration;
            const keys = [
              'checkpoint',
              'config',
              'dataset',
              'puzzle',
              'index',
              'puzzleId',
              'solution',
              'steps',
              'haltPolicy',
              'backend',
              'dtype',
              'cwd',
            ];
            const raw: Record<string, unknown> = {};
            for (const k of keys) if (c[k] !== undefined) raw[k] = c[k];
            if (c.bundle !== undefined) Object.assign(raw, readBundle(c.bundle as string).launch);
            return runReportFromLaunch(raw);
          },
        );
        fs.writeFileSync(out.fsPath, html);
        const open = await vscode.window.showInformationMessage(
          `TRM: wrote ${path.basename(out.fsPath)}`,
          'Open in Browser',
        );
        if (open) await vscode.env.openExternal(out);
      } catch (e) {
        void vscode.window.showErrorMessage(`TRM: ${(e as Error).message}`);
      }
    }),
  );
}
