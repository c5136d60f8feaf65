// One training run as the dashboard sees it: folds the trainer's TrainEvents (src/engine/train/events.ts)
// into a RunSnapshot (what a reopened panel re-hydrates from) and says which dashboard messages each
// event produces. Progress is kept in a DecimatedLog, so a run of any length costs bounded memory.
// Pure: no `vscode` import, unit-tested.
import type { TrainEvent, TrainMetrics, TrainRequest } from '../../engine/train/events';
import {
  DecimatedLog,
  isFinalStatus,
  toMetric,
  type CheckpointPoint,
  type EvalPoint,
  type HostToDashboardMessage,
  type ProgressPoint,
  type RunInfo,
  type RunSnapshot,
  type RunStatus,
  type StatusMessage,
} from '../../protocol/dashboard';

const MAX_EVALS = 1000;
const MAX_CHECKPOINTS = 1000;

export function progressPoint(
  step: number,
  lr: number,
  m: TrainMetrics,
  examplesPerSec: number,
  elapsedSec: number,
): ProgressPoint {
  return {
    step,
    lr: toMetric(lr),
    lmLoss: toMetric(m.lmLoss),
    qHaltLoss: toMetric(m.qHaltLoss),
    totalLoss: toMetric(m.totalLoss),
    accuracy: toMetric(m.accuracy),
    exactAccuracy: toMetric(m.exactAccuracy),
    qHaltAccuracy: toMetric(m.qHaltAccuracy),
    meanSteps: toMetric(m.meanSteps),
    examplesPerSec: toMetric(examplesPerSec),
    elapsedSec: toMetric(elapsedSec),
  };
}

/** Eval metric names that cannot be table headings are replaced by a safe spelling, never dropped silently. */
function evalMetrics(metrics: Record<string, number>): EvalPoint['metrics'] {
  const out: EvalPoint['metrics'] = {};
  for (const [k, v] of Object.entries(metrics).slice(0, 64)) {
    const name = k.replace(/[^\w./-]/g, '_').slice(0, 64) || '_';
    out[name] = toMetric(v);
  }
  return out;
}

export class RunHistory {
  readonly info: RunInfo;
  private statusValue: RunStatus = 'starting';
  private messageValue = '';
  private readonly progress = new DecimatedLog<ProgressPoint>();
  private readonly evals: EvalPoint[] = [];
  private readonly checkpoints: CheckpointPoint[] = [];

  constructor(runId: number, request: TrainRequest) {
    this.info = {
      runId,
      runDir: request.out,
      dataDir: request.data,
      preset: request.preset ?? null,
      resumed: request.resume,
      backend: null,
      totalSteps: request.steps ?? null,
      startStep: null,
      parameters: null,
      examplesPerStep: null,
    };
  }

  get runId(): number {
    return this.info.runId;
  }
  get status(): RunStatus {
    return this.statusValue;
  }
  get message(): string {
    return this.messageValue;
  }
  get isFinal(): boolean {
    return isFinalStatus(this.statusValue);
  }
  get latest(): ProgressPoint | undefined {
    return this.progress.latest;
  }
  get checkpointList(): readonly CheckpointPoint[] {
    return this.checkpoints;
  }

  /** Folds one trainer event in; returns the messages a live dashboard needs (none once the run is final). */
  apply(e: TrainEvent): HostToDashboardMessage[] {
    if (this.isFinal) return [];
    const runId = this.runId;
    switch (e.type) {
      case 'started':
        Object.assign(this.info, {
          runDir: e.runDir,
          preset: e.preset ?? this.info.preset,
          backend: e.backend,
          totalSteps: e.totalSteps,
          startStep: e.startStep,
          resumed: e.resumed,
          parameters: e.parameters ?? null,
          examplesPerStep: e.examplesPerStep ?? null,
        });
        // A cancel requested before the announcement still stands.
        return [this.setStatus(this.statusValue === 'stopping' ? 'stopping' : 'running', '')];
      case 'progress': {
        const p = progressPoint(e.step, e.lr, e.metrics, e.examplesPerSec, e.elapsedSec);
        const out: HostToDashboardMessage[] = [];
        if (this.info.totalSteps !== e.totalSteps) {
          this.info.totalSteps = e.totalSteps;
          out.push(this.statusMessage());
        }
        if (this.progress.push(p)) out.push({ type: 'progress', runId, points: [p] });
        return out;
      }
      case 'eval': {
        const point: EvalPoint = { step: e.step, metrics: evalMetrics(e.metrics) };
        this.evals.push(point);
        if (this.evals.length > MAX_EVALS) this.evals.shift();
        return [{ type: 'eval', runId, point }];
      }
      case 'checkpoint': {
        const point: CheckpointPoint = { step: e.step, path: e.path };
        this.checkpoints.push(point);
        if (this.checkpoints.length > MAX_CHECKPOINTS) this.checkpoints.shift();
        return [{ type: 'checkpoint', runId, point }];
      }
      case 'finished':
        return [
          this.setStatus(e.reason, e.reason === 'done' ? `finished at step ${e.step}` : `stopped at step ${e.step}`),
        ];
      case 'error':
        return [this.setStatus('failed', e.message)];
    }
  }

  /** Cancel was requested; null when the run is already past that. */
  markStopping(): StatusMessage | null {
    if (this.isFinal || this.statusValue === 'stopping') return null;
    return this.setStatus('stopping', 'stopping: the trainer finishes its step and writes a checkpoint');
  }

  /** The run ended without a final event from the trainer (worker crash, forced stop); null when already final. */
  fail(message: string, status: 'failed' | 'cancelled' = 'failed'): StatusMessage | null {
    if (this.isFinal) return null;
    return this.setStatus(status, message);
  }

  snapshot(): RunSnapshot {
    return {
      info: { ...this.info },
      status: this.statusValue,
      message: this.messageValue,
      progress: this.progress.points(),
      evals: [...this.evals],
      checkpoints: [...this.checkpoints],
    };
  }

  private setStatus(status: RunStatus, message: string): StatusMessage {
    this.statusValue = status;
    this.messageValue = message.length > 100_000 ? `${message.slice(0, 99_999)}…` : message;
    return this.statusMessage();
  }

  private statusMessage(): StatusMessage {
    return {
      type: 'status',
      runId: this.runId,
      info: { ...this.info },
      status: this.statusValue,
      message: this.messageValue,
    };
  }
}
