// One followed checkpoint folder at a time: owns the FollowSession (polling, completeness, the newest-
// first queue) and the evaluation worker, keeps the chosen comparison, and turns the session's state
// into the dashboard's FollowView. No `vscode` import: the evaluator is injected, so this is unit-tested
// without a worker; the glue (register.ts) connects it to commands and the panel.
import * as path from 'node:path';
import { FollowSession } from '../../engine/follow/followSession';
import {
  compareOutcomes,
  type CheckpointComparison,
  type FollowEntry,
  type FollowEvalJob,
  type FollowEvalOutcome,
  type FollowState,
} from '../../engine/follow/types';
import {
  MAX_CHECKPOINTS,
  toFollowMetric,
  type FollowComparisonView,
  type FollowView,
} from '../../protocol/followDashboard';

export interface FollowRequest {
  dir: string;
  data: string;
  /** First N test examples (0 = all); default 64. */
  limit: number;
  configPath?: string;
  pollMs: number;
  batchSize: number;
}

export type JobEvaluator = (job: FollowEvalJob) => Promise<FollowEvalOutcome>;

export class FollowService {
  private session: FollowSession | undefined;
  private request: FollowRequest | undefined;
  private followId = 0;
  private comparison: CheckpointComparison | null = null;
  private backend: string | null = null;
  private readonly listeners = new Set<(v: FollowView) => void>();
  /** State changes seen (diagnostics for tests). */
  updates = 0;

  constructor(private readonly evaluator: JobEvaluator) {}

  onDidChange(f: (v: FollowView) => void): { dispose(): void } {
    this.listeners.add(f);
    return { dispose: () => this.listeners.delete(f) };
  }

  get current(): FollowRequest | undefined {
    return this.request;
  }

  setBackend(description: string): void {
    if (this.backend === description) return;
    this.backend = description;
    this.emit();
  }

  /** Starts following `req.dir` (stopping any folder followed before). */
  follow(req: FollowRequest): FollowView {
    this.session?.stop();
    this.followId++;
    this.request = req;
    this.comparison = null;
    const id = this.followId;
    const session = new FollowSession({
      dir: req.dir,
      pollMs: req.pollMs,
      evaluate: (file) =>
        this.evaluator({
          file,
          data: req.data,
          limit: req.limit,
          configPath: req.configPath,
          batchSize: req.batchSize,
        }),
      onChange: () => {
        if (this.followId === id) this.emit();
      },
    });
    this.session = session;
    session.start();
    return this.view()!;
  }

  /** Stops polling; the view stays (status "stopped"). Returns false when nothing was followed. */
  stop(): boolean {
    if (!this.session || this.session.isStopped) return false;
    this.session.stop();
    return true;
  }

  entry(step: number): FollowEntry | undefined {
    return this.session?.entry(step);
  }

  state(): FollowState | undefined {
    return this.session?.state();
  }

  /** Compares two evaluated checkpoints puzzle by puzzle; the dashboard shows it until the next pair. */
  compare(a: number, b: number): CheckpointComparison {
    const ea = this.entry(a);
    const eb = this.entry(b);
    for (const [s, e] of [
      [a, ea],
      [b, eb],
    ] as const)
      if (!e?.outcome)
        throw new Error(`step ${s} has not been evaluated${e ? ` (it is ${e.state})` : ' (no such checkpoint)'}`);
    this.comparison = compareOutcomes(a, ea!.outcome!, b, eb!.outcome!);
    this.emit();
    return this.comparison;
  }

  view(): FollowView | null {
    const s = this.session?.state();
    const r = this.request;
    if (!s || !r) return null;
    const evaluated = s.entries.filter((e) => e.outcome);
    const cmp = this.comparison;
    const comparison: FollowComparisonView | null =
      cmp && evaluated.some((e) => e.step === cmp.a) && evaluated.some((e) => e.step === cmp.b)
        ? {
            a: cmp.a,
            b: cmp.b,
            puzzles: cmp.puzzles,
            bothSolved: cmp.bothSolved,
            onlyA: cmp.onlyA,
            onlyB: cmp.onlyB,
            neither: cmp.neither,
            meanHaltStepDelta: toFollowMetric(cmp.meanHaltStepDelta),
            differing: cmp.differing,
          }
        : null;
    const entries = s.entries.slice(-MAX_CHECKPOINTS);
    return {
      followId: this.followId,
      dir: s.dir,
      data: r.data,
      evalSet: r.limit ? `first ${r.limit} examples of the test split` : 'the whole test split',
      backend: this.backend,
      status: s.status,
      message: s.message,
      haltMaxSteps: evaluated.at(-1)?.outcome?.haltMaxSteps ?? null,
      checkpoints: entries.map((e) => ({
        step: e.step,
        name: e.name,
        path: e.file,
        state: e.state,
        detail: e.detail.slice(0, 10_000),
        sizeBytes: e.size,
        metrics: e.outcome
          ? {
              exact: toFollowMetric(e.outcome.metrics.exact_accuracy),
              cells: toFollowMetric(e.outcome.metrics.accuracy),
              qHalt: toFollowMetric(e.outcome.metrics.q_halt_accuracy),
              meanSteps: toFollowMetric(e.outcome.metrics.mean_steps),
              count: e.outcome.metrics.count ?? 0,
            }
          : null,
        seconds: e.outcome ? toFollowMetric(e.outcome.seconds) : null,
      })),
      best: s.best !== null && entries.some((e) => e.step === s.best) ? s.best : null,
      comparison,
    };
  }

  /** The row of the evaluation set a debugger opened on `step` should start at: the first puzzle it gets wrong. */
  firstWrongRow(step: number): number {
    const o = this.entry(step)?.outcome;
    return o?.puzzles.find((p) => !p.exact)?.row ?? 0;
  }

  /** The debug launch configuration for one checkpoint on one puzzle of the evaluation set. */
  debugConfiguration(step: number, row?: number): Record<string, unknown> {
    const e = this.entry(step);
    const r = this.request;
    if (!e || !r) throw new Error(`no checkpoint step_${step} in the followed folder`);
    if (e.state !== 'evaluated' && e.state !== 'failed' && e.state !== 'evaluating')
      throw new Error(
        `step_${step} is ${e.state === 'writing' ? 'still being written' : e.state}; wait for it to be evaluated`,
      );
    const index = row ?? this.firstWrongRow(step);
    return {
      type: 'trm',
      request: 'launch',
      name: `${e.name} of ${path.basename(r.dir)} (puzzle #${index})`,
      checkpoint: e.file,
      ...(r.configPath ? { config: r.configPath } : {}),
      dataset: r.data,
      index,
      haltPolicy: 'all',
      stopOnEntry: true,
      pickPuzzle: false,
    };
  }

  private emit(): void {
    this.updates++;
    const v = this.view();
    if (!v) return;
    for (const f of [...this.listeners]) {
      try {
        f(v);
      } catch {
        /* a listener's problem is its own */
      }
    }
  }

  dispose(): void {
    this.session?.stop();
    this.listeners.clear();
  }
}
