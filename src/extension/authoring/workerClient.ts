// The extension host's side of the prediction worker (dist/predictWorker.js): starts the thread,
// loads a model, and runs batches for the scheduler (it implements the scheduler's Predictor), so
// inline predictions never block the extension host's main thread. A crashed worker fails the
// running batch with its reason; the next model load starts a fresh thread. Another model (or backend
// setting) is loaded by the same thread, never by terminating it: a thread stopped while a native
// addon (ONNX Runtime, Dawn) is mid-call aborts the whole extension host ("terminate called after
// throwing an instance of 'Napi::Error'", seen when the backend setting was toggled quickly).

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HaltPolicy, PuzzlePrediction } from '../../engine/authoring/prediction';
import type { PredictRequest } from '../../engine/authoring/puzzleSpec';
import type { Predictor } from '../../engine/authoring/scheduler';
import {
  type FromWorker,
  type LoadedMessage,
  type ToWorker,
  isFromWorker,
} from '../../engine/authoring/workerProtocol';
import { computeSettings } from '../computeSettings';

interface PendingRun {
  resolve: (r: PuzzlePrediction[]) => void;
  reject: (e: Error) => void;
  onStep: (step: number, of: number) => void;
}

export class PredictWorkerClient implements Predictor {
  private worker: Worker | undefined;
  private nextRun = 1;
  private readonly runs = new Map<number, PendingRun>();
  private loading: { resolve: (m: LoadedMessage) => void; reject: (e: Error) => void } | undefined;
  /** Loads posted to the worker and not answered yet (only the last one's answer counts). */
  private loadsInFlight = 0;

  constructor(
    private readonly distDir: string,
    private readonly policy: () => HaltPolicy,
    private readonly log: (line: string) => void,
  ) {}

  /** Loads `checkpoint` (in the running worker thread, else a new one); resolves with the model and backend it reports. */
  load(checkpoint: string, config?: string): Promise<LoadedMessage> {
    // Runs and an earlier load still waiting are superseded; the worker answers its loads in order,
    // so only the answer to the last one settles the new promise.
    for (const runId of this.runs.keys()) this.post({ type: 'cancel', runId });
    this.fail('superseded by another model load');
    if (!this.worker) {
      const w = new Worker(path.join(this.distDir, 'predictWorker.js'));
      this.worker = w;
      this.loadsInFlight = 0;
      w.on('message', (m: unknown) => {
        if (this.worker === w) this.onMessage(m);
      });
      w.on('error', (e) => {
        if (this.worker === w) this.fail(`prediction worker crashed: ${e.message}`);
      });
      w.on('exit', (code) => {
        if (this.worker === w) {
          this.worker = undefined;
          this.fail(`prediction worker exited (code ${code})`);
        }
      });
    }
    this.loadsInFlight++;
    const p = new Promise<LoadedMessage>((resolve, reject) => {
      this.loading = { resolve, reject };
    });
    const { backend, dtype } = computeSettings();
    this.post({ type: 'load', checkpoint, config, wasmDir: this.distDir, backend, dtype });
    return p;
  }

  run(
    batch: PredictRequest[],
    signal: AbortSignal,
    onStep: (step: number, of: number) => void,
  ): Promise<PuzzlePrediction[]> {
    if (!this.worker) return Promise.reject(new Error('no model is loaded'));
    const runId = this.nextRun++;
    return new Promise<PuzzlePrediction[]>((resolve, reject) => {
      this.runs.set(runId, { resolve, reject, onStep });
      signal.addEventListener('abort', () => this.post({ type: 'cancel', runId }), { once: true });
      this.post({ type: 'predict', runId, puzzles: batch, policy: this.policy() });
    });
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    this.fail('prediction worker stopped');
    if (w) void w.terminate();
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private fail(message: string): void {
    this.loading?.reject(new Error(message));
    this.loading = undefined;
    for (const r of this.runs.values()) r.reject(new Error(message));
    this.runs.clear();
  }

  private onMessage(raw: unknown): void {
    if (!isFromWorker(raw)) {
      this.log(`prediction worker sent an unrecognised message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    const m: FromWorker = raw;
    switch (m.type) {
      case 'loaded':
        if (--this.loadsInFlight > 0) return; // the answer to a superseded load
        this.loading?.resolve(m);
        this.loading = undefined;
        return;
      case 'loadError':
        if (--this.loadsInFlight > 0) return;
        this.loading?.reject(new Error(m.message));
        this.loading = undefined;
        return;
      case 'step':
        this.runs.get(m.runId)?.onStep(m.step, m.of);
        return;
      case 'result':
        this.runs.get(m.runId)?.resolve(m.results);
        this.runs.delete(m.runId);
        return;
      case 'cancelled':
        this.runs.get(m.runId)?.reject(new Error('cancelled'));
        this.runs.delete(m.runId);
        return;
      case 'runError':
        if (m.runId < 0) this.log(m.message);
        this.runs.get(m.runId)?.reject(new Error(m.message));
        this.runs.delete(m.runId);
        return;
    }
  }
}
