// StepRunner on ONNX Runtime's CPU execution provider (MLAS kernels: AVX2/FMA or AVX-512 where the
// CPU has them, NEON on arm64, its own thread pool). One ONNX graph per supervision step with every
// update's and every inner layer's state as optional outputs (fetched only when a trace asks), plus
// a one-application graph for the debugger's layer view, built on first use. Both are generated from
// the TrmModel's own config and weights (trmGraph.ts); the model is not changed or kept alive by it.

import type * as Ort from 'onnxruntime-common';
import type { TrmModel } from '../model/trm';
import { defaultThreads } from '../backend';
import type { OrtModule } from './ortLoader';
import type { HostState, StepRun, StepRunOptions, StepRunner } from './stepRunner';
import {
  STEP_OUT,
  UPDATE_OUT,
  buildStepGraph,
  buildUpdateGraph,
  type GraphOptions,
  type WeightSource,
} from './trmGraph';

export interface OrtRunnerOptions {
  /** Intra-op threads (default min(4, cores), like the wasm backend). */
  threads?: number;
  /**
   * Let idle pool threads spin between operators (ONNX Runtime's default). Off by default: on a
   * shared or busy machine spinning threads take cores from the thread doing the work (measured in
   * bench/RESULTS.md); on idle cores it saves a few microseconds per operator.
   */
  spinning?: boolean;
  /** Graph layout variants, for benchmarks (trmGraph.ts GraphOptions). */
  graph?: Omit<GraphOptions, 'dtype'>;
}

export class OrtStepRunner implements StepRunner {
  readonly name = 'onnxruntime';
  readonly description: string;
  private updateSession?: Promise<Ort.InferenceSession>;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;

  private constructor(
    private readonly ort: OrtModule,
    private readonly model: TrmModel,
    private readonly stepSession: Ort.InferenceSession,
    private readonly sessionOptions: Ort.InferenceSession.SessionOptions,
    private readonly graphOptions: GraphOptions,
    readonly threads: number,
    version: string,
  ) {
    const t = threads === 1 ? '1 thread' : `${threads} threads`;
    this.description = `ONNX Runtime ${version} on the CPU (${t}, ${model.precision.dtype})`;
  }

  get dtype() {
    return this.model.precision.dtype;
  }

  static async create(
    ort: OrtModule,
    version: string,
    model: TrmModel,
    opts: OrtRunnerOptions = {},
  ): Promise<OrtStepRunner> {
    const threads = opts.threads ?? defaultThreads();
    if (!Number.isInteger(threads) || threads < 1)
      throw new Error(`threads must be a positive integer (got ${String(threads)})`);
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      extra: { session: { intra_op: { allow_spinning: opts.spinning ? '1' : '0' } } },
    };
    const graphOptions: GraphOptions = { ...opts.graph, dtype: model.precision.dtype };
    const bytes = buildStepGraph(model.config, weightSource(model), graphOptions);
    const session = await ort.InferenceSession.create(bytes, sessionOptions);
    return new OrtStepRunner(ort, model, session, sessionOptions, graphOptions, threads, version);
  }

  /** Serialises runs: ONNX Runtime's Node binding blocks the thread while it computes anyway. */
  private serial<R>(fn: () => Promise<R>): Promise<R> {
    const guarded = () => {
      if (this.disposed) throw new Error('ONNX Runtime step runner used after dispose()');
      return fn();
    };
    const next = this.queue.then(guarded, guarded);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private dims(batch: number): number[] {
    return [batch, this.model.derived.totalSeqLen, this.model.config.hidden_size];
  }

  private tensor(name: string, data: Float32Array, batch: number): Ort.Tensor {
    const dims = this.dims(batch);
    const n = dims[0] * dims[1] * dims[2];
    if (data.length !== n) throw new Error(`${name} has ${data.length} values, expected [${dims.join(', ')}] = ${n}`);
    return new this.ort.Tensor('float32', data, dims);
  }

  step(state: HostState, x: Float32Array, batch: number, opts: StepRunOptions = {}): Promise<StepRun> {
    return this.serial(async () => {
      const c = this.model.config;
      const U = c.H_cycles * (c.L_cycles + 1);
      const fetches: string[] = [STEP_OUT.y, STEP_OUT.z, STEP_OUT.logits, STEP_OUT.q];
      if (opts.updates) for (let k = 0; k < U; k++) fetches.push(STEP_OUT.update(k));
      if (opts.layers)
        for (let k = 0; k < U; k++) for (let l = 1; l < c.L_layers; l++) fetches.push(STEP_OUT.layer(k, l));
      const out = await this.stepSession.run(
        { y: this.tensor('y', state.y, batch), z: this.tensor('z', state.z, batch), x: this.tensor('x', x, batch) },
        fetches,
      );
      const f = (name: string) => out[name].data as Float32Array;
      const q = f(STEP_OUT.q);
      const qHalt = new Float32Array(batch),
        qContinue = new Float32Array(batch);
      for (let b = 0; b < batch; b++) {
        qHalt[b] = q[2 * b];
        qContinue[b] = q[2 * b + 1];
      }
      const run: StepRun = { y: f(STEP_OUT.y), z: f(STEP_OUT.z), logits: f(STEP_OUT.logits), qHalt, qContinue };
      if (opts.updates) run.updates = Array.from({ length: U }, (_, k) => f(STEP_OUT.update(k)));
      if (opts.layers)
        run.layers = Array.from({ length: U }, (_, k) =>
          Array.from({ length: c.L_layers - 1 }, (_, l) => f(STEP_OUT.layer(k, l + 1))),
        );
      return run;
    });
  }

  update(h: Float32Array, a: Float32Array, b: Float32Array, batch: number): Promise<Float32Array[]> {
    return this.serial(async () => {
      this.updateSession ??= this.ort.InferenceSession.create(
        buildUpdateGraph(this.model.config, weightSource(this.model), this.graphOptions),
        this.sessionOptions,
      );
      const session = await this.updateSession;
      const out = await session.run({
        h: this.tensor('h', h, batch),
        a: this.tensor('a', a, batch),
        b: this.tensor('b', b, batch),
      });
      return Array.from(
        { length: this.model.config.L_layers },
        (_, l) => out[UPDATE_OUT.layer(l + 1)].data as Float32Array,
      );
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const update = this.updateSession;
    // After the run in flight, if any; a session that failed to build has nothing to release.
    void this.queue.then(async () => {
      await this.stepSession.release().catch(() => undefined);
      if (update) await update.then((s) => s.release()).catch(() => undefined);
    });
  }
}

/** The model's current parameter values (float32, torch layout) by canonical name. */
function weightSource(model: TrmModel): WeightSource {
  return (name) => {
    const v = model.params.get(name);
    return { shape: v.shape, data: v.dataSync() as Float32Array };
  };
}
