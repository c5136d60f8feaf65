// Lazy recursion trace of one puzzle (implements PuzzleTrace). Memory stays bounded even for 30x30
// ARC (T = 916): it keeps the embedded question x as a tensor and the state at every step boundary as
// host arrays, and recomputes the inside of a step on demand from the boundary before it (a small
// LRU of expanded steps, plus the layer states of the last update asked about). The same TF.js ops on
// the same inputs give the same bits, so recomputed states equal a straight full recording.
// Every read-back is asynchronous (a GPU backend cannot read synchronously): even the initial state
// is downloaded on the first request, not in the constructor. The trace computes on the TF.js backend
// that was current when it was created, even if another session of the same process switches the
// global backend meanwhile (moving its tensors to another backend would need a synchronous read).

import * as tf from '@tensorflow/tfjs-core';
import type { DerivedSizes, TrmConfig } from '../config';
import { validateBatch } from '../model/act';
import { argmaxRows } from '../model/losses';
import type { RecursionTensors, TrmModel } from '../model/trm';
import type { StepRun, StepRunner } from '../native/stepRunner';
import {
  PuzzleInput,
  PuzzleTrace,
  RecursionState,
  StepOutputs,
  UpdateRef,
  describeUpdate,
  updateOrdinal,
} from './types';

export interface PuzzleTraceOptions {
  /** Expanded steps (every update's state) kept at once; default 2. */
  cachedSteps?: number;
  /** Computes steps and updates instead of the model's TF.js ops (the model still embeds x). */
  runner?: StepRunner;
}

interface Boundary {
  state: RecursionState;
  outputs?: StepOutputs; // absent for the initial state
}

/** One expanded step: the output of every update, in order (a z update's new z, a y update's new y). */
interface ExpandedStep {
  outputs: Float32Array[];
}

export function createPuzzleTrace(model: TrmModel, puzzle: PuzzleInput, opts: PuzzleTraceOptions = {}): PuzzleTrace {
  return new LazyPuzzleTrace(model, puzzle, opts);
}

class LazyPuzzleTrace implements PuzzleTrace {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: PuzzleInput;
  private xTensor: tf.Tensor3D | undefined;
  private readonly boundaries: Boundary[] = [];
  private readonly expanded = new Map<number, ExpandedStep>(); // insertion order = LRU order
  private layerCache: { key: string; layers: Float32Array[] } | undefined;
  private readonly cachedSteps: number;
  private readonly runner?: StepRunner;
  private xHost?: Float32Array;
  private queue: Promise<unknown> = Promise.resolve();
  /** y = H_init, z = L_init until the first request downloads them into boundaries[0]. */
  private pendingInit: RecursionTensors | undefined;
  /** The TF.js backend the model's tensors and x live on. */
  private readonly backendName = tf.getBackend();

  constructor(
    private readonly model: TrmModel,
    puzzle: PuzzleInput,
    opts: PuzzleTraceOptions,
  ) {
    this.config = model.config;
    this.derived = model.derived;
    const S = this.config.seq_len;
    if (puzzle.labels && puzzle.labels.length !== S)
      throw new Error(`puzzle labels have ${puzzle.labels.length} cells, the model expects seq_len ${S}`);
    validateBatch(
      this.config,
      { inputs: puzzle.inputs, puzzleIdentifiers: Int32Array.of(puzzle.puzzleIdentifier), labels: puzzle.labels },
      'puzzle',
    );
    this.puzzle = {
      inputs: Int32Array.from(puzzle.inputs),
      puzzleIdentifier: puzzle.puzzleIdentifier,
      labels: puzzle.labels ? Int32Array.from(puzzle.labels) : undefined,
    };
    this.cachedSteps = Math.max(1, opts.cachedSteps ?? 2);
    this.runner = opts.runner;
    this.xTensor = tf.tidy(() =>
      model.embed(tf.tensor2d(this.puzzle.inputs, [1, S], 'int32'), Int32Array.of(puzzle.puzzleIdentifier)),
    );
    this.pendingInit = model.initialState(1);
  }

  get computedSteps(): number {
    return Math.max(0, this.boundaries.length - 1);
  }

  /** Serialises work: callers may interleave awaits, the caches must not. */
  private run<R>(fn: () => Promise<R>): Promise<R> {
    const guarded = async () => {
      if (!this.xTensor) throw new Error('puzzle trace used after dispose()');
      if (tf.getBackend() !== this.backendName) await tf.setBackend(this.backendName);
      await this.ensureInit();
      return fn();
    };
    const next = this.queue.then(guarded, guarded);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ensureInit(): Promise<void> {
    const init = this.pendingInit;
    if (!init) return;
    // A failed read leaves the tensors pending: the next request fails the same way, with the same error.
    const [y, z] = await Promise.all([init.y.data(), init.z.data()]);
    this.boundaries.push({
      state: { y: Float32Array.from(y as Float32Array), z: Float32Array.from(z as Float32Array) },
    });
    this.pendingInit = undefined;
    tf.dispose([init.y, init.z]);
  }

  private get xT(): tf.Tensor3D {
    if (!this.xTensor) throw new Error('puzzle trace used after dispose()');
    return this.xTensor;
  }

  private checkStep(step: number): void {
    const K = this.config.halt_max_steps;
    if (!Number.isInteger(step) || step < 1 || step > K)
      throw new Error(`step ${step} is outside 1..${K} (halt_max_steps)`);
  }

  x(): Promise<Float32Array> {
    return this.run(async () => Float32Array.from((await this.xT.data()) as Float32Array));
  }

  initialState(): Promise<RecursionState> {
    return this.run(async () => copyState(this.boundaries[0].state));
  }

  stepOutputs(step: number): Promise<StepOutputs> {
    return this.run(async () => {
      this.checkStep(step);
      await this.ensureBoundary(step);
      return copyOutputs(this.boundaries[step].outputs as StepOutputs);
    });
  }

  stepState(step: number): Promise<RecursionState> {
    return this.run(async () => {
      this.checkStep(step);
      await this.ensureBoundary(step);
      return copyState(this.boundaries[step].state);
    });
  }

  stateAfter(ref: UpdateRef): Promise<RecursionState> {
    return this.run(async () => {
      const ordinal = this.checkRef(ref);
      await this.ensureBoundary(ref.step - 1);
      const exp = await this.expand(ref.step);
      if (ref.layer === undefined) return copyState(this.stateInside(ref.step, exp, ordinal));
      const layers = await this.layerStates(ref, ordinal, exp);
      const before = this.stateInside(ref.step, exp, ordinal - 1);
      const h = Float32Array.from(layers[ref.layer - 1]);
      return ref.kind === 'z' ? { y: Float32Array.from(before.y), z: h } : { y: h, z: Float32Array.from(before.z) };
    });
  }

  dispose(): void {
    this.xTensor?.dispose();
    this.xTensor = undefined;
    if (this.pendingInit) tf.dispose([this.pendingInit.y, this.pendingInit.z]);
    this.pendingInit = undefined;
    this.expanded.clear();
    this.layerCache = undefined;
    this.boundaries.length = 0;
  }

  private checkRef(ref: UpdateRef): number {
    this.checkStep(ref.step);
    const c = this.config;
    const where = describeUpdate(ref);
    if (!Number.isInteger(ref.cycle) || ref.cycle < 1 || ref.cycle > c.H_cycles)
      throw new Error(`${where}: cycle must be in 1..${c.H_cycles} (H_cycles)`);
    if (ref.kind === 'z' && (!Number.isInteger(ref.index) || ref.index < 1 || ref.index > c.L_cycles))
      throw new Error(`${where}: z index must be in 1..${c.L_cycles} (L_cycles)`);
    if (ref.kind === 'y' && ref.index !== 0) throw new Error(`${where}: a y update has index 0`);
    if (ref.kind !== 'z' && ref.kind !== 'y') throw new Error(`${where}: kind must be "z" or "y"`);
    if (ref.layer !== undefined && (!Number.isInteger(ref.layer) || ref.layer < 1 || ref.layer > c.L_layers))
      throw new Error(`${where}: layer must be in 1..${c.L_layers} (L_layers)`);
    return updateOrdinal(c, ref);
  }

  /** State after update `ordinal` of `step` (-1 = the boundary before the step). */
  private stateInside(step: number, exp: ExpandedStep, ordinal: number): RecursionState {
    const start = this.boundaries[step - 1].state;
    let y = start.y,
      z = start.z;
    const per = this.config.L_cycles + 1;
    for (let k = 0; k <= ordinal; k++) {
      if (k % per === this.config.L_cycles) y = exp.outputs[k];
      else z = exp.outputs[k];
    }
    return { y, z };
  }

  private toTensors(s: RecursionState): RecursionTensors {
    const shape: [number, number, number] = [1, this.derived.totalSeqLen, this.config.hidden_size];
    return { y: tf.tensor3d(s.y, shape), z: tf.tensor3d(s.z, shape) };
  }

  /** Computes steps up to `step` (boundaries only). */
  private async ensureBoundary(step: number): Promise<void> {
    while (this.boundaries.length <= step) await this.runStep(this.boundaries.length, false);
  }

  private async expand(step: number): Promise<ExpandedStep> {
    const hit = this.expanded.get(step);
    if (hit) {
      this.expanded.delete(step);
      this.expanded.set(step, hit);
      return hit;
    }
    return this.runStep(step, true) as Promise<ExpandedStep>;
  }

  /** x on the host, for a runner (downloaded once). */
  private async hostX(): Promise<Float32Array> {
    this.xHost ??= Float32Array.from((await this.xT.data()) as Float32Array);
    return this.xHost;
  }

  /** Records a step's results: the boundary after it (once) and, when recorded, its expansion. */
  private keepStep(step: number, r: StepRun, record: boolean): ExpandedStep | undefined {
    if (this.boundaries.length === step) {
      this.boundaries.push({
        state: { y: r.y, z: r.z },
        outputs: this.outputsFor(step, r.logits, r.qHalt[0], r.qContinue[0], r.y, r.z),
      });
    }
    if (!record) return undefined;
    const exp = { outputs: r.updates ?? [] };
    this.expanded.set(step, exp);
    while (this.expanded.size > this.cachedSteps) this.expanded.delete(this.expanded.keys().next().value as number);
    return exp;
  }

  /** Runs step `step` from the boundary before it; records the boundary after it, and every update if asked. */
  private async runStep(step: number, record: boolean): Promise<ExpandedStep | undefined> {
    if (this.runner) {
      const r = await this.runner.step(this.boundaries[step - 1].state, await this.hostX(), 1, { updates: record });
      return this.keepStep(step, r, record);
    }
    const start = this.toTensors(this.boundaries[step - 1].state);
    const kept: tf.Tensor[] = [];
    let out;
    try {
      out = this.model.step(
        start,
        this.xT,
        record
          ? {
              // Clones share the data: the download happens after the (synchronous) step.
              onUpdate: (u, st) => {
                kept.push(tf.keep(tf.clone(u.kind === 'z' ? st.z : st.y)));
              },
            }
          : {},
      );
    } catch (e) {
      kept.forEach((t) => t.dispose());
      throw e;
    } finally {
      start.y.dispose();
      start.z.dispose();
    }
    try {
      const updates: Float32Array[] = [];
      for (const t of kept) updates.push(Float32Array.from((await t.data()) as Float32Array));
      const r: StepRun = {
        y: Float32Array.from((await out.state.y.data()) as Float32Array),
        z: Float32Array.from((await out.state.z.data()) as Float32Array),
        logits: Float32Array.from((await out.logits.data()) as Float32Array),
        qHalt: Float32Array.from(await out.qHalt.data()),
        qContinue: Float32Array.from(await out.qContinue.data()),
        updates,
      };
      return this.keepStep(step, r, record);
    } finally {
      kept.forEach((t) => t.dispose());
      out.state.y.dispose();
      out.state.z.dispose();
      out.logits.dispose();
      out.qHalt.dispose();
      out.qContinue.dispose();
    }
  }

  /** States after every layer of one update, recomputed from the update's input state. */
  private async layerStates(ref: UpdateRef, ordinal: number, exp: ExpandedStep): Promise<Float32Array[]> {
    const key = `${ref.step}:${ordinal}`;
    if (this.layerCache?.key === key) return this.layerCache.layers;
    if (this.runner) {
      const s = this.stateInside(ref.step, exp, ordinal - 1);
      const layers =
        ref.kind === 'z'
          ? await this.runner.update(s.z, s.y, await this.hostX(), 1)
          : await this.runner.update(s.y, s.z, new Float32Array(s.z.length), 1);
      this.layerCache = { key, layers };
      return layers;
    }
    const input = this.toTensors(this.stateInside(ref.step, exp, ordinal - 1));
    const kept: tf.Tensor[] = [];
    const hook = (_layer: number, h: tf.Tensor3D) => {
      kept.push(tf.keep(tf.clone(h)));
    };
    let result: tf.Tensor3D | undefined;
    try {
      result =
        ref.kind === 'z'
          ? this.model.zUpdate(input.z, input.y, this.xT, hook)
          : this.model.yUpdate(input.y, input.z, hook);
      const layers: Float32Array[] = [];
      for (const t of kept) layers.push(Float32Array.from((await t.data()) as Float32Array));
      this.layerCache = { key, layers };
      return layers;
    } finally {
      kept.forEach((t) => t.dispose());
      result?.dispose();
      input.y.dispose();
      input.z.dispose();
    }
  }

  private outputsFor(
    step: number,
    logits: Float32Array,
    qHalt: number,
    qContinue: number,
    y: Float32Array,
    z: Float32Array,
  ): StepOutputs {
    const V = this.config.vocab_size;
    const S = this.config.seq_len;
    const preds = argmaxRows(logits, V);
    const confidence = new Float32Array(S);
    for (let i = 0; i < S; i++) {
      const o = i * V;
      let m = -Infinity;
      for (let k = 0; k < V; k++) m = Math.max(m, logits[o + k]);
      let sum = 0;
      for (let k = 0; k < V; k++) sum += Math.exp(logits[o + k] - m);
      confidence[i] = Math.exp(logits[o + preds[i]] - m) / sum;
    }
    const prev = step > 1 ? this.boundaries[step - 1].outputs?.preds : undefined;
    const changedCells: number[] = [];
    for (let i = 0; i < S; i++) {
      if (prev ? prev[i] !== preds[i] : this.puzzle.inputs[i] !== 0) changedCells.push(i);
    }
    const out: StepOutputs = {
      step,
      logits,
      preds,
      confidence,
      qHalt,
      qContinue,
      haltProbability: 1 / (1 + Math.exp(-qHalt)),
      wouldHalt: qHalt > 0,
      changedCells,
      nonFinite:
        !allFinite(y) || !allFinite(z) || !allFinite(logits) || !Number.isFinite(qHalt) || !Number.isFinite(qContinue),
    };
    const labels = this.puzzle.labels;
    if (labels) {
      const wrong: number[] = [];
      let count = 0;
      for (let i = 0; i < S; i++) {
        if (labels[i] === 0) continue; // PAD / ignore_label_id
        count++;
        if (preds[i] !== labels[i]) wrong.push(i);
      }
      if (count > 0) {
        out.correct = wrong.length === 0;
        out.accuracy = (count - wrong.length) / count;
        out.wrongCells = wrong;
      }
    }
    return out;
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function copyState(s: RecursionState): RecursionState {
  return { y: Float32Array.from(s.y), z: Float32Array.from(s.z) };
}

function copyOutputs(o: StepOutputs): StepOutputs {
  const copy: StepOutputs = {
    ...o,
    logits: Float32Array.from(o.logits),
    preds: Int32Array.from(o.preds),
    confidence: Float32Array.from(o.confidence),
    changedCells: [...o.changedCells],
  };
  if (o.wrongCells) copy.wrongCells = [...o.wrongCells];
  return copy;
}
