// `trm export-official`: the exported folder for the sudoku-mlp preset holds the dataset (byte for
// byte), the official hydra config and launch.sh; the config parses with the official field names
// (pretrain.py PretrainConfig and config/arch/trm.yaml, listed here from the reference, not from the
// code under test) and every value is the paper's Sudoku MLP setting; reading the export back gives
// the same recipe; launch.sh runs the exact torchrun command (a stand-in torchrun records it).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { readBuiltDataset } from '../../../src/engine/data/built';
import { officialTotalSteps, planEpochs } from '../../../src/engine/export/epochPlan';
import { readOfficialExport } from '../../../src/engine/export/exportRun';
import { officialOverrides, readAllConfig, readHydraConfig } from '../../../src/engine/export/hydraFiles';
import {
  OFFICIAL_DEFAULTS,
  fromOfficial,
  parseOfficialConfig,
  toOfficial,
} from '../../../src/engine/export/officialConfig';
import { SHARED, tmpDir } from '../formats/builders';

const SUDOKU = path.join(SHARED, 'datasets/trm-built-samples/sudoku-mini-aug-3');
const ARC = path.join(SHARED, 'datasets/trm-built-samples/arc-mini-aug-3');
const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** pretrain.py `PretrainConfig`, every field (trm-reference.md section 2.2 / pretrain.py). */
const PRETRAIN_CONFIG_FIELDS = [
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
];
/** config/arch/trm.yaml's keys, plus the two class fields with defaults that it leaves out. */
const TRM_YAML_FIELDS = [
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
];

function trm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, TRM_DEBUG: '' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function exportSudokuMlp(gpus = 4): string {
  const out = path.join(tmpDir('export'), 'sudoku-mlp-run');
  const r = trm('export-official', '--data', SUDOKU, '--preset', 'sudoku-mlp', '--out', out, '--gpus', String(gpus));
  assert.equal(r.code, 0, r.stderr);
  return out;
}

test('the sudoku-mlp export holds the dataset byte for byte, the hydra config and an executable launch.sh', () => {
  const out = exportSudokuMlp();
  for (const f of ['config/cfg_pretrain.yaml', 'config/arch/trm.yaml', 'launch.sh', 'README.md'])
    assert.ok(fs.existsSync(path.join(out, f)), `${f} is missing`);
  assert.ok((fs.statSync(path.join(out, 'launch.sh')).mode & 0o111) !== 0, 'launch.sh is not executable');
  const files = (dir: string): string[] =>
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort();
  assert.deepEqual(files(path.join(out, 'data')), files(SUDOKU));
  for (const f of files(SUDOKU))
    assert.ok(fs.readFileSync(path.join(out, 'data', f)).equals(fs.readFileSync(path.join(SUDOKU, f))), `${f} differs`);
  // The folder pretrain.py will checkpoint into already holds the all_config.yaml it writes there.
  const ck = path.join(out, 'checkpoints', 'sudoku-mlp-run', 'all_config.yaml');
  assert.deepEqual(readAllConfig(ck), readHydraConfig(path.join(out, 'config')));
  assert.match(
    fs.readFileSync(path.join(out, 'README.md'), 'utf8'),
    /trm follow checkpoints\/sudoku-mlp-run --data data/,
  );
});

test('the exported config has exactly the official field names and the paper Sudoku MLP values', () => {
  const out = exportSudokuMlp();
  const cfgText = fs.readFileSync(path.join(out, 'config/cfg_pretrain.yaml'), 'utf8');
  const archText = fs.readFileSync(path.join(out, 'config/arch/trm.yaml'), 'utf8');
  const cfg = YAML.parse(cfgText, { version: '1.1' }) as Record<string, unknown>;
  const arch = YAML.parse(archText, { version: '1.1' }) as Record<string, unknown>;
  // Hydra's own keys, then every PretrainConfig field but arch (which the defaults list selects).
  assert.deepEqual(cfg.defaults, [{ arch: 'trm' }, '_self_']);
  assert.deepEqual(cfg.hydra, { output_subdir: null });
  assert.deepEqual(
    Object.keys(cfg)
      .filter((k) => k !== 'defaults' && k !== 'hydra')
      .sort(),
    PRETRAIN_CONFIG_FIELDS.filter((k) => k !== 'arch').sort(),
  );
  assert.deepEqual(Object.keys(arch).sort(), [...TRM_YAML_FIELDS, 'rms_norm_eps', 'rope_theta'].sort());
  assert.deepEqual(arch, {
    name: 'recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1',
    loss: { name: 'losses@ACTLossHead', loss_type: 'stablemax_cross_entropy' },
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
    pos_encodings: 'none',
    forward_dtype: 'bfloat16',
    mlp_t: true,
    puzzle_emb_len: 16,
    no_ACT_continue: true,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
  });
  // 20 training groups of one example: an epoch is 20/768 steps; 65104 steps every 5000 become
  // eval_interval 192000 epochs (exactly 5000 steps) x 13 = 65000 steps.
  const plan = planEpochs(65104, 5000, readBuiltDataset(SUDOKU).splits.train!.meta, 768);
  assert.deepEqual(
    { epochs: plan.epochs, evalIntervalEpochs: plan.evalIntervalEpochs },
    { epochs: 2496000, evalIntervalEpochs: 192000 },
  );
  const expected: Record<string, unknown> = {
    data_paths: ['data'],
    data_paths_test: [],
    evaluators: [],
    global_batch_size: 768,
    epochs: 2496000,
    eval_interval: 192000,
    checkpoint_every_eval: true,
    min_eval_interval: 0,
    lr: 1e-4,
    lr_min_ratio: 1.0,
    lr_warmup_steps: 2000,
    beta1: 0.9,
    beta2: 0.95,
    weight_decay: 1.0,
    puzzle_emb_weight_decay: 1.0,
    puzzle_emb_lr: 1e-4,
    seed: 0,
    ema: true,
    ema_rate: 0.999,
    freeze_weights: false,
    project_name: 'Sudoku-mini-aug-3-ACT-torch',
    run_name: 'sudoku-mlp-run',
    checkpoint_path: 'checkpoints/sudoku-mlp-run',
    load_checkpoint: null,
    eval_save_outputs: [],
  };
  for (const [k, v] of Object.entries(expected)) assert.deepEqual(cfg[k], v, `cfg_pretrain.yaml ${k}`);
  // PyYAML (what OmegaConf parses with) reads the same values, where it is installed.
  const py = spawnSync(
    'python3',
    [
      '-c',
      'import json,sys,yaml\nprint(json.dumps([yaml.safe_load(open(f)) for f in sys.argv[1:]]))',
      path.join(out, 'config/cfg_pretrain.yaml'),
      path.join(out, 'config/arch/trm.yaml'),
    ],
    { encoding: 'utf8' },
  );
  if (py.status === 0) assert.deepEqual(JSON.parse(py.stdout), [cfg, arch]);
});

test('reading an export back gives the recipe it was written from (round trip)', () => {
  const out = exportSudokuMlp();
  const record = JSON.parse(fs.readFileSync(path.join(out, 'trm-lens-export.json'), 'utf8'));
  const back = readOfficialExport(out);
  assert.deepEqual(back.recipe.config, record.recipe.config);
  assert.deepEqual(back.recipe.train, record.recipe.train);
  assert.equal(back.recipe.preset, 'sudoku-mlp');
  // Converting the read-back recipe gives the very same official config.
  const meta = readBuiltDataset(path.join(out, 'data')).splits.train!.meta;
  const again = toOfficial(back.recipe, meta, {
    dataPath: 'data',
    runName: 'sudoku-mlp-run',
    projectName: 'Sudoku-mini-aug-3-ACT-torch',
    checkpointPath: 'checkpoints/sudoku-mlp-run',
    arcEvaluator: false,
    testExamples: 10,
    worldSize: 4,
  });
  assert.deepEqual(again.config, back.official);
  // Without the TRM Lens record, the official fields alone still give every shared value; the step
  // counts come from epochs the way pretrain.py derives them.
  const bare = fromOfficial(back.official, meta);
  assert.deepEqual(bare.config, back.recipe.config);
  assert.equal(bare.train.total_steps, 65000);
  assert.equal(bare.train.eval_interval, 5000);
  for (const k of ['global_batch_size', 'lr', 'puzzle_emb_lr', 'weight_decay', 'ema', 'ema_rate', 'seed'] as const)
    assert.equal(bare.train[k], back.recipe.train[k], k);
});

test("the official repository's own config composes to the documented defaults", () => {
  // config/cfg_pretrain.yaml and config/arch/trm.yaml as they are in SamsungSAILMontreal/TinyRecursiveModels.
  const dir = tmpDir('official-cfg');
  fs.mkdirSync(path.join(dir, 'arch'));
  fs.writeFileSync(
    path.join(dir, 'cfg_pretrain.yaml'),
    `# ARC training config

defaults:
  - arch: trm
  - _self_

hydra:
  output_subdir: null

# Data path
data_paths: ['data/arc-aug-1000']
data_paths_test: []

evaluators:
  - name: arc@ARC

# Hyperparams - Training
global_batch_size: 768

epochs: 100000
eval_interval: 10000
checkpoint_every_eval: True

lr: 1e-4
lr_min_ratio: 1.0
lr_warmup_steps: 2000

# Standard hyperparameter settings for LM, as used in Llama
beta1: 0.9
beta2: 0.95
weight_decay: 0.1
puzzle_emb_weight_decay: 0.1

# Hyperparams - Puzzle embeddings training
puzzle_emb_lr: 1e-2

seed: 0
min_eval_interval: 0 # when to start the eval

ema: False # use Exponential-Moving-Average
ema_rate: 0.999 # EMA-rate
freeze_weights: False # If True, freeze weights and only learn the embeddings`,
  );
  fs.writeFileSync(
    path.join(dir, 'arch', 'trm.yaml'),
    `name: recursive_reasoning.trm@TinyRecursiveReasoningModel_ACTV1
loss:
  name: losses@ACTLossHead
  loss_type: stablemax_cross_entropy

halt_exploration_prob: 0.1
halt_max_steps: 16

H_cycles: 3
L_cycles: 6

H_layers: 0
L_layers: 2

hidden_size: 512
num_heads: 8  # min(2, hidden_size // 64)
expansion: 4

puzzle_emb_ndim: \${.hidden_size}

pos_encodings: rope
forward_dtype: bfloat16

mlp_t: False # use mlp on L instead of transformer
puzzle_emb_len: 16 # if non-zero, its specified to this value
no_ACT_continue: True # No continue ACT loss, only use the sigmoid of the halt which makes much more sense`,
  );
  assert.deepEqual(readHydraConfig(dir), OFFICIAL_DEFAULTS);
  assert.deepEqual(officialOverrides(OFFICIAL_DEFAULTS), ['arch=trm']);
});

test('the README sudoku command becomes the same overrides (pretrain_mlp_t_sudoku)', () => {
  const official = { ...OFFICIAL_DEFAULTS, arch: { ...OFFICIAL_DEFAULTS.arch, mlp_t: true, pos_encodings: 'none' } };
  Object.assign(official, {
    data_paths: ['data/sudoku-extreme-1k-aug-1000'],
    evaluators: [],
    epochs: 50000,
    eval_interval: 5000,
    lr: 1e-4,
    puzzle_emb_lr: 1e-4,
    weight_decay: 1.0,
    puzzle_emb_weight_decay: 1.0,
    ema: true,
    run_name: 'pretrain_mlp_t_sudoku',
  });
  assert.deepEqual(officialOverrides(official), [
    'arch=trm',
    'data_paths="[data/sudoku-extreme-1k-aug-1000]"',
    'evaluators="[]"',
    'epochs=50000',
    'weight_decay=1.0',
    'puzzle_emb_lr=0.0001',
    'puzzle_emb_weight_decay=1.0',
    '+run_name=pretrain_mlp_t_sudoku',
    'eval_interval=5000',
    'ema=True',
    'arch.pos_encodings=none',
    'arch.mlp_t=True',
  ]);
  // pretrain.py's step estimate for the paper run (trm-reference.md section 2.2).
  const meta = { total_groups: 1000, mean_puzzle_examples: 1 } as Parameters<typeof officialTotalSteps>[1];
  assert.equal(officialTotalSteps(50000, meta, 768), 65104);
});

test('epoch plans: eval_interval divides epochs, steps stay close, 0 means one evaluation at the end', () => {
  const meta = { total_groups: 1000, mean_puzzle_examples: 1 } as Parameters<typeof planEpochs>[2];
  const p = planEpochs(65104, 5000, meta, 768);
  assert.equal(p.epochs % p.evalIntervalEpochs!, 0);
  assert.ok(Math.abs(p.stepsRun - 65104) / 65104 < 0.005, `steps run ${p.stepsRun}`);
  assert.ok(Math.abs(p.stepsPerIteration - 5000) / 5000 < 0.01, `eval every ${p.stepsPerIteration}`);
  assert.equal(p.iterations, p.epochs / p.evalIntervalEpochs!);
  const end = planEpochs(2000, 0, meta, 32);
  assert.equal(end.evalIntervalEpochs, null);
  assert.equal(end.iterations, 1);
  assert.equal(end.stepsRun, 2000);
  // Fewer examples than one batch per epoch: every iteration still holds a full batch.
  const tiny = planEpochs(10, 5, { total_groups: 6, mean_puzzle_examples: 1 } as typeof meta, 32);
  assert.ok(tiny.stepsPerIteration >= 1);
  assert.equal(tiny.epochs % tiny.evalIntervalEpochs!, 0);
});

test('ARC data gets the arc@ARC evaluator; bad requests fail with one specific message', () => {
  const out = path.join(tmpDir('export-arc'), 'arc');
  const r = trm('export-official', '--data', ARC, '--preset', 'arc-small', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readHydraConfig(path.join(out, 'config')).evaluators, [{ name: 'arc@ARC' }]);
  assert.ok(fs.existsSync(path.join(out, 'data', 'test_puzzles.json')));

  const again = trm('export-official', '--data', ARC, '--preset', 'arc-small', '--out', out);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /is not empty; choose a new folder or pass --force/);
  const gpus = trm('export-official', '--data', SUDOKU, '--preset', 'sudoku-mlp', '--out', `${out}-5`, '--gpus', '5');
  assert.equal(gpus.code, 1);
  assert.match(gpus.stderr, /global_batch_size 768 is not divisible by 5 GPUs/);
  assert.ok(!fs.existsSync(`${out}-5`), 'a failed export leaves no folder');
  const noTest = trm(
    'export-official',
    '--data',
    path.join(SUDOKU, 'train'),
    '--preset',
    'sudoku-mlp',
    '--out',
    `${out}-t`,
  );
  assert.equal(noTest.code, 1);
  assert.match(noTest.stderr, /no train\/ split|no test\/ split/);
  assert.throws(
    () =>
      parseOfficialConfig(
        { ...OFFICIAL_DEFAULTS, epoch: 3, arch: { ...OFFICIAL_DEFAULTS.arch, hiden_size: 3 } },
        'x.yaml',
      ),
    /x\.yaml: unknown field\(s\) epoch .*unknown arch field\(s\) hiden_size/,
  );
});

test('launch.sh runs the exact torchrun command in the export folder, on one node or several', () => {
  const out = exportSudokuMlp(4);
  const fake = tmpDir('fake-torchrun');
  const repo = path.join(fake, 'TinyRecursiveModels');
  fs.mkdirSync(repo);
  fs.writeFileSync(path.join(repo, 'pretrain.py'), '# stand-in\n');
  const bin = path.join(fake, 'bin');
  fs.mkdirSync(bin);
  const record = path.join(fake, 'args.json');
  // A torchrun that records its working folder, arguments and WANDB_MODE.
  fs.writeFileSync(
    path.join(bin, 'torchrun'),
    `#!/usr/bin/env node\nrequire('fs').writeFileSync(${JSON.stringify(record)}, JSON.stringify({cwd: process.cwd(), args: process.argv.slice(2), wandb: process.env.WANDB_MODE}));\n`,
    { mode: 0o755 },
  );
  const run = (env: Record<string, string>, ...args: string[]) =>
    spawnSync('bash', [path.join(out, 'launch.sh'), ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: process.env.HOME ?? '/tmp', ...env },
    });
  const one = run({ TRM_REPO: repo }, 'lr=3e-4');
  assert.equal(one.status, 0, one.stderr);
  const got = JSON.parse(fs.readFileSync(record, 'utf8'));
  assert.equal(fs.realpathSync(got.cwd), fs.realpathSync(out));
  assert.equal(got.wandb, 'offline');
  const outReal = fs.realpathSync(out);
  assert.deepEqual(got.args, [
    '--nproc-per-node',
    '4',
    '--rdzv_backend=c10d',
    '--rdzv_endpoint=localhost:0',
    '--nnodes=1',
    `${repo}/pretrain.py`,
    `--config-path=${outReal}/config`,
    '--config-name=cfg_pretrain',
    'lr=3e-4',
  ]);
  const two = run({ TRM_REPO: repo, NNODES: '2', NODE_RANK: '1', MASTER_ADDR: 'node0', NPROC_PER_NODE: '8' });
  assert.equal(two.status, 0, two.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(record, 'utf8')).args.slice(0, 7), [
    '--nproc-per-node',
    '8',
    '--nnodes=2',
    '--node_rank=1',
    '--master_addr=node0',
    '--master_port=29500',
    `${repo}/pretrain.py`,
  ]);
  const uneven = run({ TRM_REPO: repo, NPROC_PER_NODE: '5' });
  assert.equal(uneven.status, 2);
  assert.match(uneven.stderr, /global_batch_size 768 must divide evenly over 5 GPUs/);
  const noRepo = run({});
  assert.equal(noRepo.status, 2);
  assert.match(noRepo.stderr, /set TRM_REPO to a clone of SamsungSAILMontreal\/TinyRecursiveModels/);
  const noRank = run({ TRM_REPO: repo, NNODES: '2', MASTER_ADDR: 'node0' });
  assert.notEqual(noRank.status, 0);
  assert.match(noRank.stderr, /set NODE_RANK/);
});
