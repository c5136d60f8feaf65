// The dashboard's data: the shown run's info and status, its progress points (a DecimatedLog, the
// same policy as the host's history), evaluations and checkpoints, folded from validated host
// messages. `init` replaces everything (a reopened panel re-hydrates); live messages for another run
// are ignored; points that do not follow the newest step are dropped. `version` counts changes so
// the view redraws only when something changed. Pure (no DOM), unit-tested.
import {
  DecimatedLog,
  HISTORY_CAP,
  isFinalStatus,
  type CheckpointPoint,
  type EvalPoint,
  type HostToDashboardMessage,
  type Metric,
  type ProgressPoint,
  type RunInfo,
  type RunStatus,
  type ThemeKind,
} from '../../../src/protocol/dashboard';

export type SeriesKey = Exclude<keyof ProgressPoint, 'step'>;

export interface RunView {
  info: RunInfo;
  status: RunStatus;
  message: string;
}

/** What apply() did with a message (tests and diagnostics). */
export type ApplyResult = 'applied' | 'otherRun' | 'noRun' | 'stale';

export class DashboardModel {
  run: RunView | null = null;
  notice = '';
  theme: ThemeKind = 'dark';
  evals: EvalPoint[] = [];
  checkpoints: CheckpointPoint[] = [];
  version = 0;
  private progress: DecimatedLog<ProgressPoint>;
  private readonly cache = new Map<SeriesKey, { version: number; xs: number[]; ys: Metric[] }>();
  private readonly cap: number;

  constructor(cap = HISTORY_CAP) {
    this.cap = cap;
    this.progress = new DecimatedLog<ProgressPoint>(cap);
  }

  get points(): ProgressPoint[] {
    return this.progress.points();
  }
  get latest(): ProgressPoint | undefined {
    return this.progress.latest;
  }
  get pointCount(): number {
    return this.progress.length;
  }
  get isFinal(): boolean {
    return this.run !== null && isFinalStatus(this.run.status);
  }

  /** Folds one (already validated) host message in. */
  apply(m: HostToDashboardMessage): ApplyResult {
    if (m.type === 'theme') {
      this.theme = m.theme;
      this.version++;
      return 'applied';
    }
    if (m.type === 'init') {
      this.theme = m.theme;
      this.notice = m.notice;
      this.progress = new DecimatedLog<ProgressPoint>(this.cap);
      this.evals = [];
      this.checkpoints = [];
      this.run = m.run ? { info: { ...m.run.info }, status: m.run.status, message: m.run.message } : null;
      if (m.run) {
        for (const p of m.run.progress) this.progress.push(p);
        this.evals = [...m.run.evals];
        this.checkpoints = [...m.run.checkpoints];
      }
      this.version++;
      return 'applied';
    }
    if (!this.run) return 'noRun';
    if (m.runId !== this.run.info.runId) return 'otherRun';
    switch (m.type) {
      case 'progress': {
        let any = false;
        for (const p of m.points) any = this.progress.push(p) || any;
        if (!any) return 'stale';
        break;
      }
      case 'eval':
        if (this.evals.some((e) => e.step === m.point.step)) return 'stale';
        this.evals.push(m.point);
        break;
      case 'checkpoint':
        if (this.checkpoints.some((c) => c.path === m.point.path && c.step === m.point.step)) return 'stale';
        this.checkpoints.push(m.point);
        break;
      case 'status':
        this.run = { info: { ...m.info }, status: m.status, message: m.message };
        break;
    }
    this.version++;
    return 'applied';
  }

  /** One metric over steps (nulls = non-finite values), memoised per model version. */
  series(key: SeriesKey): { xs: number[]; ys: Metric[] } {
    const hit = this.cache.get(key);
    if (hit && hit.version === this.version) return hit;
    const pts = this.progress.points();
    const entry = { version: this.version, xs: pts.map((p) => p.step), ys: pts.map((p) => p[key]) };
    this.cache.set(key, entry);
    return entry;
  }

  /** Fraction of the run's steps done (0..1), or null before the trainer announced its length. */
  fractionDone(): number | null {
    const total = this.run?.info.totalSteps;
    const step = this.latest?.step ?? this.run?.info.startStep ?? null;
    if (!total || step === null) return null;
    return Math.max(0, Math.min(1, step / total));
  }

  /**
   * Seconds left at the current pace: batch size over recent throughput per remaining step (the
   * trainer's elapsed time also counts the time before a resume, so it cannot give the pace).
   */
  secondsLeft(): number | null {
    const p = this.latest;
    const info = this.run?.info;
    if (!p || !info?.totalSteps || !info.examplesPerStep || !p.examplesPerSec || p.examplesPerSec <= 0 || this.isFinal)
      return null;
    return (info.examplesPerStep / p.examplesPerSec) * Math.max(0, info.totalSteps - p.step);
  }

  /** The progress point nearest to `step` (hover readouts). */
  nearest(step: number): ProgressPoint | undefined {
    const pts = this.progress.points();
    if (!pts.length) return undefined;
    let lo = 0;
    let hi = pts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pts[mid].step < step) lo = mid + 1;
      else hi = mid;
    }
    const prev = pts[Math.max(0, lo - 1)];
    return Math.abs(prev.step - step) <= Math.abs(pts[lo].step - step) ? prev : pts[lo];
  }
}
