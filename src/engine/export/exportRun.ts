// `trm export-official` and "TRM: Export Run for the Official Trainer…": resolves the run the way
// `trm train` would (preset and/or config file, overrides, task sizes from the dataset), converts it to
// the official config, and writes one self-contained folder: the dataset (the official files, copied
// byte for byte), config/cfg_pretrain.yaml + config/arch/trm.yaml, launch.sh, README.md, the
// checkpoint folder with its all_config.yaml, and trm-lens-export.json. Written into a temp folder and
// renamed into place, so a failed export leaves nothing half-written. `readOfficialExport` reads it back.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrmConfig } from '../config';
import { readBuiltDataset, type BuiltDataset, type DatasetMetadata } from '../data/built';
import { isArcVariantData } from '../train/evaluate';
import type { TrainRequest } from '../train/events';
import { type Recipe, type TrainHyperparams, resolveRecipe } from '../train/recipe';
import { type EpochPlan } from './epochPlan';
import { allConfigYaml, archYaml, cfgPretrainYaml, readHydraConfig, yamlScalar } from './hydraFiles';
import { exportReadme, launchScript, type LaunchInfo } from './launchFiles';
import {
  type ExportNote,
  FLOAT_FIELDS,
  fromOfficial,
  type OfficialConfig,
  type OfficialExport,
  toOfficial,
  type TrmLensOnly,
} from './officialConfig';

export const EXPORT_FILE = 'trm-lens-export.json';
export const EXPORT_FORMAT = 'trm-lens-official-export/1';

export interface ExportRequest {
  /** Built dataset folder (train/ and usually test/). */
  data: string;
  /** Export folder: must not exist, or be empty (or `force`). */
  out: string;
  preset?: string;
  configPath?: string;
  steps?: number;
  batchSize?: number;
  lr?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  seed?: number;
  /** GPUs per node (default 1) and nodes (default 1) launch.sh starts with. */
  gpus?: number;
  nodes?: number;
  /** pretrain.py run_name (default: the export folder's name). */
  runName?: string;
  /** Replace a non-empty export folder. */
  force?: boolean;
}

export interface ExportResult {
  out: string;
  files: string[];
  recipe: Recipe;
  official: OfficialExport;
  checkpointDir: string;
  notes: ExportNote[];
}

interface ExportFile {
  format: typeof EXPORT_FORMAT;
  preset: string | null;
  source: string;
  dataset: string;
  recipe: { config: TrmConfig; train: TrainHyperparams };
  trm_lens_only: TrmLensOnly;
  plan: EpochPlan;
  gpus_per_node: number;
  nodes: number;
  notes: ExportNote[];
}

const DATA_DIR = 'data';

function positiveInt(v: number | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(v)})`);
  return v;
}

/** pretrain.py `load_synced_config`'s default project name, from the dataset folder's name. */
function projectNameFor(dataDir: string): string {
  const base = path.basename(path.resolve(dataDir));
  return `${base.charAt(0).toUpperCase()}${base.slice(1).toLowerCase()}-ACT-torch`;
}

function runNameFor(out: string, given?: string): string {
  const name = (given ?? path.basename(path.resolve(out))).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(name))
    throw new Error(
      `run name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-' (it becomes a folder name and a hydra value)`,
    );
  return name;
}

function loadDataset(dir: string): { ds: BuiltDataset; train: DatasetMetadata; testExamples: number | null } {
  if (!fs.existsSync(dir)) throw new Error(`--data ${dir} does not exist (expected a built dataset folder)`);
  const ds = readBuiltDataset(dir);
  const train = ds.splits.train;
  if (!train)
    throw new Error(
      `--data ${dir}: no train/ split: the official trainer needs <dataset>/train/dataset.json (build one with \`trm dataset build\`)`,
    );
  if (!ds.splits.test)
    throw new Error(
      `--data ${dir}: no test/ split: pretrain.py evaluates (and so checkpoints) on <dataset>/test; build the dataset with a test split`,
    );
  const testExamples = ds.splits.test.sets.reduce((n, s) => n + s.numExamples, 0);
  return { ds, train: train.meta, testExamples };
}

/** The official files of a built dataset (what the official builders write), copied byte for byte. */
function copyDataset(src: string, dst: string, ds: BuiltDataset): string[] {
  const copied: string[] = [];
  fs.mkdirSync(dst, { recursive: true });
  const copy = (rel: string): void => {
    fs.mkdirSync(path.dirname(path.join(dst, rel)), { recursive: true });
    fs.copyFileSync(path.join(src, rel), path.join(dst, rel));
    copied.push(rel);
  };
  for (const f of ['identifiers.json', 'test_puzzles.json']) if (fs.existsSync(path.join(src, f))) copy(f);
  for (const [name, split] of Object.entries(ds.splits)) {
    copy(path.join(name, 'dataset.json'));
    for (const set of split.meta.sets)
      for (const a of ['inputs', 'labels', 'puzzle_identifiers', 'puzzle_indices', 'group_indices'])
        copy(path.join(name, `${set}__${a}.npy`));
  }
  return copied;
}

function settingsTable(recipe: Recipe, official: OfficialExport, train: DatasetMetadata): LaunchInfo['settings'] {
  const c = recipe.config;
  const h = recipe.train;
  const o = official.config;
  const p = official.plan;
  // Values as they stand in the YAML files (Python spelling: True, 1.0e-05, null).
  const v = (x: unknown, k = ''): string =>
    Array.isArray(x)
      ? `[${x.map((e) => (typeof e === 'object' && e !== null ? JSON.stringify(e) : yamlScalar(e))).join(', ')}]`
      : yamlScalar(x, FLOAT_FIELDS.has(k));
  const rows: LaunchInfo['settings'] = [
    { trmLens: 'seq_len', official: 'data/train/dataset.json seq_len', value: v(train.seq_len) },
    { trmLens: 'vocab_size', official: 'data/train/dataset.json vocab_size', value: v(train.vocab_size) },
    {
      trmLens: 'num_puzzle_identifiers',
      official: 'data/train/dataset.json num_puzzle_identifiers',
      value: v(train.num_puzzle_identifiers),
    },
  ];
  const paper: Partial<Record<keyof TrmConfig, string>> = {
    H_cycles: 'T',
    L_cycles: 'n',
    halt_max_steps: 'N_sup',
  };
  for (const k of [
    'hidden_size',
    'H_cycles',
    'L_cycles',
    'H_layers',
    'L_layers',
    'num_heads',
    'expansion',
    'pos_encodings',
    'mlp_t',
    'puzzle_emb_ndim',
    'puzzle_emb_len',
    'halt_max_steps',
    'halt_exploration_prob',
    'no_ACT_continue',
    'rms_norm_eps',
    'rope_theta',
    'forward_dtype',
  ] as const)
    rows.push({ trmLens: paper[k] ? `${k} (${paper[k]})` : k, official: `arch.${k}`, value: v(c[k], k) });
  rows.push({ trmLens: 'loss_type', official: 'arch.loss.loss_type', value: c.loss_type });
  rows.push({ trmLens: 'global_batch_size', official: 'global_batch_size', value: v(o.global_batch_size) });
  rows.push({
    trmLens: 'total_steps',
    official: 'epochs',
    value: `${h.total_steps} → ${o.epochs} epochs (${p.exact ? '' : 'about '}${p.stepsRun} steps)`,
  });
  for (const k of [
    'lr',
    'lr_min_ratio',
    'lr_warmup_steps',
    'weight_decay',
    'beta1',
    'beta2',
    'puzzle_emb_lr',
    'puzzle_emb_weight_decay',
    'ema',
    'ema_rate',
    'seed',
  ] as const)
    rows.push({ trmLens: k, official: k, value: v(o[k], k) });
  rows.push({
    trmLens: 'eval_interval',
    official: 'eval_interval',
    value:
      o.eval_interval === null
        ? `${h.eval_interval} → null (once, at the end)`
        : `${h.eval_interval} steps → ${o.eval_interval} epochs (${p.exact ? '' : 'about '}${p.stepsPerIteration} steps)`,
  });
  rows.push({ trmLens: 'checkpoint_every', official: 'checkpoint_every_eval', value: `${h.checkpoint_every} → True` });
  rows.push({ trmLens: 'eval_max_examples', official: '(none)', value: `${h.eval_max_examples} (see below)` });
  rows.push({ trmLens: 'log_every', official: '(none)', value: String(h.log_every) });
  rows.push({ trmLens: 'optimizer', official: '(none: AdamATan2)', value: h.optimizer });
  rows.push({ trmLens: '(dataset)', official: 'data_paths', value: v(o.data_paths) });
  rows.push({ trmLens: '(dataset)', official: 'data_paths_test', value: v(o.data_paths_test) });
  rows.push({ trmLens: '(ARC pass@K)', official: 'evaluators', value: v(o.evaluators) });
  rows.push({ trmLens: '(run folder)', official: 'checkpoint_path', value: v(o.checkpoint_path) });
  for (const k of [
    'project_name',
    'run_name',
    'load_checkpoint',
    'min_eval_interval',
    'eval_save_outputs',
    'freeze_weights',
  ] as const)
    rows.push({ trmLens: '—', official: k, value: v(o[k]) });
  return rows;
}

/** Writes the export folder; see the module header. */
export function exportForOfficial(req: ExportRequest): ExportResult {
  const gpus = positiveInt(req.gpus, 'gpus', 1);
  const nodes = positiveInt(req.nodes, 'nodes', 1);
  const out = path.resolve(req.out);
  const data = path.resolve(req.data);
  if (out === data || out.startsWith(data + path.sep))
    throw new Error(`--out ${out} is inside the dataset folder ${data}; choose a folder outside it`);
  if (fs.existsSync(out)) {
    if (!fs.statSync(out).isDirectory()) throw new Error(`--out ${out} exists and is not a folder`);
    if (fs.readdirSync(out).length > 0 && !req.force)
      throw new Error(`--out ${out} is not empty; choose a new folder or pass --force to replace it`);
  }
  const runName = runNameFor(out, req.runName);
  const { ds, train, testExamples } = loadDataset(data);
  const trainRequest: TrainRequest = {
    preset: req.preset,
    configPath: req.configPath,
    data,
    out,
    resume: false,
    steps: req.steps,
    batchSize: req.batchSize,
    lr: req.lr,
    evalEvery: req.evalEvery,
    checkpointEvery: req.checkpointEvery,
    seed: req.seed,
  };
  const recipe = resolveRecipe(trainRequest, train);
  const checkpointPath = `checkpoints/${runName}`;
  const official = toOfficial(recipe, train, {
    dataPath: DATA_DIR,
    runName,
    projectName: projectNameFor(data),
    checkpointPath,
    arcEvaluator: !!ds.identifiers && isArcVariantData(ds.identifiers) && ds.testPuzzles !== undefined,
    testExamples,
    worldSize: gpus * nodes,
  });
  const info: LaunchInfo = {
    config: official.config,
    plan: official.plan,
    notes: official.notes,
    gpusPerNode: gpus,
    nodes,
    preset: recipe.preset,
    source: recipe.source,
    datasetName: path.basename(data),
    trainExamples: ds.splits.train!.sets.reduce((n, s) => n + s.numExamples, 0),
    testExamples,
    settings: settingsTable(recipe, official, train),
  };
  const header = [
    `Written by TRM Lens (trm export-official) from ${recipe.source}, for the official trainer`,
    '(SamsungSAILMontreal/TinyRecursiveModels pretrain.py). launch.sh passes --config-path to this folder.',
    '',
  ];
  const comments: Partial<Record<string, string>> = {
    epochs: `TRM Lens total_steps ${recipe.train.total_steps}: pretrain.py schedules ${official.plan.scheduledSteps} steps`,
    eval_interval:
      official.plan.evalIntervalEpochs === null
        ? 'evaluate once, at the end'
        : `epochs between evaluations (${official.plan.stepsPerIteration} steps); divides epochs`,
    checkpoint_every_eval: 'step_N after every evaluation (what trm follow watches)',
    global_batch_size: 'split evenly over all GPUs',
  };

  const tmp = `${out}.tmp-export-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const files: string[] = [];
  const write = (rel: string, text: string, mode = 0o644): void => {
    const f = path.join(tmp, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text, { mode });
    files.push(rel);
  };
  try {
    files.push(...copyDataset(data, path.join(tmp, DATA_DIR), ds).map((f) => path.join(DATA_DIR, f)));
    write('config/cfg_pretrain.yaml', cfgPretrainYaml(official.config, header, comments));
    write('config/arch/trm.yaml', archYaml(official.config.arch, header));
    write(path.join(checkpointPath, 'all_config.yaml'), allConfigYaml(official.config));
    write('launch.sh', launchScript(info), 0o755);
    write('README.md', exportReadme(info));
    const record: ExportFile = {
      format: EXPORT_FORMAT,
      preset: recipe.preset ?? null,
      source: recipe.source,
      dataset: data,
      recipe: { config: recipe.config, train: recipe.train },
      trm_lens_only: official.trmLensOnly,
      plan: official.plan,
      gpus_per_node: gpus,
      nodes,
      notes: official.notes,
    };
    write(EXPORT_FILE, JSON.stringify(record, null, 2) + '\n');
    if (fs.existsSync(out)) {
      const old = `${out}.tmp-old-${process.pid}`;
      fs.renameSync(out, old);
      fs.renameSync(tmp, out);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.renameSync(tmp, out);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { out, files, recipe, official, checkpointDir: path.join(out, checkpointPath), notes: official.notes };
}

export interface ReadExport {
  official: OfficialConfig;
  recipe: Recipe;
  trmLensOnly?: TrmLensOnly;
}

/**
 * Reads an export folder back: the hydra config (config/cfg_pretrain.yaml + arch/trm.yaml, as hydra
 * composes them), the dataset's train metadata, and the TRM Lens-only settings from
 * trm-lens-export.json when it is there; the result is the recipe TRM Lens would train.
 */
export function readOfficialExport(dir: string): ReadExport {
  const official = readHydraConfig(path.join(dir, 'config'));
  const dataRel = official.data_paths[0];
  if (!dataRel) throw new Error(`${dir}/config/cfg_pretrain.yaml: data_paths is empty`);
  const dataDir = path.resolve(dir, dataRel);
  const train = readBuiltDataset(dataDir).splits.train;
  if (!train) throw new Error(`${dataDir}: no train/ split`);
  let only: TrmLensOnly | undefined;
  let preset: string | undefined;
  const recordFile = path.join(dir, EXPORT_FILE);
  if (fs.existsSync(recordFile)) {
    let record: Partial<ExportFile>;
    try {
      record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as Partial<ExportFile>;
    } catch (e) {
      throw new Error(`${recordFile}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
    if (record.format !== EXPORT_FORMAT)
      throw new Error(`${recordFile}: format ${JSON.stringify(record.format)}, expected ${EXPORT_FORMAT}`);
    only = record.trm_lens_only;
    preset = record.preset ?? undefined;
  }
  return { official, recipe: fromOfficial(official, train.meta, only, preset), trmLensOnly: only };
}
