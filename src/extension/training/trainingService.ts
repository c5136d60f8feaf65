// Runs training jobs for the commands: one at a time, each in its own worker thread. Shows a
// cancellable progress notification (cancel = ask the trainer to stop after its checkpoint), writes
// every event to the "TRM Training" output channel, and feeds the dashboard panel; the latest run's
// history stays here so the dashboard can be reopened and re-hydrate from it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainRequest } from '../../engine/train/events';
import type { HostToDashboardMessage, RunSnapshot } from '../../protocol/dashboard';
import type { DashboardSource } from './dashboardPanel';
import { describeEvent, describeRequest, progressText } from './eventText';
import { checkBuiltDatasetFolder, checkOutputFolder } from './request';
import type { RunHistory } from './runHistory';
import { nodeWorkerFactory, TrainingJob, type WorkerFactory } from './trainingJob';

/** Diagnostics (the `trmLens.training.state` command): what the latest run did. */
export interface TrainingServiceState {
  running: boolean;
  runId: number | null;
  status: string | null;
  message: string;
  lastStep: number | null;
  totalSteps: number | null;
  progressEvents: number;
  checkpoints: string[];
  invalidWorkerMessages: number;
  /** The latest run's folders and preset (null before any run). */
  runDir: string | null;
  dataDir: string | null;
  preset: string | null;
  /** Why the latest "Train Model" did not start, if it did not. */
  notStarted: string | null;
}

export class TrainingService implements DashboardSource, vscode.Disposable {
  private job: TrainingJob | undefined;
  private nextRunId = 1;
  private progressEvents = 0;
  private notStartedReason: string | undefined;
  private readonly emitter = new vscode.EventEmitter<{
    runId: number;
    messages: HostToDashboardMessage[];
    newRun: boolean;
  }>();
  readonly onDidUpdate = this.emitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly createWorker: WorkerFactory,
    private readonly onRunStarting: () => void,
  ) {}

  static forExtension(extensionPath: string, log: vscode.LogOutputChannel, onRunStarting: () => void): TrainingService {
    return new TrainingService(
      log,
      nodeWorkerFactory(path.join(extensionPath, 'dist', 'trainWorker.js')),
      onRunStarting,
    );
  }

  get running(): boolean {
    return !!this.job && !this.job.finished;
  }
  shownRun(): RunHistory | undefined {
    return this.job?.history;
  }
  notStarted(): string | undefined {
    return this.notStartedReason;
  }

  /** A "Train Model" that could not start: the dashboard says why (the command also shows an error). */
  reportNotStarted(reason: string): void {
    this.notStartedReason = reason;
    this.emitter.fire({ runId: this.job?.runId ?? 0, messages: [], newRun: true });
  }

  /**
   * Checks the request, starts the worker, and resolves with the final snapshot when the run ends
   * (done, cancelled or failed). Throws before starting when the request cannot work.
   */
  async run(request: TrainRequest): Promise<RunSnapshot> {
    if (this.running)
      throw new Error(
        `a training run is already in progress (${this.job!.request.out}); stop it first ("TRM: Stop Training")`,
      );
    const dataSummary = checkBuiltDatasetFolder(request.data);
    checkOutputFolder(request.out, request.resume);
    this.notStartedReason = undefined;
    const job = new TrainingJob(this.nextRunId++, request, this.createWorker, (problem) => this.log.error(problem));
    this.job = job;
    this.progressEvents = 0;
    this.log.info(`run ${job.runId}: ${describeRequest(request)} (dataset: ${dataSummary})`);
    job.onUpdate((u) => {
      if (u.event) {
        const line = describeEvent(u.event);
        if (u.event.type === 'error') this.log.error(`run ${job.runId}: ${line}`);
        else if (u.event.type === 'progress') {
          this.progressEvents++;
          this.log.info(line);
        } else this.log.info(`run ${job.runId}: ${line}`);
      } else {
        for (const m of u.messages)
          if (m.type === 'status')
            this.log[m.status === 'failed' ? 'error' : 'info'](
              `run ${job.runId}: ${m.status}${m.message ? `: ${m.message}` : ''}`,
            );
      }
      this.emitter.fire({ runId: job.runId, messages: u.messages, newRun: false });
    });
    this.emitter.fire({ runId: job.runId, messages: [], newRun: true });
    this.onRunStarting();
    job.start();
    void this.notify(job);
    return job.done;
  }

  /** Cancel from the notification, the command or the dashboard; a second stop terminates at once. */
  stop(runId?: number): boolean {
    const job = this.job;
    if (!job || job.finished || (runId !== undefined && runId !== job.runId)) return false;
    this.log.info(
      `run ${job.runId}: stop requested${job.history.status === 'stopping' ? ' again: terminating the worker' : ''}`,
    );
    job.cancel();
    return true;
  }

  state(): TrainingServiceState {
    const j = this.job;
    if (!j)
      return {
        running: false,
        runId: null,
        status: null,
        message: '',
        lastStep: null,
        totalSteps: null,
        progressEvents: 0,
        checkpoints: [],
        invalidWorkerMessages: 0,
        runDir: null,
        dataDir: null,
        preset: null,
        notStarted: this.notStartedReason ?? null,
      };
    return {
      running: this.running,
      runId: j.runId,
      status: j.history.status,
      message: j.history.message,
      lastStep: j.history.latest?.step ?? null,
      totalSteps: j.history.info.totalSteps,
      progressEvents: this.progressEvents,
      checkpoints: j.history.checkpointList.map((c) => c.path),
      invalidWorkerMessages: j.invalidMessages,
      runDir: j.request.out,
      dataDir: j.request.data,
      preset: j.request.preset ?? null,
      notStarted: this.notStartedReason ?? null,
    };
  }

  private async notify(job: TrainingJob): Promise<void> {
    const title = `TRM training${job.request.preset ? ` ${job.request.preset}` : ''}${job.request.resume ? ' (resumed)' : ''}`;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      async (progress, token) => {
        let reported = 0; // percent already reported (withProgress takes increments)
        token.onCancellationRequested(() => this.stop(job.runId));
        const sub = job.onUpdate((u) => {
          const e = u.event;
          if (e?.type === 'progress' && e.totalSteps > 0) {
            const pct = Math.min(100, (100 * e.step) / e.totalSteps);
            progress.report({
              message: progressText(e, job.history.info.examplesPerStep),
              increment: Math.max(0, pct - reported),
            });
            reported = Math.max(reported, pct);
          } else if (e?.type === 'checkpoint') {
            progress.report({ message: `checkpoint at step ${e.step} written` });
          } else if (job.history.status === 'stopping') {
            progress.report({ message: 'stopping: finishing the step and writing a checkpoint…' });
          }
        });
        try {
          await job.done;
        } finally {
          sub.dispose();
        }
      },
    );
    const s = job.history;
    const where = s.checkpointList.length
      ? ` Last checkpoint: ${s.checkpointList[s.checkpointList.length - 1].path}`
      : '';
    if (s.status === 'failed') {
      void vscode.window.showErrorMessage(`TRM training failed: ${s.message}`, 'Show Log').then((a) => {
        if (a) this.log.show(true);
      });
    } else {
      void vscode.window.showInformationMessage(
        `TRM training ${s.status === 'done' ? 'finished' : 'stopped'}: ${s.message}.${where}`,
      );
    }
  }

  dispose(): void {
    // The extension host is going away: end the worker now (a checkpoint cannot be awaited here).
    this.job?.terminate('VS Code closed the extension host during training');
    this.emitter.dispose();
  }
}
