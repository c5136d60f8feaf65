// The evaluation worker as the glue uses it: one worker thread (dist/evalWorker.js) kept between
// evaluations, one evaluation at a time, progress callbacks, cancellation by message (the worker
// stops between supervision steps; finished batches are already in the cache).

import { Worker } from 'node:worker_threads';
import type { EvalJob, EvalJobResult } from '../../engine/eval/evalJob';
import { isEvalWorkerReply, type EvalWorkerRequest } from '../../engine/eval/workerProtocol';

export class EvalCancelledError extends Error {}

export class EvalWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private pending:
    | {
        id: number;
        resolve: (r: { result: EvalJobResult; backend: string }) => void;
        reject: (e: Error) => void;
        progress: (done: number, total: number) => void;
      }
    | undefined;

  constructor(private readonly workerFile: string) {}

  run(
    job: EvalJob,
    progress: (done: number, total: number) => void,
    cancel: { onCancellationRequested(f: () => void): unknown },
  ): Promise<{ result: EvalJobResult; backend: string }> {
    if (this.pending) return Promise.reject(new Error('an evaluation is already running; cancel it or wait for it'));
    const w = this.ensureWorker();
    const id = this.nextId++;
    cancel.onCancellationRequested(() => w.postMessage({ type: 'cancel', id } satisfies EvalWorkerRequest));
    return new Promise((resolve, reject) => {
      this.pending = { id, resolve, reject, progress };
      w.postMessage({ type: 'run', id, job } satisfies EvalWorkerRequest);
    });
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.workerFile);
    w.on('message', (m: unknown) => {
      const p = this.pending;
      if (!isEvalWorkerReply(m)) return this.fail(`the evaluation worker sent an invalid message`);
      if (m.type === 'invalid') return this.fail(m.message);
      if (!p || p.id !== m.id) return;
      if (m.type === 'progress') return p.progress(m.done, m.total);
      this.pending = undefined;
      if (m.type === 'result') p.resolve({ result: m.result, backend: m.backend });
      else p.reject(m.cancelled ? new EvalCancelledError(m.message) : new Error(m.message));
    });
    w.on('error', (e) => this.fail(`the evaluation worker crashed: ${e.message}`));
    w.on('exit', (code) => {
      if (this.worker === w) this.worker = undefined;
      this.fail(`the evaluation worker exited (code ${code})`);
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
