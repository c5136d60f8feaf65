// The Tiny Recursive Model (TinyRecursiveReasoningModel_ACTV1_Inner) on TF.js ops: input embedding
// (`_input_embeddings`), the shared post-norm network `L_level` (`..._ACTV1ReasoningModule` of
// `..._ACTV1Block`s), one supervision step of the recursion (`_Inner.forward`) and the output / Q
// heads (`lm_head`, `q_head`), all in models/recursive_reasoning/trm.py. One code path for every backend
// (cpu, wasm, tfjs-node, webgpu). Paper names next to code names: y = z_H, z = z_L, n = L_cycles,
// T = H_cycles, N_sup = halt_max_steps.
//
// Tensor ownership: methods never dispose their inputs and return fresh tensors the caller owns.
// Tensors handed to hooks belong to the model and are only valid during the callback.

import * as tf from '@tensorflow/tfjs-core';
import { DerivedSizes, TrmConfig, derive, validateConfig } from '../config';
import type { HostTensor } from '../hostTensor';
import type { UpdateKind } from '../trace/types';
import { initialWeights } from './init';
import { RopeTables, attention, linear, residualNorm, ropeTables, swiglu } from './layers';
import { FromWeightsOptions, TrmParams } from './params';
import { Precision, precisionFor } from './precision';

/** The recursion state, both [B, T, D]: y (code z_H, the answer) and z (code z_L, the latent). */
export interface RecursionTensors {
  y: tf.Tensor3D;
  z: tf.Tensor3D;
}

export interface EmbedOptions {
  /**
   * Use these puzzle-embedding rows [B, puzzle_emb_ndim] instead of looking them up in the table,
   * so a trainer can take gradients with respect to the rows (sparse SignSGD).
   */
  puzzleRows?: tf.Tensor2D;
}

/** `layer` is 1-based; `h` is the state after that block. */
export type LayerHook = (layer: number, h: tf.Tensor3D) => void;

/** Addresses one network call inside a supervision step (1-based, y updates have index 0). */
export interface UpdateAddress {
  cycle: number;
  kind: UpdateKind;
  index: number;
}

export interface StepHooks {
  /** After every z or y update, with the whole state at that moment. */
  onUpdate?: (update: UpdateAddress, state: RecursionTensors) => void;
  /** After every block inside every update (the updated state only). */
  onLayer?: (update: UpdateAddress, layer: number, h: tf.Tensor3D) => void;
}

export interface HeadOutputs {
  logits: tf.Tensor3D; // [B, S, V], puzzle-prefix positions dropped
  qHalt: tf.Tensor1D; // [B] float32
  qContinue: tf.Tensor1D;
}

export interface StepOutputTensors extends HeadOutputs {
  state: RecursionTensors;
}

interface BlockWeights {
  // mlp_t blocks: token-mixing SwiGLU over T; attention blocks: qkv / o projections.
  tokenGateUp?: tf.Tensor2D;
  tokenDown?: tf.Tensor2D;
  qkv?: tf.Tensor2D;
  o?: tf.Tensor2D;
  gateUp: tf.Tensor2D;
  down: tf.Tensor2D;
}

export class TrmModel {
  readonly derived: DerivedSizes;
  readonly precision: Precision;
  private readonly blocks: BlockWeights[];
  private readonly rope?: RopeTables;
  private disposed = false;

  private constructor(
    readonly config: TrmConfig,
    readonly params: TrmParams,
  ) {
    this.derived = derive(config);
    this.precision = precisionFor(config.forward_dtype);
    this.blocks = [];
    for (let l = 0; l < config.L_layers; l++) {
      const pre = `L_level.layers.${l}`;
      const w = (k: string) => params.get(`${pre}.${k}`) as unknown as tf.Tensor2D;
      this.blocks.push(
        config.mlp_t
          ? {
              tokenGateUp: w('mlp_t.gate_up_proj.weight'),
              tokenDown: w('mlp_t.down_proj.weight'),
              gateUp: w('mlp.gate_up_proj.weight'),
              down: w('mlp.down_proj.weight'),
            }
          : {
              qkv: w('self_attn.qkv_proj.weight'),
              o: w('self_attn.o_proj.weight'),
              gateUp: w('mlp.gate_up_proj.weight'),
              down: w('mlp.down_proj.weight'),
            },
      );
    }
    // RoPE tables are deterministic, non-persistent buffers (never in checkpoints).
    if (!config.mlp_t && config.pos_encodings === 'rope') {
      this.rope = ropeTables(this.derived.headDim, this.derived.totalSeqLen, config.rope_theta);
    }
  }

  /** A model from canonical weights (official names without `_orig_mod.model.inner.`). */
  static fromWeights(config: TrmConfig, weights: Map<string, HostTensor>, opts: FromWeightsOptions = {}): TrmModel {
    validateConfig(config);
    checkSeqLen(config);
    return new TrmModel(config, TrmParams.fromWeights(config, weights, opts));
  }

  /** A freshly initialised model (official init scheme, our seeded RNG). */
  static initialise(config: TrmConfig, seed: number): TrmModel {
    validateConfig(config);
    checkSeqLen(config);
    return new TrmModel(
      config,
      TrmParams.fromWeights(config, initialWeights(config, seed), { source: 'initialisation' }),
    );
  }

  private w(name: string): tf.Variable {
    if (this.disposed) throw new Error('TrmModel used after dispose()');
    return this.params.get(name);
  }

  /**
   * Input embedding x [B, T, D] (trm.py `_Inner._input_embeddings`): token rows, puzzle prefix (row padded to P*D, reshaped
   * row-major to [P, D]) FIRST, learned positions if configured (0.707106781 (e + E_pos)), times sqrt(D).
   * Puzzle identifiers are best given as host ids: a table kept on the host is gathered from them
   * directly, where a tensor of ids would have to be read back synchronously (impossible on webgpu
   * once the ids live on the GPU).
   */
  embed(inputs: tf.Tensor2D, puzzleIds: tf.Tensor1D | Int32Array, opts: EmbedOptions = {}): tf.Tensor3D {
    const c = this.config;
    const { puzzleEmbLen: P, totalSeqLen: T, embedScale } = this.derived;
    const D = c.hidden_size;
    const [B, S] = inputs.shape;
    if (S !== c.seq_len) throw new Error(`embed: inputs have ${S} positions, the model expects seq_len ${c.seq_len}`);
    const idCount = puzzleIds instanceof Int32Array ? puzzleIds.length : puzzleIds.shape[0];
    if (idCount !== B) throw new Error(`embed: ${idCount} puzzle identifiers for a batch of ${B}`);
    const p = this.precision;
    return tf.tidy(() => {
      let e: tf.Tensor = tf.gather(p.round(this.w('embed_tokens.embedding_weight')), tf.cast(inputs, 'int32'));
      if (c.puzzle_emb_ndim > 0) {
        let rows: tf.Tensor;
        if (opts.puzzleRows) {
          const [rb, rn] = opts.puzzleRows.shape;
          if (rb !== B || rn !== c.puzzle_emb_ndim)
            throw new Error(`embed: puzzleRows must be [${B}, ${c.puzzle_emb_ndim}], got [${rb}, ${rn}]`);
          rows = p.round(opts.puzzleRows);
        } else {
          const host = this.params.hostPuzzleTable;
          if (host) rows = p.round(tf.tensor2d(host.gather(hostIds(puzzleIds)), [B, host.dim]));
          else {
            const ids = puzzleIds instanceof Int32Array ? tf.tensor1d(puzzleIds, 'int32') : tf.cast(puzzleIds, 'int32');
            rows = p.round(tf.gather(this.w('puzzle_emb.weights'), ids));
          }
        }
        const pad = P * D - c.puzzle_emb_ndim;
        if (pad > 0)
          rows = tf.pad(rows, [
            [0, 0],
            [0, pad],
          ]);
        e = tf.concat([tf.reshape(rows, [B, P, D]), e], 1);
      }
      if (c.pos_encodings === 'learned') {
        const pos = tf.reshape(p.round(this.w('embed_pos.embedding_weight')), [1, T, D]);
        e = p.round(tf.mul(p.round(tf.add(e, pos)), 0.707106781));
      }
      return p.round(tf.mul(e, embedScale)) as tf.Tensor3D;
    });
  }

  /** One post-norm block (trm.py `TinyRecursiveReasoningModel_ACTV1Block.forward`). `layer` is 0-based. */
  block(layer: number, h: tf.Tensor3D): tf.Tensor3D {
    const bw = this.blocks[layer];
    if (!bw) throw new Error(`block: layer ${layer} out of range 0..${this.blocks.length - 1}`);
    const { rms_norm_eps: eps } = this.config;
    const p = this.precision;
    return tf.tidy(() => {
      let hs: tf.Tensor = h;
      if (bw.tokenGateUp && bw.tokenDown) {
        // Token mixing: transposed to [B, D, T], so this RMSNorm normalises over the T positions.
        const g = tf.transpose(hs, [0, 2, 1]);
        hs = tf.transpose(residualNorm(g, swiglu(g, bw.tokenGateUp, bw.tokenDown, p), eps, p), [0, 2, 1]);
      } else if (bw.qkv && bw.o) {
        hs = residualNorm(hs, attention(hs as tf.Tensor3D, bw.qkv, bw.o, this.config.num_heads, this.rope, p), eps, p);
      }
      return residualNorm(hs, swiglu(hs, bw.gateUp, bw.down, p), eps, p) as tf.Tensor3D;
    });
  }

  /** net(h, u) = Block_L( ... Block_1(h + u) ): the injection is added once, before the first block. */
  net(h: tf.Tensor3D, injection: tf.Tensor3D, onLayer?: LayerHook): tf.Tensor3D {
    const p = this.precision;
    let cur = tf.tidy(() => p.round(tf.add(h, injection)) as tf.Tensor3D);
    for (let l = 0; l < this.blocks.length; l++) {
      const next = this.block(l, cur);
      cur.dispose();
      cur = next;
      onLayer?.(l + 1, cur);
    }
    return cur;
  }

  /** z update: z = net(z, y + x); inside net the sum is z + (y + x), y + x formed first. */
  zUpdate(z: tf.Tensor3D, y: tf.Tensor3D, x: tf.Tensor3D, onLayer?: LayerHook): tf.Tensor3D {
    const inj = tf.tidy(() => this.precision.round(tf.add(y, x)) as tf.Tensor3D);
    try {
      return this.net(z, inj, onLayer);
    } finally {
      inj.dispose();
    }
  }

  /** y update: y = net(y, z); x is never given to the y update. */
  yUpdate(y: tf.Tensor3D, z: tf.Tensor3D, onLayer?: LayerHook): tf.Tensor3D {
    return this.net(y, z, onLayer);
  }

  /** lm_head on the S grid positions (prefix dropped) and q_head on y at position 0, cast to float32. */
  heads(y: tf.Tensor3D): HeadOutputs {
    const [B, , D] = y.shape;
    const { puzzleEmbLen: P } = this.derived;
    const S = this.config.seq_len;
    const p = this.precision;
    return tf.tidy(() => {
      const logits = linear(
        tf.slice(y, [0, P, 0], [B, S, D]),
        this.w('lm_head.weight') as unknown as tf.Tensor2D,
        p,
      ) as tf.Tensor3D;
      const first = tf.reshape(tf.slice(y, [0, 0, 0], [B, 1, D]), [B, D]);
      const q = tf.cast(
        linear(
          first,
          this.w('q_head.weight') as unknown as tf.Tensor2D,
          p,
          this.w('q_head.bias') as unknown as tf.Tensor1D,
        ),
        'float32',
      );
      const [qh, qc] = tf.split(q, 2, 1);
      return { logits, qHalt: tf.reshape(qh, [B]) as tf.Tensor1D, qContinue: tf.reshape(qc, [B]) as tf.Tensor1D };
    });
  }

  /** y = H_init and z = L_init broadcast over all T positions: the state a sequence (re)starts from. */
  initialState(batch: number): RecursionTensors {
    const { totalSeqLen: T } = this.derived;
    const D = this.config.hidden_size;
    return tf.tidy(() => ({
      y: tf.broadcastTo(tf.reshape(this.w('H_init'), [1, 1, D]), [batch, T, D]) as tf.Tensor3D,
      z: tf.broadcastTo(tf.reshape(this.w('L_init'), [1, 1, D]), [batch, T, D]) as tf.Tensor3D,
    }));
  }

  /**
   * One cycle (1-based `cycle` only labels hook events): n z updates then one y update. A trainer
   * reproduces the official gradient split by running cycles 1..T-1 outside its gradient scope and
   * only the last cycle (with x embedded inside the scope) under tf.variableGrads.
   */
  cycle(state: RecursionTensors, x: tf.Tensor3D, cycle: number, hooks: StepHooks = {}): RecursionTensors {
    const n = this.config.L_cycles;
    const p = this.precision;
    const layerHook = (kind: UpdateKind, index: number): LayerHook | undefined =>
      hooks.onLayer ? (layer, h) => hooks.onLayer?.({ cycle, kind, index }, layer, h) : undefined;
    const y = state.y;
    let z = state.z;
    // y + x is the same for all n z updates of the cycle: formed once (bitwise identical to re-forming it).
    const inj = tf.tidy(() => p.round(tf.add(y, x)) as tf.Tensor3D);
    try {
      for (let j = 1; j <= n; j++) {
        const nz = this.net(z, inj, layerHook('z', j));
        if (z !== state.z) z.dispose();
        z = nz;
        hooks.onUpdate?.({ cycle, kind: 'z', index: j }, { y, z });
      }
    } catch (e) {
      if (z !== state.z) z.dispose();
      throw e;
    } finally {
      inj.dispose();
    }
    const ny = this.net(y, z, layerHook('y', 0));
    hooks.onUpdate?.({ cycle, kind: 'y', index: 0 }, { y: ny, z });
    return { y: ny, z };
  }

  /** The H cycles of one supervision step, without the heads. */
  recurse(state: RecursionTensors, x: tf.Tensor3D, hooks: StepHooks = {}): RecursionTensors {
    let s = state;
    for (let c = 1; c <= this.config.H_cycles; c++) {
      const next = this.cycle(s, x, c, hooks);
      if (s !== state) {
        s.y.dispose();
        s.z.dispose();
      }
      s = next;
    }
    return s;
  }

  /** One supervision (ACT) step of the inner model: H cycles of (n z updates + 1 y update), then the heads. */
  step(state: RecursionTensors, x: tf.Tensor3D, hooks: StepHooks = {}): StepOutputTensors {
    const s = this.recurse(state, x, hooks);
    return { state: s, ...this.heads(s.y) };
  }

  /** Current weights as canonical float32 host tensors (checkpoint order), read back asynchronously. */
  getWeights(): Promise<Map<string, HostTensor>> {
    return this.params.toHost();
  }

  trainableVariables(): tf.Variable[] {
    return this.params.trainableVariables();
  }

  /** Trainable parameters, like the official log (buffers excluded). */
  parameterCount(): number {
    return this.params.parameterCount();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.params.dispose();
    this.rope?.cos.dispose();
    this.rope?.sin.dispose();
  }
}

/**
 * Host ids for the host-side table gather. A tensor of ids is read synchronously, which only works
 * while its values are still on the host (cpu, wasm, native, or a webgpu tensor not yet uploaded).
 */
function hostIds(ids: tf.Tensor1D | Int32Array): ArrayLike<number> {
  return ids instanceof Int32Array ? ids : ids.dataSync();
}

function checkSeqLen(c: TrmConfig): void {
  if (!(c.seq_len > 0))
    throw new Error('TRM model needs seq_len (the grid length S, without the puzzle prefix); set it from the inputs');
}
