// The official trainer's configuration, field for field: pretrain.py `PretrainConfig` (top level, the
// names of config/cfg_pretrain.yaml) and config/arch/trm.yaml (the `arch` group, passed to
// TinyRecursiveReasoningModel_ACTV1Config), and the two-way mapping to a TRM Lens recipe. Every TRM
// Lens setting either has an official field with the same value or is listed in `notes` with what
// pretrain.py does instead, so nothing is dropped silently.

import { ARCH_DEFAULTS, type TrmConfig, type LossType, validateConfig } from '../config';
import type { DatasetMetadata } from '../data/built';
import { TRAIN_DEFAULTS, type Recipe, type TrainHyperparams, validateHyperparams } from '../train/recipe';
import { planEpochs, planFor, type EpochPlan } from './epochPlan';

/** `name` of config/arch/trm.yaml: models/recursive_reasoning/trm.py's ACT model class. */
export const OFFICIAL_MODEL_NAME = 'recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1';
/** `loss.name` of config/arch/trm.yaml: models/losses.py `ACTLossHead`. */
export const OFFICIAL_LOSS_NAME = 'losses@ACTLossHead';
/** evaluators/arc.py `ARC` (pass@K with augmentation voting), cfg_pretrain.yaml's default evaluator. */
export const ARC_EVALUATOR = 'arc@ARC';

/** config/arch/trm.yaml plus the two class defaults it leaves out (rms_norm_eps, rope_theta). */
export interface OfficialArch {
  name: string;
  loss: { name: string; loss_type: LossType };
  halt_exploration_prob: number;
  halt_max_steps: number;
  H_cycles: number;
  L_cycles: number;
  H_layers: number;
  L_layers: number;
  hidden_size: number;
  num_heads: number;
  expansion: number;
  puzzle_emb_ndim: number;
  pos_encodings: string;
  forward_dtype: string;
  mlp_t: boolean;
  puzzle_emb_len: number;
  no_ACT_continue: boolean;
  rms_norm_eps: number;
  rope_theta: number;
}

/** pretrain.py `PretrainConfig`, every field. */
export interface OfficialConfig {
  arch: OfficialArch;
  data_paths: string[];
  data_paths_test: string[];
  evaluators: { name: string }[];
  global_batch_size: number;
  epochs: number;
  lr: number;
  lr_min_ratio: number;
  lr_warmup_steps: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  puzzle_emb_lr: number;
  puzzle_emb_weight_decay: number;
  project_name: string | null;
  run_name: string | null;
  load_checkpoint: string | null;
  checkpoint_path: string | null;
  seed: number;
  checkpoint_every_eval: boolean;
  eval_interval: number | null;
  min_eval_interval: number | null;
  eval_save_outputs: string[];
  ema: boolean;
  ema_rate: number;
  freeze_weights: boolean;
}

/** The `arch` fields in config/arch/trm.yaml order, then the class defaults. */
export const ARCH_FIELDS = [
  'name',
  'loss',
  'halt_exploration_prob',
  'halt_max_steps',
  'H_cycles',
  'L_cycles',
  'H_layers',
  'L_layers',
  'hidden_size',
  'num_heads',
  'expansion',
  'puzzle_emb_ndim',
  'pos_encodings',
  'forward_dtype',
  'mlp_t',
  'puzzle_emb_len',
  'no_ACT_continue',
  'rms_norm_eps',
  'rope_theta',
] as const satisfies readonly (keyof OfficialArch)[];

/** PretrainConfig's fields in declaration order. */
export const PRETRAIN_FIELDS = [
  'arch',
  'data_paths',
  'data_paths_test',
  'evaluators',
  'global_batch_size',
  'epochs',
  'lr',
  'lr_min_ratio',
  'lr_warmup_steps',
  'weight_decay',
  'beta1',
  'beta2',
  'puzzle_emb_lr',
  'puzzle_emb_weight_decay',
  'project_name',
  'run_name',
  'load_checkpoint',
  'checkpoint_path',
  'seed',
  'checkpoint_every_eval',
  'eval_interval',
  'min_eval_interval',
  'eval_save_outputs',
  'ema',
  'ema_rate',
  'freeze_weights',
] as const satisfies readonly (keyof OfficialConfig)[];

/** Fields Python holds as floats (written with a decimal point). */
export const FLOAT_FIELDS = new Set([
  'lr',
  'lr_min_ratio',
  'weight_decay',
  'beta1',
  'beta2',
  'puzzle_emb_lr',
  'puzzle_emb_weight_decay',
  'ema_rate',
  'halt_exploration_prob',
  'expansion',
  'rms_norm_eps',
  'rope_theta',
]);

/** TRM Lens settings that pretrain.py has no field for; kept beside the official files for the round trip. */
export interface TrmLensOnly {
  total_steps: number;
  eval_interval: number;
  checkpoint_every: number;
  eval_max_examples: number;
  log_every: number;
  optimizer: TrainHyperparams['optimizer'];
}

/** One TRM Lens setting the official trainer handles differently, and what that changes. */
export interface ExportNote {
  setting: string;
  trmLens: string;
  official: string;
  effect: string;
}

export interface OfficialExport {
  config: OfficialConfig;
  plan: EpochPlan;
  trmLensOnly: TrmLensOnly;
  notes: ExportNote[];
}

export interface ToOfficialOptions {
  /** data_paths entry (relative to the folder pretrain.py runs in). */
  dataPath: string;
  runName: string;
  projectName: string;
  /** checkpoint_path (relative to the folder pretrain.py runs in). */
  checkpointPath: string;
  /** True for ARC data (identifiers are augmented task variants): evaluators = [arc@ARC]. */
  arcEvaluator: boolean;
  /** Test examples (for the eval_max_examples note). */
  testExamples: number | null;
  /** GPUs in all (nodes x GPUs per node): global_batch_size must divide evenly. */
  worldSize: number;
}

const fmt = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

export function officialArch(c: TrmConfig): OfficialArch {
  return {
    name: OFFICIAL_MODEL_NAME,
    loss: { name: OFFICIAL_LOSS_NAME, loss_type: c.loss_type },
    halt_exploration_prob: c.halt_exploration_prob,
    halt_max_steps: c.halt_max_steps,
    H_cycles: c.H_cycles,
    L_cycles: c.L_cycles,
    H_layers: c.H_layers,
    L_layers: c.L_layers,
    hidden_size: c.hidden_size,
    num_heads: c.num_heads,
    expansion: c.expansion,
    puzzle_emb_ndim: c.puzzle_emb_ndim,
    pos_encodings: c.pos_encodings,
    forward_dtype: c.forward_dtype,
    mlp_t: c.mlp_t,
    puzzle_emb_len: c.puzzle_emb_len,
    no_ACT_continue: c.no_ACT_continue,
    rms_norm_eps: c.rms_norm_eps,
    rope_theta: c.rope_theta,
  };
}

/** A TRM Lens recipe as the official config, with the epoch plan and the list of differences. */
export function toOfficial(recipe: Recipe, train: DatasetMetadata, o: ToOfficialOptions): OfficialExport {
  const h = recipe.train;
  if (!Number.isInteger(o.worldSize) || o.worldSize < 1)
    throw new Error(`the number of GPUs must be a positive integer (got ${o.worldSize})`);
  if (h.global_batch_size % o.worldSize !== 0)
    throw new Error(
      `global_batch_size ${h.global_batch_size} is not divisible by ${o.worldSize} GPUs: pretrain.py gives every GPU global_batch_size / GPUs examples (puzzle_dataset.py asserts it); choose a GPU count that divides ${h.global_batch_size}`,
    );
  for (const k of ['seq_len', 'vocab_size'] as const)
    if (recipe.config[k] !== train[k])
      throw new Error(`the recipe has ${k} = ${recipe.config[k]} but the dataset has ${train[k]}`);
  const plan = planEpochs(h.total_steps, h.eval_interval, train, h.global_batch_size);
  const config: OfficialConfig = {
    arch: officialArch(recipe.config),
    data_paths: [o.dataPath],
    data_paths_test: [],
    evaluators: o.arcEvaluator ? [{ name: ARC_EVALUATOR }] : [],
    global_batch_size: h.global_batch_size,
    epochs: plan.epochs,
    lr: h.lr,
    lr_min_ratio: h.lr_min_ratio,
    lr_warmup_steps: h.lr_warmup_steps,
    weight_decay: h.weight_decay,
    beta1: h.beta1,
    beta2: h.beta2,
    puzzle_emb_lr: h.puzzle_emb_lr,
    puzzle_emb_weight_decay: h.puzzle_emb_weight_decay,
    project_name: o.projectName,
    run_name: o.runName,
    load_checkpoint: null,
    checkpoint_path: o.checkpointPath,
    seed: h.seed,
    checkpoint_every_eval: true,
    eval_interval: plan.evalIntervalEpochs,
    min_eval_interval: 0,
    eval_save_outputs: [],
    ema: h.ema,
    ema_rate: h.ema_rate,
    freeze_weights: false,
  };
  const trmLensOnly: TrmLensOnly = {
    total_steps: h.total_steps,
    eval_interval: h.eval_interval,
    checkpoint_every: h.checkpoint_every,
    eval_max_examples: h.eval_max_examples,
    log_every: h.log_every,
    optimizer: h.optimizer,
  };
  return { config, plan, trmLensOnly, notes: exportNotes(recipe, plan, o) };
}

function exportNotes(recipe: Recipe, plan: EpochPlan, o: ToOfficialOptions): ExportNote[] {
  const h = recipe.train;
  const notes: ExportNote[] = [];
  const about = plan.exact ? '' : 'about ';
  notes.push({
    setting: 'total_steps',
    trmLens: String(h.total_steps),
    official: `epochs: ${plan.epochs}`,
    effect:
      `pretrain.py counts epochs (${plan.stepsPerEpoch.toPrecision(4)} steps each at global_batch_size ${h.global_batch_size}); ` +
      `its learning-rate schedule spans int(epochs x ${plan.examplesPerEpoch} / ${h.global_batch_size}) = ${plan.scheduledSteps} steps and it runs ${about}${plan.stepsRun}` +
      (plan.stepsRun === h.total_steps
        ? ' (the same number).'
        : ` (${signed(plan.stepsRun - h.total_steps)} against TRM Lens).`),
  });
  notes.push({
    setting: 'eval_interval',
    trmLens: h.eval_interval === 0 ? '0 (only at the end)' : `${h.eval_interval} steps`,
    official:
      plan.evalIntervalEpochs === null ? 'eval_interval: null' : `eval_interval: ${plan.evalIntervalEpochs} (epochs)`,
    effect:
      plan.iterations === 1
        ? 'one evaluation, after the last step, then the checkpoint.'
        : `evaluates (then checkpoints) every ${plan.evalIntervalEpochs} epochs = every ${about}${plan.stepsPerIteration} steps, ${plan.iterations} times; eval_interval must divide epochs (pretrain.py asserts it).`,
  });
  notes.push({
    setting: 'checkpoint_every',
    trmLens: h.checkpoint_every === 0 ? '0 (after every evaluation)' : `${h.checkpoint_every} steps`,
    official: 'checkpoint_every_eval: True',
    effect:
      h.checkpoint_every === 0
        ? 'the same: a checkpoint after every evaluation.'
        : `pretrain.py has no separate checkpoint cadence: it saves after every evaluation (every ${about}${plan.stepsPerIteration} steps) instead of every ${h.checkpoint_every} steps.`,
  });
  notes.push({
    setting: 'eval_max_examples',
    trmLens: h.eval_max_examples === 0 ? '0 (the whole test split)' : String(h.eval_max_examples),
    official: '(none)',
    effect:
      h.eval_max_examples === 0 || (o.testExamples !== null && h.eval_max_examples >= o.testExamples)
        ? 'the same: every evaluation covers the whole test split.'
        : `pretrain.py evaluates the whole test split${o.testExamples !== null ? ` (${o.testExamples} examples)` : ''} every time, not the first ${h.eval_max_examples}; follow the run with \`trm follow --limit\` for a quick small-set view.`,
  });
  notes.push({
    setting: 'log_every',
    trmLens: String(h.log_every),
    official: '(none)',
    effect: 'pretrain.py logs training metrics to Weights & Biases after every step; nothing is lost.',
  });
  notes.push({
    setting: 'optimizer',
    trmLens: h.optimizer,
    official: '(none: always AdamATan2)',
    effect:
      h.optimizer === 'adam_atan2'
        ? 'the same optimiser (AdamATan2 for the weights, SignSGD for the puzzle embeddings).'
        : 'pretrain.py always uses AdamATan2; TRM Lens would have used AdamW for this run.',
  });
  notes.push({
    setting: 'seed',
    trmLens: String(h.seed),
    official: `seed: ${h.seed}`,
    effect:
      'same seed, different streams: pretrain.py seeds torch with seed + rank and shuffles with NumPy Philox(seed + iteration), so runs are statistically alike, not bit-identical.',
  });
  notes.push({
    setting: 'resume',
    trmLens: 'checkpoints hold weights, optimiser moments, EMA, carry and data position',
    official: 'step_N holds the evaluated (EMA when ema=True) weights only',
    effect:
      'a stopped official run cannot resume exactly; load_checkpoint=<step_N> starts a new schedule from those weights.',
  });
  return notes;
}

const signed = (n: number): string => (n > 0 ? `+${n}` : String(n));

// ---------------------------------------------------------------------------------------------
// Reading back

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a parsed official config (what cfg_pretrain.yaml + arch/trm.yaml compose to, or an
 * all_config.yaml) and returns it typed. Unknown fields are errors: pretrain.py would ignore them and a
 * typo would go unnoticed. `source` names the files in messages.
 */
export function parseOfficialConfig(root: unknown, source: string): OfficialConfig {
  if (!isRecord(root)) throw new Error(`${source}: expected a mapping of pretrain.py fields`);
  const problems: string[] = [];
  const unknown = Object.keys(root).filter((k) => !(PRETRAIN_FIELDS as readonly string[]).includes(k));
  if (unknown.length) problems.push(`unknown field(s) ${unknown.join(', ')} (pretrain.py PretrainConfig has none)`);
  const arch = root.arch;
  if (!isRecord(arch)) throw new Error(`${source}: arch must be a mapping (config/arch/trm.yaml)`);
  const unknownArch = Object.keys(arch).filter((k) => !(ARCH_FIELDS as readonly string[]).includes(k));
  if (unknownArch.length) problems.push(`unknown arch field(s) ${unknownArch.join(', ')}`);
  const num = (o: Record<string, unknown>, k: string, at: string, int: boolean): void => {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)))
      problems.push(`${at}${k} must be ${int ? 'an integer' : 'a number'} (got ${fmt(v)})`);
  };
  const bool = (o: Record<string, unknown>, k: string, at: string): void => {
    if (typeof o[k] !== 'boolean') problems.push(`${at}${k} must be true or false (got ${fmt(o[k])})`);
  };
  const str = (o: Record<string, unknown>, k: string, at: string, nullable: boolean): void => {
    const v = o[k];
    if (!(typeof v === 'string' || (nullable && (v === null || v === undefined))))
      problems.push(`${at}${k} must be a string${nullable ? ' or null' : ''} (got ${fmt(v)})`);
  };
  const strList = (k: string): void => {
    const v = root[k];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
      problems.push(`${k} must be a list of strings (got ${fmt(v)})`);
  };
  for (const k of ['H_cycles', 'L_cycles', 'H_layers', 'L_layers', 'hidden_size', 'num_heads', 'halt_max_steps'])
    num(arch, k, 'arch.', true);
  for (const k of ['puzzle_emb_ndim', 'puzzle_emb_len']) num(arch, k, 'arch.', true);
  for (const k of ['halt_exploration_prob', 'expansion', 'rms_norm_eps', 'rope_theta']) num(arch, k, 'arch.', false);
  for (const k of ['mlp_t', 'no_ACT_continue']) bool(arch, k, 'arch.');
  for (const k of ['name', 'pos_encodings', 'forward_dtype']) str(arch, k, 'arch.', false);
  if (!isRecord(arch.loss)) problems.push('arch.loss must be a mapping with name and loss_type');
  else {
    str(arch.loss, 'name', 'arch.loss.', false);
    str(arch.loss, 'loss_type', 'arch.loss.', false);
  }
  strList('data_paths');
  strList('data_paths_test');
  strList('eval_save_outputs');
  if (!Array.isArray(root.evaluators) || root.evaluators.some((e) => !isRecord(e) || typeof e.name !== 'string'))
    problems.push(`evaluators must be a list of {name: ...} (got ${fmt(root.evaluators)})`);
  for (const k of ['global_batch_size', 'epochs', 'lr_warmup_steps', 'seed']) num(root, k, '', true);
  for (const k of ['lr', 'lr_min_ratio', 'weight_decay', 'beta1', 'beta2', 'puzzle_emb_lr', 'puzzle_emb_weight_decay'])
    num(root, k, '', false);
  num(root, 'ema_rate', '', false);
  for (const k of ['ema', 'checkpoint_every_eval', 'freeze_weights']) bool(root, k, '');
  for (const k of ['project_name', 'run_name', 'load_checkpoint', 'checkpoint_path']) str(root, k, '', true);
  for (const k of ['eval_interval', 'min_eval_interval'])
    if (root[k] !== null && root[k] !== undefined) num(root, k, '', true);
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
  return {
    ...(root as unknown as OfficialConfig),
    project_name: (root.project_name as string | null | undefined) ?? null,
    run_name: (root.run_name as string | null | undefined) ?? null,
    load_checkpoint: (root.load_checkpoint as string | null | undefined) ?? null,
    checkpoint_path: (root.checkpoint_path as string | null | undefined) ?? null,
    eval_interval: (root.eval_interval as number | null | undefined) ?? null,
    min_eval_interval: (root.min_eval_interval as number | null | undefined) ?? null,
  };
}

/**
 * What the official repository's own config/cfg_pretrain.yaml and config/arch/trm.yaml compose to
 * (with `puzzle_emb_ndim: ${.hidden_size}` resolved), plus the class defaults trm.yaml leaves out.
 * The README's override-only command lists what differs from these.
 */
export const OFFICIAL_DEFAULTS: OfficialConfig = {
  arch: {
    name: OFFICIAL_MODEL_NAME,
    loss: { name: OFFICIAL_LOSS_NAME, loss_type: 'stablemax_cross_entropy' },
    halt_exploration_prob: 0.1,
    halt_max_steps: 16,
    H_cycles: 3,
    L_cycles: 6,
    H_layers: 0,
    L_layers: 2,
    hidden_size: 512,
    num_heads: 8,
    expansion: 4,
    puzzle_emb_ndim: 512,
    pos_encodings: 'rope',
    forward_dtype: 'bfloat16',
    mlp_t: false,
    puzzle_emb_len: 16,
    no_ACT_continue: true,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
  },
  data_paths: ['data/arc-aug-1000'],
  data_paths_test: [],
  evaluators: [{ name: ARC_EVALUATOR }],
  global_batch_size: 768,
  epochs: 100000,
  lr: 1e-4,
  lr_min_ratio: 1.0,
  lr_warmup_steps: 2000,
  weight_decay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  puzzle_emb_lr: 1e-2,
  puzzle_emb_weight_decay: 0.1,
  project_name: null,
  run_name: null,
  load_checkpoint: null,
  checkpoint_path: null,
  seed: 0,
  checkpoint_every_eval: true,
  eval_interval: 10000,
  min_eval_interval: 0,
  eval_save_outputs: [],
  ema: false,
  ema_rate: 0.999,
  freeze_weights: false,
};

/** Official defaults for fields an official config may leave out (pretrain.py and the model class). */
export function withOfficialDefaults(root: Record<string, unknown>): Record<string, unknown> {
  const arch = isRecord(root.arch) ? root.arch : {};
  return {
    data_paths_test: [],
    evaluators: [],
    project_name: null,
    run_name: null,
    load_checkpoint: null,
    checkpoint_path: null,
    seed: 0,
    checkpoint_every_eval: false,
    eval_interval: null,
    min_eval_interval: 0,
    eval_save_outputs: [],
    ema: false,
    ema_rate: 0.999,
    freeze_weights: false,
    ...root,
    arch: {
      rms_norm_eps: ARCH_DEFAULTS.rms_norm_eps,
      rope_theta: ARCH_DEFAULTS.rope_theta,
      forward_dtype: 'bfloat16',
      mlp_t: false,
      puzzle_emb_len: 16,
      no_ACT_continue: true,
      puzzle_emb_ndim: 0,
      ...arch,
    },
  };
}

/**
 * The TRM Lens recipe an official config describes. Settings pretrain.py lacks come from `only` (the
 * export's record of them) when given, else from TRM Lens's defaults with the step counts derived from
 * epochs the way pretrain.py derives them.
 */
export function fromOfficial(
  official: OfficialConfig,
  train: DatasetMetadata,
  only?: TrmLensOnly,
  preset?: string,
): Recipe {
  const a = official.arch;
  if (a.name !== OFFICIAL_MODEL_NAME)
    throw new Error(`arch.name ${a.name}: TRM Lens runs ${OFFICIAL_MODEL_NAME} only (config/arch/trm.yaml)`);
  const config: TrmConfig = validateConfig({
    seq_len: train.seq_len,
    vocab_size: train.vocab_size,
    num_puzzle_identifiers: train.num_puzzle_identifiers,
    hidden_size: a.hidden_size,
    H_cycles: a.H_cycles,
    L_cycles: a.L_cycles,
    H_layers: a.H_layers,
    L_layers: a.L_layers,
    num_heads: a.num_heads,
    expansion: a.expansion,
    pos_encodings: a.pos_encodings === 'rope' || a.pos_encodings === 'learned' ? a.pos_encodings : 'none',
    mlp_t: a.mlp_t,
    puzzle_emb_ndim: a.puzzle_emb_ndim,
    puzzle_emb_len: a.puzzle_emb_len,
    halt_max_steps: a.halt_max_steps,
    halt_exploration_prob: a.halt_exploration_prob,
    no_ACT_continue: a.no_ACT_continue,
    rms_norm_eps: a.rms_norm_eps,
    rope_theta: a.rope_theta,
    forward_dtype: a.forward_dtype as TrmConfig['forward_dtype'],
    loss_type: a.loss.loss_type,
  });
  const plan = planFor(official.epochs, official.eval_interval, train, official.global_batch_size);
  const h: TrainHyperparams = {
    ...TRAIN_DEFAULTS,
    global_batch_size: official.global_batch_size,
    total_steps: only?.total_steps ?? Math.max(1, plan.stepsRun),
    lr: official.lr,
    lr_min_ratio: official.lr_min_ratio,
    lr_warmup_steps: official.lr_warmup_steps,
    weight_decay: official.weight_decay,
    beta1: official.beta1,
    beta2: official.beta2,
    puzzle_emb_lr: official.puzzle_emb_lr,
    puzzle_emb_weight_decay: official.puzzle_emb_weight_decay,
    ema: official.ema,
    ema_rate: official.ema_rate,
    optimizer: only?.optimizer ?? 'adam_atan2',
    eval_interval: only?.eval_interval ?? (official.eval_interval === null ? 0 : plan.stepsPerIteration),
    checkpoint_every: only?.checkpoint_every ?? 0,
    eval_max_examples: only?.eval_max_examples ?? 0,
    log_every: only?.log_every ?? TRAIN_DEFAULTS.log_every,
    seed: official.seed,
  };
  const source = preset ? `official config (exported from preset ${preset})` : 'official config';
  return { config, train: validateHyperparams(h, source), preset, source };
}
