// The trainer's master copy of everything that changes during training, on the host: trainable
// parameters (float32 arrays), optimiser moments, EMA shadows, the persistent buffers (H_init,
// L_init, the puzzle-embedding table that SignSGD updates row by row). The TF.js model's variables are
// refreshed from here after every update; checkpoints serialise exactly this.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config';
import type { HostTensor } from '../hostTensor';
import { initialWeights } from '../model/init';
import { TrmModel } from '../model/trm';
import { BUFFER_KEYS, expectedWeightShapes } from '../weights';
import { AdamState, newAdamState } from './optim';

export const PUZZLE_TABLE = 'puzzle_emb.weights';

export interface HostParams {
  config: TrmConfig;
  /** Every weight of the model in state_dict order (live values), float32. */
  values: Map<string, Float32Array>;
  shapes: Map<string, number[]>;
  /** Keys the AdamATan2/AdamW optimiser updates (everything but the buffers). */
  trainable: string[];
  adam: Map<string, AdamState>;
  /** EMA shadows of the trainable keys (absent when ema is off). */
  ema?: Map<string, Float32Array>;
}

export function initialHostParams(config: TrmConfig, seed: number, useEma: boolean): HostParams {
  return hostParamsFrom(config, initialWeights(config, seed), useEma);
}

export function hostParamsFrom(config: TrmConfig, weights: Map<string, HostTensor>, useEma: boolean): HostParams {
  const values = new Map<string, Float32Array>();
  const shapes = new Map<string, number[]>();
  for (const [k, shape] of expectedWeightShapes(config)) {
    const t = weights.get(k);
    if (!t) throw new Error(`initial weights lack ${k}`);
    values.set(k, Float32Array.from(t.data as Float32Array));
    shapes.set(k, shape);
  }
  const trainable = [...values.keys()].filter((k) => !BUFFER_KEYS.has(k));
  const adam = new Map(trainable.map((k) => [k, newAdamState(values.get(k)!.length)] as const));
  const ema = useEma ? new Map(trainable.map((k) => [k, Float32Array.from(values.get(k)!)] as const)) : undefined;
  return { config, values, shapes, trainable, adam, ema };
}

/** Host tensors for a model or checkpoint: live weights, or EMA weights with live buffers (official eval/checkpoint copy). */
export function weightsFor(p: HostParams, which: 'live' | 'ema'): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [k, v] of p.values) {
    const src = which === 'ema' && p.ema?.has(k) ? p.ema.get(k)! : v;
    out.set(k, { dtype: 'float32', shape: [...p.shapes.get(k)!], data: Float32Array.from(src) });
  }
  return out;
}

/** Copies the host values of `keys` into the model's variables. */
export function syncVariables(model: TrmModel, p: HostParams, keys: Iterable<string>): void {
  for (const k of keys) {
    const v = model.params.get(k);
    const t = tf.tensor(p.values.get(k)!, p.shapes.get(k), 'float32');
    v.assign(t);
    t.dispose();
  }
}
