// Generates ONNX graphs of TRM's network from a TrmModel's own config and weights, operation by
// operation after src/engine/model/layers.ts and trm.ts (which follow models/layers.py and
// models/recursive_reasoning/trm.py): bias-free linears, RMSNorm without scale, SwiGLU, the mlp_t
// token mixer or attention with RoPE, post-norm blocks, and the recursion of one supervision step
// (`_Inner.forward`: H_cycles x (L_cycles z updates + 1 y update), then lm_head and q_head).
// In bfloat16 the graph rounds at the same points as model/precision.ts (bf16 storage, float32
// accumulation, like the official code on GPU): weights are rounded once on the host, activations
// by a Cast to bfloat16 and back. Two graphs are built: `step` (inputs y, z, x; outputs the new
// state, logits, q values, and every update's and every inner layer's state for tracing) and `update`
// (one network application with every layer's state, for the debugger's layer view).

import type { DerivedSizes, ForwardDType, TrmConfig } from '../config';
import { derive } from '../config';
import { ONNX_BFLOAT16, ONNX_FLOAT, OnnxGraph, attr, type Dim } from './onnxProto';

/** The weights a graph needs, float32 row-major, torch layout ([out, in] for linears), by canonical name. */
export type WeightSource = (name: string) => { shape: readonly number[]; data: Float32Array };

export interface GraphOptions {
  /** The dtype the graph computes in (default: the config's forward_dtype). */
  dtype?: ForwardDType;
  /**
   * How the mlp_t token mixer is laid out: 'left' multiplies by the token weights from the left on
   * [B, T, D] (no transposes), 'transpose' transposes to [B, D, T] like model/trm.ts. Same dot products.
   */
  tokenMix?: 'left' | 'transpose';
  /** SwiGLU's gate and up: two half products (like model/layers.ts) or one product split in two. */
  gateUp?: 'halves' | 'fused';
}

/** ONNX opsets the graphs use: the standard set 17 and ONNX Runtime's contrib set (SimplifiedLayerNormalization). */
export const OPSETS = { '': 17, 'com.microsoft': 1 };

/** Output names of the step graph. */
export const STEP_OUT = {
  y: 'y_out',
  z: 'z_out',
  logits: 'logits',
  q: 'q',
  /** State produced by update k (0-based, step order): z for z updates, y for y updates. */
  update: (k: number) => `update_${k}`,
  /** State after block `layer` (1-based, < L_layers) inside update k. */
  layer: (k: number, layer: number) => `update_${k}_layer_${layer}`,
};

/** Output names of the update graph: the state after each block (1-based). */
export const UPDATE_OUT = { layer: (layer: number) => `layer_${layer}` };

/** Rounds float32 values to the nearest bfloat16 (ties to even), in place; NaN stays NaN. */
export function roundToBf16InPlace(a: Float32Array): Float32Array {
  const u = new Uint32Array(a.buffer, a.byteOffset, a.length);
  for (let i = 0; i < u.length; i++) {
    const x = u[i];
    if ((x & 0x7f800000) === 0x7f800000) {
      if (x & 0x7fffff) u[i] = x | 0x400000; // NaN: keep it a (quiet) NaN
      continue;
    }
    u[i] = ((x + 0x7fff + ((x >>> 16) & 1)) & 0xffff0000) >>> 0;
  }
  return a;
}

class TrmGraphBuilder {
  readonly g: OnnxGraph;
  readonly d: DerivedSizes;
  readonly bf16: boolean;
  private readonly weights = new Map<string, string>();
  private readonly tokenMix: 'left' | 'transpose';
  private readonly gateUp: 'halves' | 'fused';
  private readonly scalars = new Map<string, string>();
  private ropeCos?: string;
  private ropeSin?: string;

  constructor(
    name: string,
    readonly c: TrmConfig,
    private readonly source: WeightSource,
    opts: GraphOptions,
  ) {
    this.g = new OnnxGraph(name);
    this.d = derive(c);
    this.bf16 = (opts.dtype ?? c.forward_dtype) === 'bfloat16';
    this.tokenMix = opts.tokenMix ?? 'left';
    this.gateUp = opts.gateUp ?? 'halves';
  }

  /** Rounds to bf16 (identity in float32): the Cast pair is bf16 storage of a float32 result. */
  round(x: string): string {
    if (!this.bf16) return x;
    const [b] = this.g.node('Cast', [x], 1, { to: attr.int(ONNX_BFLOAT16) });
    return this.g.node('Cast', [b], 1, { to: attr.int(ONNX_FLOAT) })[0];
  }

  scalar(value: number): string {
    const key = String(value);
    let n = this.scalars.get(key);
    if (!n) {
      n = this.g.initializer(this.g.fresh('scalar'), [], Float32Array.of(value));
      this.scalars.set(key, n);
    }
    return n;
  }

  ints(values: readonly number[]): string {
    const key = `i64:${values.join(',')}`;
    let n = this.scalars.get(key);
    if (!n) {
      n = this.g.initializer(this.g.fresh('shape'), [values.length], BigInt64Array.from(values.map(BigInt)));
      this.scalars.set(key, n);
    }
    return n;
  }

  /**
   * A weight as an initializer, rows [from, from + count) of torch's [out, in], optionally
   * transposed to [in, out] (the right operand of x W^T), cast to the forward dtype once.
   */
  weight(name: string, opts: { transpose: boolean; rows?: [number, number] }): string {
    const key = `${name}|${opts.transpose}|${opts.rows?.join(':') ?? ''}`;
    const hit = this.weights.get(key);
    if (hit) return hit;
    const w = this.source(name);
    let data: Float32Array;
    let dims: number[];
    if (w.shape.length === 1) {
      data = Float32Array.from(w.data);
      dims = [w.shape[0]];
    } else {
      const [out, inp] = w.shape;
      const [from, count] = opts.rows ?? [0, out];
      if (from < 0 || from + count > out) throw new Error(`weight ${name}: rows ${from}+${count} outside ${out}`);
      if (opts.transpose) {
        data = new Float32Array(inp * count);
        for (let r = 0; r < count; r++) {
          const src = (from + r) * inp;
          for (let k = 0; k < inp; k++) data[k * count + r] = w.data[src + k];
        }
        dims = [inp, count];
      } else {
        data = w.data.slice(from * inp, (from + count) * inp);
        dims = [count, inp];
      }
    }
    if (this.bf16) roundToBf16InPlace(data);
    const n = this.g.initializer(this.g.fresh(name.replace(/[^A-Za-z0-9_]/g, '_')), dims, data);
    this.weights.set(key, n);
    return n;
  }

  /** round(x W^T) with W^T stored [in, out]. */
  linear(x: string, name: string, rows?: [number, number]): string {
    const [y] = this.g.node('MatMul', [x, this.weight(name, { transpose: true, rows })]);
    return this.round(y);
  }

  add(a: string, b: string): string {
    return this.round(this.g.node('Add', [a, b])[0]);
  }

  mul(a: string, b: string): string {
    return this.round(this.g.node('Mul', [a, b])[0]);
  }

  /** silu(v) = v * sigmoid(v), one rounding. */
  silu(v: string): string {
    const [s] = this.g.node('Sigmoid', [v]);
    return this.mul(v, s);
  }

  /** RMSNorm over the last axis (float32 statistics, no scale), rounded. */
  rmsNormLast(x: string, width: number): string {
    const ones = this.g.initializer(this.g.fresh('rms_scale'), [width], new Float32Array(width).fill(1));
    const [y] = this.g.node('SimplifiedLayerNormalization', [x, ones], 1, {
      axis: attr.int(-1),
      epsilon: attr.float(this.c.rms_norm_eps),
      stash_type: attr.int(1),
    });
    return this.round(y);
  }

  /** RMSNorm over axis 1 of [B, T, D] (the mlp_t token residual): u * 1/sqrt(mean_T(u^2) + eps). */
  rmsNormTokens(x: string): string {
    const [sq] = this.g.node('Mul', [x, x]);
    const [mean] = this.g.node('ReduceMean', [sq], 1, { axes: attr.ints([1]), keepdims: attr.int(1) });
    const [v] = this.g.node('Add', [mean, this.scalar(this.c.rms_norm_eps)]);
    const [sd] = this.g.node('Sqrt', [v]);
    const [inv] = this.g.node('Reciprocal', [sd]);
    return this.round(this.g.node('Mul', [x, inv])[0]);
  }

  /** SwiGLU over the last axis of x: (silu(x Wg^T) * (x Wu^T)) Wd^T. */
  swigluLast(x: string, gateUp: string, down: string, inter: number): string {
    let gate: string, up: string;
    if (this.gateUp === 'fused') {
      const [gu] = this.g.node('MatMul', [x, this.weight(gateUp, { transpose: true })]);
      [gate, up] = this.g.node('Split', [this.round(gu)], 2, { axis: attr.int(-1) });
    } else {
      gate = this.linear(x, gateUp, [0, inter]);
      up = this.linear(x, gateUp, [inter, inter]);
    }
    return this.linear(this.mul(this.silu(gate), up), down);
  }

  /**
   * The mlp_t token mixer on h [B, T, D] with its residual and token-axis RMSNorm. 'left': the same
   * SwiGLU with the weights multiplied from the left, W [I, T] @ h [B, T, D], so no transposes.
   */
  tokenMixer(h: string, layer: number): string {
    const pre = `L_level.layers.${layer}.mlp_t`;
    const inter = this.d.tokenIntermediate;
    if (this.tokenMix === 'transpose') {
      const [g] = this.g.node('Transpose', [h], 1, { perm: attr.ints([0, 2, 1]) });
      const out = this.swigluLast(g, `${pre}.gate_up_proj.weight`, `${pre}.down_proj.weight`, inter);
      const normed = this.rmsNormLast(this.add(g, out), this.d.totalSeqLen);
      return this.g.node('Transpose', [normed], 1, { perm: attr.ints([0, 2, 1]) })[0];
    }
    const left = (name: string, rows?: [number, number]) =>
      this.round(this.g.node('MatMul', [this.weight(name, { transpose: false, rows }), h])[0]);
    const gate = left(`${pre}.gate_up_proj.weight`, [0, inter]);
    const up = left(`${pre}.gate_up_proj.weight`, [inter, inter]);
    const act = this.mul(this.silu(gate), up);
    const [down] = this.g.node('MatMul', [this.weight(`${pre}.down_proj.weight`, { transpose: false }), act]);
    return this.rmsNormTokens(this.add(h, this.round(down)));
  }

  ropeTables(): { cos: string; sin: string } {
    if (!this.ropeCos || !this.ropeSin) {
      const { cos, sin } = ropeTableData(this.d.headDim, this.d.totalSeqLen, this.c.rope_theta);
      const T = this.d.totalSeqLen,
        hd = this.d.headDim;
      this.ropeCos = this.g.initializer('rope_cos', [1, T, 1, hd], cos);
      this.ropeSin = this.g.initializer('rope_sin', [1, T, 1, hd], sin);
    }
    return { cos: this.ropeCos, sin: this.ropeSin };
  }

  /** x * cos + rotate_half(x) * sin on [B, T, heads, d], rounded. */
  rope(x: string): string {
    const { cos, sin } = this.ropeTables();
    const half = this.d.headDim / 2;
    const [x1, x2] = this.g.node('Split', [x, this.ints([half, half])], 2, { axis: attr.int(-1) });
    const [neg] = this.g.node('Neg', [x2]);
    const [rot] = this.g.node('Concat', [neg, x1], 1, { axis: attr.int(-1) });
    const [a] = this.g.node('Mul', [x, cos]);
    const [b] = this.g.node('Mul', [rot, sin]);
    return this.round(this.g.node('Add', [a, b])[0]);
  }

  /** Non-causal multi-head attention with RoPE (model/layers.ts `attention`). */
  attention(h: string, layer: number): string {
    const pre = `L_level.layers.${layer}.self_attn`;
    const nh = this.c.num_heads,
      hd = this.d.headDim,
      width = nh * hd;
    const heads = this.ints([0, 0, nh, hd]); // Reshape: 0 copies B and T
    const proj = (part: number) =>
      this.g.node('Reshape', [this.linear(h, `${pre}.qkv_proj.weight`, [part * width, width]), heads])[0];
    let q = proj(0),
      k = proj(1);
    const v = proj(2);
    if (this.c.pos_encodings === 'rope') {
      q = this.rope(q);
      k = this.rope(k);
    }
    const [qh] = this.g.node('Transpose', [q], 1, { perm: attr.ints([0, 2, 1, 3]) });
    const [kt] = this.g.node('Transpose', [k], 1, { perm: attr.ints([0, 2, 3, 1]) });
    const [vh] = this.g.node('Transpose', [v], 1, { perm: attr.ints([0, 2, 1, 3]) });
    const [s] = this.g.node('MatMul', [qh, kt]);
    const scores = this.mul(s, this.scalar(1 / Math.sqrt(hd)));
    const probs = this.round(this.g.node('Softmax', [scores], 1, { axis: attr.int(-1) })[0]);
    const out = this.round(this.g.node('MatMul', [probs, vh])[0]);
    const [merged] = this.g.node('Transpose', [out], 1, { perm: attr.ints([0, 2, 1, 3]) });
    const [flat] = this.g.node('Reshape', [merged, this.ints([0, 0, width])]);
    return this.linear(flat, `${pre}.o_proj.weight`);
  }

  /** One post-norm block (trm.py `TinyRecursiveReasoningModel_ACTV1Block.forward`), 0-based layer. */
  block(h: string, layer: number): string {
    const D = this.c.hidden_size;
    let hs = h;
    if (this.c.mlp_t) hs = this.tokenMixer(hs, layer);
    else hs = this.rmsNormLast(this.add(hs, this.attention(hs, layer)), D);
    const pre = `L_level.layers.${layer}.mlp`;
    const out = this.swigluLast(
      hs,
      `${pre}.gate_up_proj.weight`,
      `${pre}.down_proj.weight`,
      this.d.channelIntermediate,
    );
    return this.rmsNormLast(this.add(hs, out), D);
  }

  /** net(h, u): the injection added once, then every block; returns the state after each block. */
  net(h: string, injection: string): string[] {
    let cur = this.add(h, injection);
    const states: string[] = [];
    for (let l = 0; l < this.c.L_layers; l++) {
      cur = this.block(cur, l);
      states.push(cur);
    }
    return states;
  }

  /** lm_head on positions P..T-1, q_head (with bias) on position 0, q cast to float32. */
  heads(y: string): { logits: string; q: string } {
    const P = this.d.puzzleEmbLen,
      T = this.d.totalSeqLen,
      D = this.c.hidden_size;
    const [grid] = this.g.node('Slice', [y, this.ints([P]), this.ints([T]), this.ints([1])]);
    const logits = this.linear(grid, 'lm_head.weight');
    const [first] = this.g.node('Slice', [y, this.ints([0]), this.ints([1]), this.ints([1])]);
    const [flat] = this.g.node('Reshape', [first, this.ints([-1, D])]);
    const [mm] = this.g.node('MatMul', [flat, this.weight('q_head.weight', { transpose: true })]);
    const q = this.add(mm, this.weight('q_head.bias', { transpose: false }));
    return { logits, q };
  }
}

/** RoPE tables exactly as model/layers.ts `ropeTables` computes them (float32 angles). */
function ropeTableData(headDim: number, positions: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const f = Math.fround;
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = f(1 / f(Math.pow(theta, f(f(2 * i) / headDim))));
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let pos = 0; pos < positions; pos++) {
    for (let i = 0; i < half; i++) {
      const a = f(pos * invFreq[i]);
      cos[pos * headDim + i] = cos[pos * headDim + i + half] = Math.cos(a);
      sin[pos * headDim + i] = sin[pos * headDim + i + half] = Math.sin(a);
    }
  }
  return { cos, sin };
}

function stateDims(c: TrmConfig): Dim[] {
  return ['B', derive(c).totalSeqLen, c.hidden_size];
}

/**
 * One supervision step: inputs y, z, x [B, T, D]; outputs y_out, z_out, logits [B, S, V], q [B, 2]
 * (q_halt, q_continue), update_k for all 21 updates and update_k_layer_l for the inner blocks.
 */
export function buildStepGraph(c: TrmConfig, source: WeightSource, opts: GraphOptions = {}): Uint8Array {
  const b = new TrmGraphBuilder('trm_step', c, source, opts);
  const g = b.g;
  const dims = stateDims(c);
  let y = g.input('y', dims);
  let z = g.input('z', dims);
  const x = g.input('x', dims);
  let k = 0;
  const outputs: { name: string; value: string }[] = [];
  const emit = (states: string[]) => {
    for (let l = 0; l < states.length - 1; l++) outputs.push({ name: STEP_OUT.layer(k, l + 1), value: states[l] });
    outputs.push({ name: STEP_OUT.update(k), value: states[states.length - 1] });
    k++;
    return states[states.length - 1];
  };
  for (let cyc = 0; cyc < c.H_cycles; cyc++) {
    // y + x is the same for the n z updates of a cycle (trm.py adds it at every call; same values).
    const inj = b.add(y, x);
    for (let j = 0; j < c.L_cycles; j++) z = emit(b.net(z, inj));
    y = emit(b.net(y, z));
  }
  const heads = b.heads(y);
  outputs.push({ name: STEP_OUT.y, value: y }, { name: STEP_OUT.z, value: z });
  outputs.push({ name: STEP_OUT.logits, value: heads.logits }, { name: STEP_OUT.q, value: heads.q });
  for (const o of outputs) {
    g.node('Identity', [o.value], [o.name]);
    const shape = o.name === STEP_OUT.logits ? ['B', c.seq_len, c.vocab_size] : o.name === STEP_OUT.q ? ['B', 2] : dims;
    g.output(o.name, shape);
  }
  return g.serialize(OPSETS);
}

/** One network application net(h, a + b) (a z update: h = z, a = y, b = x; a y update: h = y, a = z, b = 0), every layer's state out. */
export function buildUpdateGraph(c: TrmConfig, source: WeightSource, opts: GraphOptions = {}): Uint8Array {
  const b = new TrmGraphBuilder('trm_update', c, source, opts);
  const g = b.g;
  const dims = stateDims(c);
  const h = g.input('h', dims);
  const u1 = g.input('a', dims);
  const u2 = g.input('b', dims);
  const states = b.net(h, b.add(u1, u2));
  states.forEach((s, l) => {
    g.node('Identity', [s], [UPDATE_OUT.layer(l + 1)]);
    g.output(UPDATE_OUT.layer(l + 1), dims);
  });
  return g.serialize(OPSETS);
}

/** Only the heads: y [B, T, D] -> logits, q (the debugger decodes intermediate y states with it). */
export function buildHeadsGraph(c: TrmConfig, source: WeightSource, opts: GraphOptions = {}): Uint8Array {
  const b = new TrmGraphBuilder('trm_heads', c, source, opts);
  const g = b.g;
  const y = g.input('y', stateDims(c));
  const heads = b.heads(y);
  g.node('Identity', [heads.logits], [STEP_OUT.logits]);
  g.node('Identity', [heads.q], [STEP_OUT.q]);
  g.output(STEP_OUT.logits, ['B', c.seq_len, c.vocab_size]);
  g.output(STEP_OUT.q, ['B', 2]);
  return g.serialize(OPSETS);
}
