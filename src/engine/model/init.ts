// Official initialisation (the module constructors of trm.py and models/layers.py): truncated normal "with exact std" (models/common.py
// trunc_normal_init_, a port of JAX's initializer), LeCun std for linear layers, q_head zeros with
// bias -5, zero puzzle embeddings. Draws come from our seeded RNG, not torch's generator.

import type { TrmConfig } from '../config';
import type { HostTensor } from '../hostTensor';
import { numel, roundToBf16 } from '../hostTensor';
import { expectedWeightShapes } from '../weights';
import { Rng, createRng } from './rng';

/** erf by its Maclaurin series (|x| <= 3 here), accurate to double precision. */
function erf(x: number): number {
  let term = x,
    sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Inverse error function: Giles' approximation refined by two Newton steps (double precision). */
export function erfinv(y: number): number {
  if (y <= -1) return -Infinity;
  if (y >= 1) return Infinity;
  let w = -Math.log((1 - y) * (1 + y));
  let x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-8;
    for (const c of [
      3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727,
      1.50140941,
    ])
      p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (const c of [
      0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406,
      2.83297682,
    ])
      p = c + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) x -= (erf(x) - y) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-x * x));
  return x;
}

const LOWER = -2;
const UPPER = 2;

/** trunc_normal_init_: standard normal truncated to [-2, 2], scaled so the std is exactly `std`. */
export function truncatedNormal(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  if (std === 0) return out;
  const sqrt2 = Math.SQRT2;
  const a = erf(LOWER / sqrt2),
    b = erf(UPPER / sqrt2);
  const z = (b - a) / 2;
  const c = 1 / Math.sqrt(2 * Math.PI);
  const pdfU = c * Math.exp(-0.5 * LOWER * LOWER);
  const pdfL = c * Math.exp(-0.5 * UPPER * UPPER);
  const compStd = std / Math.sqrt(1 - (UPPER * pdfU - LOWER * pdfL) / z - ((pdfU - pdfL) / z) ** 2);
  for (let i = 0; i < n; i++) {
    const u = a + (b - a) * rng();
    const v = erfinv(u) * sqrt2 * compStd;
    out[i] = Math.min(Math.max(v, LOWER * compStd), UPPER * compStd);
  }
  return out;
}

/** Fresh official-style weights for `config`, canonical names, float32, state_dict order. */
export function initialWeights(config: TrmConfig, seed: number): Map<string, HostTensor> {
  const rng = createRng(seed);
  const D = config.hidden_size;
  const out = new Map<string, HostTensor>();
  for (const [name, shape] of expectedWeightShapes(config)) {
    const n = numel(shape);
    let data: Float32Array;
    if (name === 'H_init' || name === 'L_init') {
      data = truncatedNormal(n, 1, rng);
      // Created directly in the forward dtype, so a bf16 model holds bf16 values.
      if (config.forward_dtype === 'bfloat16') data = roundToBf16(data);
    } else if (name === 'q_head.weight' || name === 'puzzle_emb.weights') {
      data = new Float32Array(n);
    } else if (name === 'q_head.bias') {
      data = new Float32Array(n).fill(-5);
    } else if (name === 'embed_tokens.embedding_weight' || name === 'embed_pos.embedding_weight') {
      data = truncatedNormal(n, 1 / Math.sqrt(D), rng);
    } else {
      // Every CastedLinear: LeCun std 1/sqrt(in_features), weight [out, in].
      data = truncatedNormal(n, 1 / Math.sqrt(shape[1]), rng);
    }
    out.set(name, { dtype: 'float32', shape: [...shape], data });
  }
  return out;
}
