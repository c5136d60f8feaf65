// forward_dtype emulation. TF.js has no bfloat16, so a 'bfloat16' model computes in float32 and
// rounds to the nearest bf16 value at the points where the official bf16 model materialises a
// bf16 tensor (trm.py and models/layers.py cast to `forward_dtype` there: embeddings, every linear / activation output, every residual
// sum, RMSNorm results, the RoPE output, logits). 'float32' (the parity target) rounds nowhere.

import * as tf from '@tensorflow/tfjs-core';
import type { ForwardDType } from '../config';

/** Where the model rounds; identity for float32. */
export interface Precision {
  readonly dtype: ForwardDType;
  /** Rounds a float tensor to the forward dtype (returns the same tensor for float32). */
  round<T extends tf.Tensor>(t: T): T;
}

// Veltkamp splitting with C = 2^16 + 1 keeps the top 8 significand bits of a float32 with
// round-half-to-even, i.e. exactly bf16 rounding, using only multiply/subtract (no bitcast op exists in
// TF.js, so this works on every backend). The 2^-32 pre-scale keeps x * C from overflowing for any
// finite float32; the price is that |x| < 2^-94 (far below anything the model produces) may be off by
// one bf16 ulp. Inf and NaN come out as NaN. Autodiff sees C x - (C x - x) = x: the gradient is the
// identity (straight-through), which is what a trainer wants.
const VELTKAMP_C = 65537;
const DOWN = 2 ** -32;
const UP = 2 ** 32;

/** Rounds every element of a float32 tensor to the nearest bfloat16 value (kept as float32). */
export function roundToBf16Tensor<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const s = tf.mul(x, DOWN);
    const t = tf.mul(s, VELTKAMP_C);
    const hi = tf.sub(t, tf.sub(t, s));
    return tf.mul(hi, UP) as T;
  });
}

const FLOAT32: Precision = { dtype: 'float32', round: (t) => t };
const BFLOAT16: Precision = { dtype: 'bfloat16', round: (t) => roundToBf16Tensor(t) };

export function precisionFor(dtype: ForwardDType): Precision {
  return dtype === 'bfloat16' ? BFLOAT16 : FLOAT32;
}
