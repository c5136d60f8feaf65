// The model's tensors as TF.js variables, keyed by canonical official names (state_dict keys without
// the `_orig_mod.model.inner.` prefix). Parameters are trainable variables; the persistent buffers
// H_init, L_init and puzzle_emb.weights are non-trainable variables (the sparse puzzle-embedding
// optimizer assigns rows itself). Converts to and from host tensors for checkpoints.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config';
import { HostTensor, numel, toFloat32 } from '../hostTensor';
import { BUFFER_KEYS, expectedWeightShapes, validateWeights } from '../weights';

const FLOAT_DTYPES = new Set(['float32', 'float64', 'bfloat16', 'float16']);

export interface FromWeightsOptions {
  /** Names the weights in error messages (a file path). */
  source?: string;
  /** Load weights containing NaN/Inf instead of failing. */
  allowNonFinite?: boolean;
}

export class TrmParams {
  private constructor(
    readonly config: TrmConfig,
    private readonly vars: Map<string, tf.Variable>,
    /** Messages about ignored keys etc. from validation. */
    readonly warnings: string[],
  ) {}

  /**
   * Builds variables from canonical host weights. Every key the config implies must be present with
   * its exact shape; bf16/f16/f64 data are decoded to float32; unexpected keys are reported in
   * `warnings` and ignored.
   */
  static fromWeights(config: TrmConfig, weights: Map<string, HostTensor>, opts: FromWeightsOptions = {}): TrmParams {
    const decoded = new Map<string, HostTensor>();
    for (const [k, t] of weights) {
      decoded.set(k, FLOAT_DTYPES.has(t.dtype) ? { dtype: 'float32', shape: t.shape, data: toFloat32(t) } : t);
    }
    const source = opts.source ?? 'weights';
    const { weights: valid, warnings } = validateWeights(decoded, config, {
      source, configSource: 'the model config', allowNonFinite: opts.allowNonFinite,
    });
    const vars = new Map<string, tf.Variable>();
    for (const [k, t] of valid) {
      // No copy (a 2 GB ARC puzzle table must not exist twice): the cpu backend may keep the caller's
      // array as variable storage, so callers must not mutate the host tensors they pass in.
      const value = tf.tensor(t.data as Float32Array, t.shape, 'float32');
      vars.set(k, tf.variable(value, !BUFFER_KEYS.has(k)));
      value.dispose();
    }
    return new TrmParams(config, vars, warnings);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`model has no tensor named ${name} (this configuration has: ${[...this.vars.keys()].join(', ')})`);
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** Parameters an optimizer updates (everything but H_init, L_init and the puzzle-embedding table). */
  trainableVariables(): tf.Variable[] {
    return [...this.vars.entries()].filter(([k]) => !BUFFER_KEYS.has(k)).map(([, v]) => v);
  }

  /** Trainable parameter count, as the official script logs it (`model.parameters()`). */
  parameterCount(): number {
    let n = 0;
    for (const [k, v] of this.vars) if (!BUFFER_KEYS.has(k)) n += numel(v.shape);
    return n;
  }

  /** Current values as canonical float32 host tensors in state_dict order (for checkpoints). */
  toHost(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    for (const k of expectedWeightShapes(this.config).keys()) {
      const v = this.vars.get(k);
      if (v) out.set(k, { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
