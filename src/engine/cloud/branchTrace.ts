// One branch of a trajectory cloud as a PuzzleTrace, so the debugger can adopt it and keep
// debugging: positions up to the fork point are the trunk's own (delegated, so stepping back past
// the fork returns the trunk's states bit for bit); after it, the branch recomputes itself with
// the same keyed noise as inside the cloud (one row; rows of a batch do not influence each other).
// Like the tracer it keeps only step-boundary states and re-expands a step on demand. A branch's
// trunk may itself be a branch: the debugger's history is a tree.

import * as tf from '@tensorflow/tfjs-core';
import type { DerivedSizes, TrmConfig } from '../config';
import { argmaxRows } from '../model/losses';
import type { RecursionTensors, TrmModel } from '../model/trm';
import {
  PuzzleInput,
  PuzzleTrace,
  RecursionState,
  StepOutputs,
  UpdateRef,
  describeUpdate,
  updateAt,
  updateOrdinal,
} from '../trace/types';
import { type Attribution, attributeCycle } from '../analysis/attribution';
import { type DecodedState, decodeState } from '../trace/decode';
import type { NoiseSpec } from './noise';
import { CloudStepper, ForkPoint, comparePositions, disposeState, nextPosition } from './stepper';

export interface BranchSpec {
  fork: ForkPoint;
  noise: NoiseSpec;
  branch: number;
  /** puzzleKey(puzzle id): the same key the cloud used. */
  puzzleKey: number;
}

interface Boundary {
  state: RecursionState;
  outputs: StepOutputs;
}

export class BranchTrace implements PuzzleTrace {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: PuzzleInput;
  private readonly U: number;
  private readonly stepper: CloudStepper;
  private readonly boundaries = new Map<number, Boundary>();
  private readonly expanded = new Map<number, RecursionState[]>(); // step -> shown states at ordinals (start+1..U-1)
  private forkState: RecursionState | undefined;
  private xt: tf.Tensor3D | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly backendName = tf.getBackend();
  private disposed = false;

  constructor(
    private readonly model: TrmModel,
    readonly trunk: PuzzleTrace,
    readonly spec: BranchSpec,
  ) {
    this.config = trunk.config;
    this.derived = trunk.derived;
    this.puzzle = trunk.puzzle;
    this.U = this.derived.updatesPerStep;
    if (spec.fork.ordinal < 0 || spec.fork.ordinal >= this.U)
      throw new Error(`a branch forks after an update (ordinal 0..${this.U - 1}), not at ${spec.fork.ordinal}`);
    this.stepper = new CloudStepper(model, [{ puzzle: spec.puzzleKey, branch: spec.branch }], spec.noise, spec.fork);
  }

  get computedSteps(): number {
    return Math.max(this.trunk.computedSteps, ...this.boundaries.keys());
  }

  /** Whether a position (step, ordinal) is the trunk's (at or before the fork). */
  onTrunk(step: number, ordinal: number): boolean {
    return comparePositions({ step, ordinal }, this.spec.fork) <= 0;
  }

  private run<R>(fn: () => Promise<R>): Promise<R> {
    const guarded = async () => {
      if (this.disposed) throw new Error('branch trace used after dispose()');
      if (tf.getBackend() !== this.backendName) await tf.setBackend(this.backendName);
      return fn();
    };
    const next = this.queue.then(guarded, guarded);
    this.queue = next.catch(() => undefined);
    return next;
  }

  x(): Promise<Float32Array> {
    return this.trunk.x();
  }
  initialState(): Promise<RecursionState> {
    return this.trunk.initialState();
  }

  private checkStep(step: number): void {
    const K = this.config.halt_max_steps;
    if (!Number.isInteger(step) || step < 1 || step > K)
      throw new Error(`step ${step} is outside 1..${K} (halt_max_steps)`);
  }

  stepOutputs(step: number): Promise<StepOutputs> {
    this.checkStep(step);
    if (this.onTrunk(step, this.U - 1)) return this.trunk.stepOutputs(step);
    return this.run(async () => copyOutputs((await this.boundary(step)).outputs));
  }

  stepState(step: number): Promise<RecursionState> {
    this.checkStep(step);
    if (this.onTrunk(step, this.U - 1)) return this.trunk.stepState(step);
    return this.run(async () => copyState((await this.boundary(step)).state));
  }

  stateAfter(ref: UpdateRef): Promise<RecursionState> {
    this.checkStep(ref.step);
    const ordinal = updateOrdinal(this.config, ref);
    if (this.onTrunk(ref.step, ordinal)) return this.trunk.stateAfter(ref);
    return this.run(async () => {
      const states = await this.expand(ref.step);
      const first = this.firstOrdinal(ref.step);
      const shown = states[ordinal - first];
      if (!shown) throw new Error(`${describeUpdate(ref)}: not a position of this branch`);
      if (ref.layer === undefined) return copyState(shown);
      if (ref.layer < 1 || ref.layer > this.config.L_layers)
        throw new Error(`${describeUpdate(ref)}: layer must be in 1..${this.config.L_layers} (L_layers)`);
      const before =
        ordinal - 1 < first - 1
          ? undefined
          : ordinal - 1 === first - 1
            ? await this.startOf(ref.step)
            : states[ordinal - 1 - first];
      const layers = await this.layers({ step: ref.step, ordinal }, before!);
      const h = layers[ref.layer - 1];
      return ref.kind === 'z' ? { y: Float32Array.from(before!.y), z: h } : { y: h, z: Float32Array.from(before!.z) };
    });
  }

  /** The model's heads on a state (noise plays no part in decoding). */
  decode(state: Float32Array): Promise<DecodedState> {
    return this.run(() => decodeState(this.model, state));
  }

  /** One noiseless application of net(z, y + x) (the fixed-point residual of settling diagnostics). */
  zNet(state: RecursionState): Promise<Float32Array> {
    return this.run(async () => {
      const input = this.toTensors(state);
      let out: tf.Tensor3D | undefined;
      try {
        out = this.model.zUpdate(input.z, input.y, await this.xTensor());
        return Float32Array.from((await out.data()) as Float32Array);
      } finally {
        out?.dispose();
        input.y.dispose();
        input.z.dispose();
      }
    });
  }

  /**
   * Attribution of a y revision on this branch: the trunk's where the whole cycle is the trunk's,
   * else the noiseless cycle's gradient from this branch's state at the cycle's start.
   */
  async attributeCycle(step: number, cycle: number, cell: number, target: number): Promise<Attribution> {
    this.checkStep(step);
    const n = this.config.L_cycles;
    const first = (cycle - 1) * (n + 1); // ordinal of the cycle's first z update
    if (this.onTrunk(step, first + n)) return this.trunk.attributeCycle(step, cycle, cell, target);
    const start =
      first > 0
        ? await this.stateAfter(updateAt(this.config, step, first - 1))
        : step > 1
          ? await this.stepState(step - 1)
          : await this.initialState();
    return this.run(async () => attributeCycle(this.model, await this.xTensor(), start, cell, target));
  }

  dispose(): void {
    this.disposed = true;
    this.xt?.dispose();
    this.xt = undefined;
    this.boundaries.clear();
    this.expanded.clear();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** First ordinal of `step` this branch computes itself. */
  private firstOrdinal(step: number): number {
    return step === this.spec.fork.step ? this.spec.fork.ordinal + 1 : 0;
  }

  private async xTensor(): Promise<tf.Tensor3D> {
    if (!this.xt) {
      const x = await this.trunk.x();
      this.xt = tf.tensor3d(x, [1, this.derived.totalSeqLen, this.config.hidden_size]);
    }
    return this.xt;
  }

  /** The shown state just before the branch's first update of `step` (the fork state, or the previous boundary). */
  private async startOf(step: number): Promise<RecursionState> {
    if (step === this.spec.fork.step) {
      if (!this.forkState) {
        const f = this.spec.fork;
        this.forkState = await this.trunk.stateAfter(updateAt(this.config, f.step, f.ordinal));
      }
      return this.forkState;
    }
    if (this.onTrunk(step - 1, this.U - 1)) return this.trunk.stepState(step - 1);
    return (await this.boundary(step - 1)).state;
  }

  private toTensors(s: RecursionState): RecursionTensors {
    const shape: [number, number, number] = [1, this.derived.totalSeqLen, this.config.hidden_size];
    return { y: tf.tensor3d(s.y, shape), z: tf.tensor3d(s.z, shape) };
  }

  private async boundary(step: number): Promise<Boundary> {
    const hit = this.boundaries.get(step);
    if (hit) return hit;
    await this.expand(step);
    return this.boundaries.get(step)!;
  }

  /** Shown states of every position the branch computes in `step` (and records the boundary after it). */
  private async expand(step: number): Promise<RecursionState[]> {
    const hit = this.expanded.get(step);
    if (hit) {
      this.expanded.delete(step);
      this.expanded.set(step, hit);
      return hit;
    }
    const start = await this.startOf(step);
    const first = this.firstOrdinal(step);
    const x = await this.xTensor();
    let shown = this.toTensors(start);
    let p = { step: first === 0 ? step - 1 : step, ordinal: first === 0 ? this.U - 1 : first - 1 };
    const states: RecursionState[] = [];
    try {
      while (p.step < step || p.ordinal < this.U - 1) {
        const q = nextPosition(this.U, p);
        const input = this.stepper.inputAfter(shown, p);
        disposeState(shown);
        shown = input;
        const out = this.stepper.update(input, x, q);
        disposeState(input);
        shown = out;
        const [y, z] = await Promise.all([out.y.data(), out.z.data()]);
        states.push({ y: Float32Array.from(y as Float32Array), z: Float32Array.from(z as Float32Array) });
        p = q;
      }
      if (!this.boundaries.has(step)) {
        const heads = this.model.heads(shown.y);
        try {
          const [logits, qh, qc] = (await Promise.all([
            heads.logits.data(),
            heads.qHalt.data(),
            heads.qContinue.data(),
          ])) as Float32Array[];
          const last = states[states.length - 1];
          const prev = step > 1 ? (await this.stepOutputsUnqueued(step - 1)).preds : undefined;
          this.boundaries.set(step, {
            state: last,
            outputs: outputsOf(this.puzzle, this.config, step, Float32Array.from(logits), qh[0], qc[0], last, prev),
          });
        } finally {
          tf.dispose([heads.logits, heads.qHalt, heads.qContinue]);
        }
      }
    } finally {
      disposeState(shown);
    }
    this.expanded.set(step, states);
    while (this.expanded.size > 2) this.expanded.delete(this.expanded.keys().next().value as number);
    return states;
  }

  private async stepOutputsUnqueued(step: number): Promise<StepOutputs> {
    if (this.onTrunk(step, this.U - 1)) return this.trunk.stepOutputs(step);
    return (await this.boundary(step)).outputs;
  }

  /** States after every layer of the update at q, from the shown state before it. */
  private async layers(q: ForkPoint, before: RecursionState): Promise<Float32Array[]> {
    const x = await this.xTensor();
    const p = q.ordinal > 0 ? { step: q.step, ordinal: q.ordinal - 1 } : { step: q.step - 1, ordinal: this.U - 1 };
    const shown = this.toTensors(before);
    const input = this.stepper.inputAfter(shown, p);
    disposeState(shown);
    const kept: tf.Tensor[] = [];
    let out: RecursionTensors | undefined;
    try {
      out = this.stepper.update(input, x, q, (_l, h) => {
        kept.push(tf.keep(tf.clone(h)));
      });
      const layers: Float32Array[] = [];
      for (const t of kept) layers.push(Float32Array.from((await t.data()) as Float32Array));
      return layers;
    } finally {
      kept.forEach((t) => t.dispose());
      disposeState(out);
      disposeState(input);
    }
  }
}

/** The tracer's StepOutputs for a branch's step end (argmax on the first maximal index, softmax confidence, labels). */
export function outputsOf(
  puzzle: PuzzleInput,
  config: TrmConfig,
  step: number,
  logits: Float32Array,
  qHalt: number,
  qContinue: number,
  state: RecursionState,
  previousPreds: Int32Array | undefined,
): StepOutputs {
  const V = config.vocab_size;
  const S = config.seq_len;
  const preds = argmaxRows(logits, V);
  const confidence = new Float32Array(S);
  let finite = Number.isFinite(qHalt) && Number.isFinite(qContinue);
  for (let i = 0; i < S; i++) {
    const o = i * V;
    let m = -Infinity;
    for (let k = 0; k < V; k++) m = Math.max(m, logits[o + k]);
    let sum = 0;
    for (let k = 0; k < V; k++) sum += Math.exp(logits[o + k] - m);
    confidence[i] = Math.exp(logits[o + preds[i]] - m) / sum;
  }
  for (const a of [logits, state.y, state.z])
    for (let i = 0; i < a.length && finite; i++) if (!Number.isFinite(a[i])) finite = false;
  const changedCells: number[] = [];
  for (let i = 0; i < S; i++)
    if (previousPreds ? previousPreds[i] !== preds[i] : puzzle.inputs[i] !== 0) changedCells.push(i);
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
    nonFinite: !finite,
  };
  if (puzzle.labels) {
    const wrong: number[] = [];
    let count = 0;
    for (let i = 0; i < S; i++) {
      if (puzzle.labels[i] === 0) continue;
      count++;
      if (preds[i] !== puzzle.labels[i]) wrong.push(i);
    }
    if (count > 0) {
      out.correct = wrong.length === 0;
      out.accuracy = (count - wrong.length) / count;
      out.wrongCells = wrong;
    }
  }
  return out;
}

function copyState(s: RecursionState): RecursionState {
  return { y: Float32Array.from(s.y), z: Float32Array.from(s.z) };
}

function copyOutputs(o: StepOutputs): StepOutputs {
  return {
    ...o,
    logits: Float32Array.from(o.logits),
    preds: Int32Array.from(o.preds),
    confidence: Float32Array.from(o.confidence),
    changedCells: [...o.changedCells],
    ...(o.wrongCells ? { wrongCells: [...o.wrongCells] } : {}),
  };
}
