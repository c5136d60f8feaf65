// Decides what the prediction worker runs, and when, while the user types:
//  - debounced per source (document): a burst of edits produces one update after `delayMs` quiet;
//  - only puzzles whose content key is not cached run (the key hashes tokens + identifier + model,
//    so editing labels, whitespace or one puzzle among a thousand re-runs nothing else);
//  - one batch at a time; a running batch whose puzzles are mostly no longer wanted (edited away,
//    scrolled out, document closed) is cancelled, and what is still wanted runs next;
//  - results stay cached (bounded, oldest first out) so scrolling back costs nothing.
// Pure logic with an injectable clock and predictor: unit-tested with fakes, driven by the real
// worker client in the extension.

import { type PuzzlePrediction, errorPrediction } from './prediction';
import type { PredictRequest } from './puzzleSpec';

export interface Clock {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realClock: Clock = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export interface Predictor {
  /** Runs one batch. Rejects on failure; after `signal` aborts it may resolve or reject (either is ignored). */
  run(
    batch: PredictRequest[],
    signal: AbortSignal,
    onStep: (step: number, of: number) => void,
  ): Promise<PuzzlePrediction[]>;
}

export interface SchedulerProgress {
  /** Wanted puzzles that have a result. */
  done: number;
  /** Wanted puzzles (all sources). */
  total: number;
  /** Puzzles in the running batch (0 = idle). */
  running: number;
  step?: { step: number; of: number };
}

export interface SchedulerOptions {
  delayMs: number;
  batchSize: number;
  clock?: Clock;
  /** Results kept (default 5000). */
  cacheSize?: number;
  onResults?: (results: PuzzlePrediction[]) => void;
  onProgress?: (p: SchedulerProgress) => void;
  /** A batch failed (not cancelled); its puzzles get the message as their result. */
  onError?: (message: string) => void;
}

interface Running {
  keys: Set<string>;
  ctrl: AbortController;
}

export class PredictionScheduler {
  private readonly wanted = new Map<string, PredictRequest[]>();
  private readonly timers = new Map<string, unknown>();
  private readonly cache = new Map<string, PuzzlePrediction>();
  private running: Running | undefined;
  private predictor: Predictor | undefined;
  private readonly clock: Clock;
  private disposed = false;
  /** Counters for tests and the status tooltip. */
  readonly stats = { runs: 0, cancelled: 0, predicted: 0 };

  constructor(private readonly opts: SchedulerOptions) {
    this.clock = opts.clock ?? realClock;
  }

  /** A new predictor (model) clears every result: keys include the model, but old errors must not linger. */
  setPredictor(p: Predictor | undefined): void {
    this.predictor = p;
    this.cache.clear();
    this.running?.ctrl.abort();
    this.pump();
  }

  /** What `source` wants predicted now, most important first; applied after the debounce delay. */
  update(source: string, reqs: PredictRequest[], opts: { immediate?: boolean } = {}): void {
    if (this.disposed) return;
    const t = this.timers.get(source);
    if (t !== undefined) this.clock.clear(t);
    const apply = () => {
      this.timers.delete(source);
      this.wanted.set(source, reqs);
      this.pump();
    };
    if (opts.immediate) apply();
    else this.timers.set(source, this.clock.set(apply, this.opts.delayMs));
  }

  /** Forgets a source (document closed); its running work becomes stale. */
  remove(source: string): void {
    const t = this.timers.get(source);
    if (t !== undefined) this.clock.clear(t);
    this.timers.delete(source);
    this.wanted.delete(source);
    this.pump();
  }

  /** Drops a cached result (e.g. to retry after an error). */
  forget(key: string): void {
    this.cache.delete(key);
  }

  get(key: string): PuzzlePrediction | undefined {
    return this.cache.get(key);
  }

  isRunning(key: string): boolean {
    return !!this.running?.keys.has(key);
  }

  progress(): SchedulerProgress {
    const keys = this.wantedKeys();
    let done = 0;
    for (const k of keys) if (this.cache.has(k)) done++;
    return { done, total: keys.size, running: this.running?.keys.size ?? 0 };
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) this.clock.clear(t);
    this.timers.clear();
    this.wanted.clear();
    this.running?.ctrl.abort();
  }

  private wantedKeys(): Set<string> {
    const s = new Set<string>();
    for (const reqs of this.wanted.values()) for (const r of reqs) s.add(r.key);
    return s;
  }

  private nextBatch(): PredictRequest[] {
    const batch: PredictRequest[] = [];
    const seen = new Set<string>();
    for (const reqs of this.wanted.values()) {
      for (const r of reqs) {
        if (this.cache.has(r.key) || seen.has(r.key)) continue;
        seen.add(r.key);
        batch.push(r);
        if (batch.length >= this.opts.batchSize) return batch;
      }
    }
    return batch;
  }

  private store(results: PuzzlePrediction[]): void {
    for (const r of results) {
      this.cache.delete(r.key);
      this.cache.set(r.key, r);
    }
    const max = this.opts.cacheSize ?? 5000;
    for (const k of this.cache.keys()) {
      if (this.cache.size <= max) break;
      this.cache.delete(k);
    }
    this.stats.predicted += results.length;
    this.opts.onResults?.(results);
  }

  private pump(): void {
    if (this.disposed) return;
    const wanted = this.wantedKeys();
    if (this.running) {
      let stale = 0;
      for (const k of this.running.keys) if (!wanted.has(k)) stale++;
      if (stale * 2 > this.running.keys.size && !this.running.ctrl.signal.aborted) {
        this.running.ctrl.abort();
        this.stats.cancelled++;
      }
      this.opts.onProgress?.(this.progress());
      return;
    }
    const predictor = this.predictor;
    const batch = predictor ? this.nextBatch() : [];
    if (!predictor || batch.length === 0) {
      this.opts.onProgress?.(this.progress());
      return;
    }
    const run: Running = { keys: new Set(batch.map((r) => r.key)), ctrl: new AbortController() };
    this.running = run;
    this.stats.runs++;
    this.opts.onProgress?.(this.progress());
    const onStep = (step: number, of: number) => {
      if (this.running === run) this.opts.onProgress?.({ ...this.progress(), step: { step, of } });
    };
    predictor
      .run(batch, run.ctrl.signal, onStep)
      .then(
        (results) => {
          if (!run.ctrl.signal.aborted && !this.disposed) this.store(results);
        },
        (e: unknown) => {
          if (run.ctrl.signal.aborted || this.disposed) return;
          const msg = e instanceof Error ? e.message : String(e);
          this.opts.onError?.(msg);
          this.store(batch.map((r) => errorPrediction(r.key, `prediction failed: ${msg}`)));
        },
      )
      .finally(() => {
        if (this.running === run) this.running = undefined;
        this.pump();
      });
  }
}
