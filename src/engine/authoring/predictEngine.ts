// The one authoring module that touches engine implementations: loads a checkpoint, builds the
// model and opens its inference path (the native ONNX Runtime path when it loads, see
// src/engine/native/select.ts), and runs batches of puzzles through official evaluation episodes (fresh carry, up to
// N_sup = halt_max_steps steps), keeping every step's answer and q_halt per puzzle. Runs inside the
// prediction worker (off the extension host's main thread) and in plain Node tests.

import type { BackendInfo } from '../backend';
import { loadCheckpoint, type LoadedCheckpoint } from '../checkpoint';
import { type DtypeChoice, type InferencePath, type NativeMode, openInference, withDtype } from '../native/select';
import type { TrmConfig } from '../config';
import { TrmModel } from '../model/trm';
import { runEpisode } from '../trace/episode';
import type { TaskKind } from './locate';
import { type HaltPolicy, type PuzzlePrediction, type StepSummary, encodeDelta, errorPrediction } from './prediction';
import type { PredictRequest } from './puzzleSpec';

export interface ModelInfo {
  checkpoint: string;
  configSource: string;
  /** S (grid length without the puzzle prefix); 0 = any (attention models without learned positions). */
  seqLen: number;
  vocabSize: number;
  numPuzzleIdentifiers: number;
  /** N_sup. */
  haltMaxSteps: number;
  /** What the vocabulary says the model was trained on. */
  task: TaskKind | 'unknown';
  parameterCount: number;
  warnings: string[];
}

export interface PredictOptions {
  policy: HaltPolicy;
  signal?: AbortSignal;
  /** After every supervision step of the batch. */
  onStep?: (step: number, of: number) => void;
}

/** How a session computes: the TF.js backend in use, the native mode and the dtype (default: TF.js only, the checkpoint's dtype). */
export interface SessionInference {
  backend?: BackendInfo;
  native?: NativeMode;
  dtype?: DtypeChoice;
}

const TASK_BY_VOCAB: Record<number, TaskKind> = { 11: 'sudoku', 6: 'maze', 12: 'arc' };
const TASK_NAMES: Record<TaskKind, string> = {
  sudoku: 'Sudoku (81 cells)',
  maze: 'maze (30x30)',
  arc: 'ARC (30x30 canvas)',
};

/** Why the early stop happened: every row halted (policy 'first'); not an error. */
const ALL_HALTED = Symbol('all rows halted');

export class PredictSession {
  private readonly models = new Map<number, Promise<{ model: TrmModel; inference: InferencePath }>>();

  private constructor(
    private readonly loaded: LoadedCheckpoint,
    readonly info: ModelInfo,
    private readonly inferenceOpts: SessionInference,
  ) {}

  static load(checkpoint: string, configPath?: string, inference: SessionInference = {}): PredictSession {
    const loaded = loadCheckpoint(checkpoint, { configPath });
    const c = withDtype(loaded.config, inference.dtype);
    return new PredictSession(
      { ...loaded, config: c },
      {
        checkpoint: loaded.path,
        configSource: loaded.configSource,
        seqLen: c.seq_len,
        vocabSize: c.vocab_size,
        numPuzzleIdentifiers: c.num_puzzle_identifiers,
        haltMaxSteps: c.halt_max_steps,
        task: TASK_BY_VOCAB[c.vocab_size] ?? 'unknown',
        parameterCount: loaded.parameterCount,
        warnings: loaded.warnings,
      },
      inference,
    );
  }

  /** Why a request cannot run on this model, in words the author can act on. */
  mismatch(req: PredictRequest): string | undefined {
    const { seqLen, vocabSize, numPuzzleIdentifiers, task } = this.info;
    const trained = task === 'unknown' ? '' : ` (trained on ${TASK_NAMES[task]})`;
    if (seqLen > 0 && req.inputs.length !== seqLen)
      return `model expects ${seqLen} tokens per puzzle${trained}, this puzzle has ${req.inputs.length}`;
    for (let i = 0; i < req.inputs.length; i++) {
      const v = req.inputs[i];
      if (v < 0 || v >= vocabSize)
        return `token ${v} at position ${i} is outside the model's vocabulary of ${vocabSize}${trained}`;
    }
    if (
      !Number.isInteger(req.puzzleIdentifier) ||
      req.puzzleIdentifier < 0 ||
      req.puzzleIdentifier >= numPuzzleIdentifiers
    ) {
      return `puzzle identifier ${req.puzzleIdentifier} is outside the model's ${numPuzzleIdentifiers} embedding rows`;
    }
    return undefined;
  }

  /** The model for puzzles of `seqLen` cells and its inference path (opened once per length). */
  private modelFor(seqLen: number): Promise<{ model: TrmModel; inference: InferencePath }> {
    let m = this.models.get(seqLen);
    if (!m) {
      const config: TrmConfig = { ...this.loaded.config, seq_len: seqLen };
      const model = TrmModel.fromWeights(config, this.loaded.weights);
      const { backend, native = 'off' } = this.inferenceOpts;
      const opened = backend
        ? openInference(model, { mode: native, backend })
        : Promise.resolve<InferencePath>({ name: 'tfjs', description: 'TF.js', skipped: [] });
      m = opened.then(
        (inference) => ({ model, inference }),
        (e: unknown) => {
          model.dispose();
          this.models.delete(seqLen);
          throw e;
        },
      );
      this.models.set(seqLen, m);
    }
    return m;
  }

  /**
   * How this session computes (for the model's own sequence length; opened now, so the first
   * prediction does not pay for it). Rejects when a forced native path cannot be used.
   */
  async inference(): Promise<InferencePath> {
    if (this.info.seqLen > 0) return (await this.modelFor(this.info.seqLen)).inference;
    const { backend } = this.inferenceOpts;
    return { name: backend?.name ?? 'tfjs', description: backend?.description ?? 'TF.js', skipped: [] };
  }

  /** Runs the requests (one batch per sequence length); results in request order. */
  async predict(reqs: readonly PredictRequest[], opts: PredictOptions): Promise<PuzzlePrediction[]> {
    const out: (PuzzlePrediction | undefined)[] = reqs.map((r) => {
      const why = this.mismatch(r);
      return why ? errorPrediction(r.key, why) : undefined;
    });
    const byLen = new Map<number, number[]>();
    reqs.forEach((r, i) => {
      if (!out[i]) byLen.set(r.inputs.length, [...(byLen.get(r.inputs.length) ?? []), i]);
    });
    for (const [S, rows] of byLen) {
      const results = await this.runBatch(
        rows.map((i) => reqs[i]),
        S,
        opts,
      );
      rows.forEach((i, k) => {
        out[i] = results[k];
      });
    }
    return out as PuzzlePrediction[];
  }

  private async runBatch(reqs: PredictRequest[], S: number, opts: PredictOptions): Promise<PuzzlePrediction[]> {
    const { model, inference } = await this.modelFor(S);
    const V = model.config.vocab_size;
    const K = model.config.halt_max_steps;
    const B = reqs.length;
    const inputs = new Int32Array(B * S);
    reqs.forEach((r, b) => inputs.set(r.inputs, b * S));
    const rows = reqs.map(() => ({
      steps: [] as StepSummary[],
      deltas: [] as Int32Array[],
      prev: undefined as Int32Array | undefined,
      haltStep: null as number | null,
      done: false,
      confidence: new Float32Array(S) as Float32Array,
    }));
    const stop = new AbortController();
    const onOuterAbort = () => stop.abort(opts.signal?.reason ?? new Error('prediction cancelled'));
    if (opts.signal?.aborted) onOuterAbort();
    opts.signal?.addEventListener('abort', onOuterAbort);
    try {
      await runEpisode(
        model,
        { inputs, puzzleIdentifiers: Int32Array.from(reqs.map((r) => r.puzzleIdentifier)) },
        {
          keepLogits: false,
          signal: stop.signal,
          runner: inference.runner,
          onStep: async (info) => {
            for (let b = 0; b < B; b++) {
              const row = rows[b];
              if (row.done) continue;
              const preds = info.preds.slice(b * S, (b + 1) * S);
              const delta = encodeDelta(row.prev, preds);
              const qHalt = info.qHalt[b];
              row.steps.push({ step: info.step, qHalt, changed: delta.length / 2 });
              row.deltas.push(delta);
              row.prev = preds;
              if (row.haltStep === null && qHalt > 0) row.haltStep = info.step;
              const last = info.step === K || (opts.policy === 'first' && row.haltStep !== null);
              if (last) {
                row.done = true;
                row.confidence = confidences(info.logits, b, S, V);
              }
            }
            opts.onStep?.(info.step, K);
            // Yield to the event loop so a cancel message reaches the worker between steps.
            await new Promise((r) => setImmediate(r));
            if (rows.every((r) => r.done) && info.step < K) stop.abort(ALL_HALTED);
          },
        },
      );
    } catch (e) {
      if (e !== ALL_HALTED) throw e;
    } finally {
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
    return reqs.map((r, b) => ({
      key: r.key,
      steps: rows[b].steps,
      haltStep: rows[b].haltStep,
      usedStep: rows[b].steps.length,
      deltas: rows[b].deltas,
      confidence: rows[b].confidence,
    }));
  }

  dispose(): void {
    for (const m of this.models.values())
      void m.then(
        ({ model, inference }) => {
          inference.runner?.dispose();
          model.dispose();
        },
        () => undefined,
      );
    this.models.clear();
  }
}

/** Softmax probability of the argmax token per cell of batch row b. */
function confidences(logits: Float32Array, b: number, S: number, V: number): Float32Array {
  const out = new Float32Array(S);
  for (let i = 0; i < S; i++) {
    const base = (b * S + i) * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[base + v]);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(logits[base + v] - max);
    out[i] = 1 / sum;
  }
  return out;
}
