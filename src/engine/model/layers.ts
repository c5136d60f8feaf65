// The TRM building pieces on TF.js ops, written to follow models/layers.py operation by operation
// (models/layers.py): bias-free CastedLinear, RMSNorm without scale, SwiGLU, RoPE (half-split
// convention) and non-causal multi-head attention. Every function is pure: weights come in as
// tensors, nothing is cached, so the same code serves inference and autodiff.

import * as tf from '@tensorflow/tfjs-core';
import type { Precision } from './precision';

/**
 * y = u W^T (+ b), W [out, in] as stored by torch. The weight is cast to the forward dtype at use
 * (CastedLinear); in bf16 the output is rounded once (torch's addmm rounds after the bias).
 */
export function linear(u: tf.Tensor, w: tf.Tensor2D, p: Precision, bias?: tf.Tensor1D): tf.Tensor {
  return tf.tidy(() => {
    const inDim = u.shape[u.shape.length - 1];
    if (inDim !== w.shape[1])
      throw new Error(`linear: input width ${inDim} does not match weight [${w.shape.join(', ')}]`);
    const lead = u.shape.slice(0, -1);
    const flat = tf.reshape(u, [-1, inDim]) as tf.Tensor2D;
    let out: tf.Tensor = tf.matMul(flat, p.round(w), false, true);
    if (bias) out = tf.add(out, p.round(bias));
    return p.round(tf.reshape(out, [...lead, w.shape[0]]));
  });
}

/**
 * rms_norm: r = u * rsqrt(mean(u^2) + eps) over the LAST axis, no learnable scale, computed in
 * float32 and cast back to the forward dtype.
 */
export function rmsNorm(u: tf.Tensor, eps: number, p: Precision): tf.Tensor {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(u), -1, true);
    return p.round(tf.mul(u, tf.rsqrt(tf.add(variance, eps))));
  });
}

/** silu(v) = v * sigmoid(v), one rounding (torch's fused kernel). */
export function silu(v: tf.Tensor, p: Precision): tf.Tensor {
  return tf.tidy(() => p.round(tf.mul(v, tf.sigmoid(v))));
}

/** Rows [from, from + count) of a [out, in] weight: a contiguous, cheap slice on every backend. */
function weightRows(w: tf.Tensor2D, from: number, count: number): tf.Tensor2D {
  return tf.slice(w, [from, 0], [count, w.shape[1]]);
}

/**
 * SwiGLU over the last axis: h = u W_gu^T; gate, up = halves of h; out = (silu(gate) * up) W_down^T.
 * The halves are computed with the matching halves of W_gu's rows: every output element is the same
 * dot product, and it avoids a strided split of the activation (slow on the cpu backend).
 */
export function swiglu(u: tf.Tensor, gateUp: tf.Tensor2D, down: tf.Tensor2D, p: Precision): tf.Tensor {
  return tf.tidy(() => {
    const inter = gateUp.shape[0] / 2;
    const gate = linear(u, weightRows(gateUp, 0, inter), p);
    const up = linear(u, weightRows(gateUp, inter, inter), p);
    return linear(p.round(tf.mul(silu(gate, p), up)), down, p);
  });
}

/** Post-norm residual: RMSNorm(h + sub(h)), the sum rounded to the forward dtype first. */
export function residualNorm(h: tf.Tensor, out: tf.Tensor, eps: number, p: Precision): tf.Tensor {
  return tf.tidy(() => rmsNorm(p.round(tf.add(h, out)), eps, p));
}

export interface RopeTables {
  cos: tf.Tensor2D; // [T, d]
  sin: tf.Tensor2D; // [T, d]
}

/**
 * RotaryEmbedding tables in float32 like the official buffers: inv_freq_i = 1 / theta^(2i/d),
 * angle[p, i] = p * inv_freq_i, the d/2 angles written twice side by side (width d).
 */
export function ropeTables(headDim: number, positions: number, theta: number): RopeTables {
  if (headDim % 2 !== 0) throw new Error(`RoPE needs an even head dimension (got ${headDim})`);
  const f = Math.fround;
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = f(1 / f(Math.pow(theta, f(f(2 * i) / headDim))));
  const cos = new Float32Array(positions * headDim);
  const sin = new Float32Array(positions * headDim);
  for (let pos = 0; pos < positions; pos++) {
    for (let i = 0; i < half; i++) {
      const a = f(pos * invFreq[i]);
      const c = Math.cos(a),
        s = Math.sin(a);
      cos[pos * headDim + i] = c;
      cos[pos * headDim + i + half] = c;
      sin[pos * headDim + i] = s;
      sin[pos * headDim + i + half] = s;
    }
  }
  return { cos: tf.tensor2d(cos, [positions, headDim]), sin: tf.tensor2d(sin, [positions, headDim]) };
}

/**
 * apply_rotary_pos_emb on [B, T, heads, d]: x * cos + rotate_half(x) * sin, rotate_half(x) =
 * concat(-x2, x1) with x1, x2 the two halves (GPT-NeoX "half split"). Runs in float32 and is
 * rounded back to the forward dtype.
 */
export function applyRope(x: tf.Tensor4D, rope: RopeTables, p: Precision): tf.Tensor4D {
  return tf.tidy(() => {
    const [, T, , d] = x.shape;
    const half = d / 2;
    const cos = tf.reshape(tf.slice(rope.cos, [0, 0], [T, d]), [1, T, 1, d]);
    const sin = tf.reshape(tf.slice(rope.sin, [0, 0], [T, d]), [1, T, 1, d]);
    const [x1, x2] = tf.split(x, [half, half], -1);
    const rotated = tf.concat([tf.neg(x2), x1], -1);
    return p.round(tf.add(tf.mul(x, cos), tf.mul(rotated, sin))) as tf.Tensor4D;
  });
}

/**
 * Attention (non-causal, no mask): qkv_proj output viewed as [B, T, 3 heads, d], heads 0..nh-1 are
 * queries, nh..2nh-1 keys, the rest values; RoPE on q and k; per head softmax(q k^T / sqrt(d)) v;
 * heads concatenated back to [B, T, D]; o_proj. In bf16 the scores, probabilities and head outputs
 * are rounded (an approximation of torch's fused SDPA kernels, whose internals are not bf16-exact).
 */
export function attention(
  h: tf.Tensor3D,
  qkvW: tf.Tensor2D,
  oW: tf.Tensor2D,
  numHeads: number,
  rope: RopeTables | undefined,
  p: Precision,
): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = h.shape;
    const d = qkvW.shape[0] / (3 * numHeads);
    const width = numHeads * d;
    // Rows [0, D) of qkv_proj produce the queries, [D, 2D) the keys, [2D, 3D) the values.
    const proj = (part: number) =>
      tf.reshape(linear(h, weightRows(qkvW, part * width, width), p), [B, T, numHeads, d]) as tf.Tensor4D;
    let q = proj(0),
      k = proj(1);
    const v = proj(2);
    if (rope) {
      q = applyRope(q, rope, p);
      k = applyRope(k, rope, p);
    }
    const qh = tf.transpose(q, [0, 2, 1, 3]); // [B, nh, T, d]
    const kh = tf.transpose(k, [0, 2, 1, 3]);
    const vh = tf.transpose(v, [0, 2, 1, 3]);
    const scores = p.round(tf.mul(tf.matMul(qh, kh, false, true), 1 / Math.sqrt(d)));
    const probs = p.round(tf.softmax(scores, -1));
    const out = p.round(tf.matMul(probs, vh)); // [B, nh, T, d]
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [B, T, numHeads * d]);
    return linear(merged, oW, p) as tf.Tensor3D;
  });
}
