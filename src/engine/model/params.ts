// The model's tensors as TF.js variables, keyed by canonical official names (state_dict keys without
// the `_orig_mod.model.inner.` prefix). Parameters are trainable variables; the persistent buffers
// H_init, L_init and puzzle_emb.weights are non-trainable variables (the sparse puzzle-embedding
// optimizer assigns rows itself). Converts to and from host tensors for checkpoints.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config';
import { HostTensor, numel, toFloat32 } from '../hostTensor';
import { placeOnDevice } from '../backend/webgpu';
import { BUFFER_KEYS, expectedWeightShapes, validateWeights } from '../weights';

const FLOAT_DTYPES = new Set(['float32', 'float64', 'bfloat16', 'float16']);

export interface FromWeightsOptions {
  /** Names the weights in error messages (a file path). */
  source?: string;
  /** Load weights containing NaN/Inf instead of failing. */
  allowNonFinite?: boolean;
  /**
   * Keep puzzle_emb.weights in host memory and gather rows there, instead of copying it into the
   * backend. Default: only for tables of at least HOST_PUZZLE_TABLE_MIN_ELEMENTS (an official ARC
   * checkpoint's ~2 GB table must not exist twice, and would not fit a 32-bit wasm heap anyway).
   */
  hostPuzzleTable?: boolean;
}

/** 16M float32 = 64 MB: Sudoku / maze tables (one row) and small ARC sets stay on the backend. */
export const HOST_PUZZLE_TABLE_MIN_ELEMENTS = 16 * 1024 * 1024;

/** A puzzle-embedding table [rows, dim] kept on the host; rows are gathered per batch. */
export class HostPuzzleTable {
  constructor(
    readonly rows: number,
    readonly dim: number,
    readonly data: Float32Array,
  ) {}

  /** Rows for the given identifiers, [ids.length, dim] row-major (a fresh array). */
  gather(ids: ArrayLike<number>): Float32Array {
    const out = new Float32Array(ids.length * this.dim);
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i];
      if (!Number.isInteger(r) || r < 0 || r >= this.rows)
        throw new Error(`puzzle identifier ${r} is outside the embedding table 0..${this.rows - 1}`);
      out.set(this.data.subarray(r * this.dim, (r + 1) * this.dim), i * this.dim);
    }
    return out;
  }
}

export class TrmParams {
  private constructor(
    readonly config: TrmConfig,
    private readonly vars: Map<string, tf.Variable>,
    /** Messages about ignored keys etc. from validation. */
    readonly warnings: string[],
    /** puzzle_emb.weights when it is kept on the host (then it is not among the variables). */
    readonly hostPuzzleTable?: HostPuzzleTable,
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
      source,
      configSource: 'the model config',
      allowNonFinite: opts.allowNonFinite,
    });
    const vars = new Map<string, tf.Variable>();
    let hostTable: HostPuzzleTable | undefined;
    const table = valid.get('puzzle_emb.weights');
    if (table && (opts.hostPuzzleTable ?? numel(table.shape) >= HOST_PUZZLE_TABLE_MIN_ELEMENTS)) {
      hostTable = new HostPuzzleTable(table.shape[0], table.shape[1], table.data as Float32Array);
    }
    for (const [k, t] of valid) {
      if (hostTable && k === 'puzzle_emb.weights') continue;
      // No copy (a 2 GB ARC puzzle table must not exist twice): the cpu backend may keep the caller's
      // array as variable storage, so callers must not mutate the host tensors they pass in.
      const value = tf.tensor(t.data as Float32Array, t.shape, 'float32');
      vars.set(k, tf.variable(value, !BUFFER_KEYS.has(k)));
      value.dispose();
    }
    try {
      placeOnDevice(vars.values());
    } catch (e) {
      for (const v of vars.values()) v.dispose();
      throw e;
    }
    return new TrmParams(config, vars, warnings, hostTable);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v)
      throw new Error(
        `model has no tensor named ${name} (this configuration has: ${[...this.vars.keys()].join(', ')})`,
      );
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

  /** Current values as canonical float32 host tensors in state_dict order (for checkpoints); asynchronous for GPU backends. */
  async toHost(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const k of expectedWeightShapes(this.config).keys()) {
      if (k === 'puzzle_emb.weights' && this.hostPuzzleTable) {
        const t = this.hostPuzzleTable;
        out.set(k, { dtype: 'float32', shape: [t.rows, t.dim], data: t.data });
        continue;
      }
      const v = this.vars.get(k);
      if (v)
        out.set(k, {
          dtype: 'float32',
          shape: [...v.shape],
          data: Float32Array.from((await v.data()) as Float32Array),
        });
    }
    return out;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
