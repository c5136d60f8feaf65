// TRM model configuration with the official `arch` field names (config/arch/trm.yaml and
// TinyRecursiveReasoningModel_ACTV1Config), presets for the paper's tasks and derived sizes.

import { Limits, limitsOf, raiseHint } from './limits';

export type PosEncodings = 'rope' | 'learned' | 'none';
export type ForwardDType = 'float32' | 'bfloat16';
export type LossType = 'stablemax_cross_entropy' | 'softmax_cross_entropy';

export interface TrmConfig {
  // Task sizes: not in all_config.yaml; from the dataset or inferred from checkpoint weights.
  seq_len: number;
  vocab_size: number;
  num_puzzle_identifiers: number;
  // Architecture (official names).
  hidden_size: number;
  H_cycles: number; // T in the paper: cycles per supervision step
  L_cycles: number; // n in the paper: z updates per cycle
  H_layers: number; // read but ignored by TRM
  L_layers: number; // blocks in the shared network
  num_heads: number;
  expansion: number;
  pos_encodings: PosEncodings;
  mlp_t: boolean;
  puzzle_emb_ndim: number;
  puzzle_emb_len: number;
  halt_max_steps: number; // N_sup in the paper
  halt_exploration_prob: number;
  no_ACT_continue: boolean;
  rms_norm_eps: number;
  rope_theta: number;
  forward_dtype: ForwardDType;
  loss_type: LossType;
}

export const ARCH_DEFAULTS: Omit<TrmConfig, 'seq_len' | 'vocab_size' | 'num_puzzle_identifiers'> = {
  hidden_size: 512,
  H_cycles: 3,
  L_cycles: 6,
  H_layers: 0,
  L_layers: 2,
  num_heads: 8,
  expansion: 4,
  pos_encodings: 'rope',
  mlp_t: false,
  puzzle_emb_ndim: 512,
  puzzle_emb_len: 16,
  halt_max_steps: 16,
  halt_exploration_prob: 0.1,
  no_ACT_continue: true,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  forward_dtype: 'bfloat16',
  loss_type: 'stablemax_cross_entropy',
};

const SUDOKU = { seq_len: 81, vocab_size: 11, num_puzzle_identifiers: 1 };
const MAZE = { seq_len: 900, vocab_size: 6, num_puzzle_identifiers: 1 };
const ARC = { seq_len: 900, vocab_size: 12, num_puzzle_identifiers: 1 };

export interface Preset {
  description: string;
  config: TrmConfig;
}

export const PRESETS: Record<string, Preset> = {
  'sudoku-mlp': {
    description: 'Sudoku-Extreme, paper MLP-T variant (pretrain_mlp_t_sudoku), 5.0M parameters',
    config: { ...ARCH_DEFAULTS, ...SUDOKU, mlp_t: true, pos_encodings: 'none' },
  },
  'sudoku-att': {
    description: 'Sudoku-Extreme, attention variant (pretrain_att_sudoku), 6.8M parameters',
    config: { ...ARCH_DEFAULTS, ...SUDOKU },
  },
  'maze-hard': {
    description: 'Maze-Hard 30x30 (pretrain_att_maze30x30), n = 4',
    config: { ...ARCH_DEFAULTS, ...MAZE, L_cycles: 4 },
  },
  'arc-agi': {
    description: 'ARC-AGI-1/-2 (pretrain_att_arc1concept_4), n = 4; num_puzzle_identifiers comes from the data',
    config: { ...ARCH_DEFAULTS, ...ARC, L_cycles: 4 },
  },
  'sudoku-mlp-small': {
    description: 'CPU-friendly Sudoku MLP-T (hidden 64, float32), the shape of the parity fixture',
    config: {
      ...ARCH_DEFAULTS,
      ...SUDOKU,
      mlp_t: true,
      pos_encodings: 'none',
      hidden_size: 64,
      num_heads: 2,
      puzzle_emb_ndim: 64,
      forward_dtype: 'float32',
    },
  },
  'sudoku-mlp-demo': {
    description: 'Demo-size Sudoku MLP-T (hidden 128, float32) trained by `npm run train:demo`',
    config: {
      ...ARCH_DEFAULTS,
      ...SUDOKU,
      mlp_t: true,
      pos_encodings: 'none',
      hidden_size: 128,
      num_heads: 2,
      puzzle_emb_ndim: 128,
      forward_dtype: 'float32',
    },
  },
  'sudoku-att-small': {
    description: 'CPU-friendly Sudoku attention (hidden 64, 2 heads, float32)',
    config: {
      ...ARCH_DEFAULTS,
      ...SUDOKU,
      hidden_size: 64,
      num_heads: 2,
      puzzle_emb_ndim: 64,
      forward_dtype: 'float32',
    },
  },
  'maze-small': {
    description: 'CPU-friendly maze model (hidden 64, 2 heads, n = 4, float32); seq_len follows the data',
    config: {
      ...ARCH_DEFAULTS,
      ...MAZE,
      seq_len: 81,
      L_cycles: 4,
      hidden_size: 64,
      num_heads: 2,
      puzzle_emb_ndim: 64,
      forward_dtype: 'float32',
    },
  },
  'arc-small': {
    description: 'CPU-friendly ARC model (hidden 64, 2 heads, n = 4, float32)',
    config: {
      ...ARCH_DEFAULTS,
      ...ARC,
      L_cycles: 4,
      hidden_size: 64,
      num_heads: 2,
      puzzle_emb_ndim: 64,
      forward_dtype: 'float32',
    },
  },
};

export function getPreset(name: string): TrmConfig {
  const p = PRESETS[name];
  if (!p) throw new Error(`unknown preset "${name}"; known presets: ${Object.keys(PRESETS).join(', ')}`);
  return { ...p.config };
}

/** Python-style round (half to even). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** SwiGLU intermediate width: round(expansion * width * 2/3) rounded up to a multiple of 256. */
export function swigluIntermediate(width: number, expansion: number): number {
  const inter = roundHalfEven((expansion * width * 2) / 3);
  return Math.ceil(inter / 256) * 256;
}

export interface DerivedSizes {
  puzzleEmbLen: number; // P
  totalSeqLen: number; // T = S + P
  headDim: number;
  embedScale: number; // sqrt(D)
  channelIntermediate: number; // SwiGLU over D
  tokenIntermediate: number; // SwiGLU over T (mlp_t only, else 0)
  updatesPerStep: number; // H * (n + 1)
  layerApplicationsPerStep: number;
}

export function derive(c: TrmConfig): DerivedSizes {
  const puzzleEmbLen = c.puzzle_emb_len === 0 ? Math.ceil(c.puzzle_emb_ndim / c.hidden_size) : c.puzzle_emb_len;
  const totalSeqLen = c.seq_len + puzzleEmbLen;
  return {
    puzzleEmbLen,
    totalSeqLen,
    headDim: Math.floor(c.hidden_size / c.num_heads),
    embedScale: Math.sqrt(c.hidden_size),
    channelIntermediate: swigluIntermediate(c.hidden_size, c.expansion),
    tokenIntermediate: c.mlp_t ? swigluIntermediate(totalSeqLen, c.expansion) : 0,
    updatesPerStep: c.H_cycles * (c.L_cycles + 1),
    layerApplicationsPerStep: c.H_cycles * (c.L_cycles + 1) * c.L_layers,
  };
}

const INT_FIELDS = [
  'seq_len',
  'vocab_size',
  'num_puzzle_identifiers',
  'hidden_size',
  'H_cycles',
  'L_cycles',
  'H_layers',
  'L_layers',
  'num_heads',
  'puzzle_emb_ndim',
  'puzzle_emb_len',
  'halt_max_steps',
] as const;

/** Fields that may be 0 (H_layers is unused by TRM; puzzle_emb_* = 0 means no puzzle embedding). */
const MAY_BE_ZERO = new Set<string>(['H_layers', 'num_heads', 'puzzle_emb_ndim', 'puzzle_emb_len']);

/**
 * Checks a complete config; throws one message listing every problem. Every size and loop count is
 * range-checked against the limits (a config can ask for any number of cycles, and nothing else
 * would stop a run of hours), and a refusal names the key, the allowed range and how to raise it.
 */
export function validateConfig(c: TrmConfig, limits?: Partial<Limits>): TrmConfig {
  const problems: string[] = [];
  const l = limitsOf(limits);
  for (const f of INT_FIELDS) {
    const v = c[f];
    const lo = MAY_BE_ZERO.has(f) ? 0 : 1;
    const hi = l[f];
    if (!Number.isInteger(v) || v < 0) problems.push(`${f} must be a non-negative integer (got ${JSON.stringify(v)})`);
    else if (v < lo) problems.push(`${f} must be at least ${lo}`);
    else if (v > hi) problems.push(`${f} = ${v} is outside the allowed range ${lo}..${hi} (${raiseHint(f)})`);
  }
  if (typeof c.expansion === 'number' && c.expansion > l.expansion)
    problems.push(
      `expansion = ${c.expansion} is outside the allowed range (0, ${l.expansion}] (${raiseHint('expansion')})`,
    );
  if (!(c.expansion > 0)) problems.push(`expansion must be positive (got ${c.expansion})`);
  if (!['rope', 'learned', 'none'].includes(c.pos_encodings))
    problems.push(`pos_encodings must be rope, learned or none (got ${JSON.stringify(c.pos_encodings)})`);
  if (!c.mlp_t && (c.num_heads < 1 || c.hidden_size % c.num_heads !== 0))
    problems.push(`hidden_size ${c.hidden_size} must be divisible by num_heads ${c.num_heads}`);
  if (c.puzzle_emb_ndim === 0 && c.puzzle_emb_len !== 0)
    problems.push('puzzle_emb_ndim = 0 needs puzzle_emb_len = 0 (the official code fails otherwise)');
  if (c.puzzle_emb_ndim > 0 && c.puzzle_emb_len > 0 && c.puzzle_emb_ndim > c.puzzle_emb_len * c.hidden_size) {
    problems.push(
      `puzzle_emb_ndim ${c.puzzle_emb_ndim} does not fit in puzzle_emb_len ${c.puzzle_emb_len} x hidden_size ${c.hidden_size}`,
    );
  }
  if (!(c.halt_exploration_prob >= 0 && c.halt_exploration_prob <= 1))
    problems.push('halt_exploration_prob must be in [0, 1]');
  if (!['float32', 'bfloat16'].includes(c.forward_dtype))
    problems.push(`forward_dtype must be float32 or bfloat16 (got ${JSON.stringify(c.forward_dtype)})`);
  if (!['stablemax_cross_entropy', 'softmax_cross_entropy'].includes(c.loss_type))
    problems.push(
      `loss_type must be stablemax_cross_entropy or softmax_cross_entropy (got ${JSON.stringify(c.loss_type)})`,
    );
  if (problems.length) throw new Error(`invalid TRM config: ${problems.join('; ')}`);
  return c;
}

/**
 * Builds a config from an official `arch` mapping (all_config.yaml's `arch`, or a flat JSON) plus
 * task sizes. Unknown keys are ignored (the official yaml carries `name`, `loss`, `causal`, …).
 */
export function configFromArch(
  arch: Record<string, unknown>,
  sizes: Partial<Pick<TrmConfig, 'seq_len' | 'vocab_size' | 'num_puzzle_identifiers'>> = {},
): TrmConfig {
  const c: Record<string, unknown> = { ...ARCH_DEFAULTS, seq_len: 0, vocab_size: 0, num_puzzle_identifiers: 0 };
  for (const key of Object.keys(c))
    if (key in arch && arch[key] !== undefined && arch[key] !== null) c[key] = arch[key];
  // The official yaml nests the loss: arch.loss.loss_type.
  const loss = arch.loss as Record<string, unknown> | undefined;
  if (loss && typeof loss === 'object' && typeof loss.loss_type === 'string') c.loss_type = loss.loss_type;
  if (typeof c.pos_encodings === 'string' && !['rope', 'learned'].includes(c.pos_encodings)) c.pos_encodings = 'none';
  for (const [k, v] of Object.entries(sizes)) if (v !== undefined) c[k] = v;
  return c as unknown as TrmConfig;
}
