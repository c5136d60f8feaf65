// The evaluator a FollowSession uses outside tests: one worker thread (dist/followWorker.js), started
// on the first job and kept for the next ones, which run one after the other; a worker that dies fails the job in flight with the
// reason and is started afresh for the next one.

import { Worker } from 'node:worker_threads';
import type { FollowEvalJob, FollowEvalOutcome } from './types';
import { isFollowWorkerReply, type FollowWorkerRequest } from './workerProtocol';

export interface WorkerEvaluatorOptions {
  workerFile: string;
  backend?: string;
  onBackend?: (description: string) => void;
}

export class WorkerEvaluator {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending: { id: number; resolve: (o: FollowEvalOutcome) => void; reject: (e: Error) => void } | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: WorkerEvaluatorOptions) {}

  /**
   * Evaluates in the worker. Jobs run one after the other: a new folder followed while the previous
   * one's evaluation is still running waits for it instead of failing.
   */
  evaluate(job: FollowEvalJob): Promise<FollowEvalOutcome> {
    const run = (): Promise<FollowEvalOutcome> => {
      const w = this.ensureWorker();
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending = { id, resolve, reject };
        w.postMessage({ type: 'evaluate', id, job, backend: this.opts.backend } satisfies FollowWorkerRequest);
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.opts.workerFile);
    w.on('message', (m: unknown) => {
      const p = this.pending;
      if (!isFollowWorkerReply(m)) {
        this.fail(`the follow worker sent an invalid message: ${JSON.stringify(m)?.slice(0, 200)}`);
        return;
      }
      if (m.type === 'invalid') {
        this.fail(m.message);
        return;
      }
      if (!p || p.id !== m.id) return;
      this.pending = undefined;
      if (m.type === 'result') {
        this.opts.onBackend?.(m.backend);
        p.resolve(m.outcome);
      } else p.reject(new Error(m.message));
    });
    w.on('error', (e) => this.fail(`the follow worker crashed: ${e.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.fail(`the follow worker exited (code ${code})`);
    });
    this.worker = w;
    return w;
  }

  private fail(message: string): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(new Error(message));
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    this.fail('stopped');
    if (w) void w.terminate().catch(() => undefined);
  }
}
