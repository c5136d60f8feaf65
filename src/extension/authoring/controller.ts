// Drives inline predictions: loads the chosen model into the prediction worker, follows the open
// dataset documents (edits, scrolling, closing), asks the scheduler for the puzzles that matter now
// (visible ones, edited ones, ones the user asked for) and tells the views to redraw when results
// arrive. Invalid JSON only waits: the last valid state stays and nothing is re-run.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { type IdentifierMode, findIdentifiersFile, parseIdentifiers } from '../../engine/authoring/identifiers';
import type { HaltPolicy, PuzzlePrediction } from '../../engine/authoring/prediction';
import type { PredictRequest } from '../../engine/authoring/puzzleSpec';
import { PredictionScheduler, type SchedulerProgress } from '../../engine/authoring/scheduler';
import type { BackendSummary } from '../../engine/authoring/workerProtocol';
import type { ModelInfo } from '../../engine/authoring/predictEngine';
import { type DocState, DatasetDocuments, type ModelContext, isCandidate } from './documents';
import { type ModelChoice, chooseModel } from './modelSource';
import { PredictWorkerClient } from './workerClient';
import { LocateWorkerClient } from './locateClient';
import { modelLabel } from '../names';
import { affectsComputeSettings } from '../computeSettings';

/** Lines above and below the visible range whose puzzles are predicted too (smooth scrolling). */
const MARGIN_LINES = 40;
/** At most this many puzzles are wanted per document at once (a huge screen of tiny puzzles). */
const MAX_WANTED = 300;

export type ModelState =
  | { state: 'none'; reason: string }
  | { state: 'loading'; checkpoint: string }
  | { state: 'error'; checkpoint: string; message: string }
  | {
      state: 'ready';
      checkpoint: string;
      origin: string;
      info: ModelInfo;
      backend: BackendSummary;
      identifiersFile?: string;
      identifierWarning?: string;
    };

export class AuthoringController implements vscode.Disposable {
  readonly docs: DatasetDocuments;
  readonly scheduler: PredictionScheduler;
  private readonly client: PredictWorkerClient;
  private readonly locateClient: LocateWorkerClient;
  private modelCtx: ModelContext | undefined;
  model: ModelState = { state: 'none', reason: 'not loaded yet' };
  progress: SchedulerProgress = { done: 0, total: 0, running: 0 };
  /** Puzzle keys the user asked for explicitly (CodeLens "Predict"), per document. */
  private readonly asked = new Map<string, Set<string>>();
  private readonly reparseTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly changedEmitter = new vscode.EventEmitter<vscode.Uri | undefined>();
  /** Fires when what the views show may have changed (undefined: every document). */
  readonly onDidChange = this.changedEmitter.event;
  private readonly progressEmitter = new vscode.EventEmitter<void>();
  /** Fires on scheduler progress and model state changes (the status bar). */
  readonly onDidProgress = this.progressEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private loadGeneration = 0;

  constructor(
    private readonly extensionPath: string,
    private readonly log: vscode.OutputChannel,
  ) {
    this.locateClient = new LocateWorkerClient(path.join(extensionPath, 'dist'));
    this.docs = new DatasetDocuments(
      () => this.modelCtx,
      (job) => this.locateClient.locate(job),
      (uri) => this.onLocated(uri),
      (m) => log.appendLine(`TRM authoring: ${m}`),
    );
    this.client = new PredictWorkerClient(
      path.join(extensionPath, 'dist'),
      () => this.policy(),
      (l) => log.appendLine(l),
    );
    this.scheduler = new PredictionScheduler({
      delayMs: this.debounceMs(),
      batchSize: 16,
      onResults: (r) => this.onResults(r),
      onProgress: (p) => {
        this.progress = p;
        this.progressEmitter.fire();
      },
      onError: (m) => log.appendLine(`prediction failed: ${m}`),
    });
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.track(d, true)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e.document)),
      vscode.workspace.onDidCloseTextDocument((d) => this.untrack(d)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.updateAllWanted()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.updateWanted(e.textEditor.document)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (
          e.affectsConfiguration('trmLens.model') ||
          e.affectsConfiguration('trmLens.modelIdentifiers') ||
          e.affectsConfiguration('trmLens.arc.puzzleIdentifier') ||
          e.affectsConfiguration('trmLens.authoring.haltPolicy') ||
          affectsComputeSettings(e)
        )
          void this.reloadModel();
      }),
    );
  }

  start(): void {
    for (const d of vscode.workspace.textDocuments) this.track(d, false);
    void this.reloadModel();
  }

  private policy(): HaltPolicy {
    return vscode.workspace.getConfiguration('trmLens').get<string>('authoring.haltPolicy') === 'all' ? 'all' : 'first';
  }

  private debounceMs(): number {
    const v = vscode.workspace.getConfiguration('trmLens').get<number>('authoring.debounceMs');
    return typeof v === 'number' && v >= 0 ? v : 400;
  }

  private identifierMode(): IdentifierMode {
    const v = vscode.workspace.getConfiguration('trmLens').get<unknown>('arc.puzzleIdentifier');
    if (typeof v === 'number') return v;
    return v === 'blank' ? 'blank' : 'byTaskName';
  }

  /** (Re)loads the model from the settings; every cached result is dropped. */
  async reloadModel(): Promise<void> {
    const gen = ++this.loadGeneration;
    const choice: ModelChoice = chooseModel(this.extensionPath);
    this.modelCtx = undefined;
    this.scheduler.setPredictor(undefined);
    if (!choice.ok) {
      this.client.dispose();
      this.model = { state: 'none', reason: choice.reason };
      this.log.appendLine(`TRM authoring: ${choice.reason}`);
      this.docs.recomputeAll();
      this.changedEmitter.fire(undefined);
      this.progressEmitter.fire();
      return;
    }
    this.model = { state: 'loading', checkpoint: choice.checkpoint };
    this.changedEmitter.fire(undefined);
    this.progressEmitter.fire();
    try {
      const loaded = await this.client.load(choice.checkpoint);
      if (gen !== this.loadGeneration) return;
      const info = loaded.model;
      let identifierNames: string[] | undefined;
      let identifierWarning: string | undefined;
      const idsFile = findIdentifiersFile(choice.checkpoint, choice.identifiers);
      if (idsFile) {
        try {
          identifierNames = parseIdentifiers(fs.readFileSync(idsFile, 'utf8'), idsFile);
        } catch (e) {
          identifierWarning = (e as Error).message;
        }
      }
      const stat = fs.statSync(choice.checkpoint);
      this.modelCtx = {
        key: `${choice.checkpoint}\0${stat.size}\0${stat.mtimeMs}`,
        task: info.task,
        seqLen: info.seqLen,
        label: modelLabel(this.extensionPath, choice.checkpoint),
        numPuzzleIdentifiers: info.numPuzzleIdentifiers,
        identifierNames,
        identifierMode: this.identifierMode(),
      };
      this.model = {
        state: 'ready',
        checkpoint: choice.checkpoint,
        origin: choice.origin,
        info,
        backend: loaded.backend,
        identifiersFile: idsFile,
        identifierWarning,
      };
      this.log.appendLine(
        `TRM authoring: model ${choice.checkpoint} (${choice.origin}; ${info.task}, S=${info.seqLen}, N_sup=${info.haltMaxSteps}, ${info.numPuzzleIdentifiers} puzzle identifiers) on ${loaded.backend.description}`,
      );
      for (const w of info.warnings) this.log.appendLine(`  warning: ${w}`);
      this.docs.recomputeAll();
      this.scheduler.setPredictor(this.client);
      this.updateAllWanted(true);
    } catch (e) {
      if (gen !== this.loadGeneration) return;
      const message = e instanceof Error ? e.message : String(e);
      this.model = { state: 'error', checkpoint: choice.checkpoint, message };
      this.log.appendLine(`TRM authoring: could not load ${choice.checkpoint}: ${message}`);
      void vscode.window.showErrorMessage(`TRM: could not load the model ${choice.checkpoint}: ${message}`);
      this.docs.recomputeAll();
    }
    this.changedEmitter.fire(undefined);
    this.progressEmitter.fire();
  }

  /**
   * The state of a document. While the user is typing (a re-locate is pending) the views get the
   * previous state instead of re-locating on every keystroke (a 4 MB file takes a while); `fresh`
   * (edits computed from offsets) always re-locates when the text changed.
   */
  stateOf(doc: vscode.TextDocument, opts: { fresh?: boolean } = {}): DocState | undefined {
    if (!isCandidate(doc)) return undefined;
    const existing = this.docs.get(doc.uri);
    const st =
      existing && !opts.fresh && this.reparseTimers.has(doc.uri.toString()) ? existing : this.docs.refresh(doc);
    // A large file being located in the worker: edits computed from the older offsets would land wrong.
    if (opts.fresh && st.version !== doc.version) return undefined;
    return st.status === 'not-a-dataset' ? undefined : st;
  }

  /** The locate worker's answer for a large document is in. */
  private onLocated(uri: vscode.Uri): void {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const st = this.docs.get(uri);
    if (!doc || doc.isClosed || !st) return;
    if (st.status === 'not-a-dataset') this.scheduler.remove(uri.toString());
    else if (st.status === 'ok') this.updateWanted(doc);
    this.changedEmitter.fire(uri);
  }

  prediction(st: DocState, index: number): PuzzlePrediction | undefined {
    const r = st.requests[index];
    return r ? this.scheduler.get(r.key) : undefined;
  }

  isPending(st: DocState, index: number): boolean {
    const r = st.requests[index];
    return !!r && !this.scheduler.get(r.key) && this.wantedKeys(st.uri).has(r.key);
  }

  /** CodeLens "Predict": runs this puzzle now (again, if it already has a result). */
  predictNow(doc: vscode.TextDocument, index: number): void {
    const st = this.stateOf(doc);
    const r = st?.requests[index];
    if (!st || !r) return;
    this.scheduler.forget(r.key);
    const k = doc.uri.toString();
    const set = this.asked.get(k) ?? new Set<string>();
    set.add(r.key);
    this.asked.set(k, set);
    this.updateWanted(doc, true);
    this.changedEmitter.fire(doc.uri);
  }

  private track(doc: vscode.TextDocument, immediate: boolean): void {
    if (!isCandidate(doc)) return;
    const st = this.docs.refresh(doc);
    if (st.status === 'not-a-dataset') return;
    this.updateWanted(doc, immediate);
    this.changedEmitter.fire(doc.uri);
  }

  private untrack(doc: vscode.TextDocument): void {
    const k = doc.uri.toString();
    const t = this.reparseTimers.get(k);
    if (t) clearTimeout(t);
    this.reparseTimers.delete(k);
    this.asked.delete(k);
    this.docs.delete(doc.uri);
    this.scheduler.remove(k);
    this.changedEmitter.fire(doc.uri);
  }

  private onEdit(doc: vscode.TextDocument): void {
    if (!isCandidate(doc)) return;
    const k = doc.uri.toString();
    const t = this.reparseTimers.get(k);
    if (t) clearTimeout(t);
    // Locating is cheap but not free on a 4 MB file: wait for a short pause in typing.
    this.reparseTimers.set(
      k,
      setTimeout(
        () => {
          this.reparseTimers.delete(k);
          if (doc.isClosed) return;
          const st = this.docs.refresh(doc);
          if (st.status === 'not-a-dataset') {
            this.scheduler.remove(k);
            this.changedEmitter.fire(doc.uri);
            return;
          }
          if (st.status === 'ok') this.updateWanted(doc);
          this.changedEmitter.fire(doc.uri);
        },
        Math.min(150, this.debounceMs()),
      ),
    );
  }

  private updateAllWanted(immediate = false): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (this.docs.get(doc.uri)) this.updateWanted(doc, immediate);
    }
  }

  private wantedKeys(uri: vscode.Uri): Set<string> {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const st = this.docs.get(uri);
    return new Set(doc && st ? this.wanted(doc, st).map((r) => r.key) : []);
  }

  /** Asked-for puzzles, then edited ones, then the visible ones (with a margin). */
  private wanted(doc: vscode.TextDocument, st: DocState): PredictRequest[] {
    if (!st.located || st.status === 'not-a-dataset') return [];
    const out: PredictRequest[] = [];
    const seen = new Set<string>();
    const add = (r: PredictRequest | undefined) => {
      if (r && !seen.has(r.key) && out.length < MAX_WANTED) {
        seen.add(r.key);
        out.push(r);
      }
    };
    const asked = this.asked.get(doc.uri.toString());
    if (asked) for (const r of st.requests) if (r && asked.has(r.key)) add(r);
    for (const i of st.changed) add(st.requests[i]);
    const editors = vscode.window.visibleTextEditors.filter((e) => e.document === doc);
    for (const e of editors) {
      for (const range of e.visibleRanges) {
        const from = doc.offsetAt(new vscode.Position(Math.max(0, range.start.line - MARGIN_LINES), 0));
        const to = doc.offsetAt(
          new vscode.Position(Math.min(doc.lineCount - 1, range.end.line + MARGIN_LINES), Number.MAX_SAFE_INTEGER),
        );
        st.located.puzzles.forEach((p, i) => {
          if (p.span.offset <= to && p.span.offset + p.span.length >= from) add(st.requests[i]);
        });
      }
    }
    return out;
  }

  private updateWanted(doc: vscode.TextDocument, immediate = false): void {
    const st = this.docs.get(doc.uri);
    if (!st || st.status !== 'ok') return;
    // A model that cannot run the file predicts nothing: no need to look for the visible puzzles
    // (all 4,308 of a one-line challenges file are "visible").
    if (st.mismatch) {
      this.scheduler.update(doc.uri.toString(), [], { immediate });
      return;
    }
    this.scheduler.update(doc.uri.toString(), this.wanted(doc, st), { immediate });
  }

  private onResults(results: PuzzlePrediction[]): void {
    const keys = new Set(results.map((r) => r.key));
    for (const st of this.docs.all()) {
      if (st.requests.some((r) => r && keys.has(r.key))) this.changedEmitter.fire(st.uri);
    }
  }

  dispose(): void {
    for (const t of this.reparseTimers.values()) clearTimeout(t);
    this.scheduler.dispose();
    this.client.dispose();
    this.locateClient.dispose();
    this.changedEmitter.dispose();
    this.progressEmitter.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
