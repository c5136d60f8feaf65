// Registers dataset authoring with inline predictions: the controller (model, worker, scheduling),
// decorations and diagnostics, CodeLens, hovers, the quick fix, the status bar item and the commands
// TRM: Select Model, Predict, Debug this puzzle, Copy prediction (plus a state query for tests).

import * as vscode from 'vscode';
import { AuthoringController, type ModelState } from './controller';
import { JudgementCache } from './judgements';
import { selectModel } from './modelSource';
import { viewOf } from './present';
import {
  COPY_PREDICTION_COMMAND,
  DEBUG_PUZZLE_COMMAND,
  PREDICT_COMMAND,
  PredictionQuickFixes,
  PuzzleCodeLenses,
  PuzzleHovers,
  copyPredictionEdit,
} from './providers';
import { AuthoringStatus, SELECT_MODEL_COMMAND } from './statusBar';
import { AuthoringViews } from './views';

export const AUTHORING_STATE_COMMAND = 'trmLens.authoring.state';

export interface AuthoringState {
  model: ModelState;
  statusBar: string;
  progress: { done: number; total: number; running: number };
  stats: { runs: number; cancelled: number; predicted: number };
  documents: {
    uri: string;
    status: string;
    kind?: string;
    version: number;
    decorations: { line: number; text: string }[];
    puzzleCount: number;
    /** Empty when the state was asked for with `{ summary: true }`. */
    puzzles: { id: string; status: string; text: string; wrongCells: number[] }[];
  }[];
}

const SELECTOR: vscode.DocumentSelector = [{ language: 'json' }, { language: 'jsonc' }];

function docArg(arg: unknown): Thenable<vscode.TextDocument> | undefined {
  if (arg instanceof vscode.Uri) return vscode.workspace.openTextDocument(arg);
  if (typeof arg === 'string') return vscode.workspace.openTextDocument(vscode.Uri.parse(arg));
  const d = vscode.window.activeTextEditor?.document;
  return d ? Promise.resolve(d) : undefined;
}

export function registerAuthoring(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Authoring');
  const controller = new AuthoringController(context.extensionPath, log);
  const judgements = new JudgementCache();
  const views = new AuthoringViews(controller, judgements);
  const lenses = new PuzzleCodeLenses(controller, judgements);
  const status = new AuthoringStatus(controller);

  context.subscriptions.push(
    log,
    controller,
    views,
    status,
    controller.onDidChange((uri) => {
      views.refresh(uri);
      lenses.changed();
      status.update();
    }),
    controller.onDidProgress(() => status.update()),
    vscode.window.onDidChangeVisibleTextEditors(() => views.refresh()),
    vscode.languages.registerCodeLensProvider(SELECTOR, lenses),
    vscode.languages.registerHoverProvider(SELECTOR, new PuzzleHovers(controller, judgements)),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new PredictionQuickFixes(controller, judgements), {
      providedCodeActionKinds: PredictionQuickFixes.kinds,
    }),
    vscode.commands.registerCommand(SELECT_MODEL_COMMAND, (arg?: unknown) => selectModel(context.extensionPath, arg)),
    vscode.commands.registerCommand(PREDICT_COMMAND, async (uri?: unknown, index?: unknown) => {
      const doc = await docArg(uri);
      if (!doc) {
        void vscode.window.showWarningMessage('TRM: open a dataset file to predict');
        return;
      }
      const st = controller.stateOf(doc);
      if (!st?.located) {
        void vscode.window.showWarningMessage(
          `TRM: ${doc.uri.fsPath} is not a supported dataset file (ARC task, challenges, or a TRM puzzle list)`,
        );
        return;
      }
      if (Array.isArray(index)) {
        for (const i of index) if (typeof i === 'number') controller.predictNow(doc, i);
        return;
      }
      const i = typeof index === 'number' ? index : puzzleAtCursor(doc, st.located.puzzles);
      if (i < 0) {
        void vscode.window.showWarningMessage('TRM: place the cursor inside a puzzle to predict it');
        return;
      }
      controller.predictNow(doc, i);
    }),
    vscode.commands.registerCommand(DEBUG_PUZZLE_COMMAND, async (uri?: unknown, index?: unknown) => {
      const doc = await docArg(uri);
      const st = doc && controller.stateOf(doc);
      let i = doc && st?.located ? (typeof index === 'number' ? index : puzzleAtCursor(doc, st.located.puzzles)) : -1;
      // Several puzzles on one line (the lens of a one-line file): ask which.
      if (Array.isArray(index) && st?.located) {
        const puzzles = st.located.puzzles;
        const pick = await vscode.window.showQuickPick(
          index
            .filter((k): k is number => typeof k === 'number' && puzzles[k] !== undefined)
            .map((k) => ({
              label: puzzles[k].id,
              description: puzzles[k].split === 'test' ? 'test pair' : undefined,
              k,
            })),
          { title: 'TRM: debug which puzzle?' },
        );
        if (!pick) return false;
        i = pick.k;
      }
      const p = st?.located?.puzzles[i];
      if (!doc || !p) {
        void vscode.window.showWarningMessage('TRM: place the cursor inside a puzzle of a dataset file to debug it');
        return false;
      }
      const m = controller.model;
      if (m.state !== 'ready' || st?.mismatch) {
        const answer = await vscode.window.showWarningMessage(
          `TRM: ${st?.mismatch ?? 'no model is loaded.'}`,
          'Select Model…',
        );
        if (answer) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
        return false;
      }
      if (doc.isDirty) await doc.save();
      const where = p.kind === 'arc' && p.split === 'test' ? { index: p.pairIndex } : { puzzleId: p.id };
      return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(doc.uri), {
        type: 'trm',
        request: 'launch',
        name: `TRM: ${p.id}`,
        checkpoint: m.checkpoint,
        dataset: doc.uri.fsPath,
        ...where,
      });
    }),
    vscode.commands.registerCommand(COPY_PREDICTION_COMMAND, async (uri?: unknown, index?: unknown) => {
      const doc = await docArg(uri);
      const st = doc && controller.stateOf(doc);
      const i = doc && st?.located ? (typeof index === 'number' ? index : puzzleAtCursor(doc, st.located.puzzles)) : -1;
      // Run on purpose (command palette, the CodeLens): copy whenever there is a prediction.
      const edit = doc && i >= 0 ? copyPredictionEdit(controller, judgements, doc, i, { force: true }) : undefined;
      if (typeof edit === 'string') {
        void vscode.window.showWarningMessage(`TRM: ${edit}`);
        return false;
      }
      if (!edit) {
        void vscode.window.showWarningMessage('TRM: this puzzle has no prediction yet');
        return false;
      }
      return vscode.workspace.applyEdit(edit);
    }),
    // `{ summary: true }`: the documents' versions and puzzle counts only (cheap enough to poll while
    // the host's time per edit is measured; the full state renders every puzzle's view).
    vscode.commands.registerCommand(AUTHORING_STATE_COMMAND, (opts?: { summary?: boolean }): AuthoringState => ({
      model: controller.model,
      statusBar: status.item.text,
      progress: {
        done: controller.progress.done,
        total: controller.progress.total,
        running: controller.progress.running,
      },
      stats: { ...controller.scheduler.stats },
      documents: controller.docs.all().map((st) => ({
        uri: st.uri.toString(),
        status: st.status,
        kind: st.located?.kind,
        version: st.version,
        decorations: views.shown.get(st.uri.toString()) ?? [],
        puzzleCount: st.located?.puzzles.length ?? 0,
        puzzles: (opts?.summary ? [] : (st.located?.puzzles ?? [])).map((p) => {
          const v = viewOf(controller, judgements, st, p);
          return {
            id: p.id,
            status: v.status === 'judged' ? v.judgement.status : v.status,
            text: v.text,
            wrongCells: v.status === 'judged' ? v.judgement.wrongCells : [],
          };
        }),
      })),
    })),
  );
  controller.start();
  status.update();
}

function puzzleAtCursor(
  doc: vscode.TextDocument,
  puzzles: readonly { span: { offset: number; length: number } }[],
): number {
  const e = vscode.window.activeTextEditor;
  if (!e || e.document !== doc) return -1;
  const o = doc.offsetAt(e.selection.active);
  return puzzles.findIndex((p) => o >= p.span.offset && o <= p.span.offset + p.span.length);
}
