// Optimisers of the official recipe (pretrain.py `create_model`'s optimisers) on host float32 arrays, one array per
// parameter tensor: AdamATan2 (decoupled decay, no epsilon, atan2 of the bias-corrected moments),
// AdamW (the torch formula, for comparison runs), SignSGD for the sparse puzzle-embedding rows, and
// the EMA of the weights. Keeping the maths on the host makes it exact, testable by hand and trivially
// checkpointable; the trainer copies updated values into the TF.js variables.

export type OptimizerName = 'adam_atan2' | 'adamw';

export interface AdamParams {
  beta1: number;
  beta2: number;
  weightDecay: number;
  /** AdamW only (AdamATan2 has none). */
  eps?: number;
}

/** Per-tensor optimiser state: first/second moments and the step count t (starts at 0, the first update uses 1). */
export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

export function newAdamState(n: number): AdamState {
  return { m: new Float32Array(n), v: new Float32Array(n), t: 0 };
}

/**
 * One AdamATan2 update in place (adam_atan2 package): p *= 1 - lr wd; m += (1 - b1)(g - m);
 * v += (1 - b2)(g^2 - v); p -= lr atan2(m / (1 - b1^t), sqrt(v) / sqrt(1 - b2^t)).
 */
export function adamAtan2Step(p: Float32Array, g: Float32Array, s: AdamState, lr: number, h: AdamParams): void {
  checkLengths(p, g, s);
  s.t += 1;
  const bc1 = 1 - h.beta1 ** s.t;
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** s.t);
  const decay = 1 - lr * h.weightDecay;
  const { m, v } = s;
  const a1 = 1 - h.beta1,
    a2 = 1 - h.beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = m[i] + a1 * (gi - m[i]);
    const vi = v[i] + a2 * (gi * gi - v[i]);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - lr * Math.atan2(mi / bc1, Math.sqrt(vi) / bc2Sqrt);
  }
}

/** One AdamW update in place (torch.optim.AdamW): decoupled decay, then m / (sqrt(v_hat) + eps) with bias correction. */
export function adamWStep(p: Float32Array, g: Float32Array, s: AdamState, lr: number, h: AdamParams): void {
  checkLengths(p, g, s);
  s.t += 1;
  const eps = h.eps ?? 1e-8;
  const bc1 = 1 - h.beta1 ** s.t;
  const bc2Sqrt = Math.sqrt(1 - h.beta2 ** s.t);
  const stepSize = lr / bc1;
  const decay = 1 - lr * h.weightDecay;
  const { m, v } = s;
  const a1 = 1 - h.beta1,
    a2 = 1 - h.beta2;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = m[i] + a1 * (gi - m[i]);
    const vi = v[i] + a2 * (gi * gi - v[i]);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] * decay - stepSize * (mi / (Math.sqrt(vi) / bc2Sqrt + eps));
  }
}

export function optimizerStep(
  name: OptimizerName,
  p: Float32Array,
  g: Float32Array,
  s: AdamState,
  lr: number,
  h: AdamParams,
): void {
  if (name === 'adamw') adamWStep(p, g, s, lr, h);
  else adamAtan2Step(p, g, s, lr, h);
}

function checkLengths(p: Float32Array, g: Float32Array, s: AdamState): void {
  if (g.length !== p.length || s.m.length !== p.length || s.v.length !== p.length) {
    throw new Error(
      `optimizer: parameter has ${p.length} values, gradient ${g.length}, moments ${s.m.length}/${s.v.length}`,
    );
  }
}

/**
 * CastedSparseEmbeddingSignSGD_Distributed on the rows present in a batch: gradients of rows that
 * share an id are summed first, then for each distinct id only: w <- w (1 - lr wd) - lr sign(g).
 * `table` is [N, ndim] row-major; `rowGrads` is [B, ndim] for the batch's `ids`. Returns the distinct ids touched.
 */
export function signSgdSparseStep(
  table: Float32Array,
  ndim: number,
  ids: ArrayLike<number>,
  rowGrads: Float32Array,
  lr: number,
  weightDecay: number,
): number[] {
  if (rowGrads.length !== ids.length * ndim)
    throw new Error(`signSGD: ${rowGrads.length} gradient values for ${ids.length} rows of ${ndim}`);
  const rows = table.length / ndim;
  const summed = new Map<number, Float64Array>();
  for (let b = 0; b < ids.length; b++) {
    const id = ids[b];
    if (!Number.isInteger(id) || id < 0 || id >= rows)
      throw new Error(`signSGD: puzzle id ${id} outside the table (0..${rows - 1})`);
    let acc = summed.get(id);
    if (!acc) {
      acc = new Float64Array(ndim);
      summed.set(id, acc);
    }
    for (let k = 0; k < ndim; k++) acc[k] += rowGrads[b * ndim + k];
  }
  const decay = 1 - lr * weightDecay;
  for (const [id, g] of summed) {
    const o = id * ndim;
    for (let k = 0; k < ndim; k++) table[o + k] = table[o + k] * decay - lr * Math.sign(g[k]);
  }
  return [...summed.keys()];
}

/** EMA (models/ema.py): shadow = rate x shadow + (1 - rate) x param, in place. */
export function emaUpdate(shadow: Float32Array, param: Float32Array, rate: number): void {
  if (shadow.length !== param.length)
    throw new Error(`EMA: shadow has ${shadow.length} values, parameter ${param.length}`);
  const a = 1 - rate;
  for (let i = 0; i < shadow.length; i++) shadow[i] = rate * shadow[i] + a * param[i];
}
