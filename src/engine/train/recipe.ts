// The training recipe: model config + training hyperparameters (official config/cfg_pretrain.yaml
// names), resolved from a preset and/or a YAML/JSON config file and the request's overrides, with
// the task sizes taken from the dataset. Every bad value is reported by name.

import * as fs from 'node:fs';
import * as YAML from 'yaml';
import { PRESETS, TrmConfig, configFromArch, getPreset, validateConfig } from '../config';
import type { DatasetMetadata } from '../data/built';
import type { TrainRequest } from './events';
import type { OptimizerName } from './optim';

export interface TrainHyperparams {
  global_batch_size: number;
  /** Total optimiser steps (one ACT step of one batch each). */
  total_steps: number;
  lr: number;
  lr_min_ratio: number;
  lr_warmup_steps: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  puzzle_emb_lr: number;
  puzzle_emb_weight_decay: number;
  ema: boolean;
  ema_rate: number;
  optimizer: OptimizerName;
  /** Evaluate every N steps (0 = only at the end). */
  eval_interval: number;
  /** Checkpoint every N steps (0 = after every evaluation and at the end). */
  checkpoint_every: number;
  /** Test examples used per evaluation (0 = the whole test split). */
  eval_max_examples: number;
  /** Progress event every N steps. */
  log_every: number;
  seed: number;
}

/** cfg_pretrain.yaml defaults, with a step count instead of epochs. */
export const TRAIN_DEFAULTS: TrainHyperparams = {
  global_batch_size: 768,
  total_steps: 65104,
  lr: 1e-4,
  lr_min_ratio: 1.0,
  lr_warmup_steps: 2000,
  weight_decay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: false,
  ema_rate: 0.999,
  optimizer: 'adam_atan2',
  eval_interval: 5000,
  checkpoint_every: 0,
  eval_max_examples: 0,
  log_every: 10,
  seed: 0,
};

const PAPER_SUDOKU: Partial<TrainHyperparams> = {
  puzzle_emb_lr: 1e-4,
  weight_decay: 1.0,
  puzzle_emb_weight_decay: 1.0,
  ema: true,
};
/** CPU-sized runs: fewer, larger steps; still the official optimisers and loss. */
const SMALL: Partial<TrainHyperparams> = {
  global_batch_size: 32,
  total_steps: 2000,
  lr: 1e-3,
  lr_warmup_steps: 100,
  lr_min_ratio: 0.1,
  weight_decay: 0.1,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  ema: true,
  ema_rate: 0.99,
  eval_interval: 250,
  eval_max_examples: 256,
  // A CPU step takes seconds: every step is a point on the dashboard from the first one.
  log_every: 1,
};

export const PRESET_TRAINING: Record<string, Partial<TrainHyperparams>> = {
  'sudoku-mlp': PAPER_SUDOKU,
  'sudoku-att': PAPER_SUDOKU,
  'maze-hard': { ...PAPER_SUDOKU, puzzle_emb_lr: 1e-4 },
  'arc-agi': { ema: true, eval_interval: 10000 },
  'sudoku-mlp-small': SMALL,
  'sudoku-mlp-demo': SMALL,
  'sudoku-att-small': SMALL,
  'maze-small': SMALL,
  'arc-small': SMALL,
};

export interface Recipe {
  config: TrmConfig;
  train: TrainHyperparams;
  preset?: string;
  /** Where each part came from, for the run's config.json. */
  source: string;
}

const NUM_FIELDS = Object.entries(TRAIN_DEFAULTS)
  .filter(([, v]) => typeof v === 'number')
  .map(([k]) => k) as (keyof TrainHyperparams)[];
const INT_FIELDS = new Set([
  'global_batch_size',
  'total_steps',
  'lr_warmup_steps',
  'eval_interval',
  'checkpoint_every',
  'eval_max_examples',
  'log_every',
  'seed',
]);

/** Checks every hyperparameter; one error listing all problems. */
export function validateHyperparams(h: TrainHyperparams, source: string): TrainHyperparams {
  const problems: string[] = [];
  for (const k of NUM_FIELDS) {
    const v = h[k] as unknown;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      problems.push(`${k} must be a finite number (got ${JSON.stringify(v)})`);
      continue;
    }
    if (INT_FIELDS.has(k) && (!Number.isInteger(v) || v < 0))
      problems.push(`${k} must be a non-negative integer (got ${v})`);
    else if (v < 0) problems.push(`${k} must not be negative (got ${v})`);
  }
  if (h.global_batch_size < 1) problems.push('global_batch_size must be at least 1');
  if (h.total_steps < 1) problems.push('total_steps must be at least 1');
  if (h.log_every < 1) problems.push('log_every must be at least 1');
  for (const k of ['beta1', 'beta2', 'ema_rate', 'lr_min_ratio'] as const)
    if (h[k] > 1) problems.push(`${k} must be in [0, 1] (got ${h[k]})`);
  if (h.optimizer !== 'adam_atan2' && h.optimizer !== 'adamw')
    problems.push(`optimizer must be adam_atan2 or adamw (got ${JSON.stringify(h.optimizer)})`);
  if (typeof h.ema !== 'boolean') problems.push(`ema must be true or false (got ${JSON.stringify(h.ema)})`);
  if (problems.length) throw new Error(`invalid training settings (${source}): ${problems.join('; ')}`);
  return h;
}

function readConfigRoot(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read training config ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { cause: e },
    );
  }
  let root: unknown;
  try {
    root =
      file.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{')
        ? JSON.parse(text)
        : YAML.parse(text, { version: '1.1' });
  } catch (e) {
    throw new Error(`training config ${file}: cannot parse: ${(e as Error).message}`, { cause: e });
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root))
    throw new Error(`training config ${file}: expected a mapping with \`arch\` and training fields`);
  return root as Record<string, unknown>;
}

/**
 * Builds the recipe: preset (request or config file) < config file (`arch:` + top-level training
 * fields) < request overrides; seq_len, vocab_size and num_puzzle_identifiers from the dataset.
 */
export function resolveRecipe(req: TrainRequest, meta: DatasetMetadata): Recipe {
  let root: Record<string, unknown> = {};
  if (req.configPath) root = readConfigRoot(req.configPath);
  const presetName = req.preset ?? (typeof root.preset === 'string' ? root.preset : undefined);
  if (!presetName && !req.configPath)
    throw new Error(`choose a model: --preset <name> (one of ${Object.keys(PRESETS).join(', ')}) or --config <file>`);
  if (presetName && !PRESETS[presetName])
    throw new Error(`unknown preset "${presetName}"; known presets: ${Object.keys(PRESETS).join(', ')}`);
  const base = presetName ? getPreset(presetName) : undefined;
  const archIn = typeof root.arch === 'object' && root.arch !== null ? (root.arch as Record<string, unknown>) : {};
  const config = configFromArch(
    { ...(base ?? {}), ...archIn },
    {
      seq_len: meta.seq_len,
      vocab_size: meta.vocab_size,
      num_puzzle_identifiers: meta.num_puzzle_identifiers,
    },
  );
  const source = [presetName ? `preset ${presetName}` : '', req.configPath ? `config ${req.configPath}` : '']
    .filter(Boolean)
    .join(' + ');
  try {
    validateConfig(config);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`, { cause: e });
  }

  const train: TrainHyperparams = { ...TRAIN_DEFAULTS, ...(presetName ? (PRESET_TRAINING[presetName] ?? {}) : {}) };
  const known = new Set(Object.keys(TRAIN_DEFAULTS));
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(root)) {
    if (k === 'arch' || k === 'preset') continue;
    if (!known.has(k)) {
      unknown.push(k);
      continue;
    }
    (train as unknown as Record<string, unknown>)[k] = v;
  }
  if (unknown.length)
    throw new Error(
      `training config ${req.configPath}: unknown field(s) ${unknown.join(', ')}; known: arch, preset, ${[...known].join(', ')}`,
    );
  if (req.steps !== undefined) train.total_steps = req.steps;
  if (req.batchSize !== undefined) train.global_batch_size = req.batchSize;
  if (req.lr !== undefined) train.lr = req.lr;
  if (req.evalEvery !== undefined) train.eval_interval = req.evalEvery;
  if (req.checkpointEvery !== undefined) train.checkpoint_every = req.checkpointEvery;
  if (req.seed !== undefined) train.seed = req.seed;
  validateHyperparams(train, source);
  return { config, train, preset: presetName, source };
}
