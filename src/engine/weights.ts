// State-dict normalisation and validation for TRM checkpoints. Official files key their tensors as
// `_orig_mod.model.inner.<name>` (loss head wrapped by torch.compile) or `model.inner.<name>`
// (DISABLE_COMPILE); canonical names are the bare module names of the inner model
// (TinyRecursiveReasoningModel_ACTV1_Inner), e.g. `L_level.layers.0.mlp.gate_up_proj.weight`.
// Weights are decoded to float32 (bf16 H_init / L_init included), checked key by key against the
// shapes the config implies (the state_dict pretrain.py `save_train_state` writes), and scanned for NaN/Inf.

import { TrmConfig, derive } from './config';
import { HostTensor, numel, shapeToString, toFloat32 } from './hostTensor';

/** Persistent buffers, not parameters: excluded from the trainable-parameter count like the official log. */
export const BUFFER_KEYS: ReadonlySet<string> = new Set(['H_init', 'L_init', 'puzzle_emb.weights']);

const FLOAT_DTYPES = new Set(['float32', 'float64', 'bfloat16', 'float16']);

/** Strips the wrapper prefixes: `_orig_mod.` (torch.compile), then `model.inner.` (ACT loss head + ACT wrapper), or whatever part remains. */
export function canonicalName(key: string): string {
  let k = key;
  if (k.startsWith('_orig_mod.')) k = k.slice('_orig_mod.'.length);
  if (k.startsWith('model.')) k = k.slice('model.'.length);
  if (k.startsWith('inner.')) k = k.slice('inner.'.length);
  return k;
}

export interface CanonicalStateDict {
  /** Canonical names; floating tensors decoded to float32, other dtypes left as they are. */
  weights: Map<string, HostTensor>;
  /** Original dtype per canonical key (e.g. H_init -> bfloat16). */
  sourceDtypes: Map<string, string>;
}

/** Renames to canonical keys and decodes bf16/f16/f64 to float32 (float32 data is kept, not copied). */
export function canonicalizeStateDict(raw: Map<string, HostTensor>, source: string): CanonicalStateDict {
  const weights = new Map<string, HostTensor>();
  const sourceDtypes = new Map<string, string>();
  const origin = new Map<string, string>();
  for (const [key, t] of raw) {
    const name = canonicalName(key);
    const previous = origin.get(name);
    if (previous !== undefined)
      throw new Error(`${source}: keys "${previous}" and "${key}" both map to the weight ${name}`);
    origin.set(name, key);
    sourceDtypes.set(name, t.dtype);
    // toFloat32 allocates once for bf16/f16 (the raw 16-bit buffer is then dropped with `raw`).
    weights.set(name, FLOAT_DTYPES.has(t.dtype) ? { dtype: 'float32', shape: t.shape, data: toFloat32(t) } : t);
  }
  return { weights, sourceDtypes };
}

/** Sizes readable off the weights themselves (all optional: a key may be missing). */
export interface InferredSizes {
  vocab_size?: number; // embed_tokens rows
  hidden_size?: number; // embed_tokens width
  num_puzzle_identifiers?: number; // puzzle_emb.weights rows
  puzzle_emb_ndim?: number; // puzzle_emb.weights width (0 when the table is absent)
  total_seq_len?: number; // T = S + P, from mlp_t gate_up in-dim or learned embed_pos rows
  L_layers?: number;
  mlp_t?: boolean;
  learned_pos?: boolean;
}

export function inferSizes(weights: Map<string, HostTensor>): InferredSizes {
  const out: InferredSizes = {};
  const embed = weights.get('embed_tokens.embedding_weight');
  if (embed?.shape.length === 2) {
    out.vocab_size = embed.shape[0];
    out.hidden_size = embed.shape[1];
  }
  const puzzle = weights.get('puzzle_emb.weights');
  if (puzzle?.shape.length === 2) {
    out.num_puzzle_identifiers = puzzle.shape[0];
    out.puzzle_emb_ndim = puzzle.shape[1];
  } else if (!puzzle && embed) out.puzzle_emb_ndim = 0;
  let lastLayer = -1;
  for (const k of weights.keys()) {
    const m = /^L_level\.layers\.(\d+)\./.exec(k);
    if (m) lastLayer = Math.max(lastLayer, Number(m[1]));
  }
  if (lastLayer >= 0) out.L_layers = lastLayer + 1;
  const tokenMlp = weights.get('L_level.layers.0.mlp_t.gate_up_proj.weight');
  if (tokenMlp || weights.has('L_level.layers.0.self_attn.qkv_proj.weight')) out.mlp_t = tokenMlp !== undefined;
  if (tokenMlp?.shape.length === 2) out.total_seq_len = tokenMlp.shape[1];
  const pos = weights.get('embed_pos.embedding_weight');
  out.learned_pos = pos !== undefined;
  if (pos?.shape.length === 2 && out.total_seq_len === undefined) out.total_seq_len = pos.shape[0];
  return out;
}

/** Every weight the official inner model holds for this config, in state_dict order, with its shape. */
export function expectedWeightShapes(c: TrmConfig): Map<string, number[]> {
  const d = derive(c);
  const D = c.hidden_size;
  const T = d.totalSeqLen;
  const m = new Map<string, number[]>();
  m.set('H_init', [D]);
  m.set('L_init', [D]);
  m.set('embed_tokens.embedding_weight', [c.vocab_size, D]);
  m.set('lm_head.weight', [c.vocab_size, D]);
  m.set('q_head.weight', [2, D]);
  m.set('q_head.bias', [2]);
  if (c.puzzle_emb_ndim > 0) m.set('puzzle_emb.weights', [c.num_puzzle_identifiers, c.puzzle_emb_ndim]);
  if (c.pos_encodings === 'learned') m.set('embed_pos.embedding_weight', [T, D]);
  for (let l = 0; l < c.L_layers; l++) {
    const p = `L_level.layers.${l}`;
    if (c.mlp_t) {
      // SwiGLU over the T positions: Linear(T, 2 I_T) and Linear(I_T, T).
      m.set(`${p}.mlp_t.gate_up_proj.weight`, [2 * d.tokenIntermediate, T]);
      m.set(`${p}.mlp_t.down_proj.weight`, [T, d.tokenIntermediate]);
    } else {
      // q, k and v heads (num_key_value_heads = num_heads) packed in one projection.
      m.set(`${p}.self_attn.qkv_proj.weight`, [3 * c.num_heads * d.headDim, D]);
      m.set(`${p}.self_attn.o_proj.weight`, [D, c.num_heads * d.headDim]);
    }
    m.set(`${p}.mlp.gate_up_proj.weight`, [2 * d.channelIntermediate, D]);
    m.set(`${p}.mlp.down_proj.weight`, [D, d.channelIntermediate]);
  }
  return m;
}

export interface ValidateOptions {
  /** The checkpoint, for messages. */
  source: string;
  /** Where the config came from, for messages. */
  configSource: string;
  /** Load weights containing NaN/Inf anyway (reported as warnings instead of an error). */
  allowNonFinite?: boolean;
}

export interface ValidatedWeights {
  /** Exactly the expected keys, in state_dict order. */
  weights: Map<string, HostTensor>;
  warnings: string[];
}

function countNonFinite(x: Float32Array): number {
  let bad = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) bad++;
  return bad;
}

/**
 * Checks canonical float32 weights against the config: every expected key present with the
 * expected shape and a floating dtype, all values finite. Throws one error listing every problem;
 * unexpected keys become warnings and are dropped.
 */
export function validateWeights(
  weights: Map<string, HostTensor>,
  config: TrmConfig,
  opts: ValidateOptions,
): ValidatedWeights {
  const expected = expectedWeightShapes(config);
  const problems: string[] = [];
  const missing: string[] = [];
  const warnings: string[] = [];
  const out = new Map<string, HostTensor>();
  for (const [key, shape] of expected) {
    const t = weights.get(key);
    if (!t) {
      missing.push(key);
      continue;
    }
    if (t.dtype !== 'float32') {
      problems.push(`${key}: dtype ${t.dtype} is not a floating-point weight`);
      continue;
    }
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      problems.push(`${key}: checkpoint has ${shapeToString(t.shape)}, config expects ${shapeToString(shape)}`);
      continue;
    }
    const bad = countNonFinite(t.data as Float32Array);
    if (bad) {
      const msg = `${key}: ${bad} of ${numel(t.shape)} values are NaN or infinite`;
      if (opts.allowNonFinite) warnings.push(`${opts.source}: ${msg} (loaded anyway: allowNonFinite)`);
      else problems.push(msg);
    }
    out.set(key, t);
  }
  if (missing.length) problems.push(`missing keys: ${missing.join(', ')}`);
  const unexpected = [...weights.keys()].filter((k) => !expected.has(k));
  if (unexpected.length)
    warnings.push(`${opts.source}: ignoring unexpected keys not used by this configuration: ${unexpected.join(', ')}`);
  if (problems.length) {
    const embed = weights.get('embed_tokens.embedding_weight');
    const hint =
      embed && embed.shape.length === 2 && embed.shape[1] !== config.hidden_size
        ? ` (the embedding is ${embed.shape[1]} wide, so the checkpoint looks like hidden_size ${embed.shape[1]}, not ${config.hidden_size})`
        : '';
    const nonFinite = problems.some((p) => p.includes('NaN or infinite'))
      ? ' (pass allowNonFinite to load non-finite weights anyway)'
      : '';
    throw new Error(
      `${opts.source} does not match its configuration (${opts.configSource})${hint}${nonFinite}: ${problems.join('; ')}`,
    );
  }
  return { weights: out, warnings };
}

/** Trainable parameters (`model.parameters()` in the official log): everything but the persistent buffers. */
export function trainableParameterCount(weights: Map<string, HostTensor>): number {
  let n = 0;
  for (const [k, t] of weights) if (!BUFFER_KEYS.has(k)) n += numel(t.shape);
  return n;
}
