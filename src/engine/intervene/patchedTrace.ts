// A trace with patches (patch.ts) as a PuzzleTrace, so the debugger keeps debugging the patched
// run: positions before the first patch are the trunk's own (delegated, so stepping back past the
// patch returns the trunk's states bit for bit); from the first patch on it recomputes itself with
// the model's own zUpdate / yUpdate (trm.py `_Inner.forward`: per H cycle, n z updates
// z = net(z, y + x), then y = net(y, z)), applying each patch at its position. The trunk may itself
// be a cloud branch or any other PuzzleTrace; a trace carries all patches of a session (a new patch
// makes a new PatchedTrace over the same trunk), so freezes and embedding swaps of earlier patches
// stay in force when later ones are added. Like the tracer it keeps step-boundary states and
// re-expands a step on demand; recomputation is deterministic.

import * as tf from '@tensorflow/tfjs-core';
import type { DerivedSizes, TrmConfig } from '../config';
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
import type { DecodedState } from '../trace/decode';
import { outputsOf } from '../cloud/branchTrace';
import { type Patch, type PatchPosition, applySetPatches, comparePatchPositions, patchProblem } from './patch';

interface Boundary {
  state: RecursionState;
  outputs: StepOutputs;
}

export class PatchedTrace implements PuzzleTrace {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: PuzzleInput;
  /** The patches in time order (stable for patches at one position). */
  readonly patches: readonly Patch[];
  /** The earliest patch position: everything before it is the trunk's. */
  readonly first: PatchPosition;
  private readonly U: number;
  private readonly boundaries = new Map<number, Boundary>();
  private readonly expanded = new Map<number, RecursionState[]>(); // step -> shown states at ordinals firstOrdinal..U-1
  private readonly xs = new Map<string, tf.Tensor3D>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly backendName = tf.getBackend();
  private disposed = false;

  constructor(
    private readonly model: TrmModel,
    readonly trunk: PuzzleTrace,
    patches: readonly Patch[],
    maxSteps = trunk.config.halt_max_steps,
  ) {
    if (patches.length === 0) throw new Error('a patched trace needs at least one patch');
    this.config = trunk.config;
    this.derived = trunk.derived;
    this.puzzle = trunk.puzzle;
    this.U = this.derived.updatesPerStep;
    for (const p of patches) {
      const problem = patchProblem(this.config, p, maxSteps);
      if (problem) throw new Error(`invalid patch: ${problem}`);
    }
    this.patches = [...patches].sort(comparePatchPositions);
    this.first = { step: this.patches[0].step, ordinal: this.patches[0].ordinal };
  }

  get computedSteps(): number {
    return Math.max(this.trunk.computedSteps, ...this.boundaries.keys());
  }

  /** Whether a position (step, ordinal) is the trunk's (before the first patch). */
  onTrunk(step: number, ordinal: number): boolean {
    return comparePatchPositions({ step, ordinal }, this.first) < 0;
  }

  private run<R>(fn: () => Promise<R>): Promise<R> {
    const guarded = async () => {
      if (this.disposed) throw new Error('patched trace used after dispose()');
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
      if (!shown) throw new Error(`${describeUpdate(ref)}: not a position of this patched trace`);
      if (ref.layer === undefined) return copyState(shown);
      if (ref.layer < 1 || ref.layer > this.config.L_layers)
        throw new Error(`${describeUpdate(ref)}: layer must be in 1..${this.config.L_layers} (L_layers)`);
      const before = await this.shownBefore(ref.step, ordinal);
      const h = await this.layers(ref.step, ordinal, before, ref.layer);
      return ref.kind === 'z' ? { y: Float32Array.from(before.y), z: h } : { y: h, z: Float32Array.from(before.z) };
    });
  }

  /** The model's heads on a state (patches play no part in decoding). */
  decode(state: Float32Array): Promise<DecodedState> {
    return this.trunk.decode(state);
  }

  /** One application of net(z, y + x), with the x in force at the end of the patches. */
  zNet(state: RecursionState): Promise<Float32Array> {
    if (!this.patches.some((p) => p.op === 'embedding')) return this.trunk.zNet(state);
    return this.run(async () => {
      const shape: [number, number, number] = [1, this.derived.totalSeqLen, this.config.hidden_size];
      const y = tf.tensor3d(state.y, shape);
      const z = tf.tensor3d(state.z, shape);
      const last = this.patches[this.patches.length - 1];
      const out = this.model.zUpdate(z, y, await this.xAt(last.step, this.U));
      try {
        return Float32Array.from((await out.data()) as Float32Array);
      } finally {
        tf.dispose([y, z, out]);
      }
    });
  }

  /**
   * Attribution of a y revision: the trunk's where the whole cycle comes before the first patch,
   * else the cycle's gradient from this trace's state at the cycle's start, with the x in force
   * there (freezes and skips inside the cycle are not part of the gradient).
   */
  async attributeCycle(step: number, cycle: number, cell: number, target: number): Promise<Attribution> {
    this.checkStep(step);
    const n = this.config.L_cycles;
    const first = (cycle - 1) * (n + 1);
    if (this.onTrunk(step, first + n)) return this.trunk.attributeCycle(step, cycle, cell, target);
    const start =
      first > 0
        ? await this.stateAfter(updateAt(this.config, step, first - 1))
        : step > 1
          ? await this.stepState(step - 1)
          : await this.initialState();
    return this.run(async () => attributeCycle(this.model, await this.xAt(step, first), start, cell, target));
  }

  dispose(): void {
    this.disposed = true;
    for (const x of this.xs.values()) x.dispose();
    this.xs.clear();
    this.boundaries.clear();
    this.expanded.clear();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** First ordinal of `step` this trace computes itself (-1 never: a boundary patch starts at 0). */
  private firstOrdinal(step: number): number {
    return step === this.first.step ? Math.max(0, this.first.ordinal) : 0;
  }

  private at(step: number, ordinal: number): Patch[] {
    return this.patches.filter((p) => p.step === step && p.ordinal === ordinal);
  }

  /** Whether the update at (step, ordinal) is skipped or frozen (leaves the state as it was). */
  private inert(step: number, ordinal: number, kind: 'y' | 'z'): boolean {
    return this.patches.some(
      (p) =>
        p.step === step &&
        ((p.op === 'skip' && p.ordinal === ordinal) || (p.op === 'freeze' && p.tensor === kind && p.ordinal < ordinal)),
    );
  }

  /** x for the update at (step, ordinal): the trunk's, or with the last embedding swap before it. */
  private async xAt(step: number, ordinal: number): Promise<tf.Tensor3D> {
    let swap: Extract<Patch, { op: 'embedding' }> | undefined;
    for (const p of this.patches) if (p.op === 'embedding' && comparePatchPositions(p, { step, ordinal }) < 0) swap = p;
    const key = swap ? String(this.patches.indexOf(swap)) : 'trunk';
    const hit = this.xs.get(key);
    if (hit) return hit;
    const T = this.derived.totalSeqLen;
    const D = this.config.hidden_size;
    let x: tf.Tensor3D;
    if (!swap) x = tf.tensor3d(await this.trunk.x(), [1, T, D]);
    else {
      const inputs = tf.tensor2d(this.puzzle.inputs, [1, this.config.seq_len], 'int32');
      const rows = tf.tensor2d(Float32Array.from(swap.row), [1, this.config.puzzle_emb_ndim]);
      try {
        x = this.model.embed(inputs, Int32Array.of(this.puzzle.puzzleIdentifier), { puzzleRows: rows });
      } finally {
        tf.dispose([inputs, rows]);
      }
    }
    this.xs.set(key, x);
    return x;
  }

  /** The shown state before the update at (step, ordinal) of this trace. */
  private async shownBefore(step: number, ordinal: number): Promise<RecursionState> {
    if (ordinal > 0) {
      if (this.onTrunk(step, ordinal - 1)) return this.trunk.stateAfter(updateAt(this.config, step, ordinal - 1));
      return (await this.expand(step))[ordinal - 1 - this.firstOrdinal(step)];
    }
    if (step === 1) return this.trunk.initialState();
    if (this.onTrunk(step - 1, this.U - 1)) return this.trunk.stepState(step - 1);
    return (await this.boundary(step - 1)).state;
  }

  private async boundary(step: number): Promise<Boundary> {
    const hit = this.boundaries.get(step);
    if (hit) return hit;
    await this.expand(step);
    return this.boundaries.get(step)!;
  }

  private toTensors(s: RecursionState): RecursionTensors {
    const shape: [number, number, number] = [1, this.derived.totalSeqLen, this.config.hidden_size];
    return { y: tf.tensor3d(s.y, shape), z: tf.tensor3d(s.z, shape) };
  }

  /** Shown states of every position this trace computes in `step` (and the boundary after it). */
  private async expand(step: number): Promise<RecursionState[]> {
    const hit = this.expanded.get(step);
    if (hit) {
      this.expanded.delete(step);
      this.expanded.set(step, hit);
      return hit;
    }
    const P = this.derived.puzzleEmbLen;
    const D = this.config.hidden_size;
    const first = this.firstOrdinal(step);
    const states: RecursionState[] = [];
    let prev: RecursionState;
    let from = first;
    if (step === this.first.step && this.first.ordinal >= 0) {
      // The first patched position: the trunk's state there (or before it, when skipped), patched.
      const o = this.first.ordinal;
      const kind = updateAt(this.config, step, o).kind;
      const base = this.inert(step, o, kind)
        ? await this.shownBefore(step, o)
        : await this.trunk.stateAfter(updateAt(this.config, step, o));
      const s = copyState(base);
      applySetPatches(this.at(step, o), s, P, D);
      states.push(s);
      prev = s;
      from = o + 1;
    } else prev = await this.shownBefore(step, 0);
    for (let o = from; o < this.U; o++) {
      const kind = updateAt(this.config, step, o).kind;
      let s: RecursionState;
      if (this.inert(step, o, kind)) s = copyState(prev);
      else {
        const input = this.toTensors(prev);
        let out: tf.Tensor3D | undefined;
        try {
          out =
            kind === 'z'
              ? this.model.zUpdate(input.z, input.y, await this.xAt(step, o))
              : this.model.yUpdate(input.y, input.z);
          const data = Float32Array.from((await out.data()) as Float32Array);
          s = kind === 'z' ? { y: Float32Array.from(prev.y), z: data } : { y: data, z: Float32Array.from(prev.z) };
        } finally {
          tf.dispose([input.y, input.z]);
          out?.dispose();
        }
      }
      applySetPatches(this.at(step, o), s, P, D);
      states.push(s);
      prev = s;
    }
    if (!this.boundaries.has(step)) {
      const last = states[states.length - 1];
      const y = tf.tensor3d(last.y, [1, this.derived.totalSeqLen, D]);
      const heads = this.model.heads(y);
      try {
        const [logits, qh, qc] = (await Promise.all([
          heads.logits.data(),
          heads.qHalt.data(),
          heads.qContinue.data(),
        ])) as Float32Array[];
        const prevPreds = step > 1 ? (await this.outputsUnqueued(step - 1)).preds : undefined;
        this.boundaries.set(step, {
          state: last,
          outputs: outputsOf(this.puzzle, this.config, step, Float32Array.from(logits), qh[0], qc[0], last, prevPreds),
        });
      } finally {
        tf.dispose([y, heads.logits, heads.qHalt, heads.qContinue]);
      }
    }
    this.expanded.set(step, states);
    while (this.expanded.size > 2) this.expanded.delete(this.expanded.keys().next().value as number);
    return states;
  }

  private async outputsUnqueued(step: number): Promise<StepOutputs> {
    if (this.onTrunk(step, this.U - 1)) return this.trunk.stepOutputs(step);
    return (await this.boundary(step)).outputs;
  }

  /** The state after layer `layer` of the update at (step, ordinal), from the shown state before it. */
  private async layers(step: number, ordinal: number, before: RecursionState, layer: number): Promise<Float32Array> {
    const kind = updateAt(this.config, step, ordinal).kind;
    if (this.inert(step, ordinal, kind)) return Float32Array.from(before[kind]);
    const input = this.toTensors(before);
    const kept: tf.Tensor[] = [];
    let out: tf.Tensor3D | undefined;
    try {
      const hook = (_l: number, h: tf.Tensor3D) => {
        kept.push(tf.keep(tf.clone(h)));
      };
      out =
        kind === 'z'
          ? this.model.zUpdate(input.z, input.y, await this.xAt(step, ordinal), hook)
          : this.model.yUpdate(input.y, input.z, hook);
      return Float32Array.from((await kept[layer - 1].data()) as Float32Array);
    } finally {
      kept.forEach((t) => t.dispose());
      tf.dispose([input.y, input.z]);
      out?.dispose();
    }
  }
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
