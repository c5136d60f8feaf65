// One update at a time, for a batch of rows that each carry their own noise (a trajectory cloud,
// or one adopted branch alone). The ONNX Runtime path runs a whole supervision step as one graph,
// so noise after every update needs this host-side loop over the TF.js model's zUpdate / yUpdate:
// the same ops as TrmModel.cycle (y + x re-formed per z update is bitwise the same as forming it
// once per cycle), so a row with no noise gives the deterministic run bit for bit.
//
// Positions are (step, ordinal) with ordinal 0..U-1 (U = H_cycles * (L_cycles + 1)); ordinal -1 is
// the boundary before a step (the fork point of a cloud started from the initial state). The state
// shown at a position is an update's output; the noise due at a position is added to the input of
// the next update, so a branch shows the trunk's own state at its fork point.

import * as tf from '@tensorflow/tfjs-core';
import type { RecursionTensors, TrmModel, LayerHook } from '../model/trm';
import { NoiseSpec, noiseValues, targets } from './noise';

export interface ForkPoint {
  step: number;
  /** 0..U-1, or -1 for the boundary before `step`. */
  ordinal: number;
}

/** Whose noise a row gets: `branch` -1 is a row without noise (the deterministic run). */
export interface RowKey {
  puzzle: number;
  branch: number;
}

export function kindAt(model: TrmModel, ordinal: number): 'z' | 'y' {
  const per = model.config.L_cycles + 1;
  return ordinal % per === model.config.L_cycles ? 'y' : 'z';
}

export function nextPosition(U: number, p: ForkPoint): ForkPoint {
  return p.ordinal < U - 1 ? { step: p.step, ordinal: p.ordinal + 1 } : { step: p.step + 1, ordinal: 0 };
}

/** Compares positions in time order. */
export function comparePositions(a: ForkPoint, b: ForkPoint): number {
  return a.step !== b.step ? a.step - b.step : a.ordinal - b.ordinal;
}

export class CloudStepper {
  readonly U: number;
  private readonly T: number;
  private readonly D: number;

  constructor(
    readonly model: TrmModel,
    readonly rows: readonly RowKey[],
    readonly noise: NoiseSpec,
    readonly fork: ForkPoint,
  ) {
    this.U = model.derived.updatesPerStep;
    this.T = model.derived.totalSeqLen;
    this.D = model.config.hidden_size;
  }

  /** The tensors that receive noise after position p (shown state), in this cloud. */
  noisyAfter(p: ForkPoint): ('z' | 'y')[] {
    if (this.noise.scale === 0) return [];
    const all = (['z', 'y'] as const).filter((k) => targets(this.noise, k));
    if (p.step === this.fork.step && p.ordinal === this.fork.ordinal) return all;
    if (this.noise.at === 'step') return p.ordinal === this.U - 1 ? all : [];
    if (p.ordinal < 0) return [];
    const k = kindAt(this.model, p.ordinal);
    return targets(this.noise, k) ? [k] : [];
  }

  private noiseTensor(p: ForkPoint, tensor: 'z' | 'y'): tf.Tensor3D | undefined {
    const n = this.T * this.D;
    const data = new Float32Array(this.rows.length * n);
    let any = false;
    this.rows.forEach((r, i) => {
      if (r.branch < 0) return;
      any = true;
      data.set(
        noiseValues(this.noise, { puzzle: r.puzzle, branch: r.branch, step: p.step, ordinal: p.ordinal, tensor }, n),
        i * n,
      );
    });
    return any ? tf.tensor3d(data, [this.rows.length, this.T, this.D]) : undefined;
  }

  /** The input of the update after p: the shown state plus the noise due at p (new tensors, owned by the caller). */
  inputAfter(shown: RecursionTensors, p: ForkPoint): RecursionTensors {
    const noisy = this.noisyAfter(p);
    const out = { y: tf.clone(shown.y), z: tf.clone(shown.z) };
    for (const k of noisy) {
      const nt = this.noiseTensor(p, k);
      if (!nt) continue;
      const sum = this.model.precision.round(tf.add(out[k], nt)) as tf.Tensor3D;
      nt.dispose();
      out[k].dispose();
      out[k] = sum;
    }
    return out;
  }

  /** Runs the update at position q on `input` (the input state); returns the shown state after it (new tensors). */
  update(input: RecursionTensors, x: tf.Tensor3D, q: ForkPoint, onLayer?: LayerHook): RecursionTensors {
    if (kindAt(this.model, q.ordinal) === 'z') {
      const z = this.model.zUpdate(input.z, input.y, x, onLayer);
      return { y: tf.clone(input.y), z };
    }
    const y = this.model.yUpdate(input.y, input.z, onLayer);
    return { y, z: tf.clone(input.z) };
  }
}

export function disposeState(s: RecursionTensors | undefined): void {
  if (s) tf.dispose([s.y, s.z]);
}
