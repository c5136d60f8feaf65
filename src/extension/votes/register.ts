// Registers "TRM: Explore ARC Votes…": for an ARC task (the open ARC JSON file, a file picked, or a
// row of the evaluation browser), runs every test input through the model under N dihedral/colour
// augmentations, maps each answer back by the variant's inverse and opens the vote explorer
// (src/engine/eval/arcVotes.ts computes, webview/votes/ draws). It needs an ARC model (30x30 canvas,
// 12 tokens): with another one it says so once and offers "TRM: Select Model".
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadCheckpoint } from '../../engine/checkpoint';
import { readArcFile } from '../../engine/data/rawArc';
import {
  type ArcVariantExample,
  type ArcVoteReport,
  arcVariantExamples,
  arcVariantPlan,
  votesOfVariantRecords,
} from '../../engine/eval/arcVotes';
import { EvaluationCancelled, evaluatePuzzles } from '../../engine/eval/evaluatePuzzles';
import { examplesSource } from '../../engine/eval/source';
import { TrmModel } from '../../engine/model/trm';
import { ARC_CANVAS, ARC_VOCAB, type Grid } from '../../engine/tasks/arc';
import type { VotesView } from '../../protocol/votes';
import { chooseModel } from '../authoring/modelSource';
import { SELECT_MODEL_COMMAND } from '../authoring/statusBar';
import { ensureBackend } from '../backendCommands';
import { VotesPanel, type VotesPanelState } from './votesPanel';
import { votesViewOf } from './viewOf';

export const EXPLORE_VOTES_COMMAND = 'trmLens.exploreArcVotes';
/** Diagnostics only (not in the palette), for in-editor tests. */
export const VOTES_STATE_COMMAND = 'trmLens.arcVotes.state';

export interface ExploreVotesArgs {
  /** Model weights; default: the selected model (trmLens.model). */
  checkpoint?: string;
  config?: string;
  /** An ARC task file, or challenges with their solutions beside them. */
  file?: string;
  /** Which task of the file (default: asked when the file holds several). */
  task?: string;
  /** Which test input to show first (0-based). */
  input?: number;
  /** Variants per test input, identity included (default: asked; 8 = the dihedral group). */
  augmentations?: number;
  seed?: number;
}

export interface VotesDiagnostics {
  panel: VotesPanelState;
  /** Messages shown because the model does not fit (each should appear once per attempt). */
  noModelNotices: number;
  lastSeconds: number | null;
}

const AUG_CHOICES = [8, 16, 32, 64];

export function registerVotes(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM ARC Votes', { log: true });
  let noModelNotices = 0;
  let lastSeconds: number | null = null;

  /** The model to run, or undefined after telling the user (once) why none fits. */
  const arcModel = (args: ExploreVotesArgs): { checkpoint: string; config?: string } | undefined => {
    let checkpoint = args.checkpoint;
    if (!checkpoint) {
      const choice = chooseModel(context.extensionPath);
      if (!choice.ok) {
        noModelNotices++;
        void vscode.window.showWarningMessage(`TRM: ${choice.reason}`, 'TRM: Select Model').then((a) => {
          if (a) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
        });
        return undefined;
      }
      checkpoint = choice.checkpoint;
    }
    // The config as stored (an official all_config.yaml names no seq_len: the dataset gives it).
    const loaded = loadCheckpoint(checkpoint, { configPath: args.config });
    const c = loaded.config;
    if (c.vocab_size !== ARC_VOCAB || (c.seq_len > 0 && c.seq_len !== ARC_CANVAS * ARC_CANVAS)) {
      noModelNotices++;
      void vscode.window
        .showWarningMessage(
          `TRM: the ARC vote explorer needs an ARC model (a ${ARC_CANVAS}x${ARC_CANVAS} canvas of ${ARC_VOCAB} tokens); ` +
            `${path.basename(path.dirname(loaded.path))}/${path.basename(loaded.path)} reads ${c.seq_len} cells of ${c.vocab_size} tokens. ` +
            'Select an ARC checkpoint to explore votes.',
          'TRM: Select Model',
        )
        .then((a) => {
          if (a) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
        });
      return undefined;
    }
    return { checkpoint: loaded.path, ...(args.config ? { config: args.config } : {}) };
  };

  const arcFile = async (args: ExploreVotesArgs): Promise<string | undefined> => {
    if (args.file) return args.file;
    const doc = vscode.window.activeTextEditor?.document;
    if (doc?.uri.scheme === 'file' && doc.fileName.endsWith('.json')) return doc.fileName;
    const picked = await vscode.window.showOpenDialog({
      title: 'TRM: Explore ARC Votes — an ARC task file (with its test outputs or a *_solutions.json beside it)',
      filters: { 'ARC JSON': ['json'] },
      canSelectMany: false,
    });
    return picked?.[0]?.fsPath;
  };

  const explore = async (args: ExploreVotesArgs = {}): Promise<VotesView | undefined> => {
    const model = arcModel(args);
    if (!model) return undefined;
    const file = await arcFile(args);
    if (!file) return undefined;
    const tasks = readArcFile(file);
    let task = args.task ? tasks.find((t) => t.name === args.task) : tasks.length === 1 ? tasks[0] : undefined;
    if (args.task && !task)
      throw new Error(
        `${path.basename(file)} has no task ${args.task} (it has ${tasks.map((t) => t.name).join(', ')})`,
      );
    if (!task) {
      const pick = await vscode.window.showQuickPick(
        tasks.map((t) => ({ label: t.name, description: `${t.test.length} test input(s)`, task: t })),
        { title: 'TRM: Explore ARC Votes — which task' },
      );
      if (!pick) return undefined;
      task = pick.task;
    }
    const unsolved = task.test.findIndex((p) => !p.output);
    if (unsolved >= 0)
      throw new Error(
        `${task.name}: test input ${unsolved} has no output in ${path.basename(file)} (nor a *_solutions.json beside it); votes are scored against it`,
      );
    let n = args.augmentations;
    if (n === undefined) {
      const pick = await vscode.window.showQuickPick(
        AUG_CHOICES.map((k) => ({
          label: String(k),
          description: k === 8 ? 'the 8 dihedral transforms' : `8 dihedral + ${k - 8} colour permutations`,
        })),
        { title: 'TRM: Explore ARC Votes — augmentations per test input' },
      );
      if (!pick) return undefined;
      n = Number(pick.label);
    }
    const plan = arcVariantPlan(task.name, n, args.seed ?? 0);
    const pairs = task.test as { input: Grid; output: Grid }[];
    const items = arcVariantExamples(task.name, pairs, plan);
    const t0 = Date.now();
    const report = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `TRM: ${task.name}: ${pairs.length} test input(s) × ${plan.length} augmentations`,
        cancellable: true,
      },
      (progress, token) => runVariants(model, items, pairs, progress, token),
    );
    lastSeconds = (Date.now() - t0) / 1000;
    log.info(
      `${task.name} (${file}): ${items.length} variants in ${lastSeconds.toFixed(1)} s; pass@1 ${report.pass1}, pass@2 ${report.pass2}`,
    );
    const source = `${path.basename(model.checkpoint)} on ${path.basename(file)}, ${plan.length} augmentations (seed ${args.seed ?? 0})`;
    const viewOf = (k: number): VotesView => votesViewOf(report, k, source, pairs[k].input);
    const first = Math.min(Math.max(0, args.input ?? 0), report.inputs.length - 1);
    const view = viewOf(first);
    VotesPanel.show(context.extensionUri, { viewOf }, view, log);
    return view;
  };

  const runVariants = async (
    model: { checkpoint: string; config?: string },
    items: ArcVariantExample[],
    pairs: { input: Grid; output: Grid }[],
    progress: vscode.Progress<{ message?: string; increment?: number }>,
    token: vscode.CancellationToken,
  ): Promise<ArcVoteReport> => {
    await ensureBackend();
    const loaded = loadCheckpoint(model.checkpoint, { configPath: model.config, seqLen: ARC_CANVAS * ARC_CANVAS });
    const m = TrmModel.fromWeights(loaded.config, loaded.weights, { source: loaded.path });
    const abort = new AbortController();
    const sub = token.onCancellationRequested(() => abort.abort());
    try {
      let reported = 0;
      const records = await evaluatePuzzles(m, examplesSource(items.map((x) => x.example)), {
        batchSize: 16,
        signal: abort.signal,
        onBatch: (_r, done, total) => {
          const pct = (100 * done) / total;
          progress.report({ increment: pct - reported, message: `${done}/${total} variants` });
          reported = pct;
        },
      });
      return votesOfVariantRecords(items, pairs, records);
    } finally {
      sub.dispose();
      m.dispose();
    }
  };

  context.subscriptions.push(
    log,
    vscode.commands.registerCommand(EXPLORE_VOTES_COMMAND, async (args?: ExploreVotesArgs) => {
      try {
        return await explore(args ?? {});
      } catch (e) {
        if (e instanceof EvaluationCancelled) return undefined;
        const message = e instanceof Error ? e.message : String(e);
        log.warn(message);
        void vscode.window.showErrorMessage(`TRM: ${message}`);
        return undefined;
      }
    }),
    vscode.commands.registerCommand(VOTES_STATE_COMMAND, (): VotesDiagnostics => ({
      panel: VotesPanel.state(),
      noModelNotices,
      lastSeconds,
    })),
  );
}
