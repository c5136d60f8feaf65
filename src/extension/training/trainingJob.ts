// One training run in a worker thread (dist/trainWorker.js), never on the extension host's main thread:
// sends {type:'start', request}, validates every message that comes back (isTrainEvent), folds it into
// a RunHistory and tells listeners. Cancel asks the worker to stop (it finishes its step and writes a
// checkpoint); a second cancel, or a worker that dies, ends the run at once with a specific reason.
// No `vscode` import: the worker is injectable, so this is unit-tested with a fake.
import { Worker } from 'node:worker_threads';
import { isTrainEvent, type TrainEvent, type TrainRequest, type TrainWorkerCommand } from '../../engine/train/events';
import type { HostToDashboardMessage, RunSnapshot } from '../../protocol/dashboard';
import { RunHistory } from './runHistory';

/** The part of node's Worker this module uses. */
export interface WorkerLike {
  postMessage(m: TrainWorkerCommand): void;
  on(event: 'message', f: (m: unknown) => void): unknown;
  on(event: 'error', f: (e: Error) => void): unknown;
  on(event: 'exit', f: (code: number) => void): unknown;
  terminate(): Promise<number>;
}
export type WorkerFactory = () => WorkerLike;

export const nodeWorkerFactory =
  (file: string): WorkerFactory =>
  () =>
    new Worker(file);

/** What listeners get: the trainer's event (null for host-side changes) and the dashboard messages it produced. */
export interface JobUpdate {
  event: TrainEvent | null;
  messages: HostToDashboardMessage[];
}

export class TrainingJob {
  readonly history: RunHistory;
  readonly done: Promise<RunSnapshot>;
  private worker: WorkerLike | undefined;
  private resolveDone!: (s: RunSnapshot) => void;
  private readonly listeners = new Set<(u: JobUpdate) => void>();
  private cancelRequests = 0;
  /** Invalid messages from the worker (reported through `onProblem`, never acted on). */
  invalidMessages = 0;

  constructor(
    runId: number,
    readonly request: TrainRequest,
    private readonly createWorker: WorkerFactory,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {
    this.history = new RunHistory(runId, request);
    this.done = new Promise((r) => {
      this.resolveDone = r;
    });
  }

  get runId(): number {
    return this.history.runId;
  }
  get finished(): boolean {
    return this.history.isFinal;
  }

  onUpdate(f: (u: JobUpdate) => void): { dispose(): void } {
    this.listeners.add(f);
    return { dispose: () => this.listeners.delete(f) };
  }

  start(): void {
    if (this.worker) throw new Error(`training run ${this.runId} was already started`);
    let w: WorkerLike;
    try {
      w = this.createWorker();
    } catch (e) {
      this.end(null, this.history.fail(`cannot start the training worker: ${(e as Error).message}`));
      return;
    }
    this.worker = w;
    w.on('message', (m) => this.onMessage(m));
    w.on('error', (e) => this.end(null, this.history.fail(`the training worker crashed: ${e.stack ?? e.message}`)));
    w.on('exit', (code) => {
      this.worker = undefined;
      this.end(null, this.history.fail(`the training worker exited (code ${code}) before the run finished`));
    });
    w.postMessage({ type: 'start', request: this.request });
  }

  /**
   * First call: asks the worker to stop after writing a checkpoint. A second call while it is still
   * stopping terminates the worker at once (no checkpoint for the current step).
   */
  cancel(): void {
    if (this.finished) return;
    this.cancelRequests++;
    if (this.cancelRequests === 1 && this.worker) {
      this.emit(null, [this.history.markStopping()]);
      this.worker.postMessage({ type: 'cancel' });
      return;
    }
    this.terminate('terminated on request before the trainer could write its checkpoint');
  }

  /** Ends the run now: the worker is terminated without a checkpoint for the current step. */
  terminate(reason: string): void {
    if (this.finished) return;
    this.end(null, this.history.fail(reason, 'cancelled'));
  }

  private onMessage(m: unknown): void {
    if (!isTrainEvent(m)) {
      this.invalidMessages++;
      let text: string;
      try {
        text = JSON.stringify(m)?.slice(0, 300) ?? String(m);
      } catch {
        text = String(m);
      }
      this.onProblem(`ignored an invalid message from the training worker: ${text}`);
      return;
    }
    const messages = this.history.apply(m);
    if (m.type === 'finished' || m.type === 'error') this.end(m, messages);
    else this.emit(m, messages);
  }

  private emit(event: TrainEvent | null, messages: (HostToDashboardMessage | null)[]): void {
    const u: JobUpdate = { event, messages: messages.filter((x): x is HostToDashboardMessage => x !== null) };
    for (const f of [...this.listeners]) {
      try {
        f(u);
      } catch (e) {
        this.onProblem(`a training listener failed: ${(e as Error).message}`);
      }
    }
  }

  /** Final: tell listeners, stop the worker, settle `done` (each once). */
  private end(
    event: TrainEvent | null,
    messages: HostToDashboardMessage | null | (HostToDashboardMessage | null)[],
  ): void {
    const list = Array.isArray(messages) ? messages : [messages];
    if (event || list.some((m) => m !== null)) this.emit(event, list);
    if (!this.finished) return;
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate().catch(() => undefined);
    this.resolveDone(this.history.snapshot());
  }
}
