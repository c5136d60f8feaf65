// `trm export-official`: writes a folder the official PyTorch trainer runs as is (dataset, hydra
// config, launch.sh with the torchrun command, README), from the same preset / config / overrides
// `trm train` takes, and prints where everything went and what the official trainer does differently.

import * as path from 'node:path';
import { exportForOfficial } from '../../engine/export/exportRun';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';

const SPEC = {
  data: { value: true, required: true, valueName: 'dir', description: 'built dataset (train/ and test/)' },
  preset: { value: true, valueName: 'name', description: 'model + training preset (e.g. sudoku-mlp)' },
  config: {
    value: true,
    valueName: 'file.yaml|json',
    description: 'training config (`arch:` + training fields, as for trm train)',
  },
  out: { value: true, required: true, valueName: 'dir', description: 'export folder (new or empty)' },
  gpus: { value: true, valueName: 'N', description: 'GPUs per node launch.sh starts by default (default 1)' },
  nodes: { value: true, valueName: 'N', description: 'nodes launch.sh expects by default (default 1)' },
  'run-name': { value: true, valueName: 'name', description: 'pretrain.py run_name (default: the folder name)' },
  steps: { value: true, valueName: 'N', description: 'total optimiser steps (converted to epochs)' },
  'batch-size': { value: true, valueName: 'B', description: 'global batch size' },
  lr: { value: true, valueName: 'x', description: 'base learning rate' },
  'eval-every': { value: true, valueName: 'N', description: 'evaluate every N steps (0 = at the end)' },
  seed: { value: true, valueName: 'N', description: 'random seed' },
  force: { value: false, description: 'replace a non-empty --out folder' },
  json: { value: false, description: 'print the result as JSON' },
  help: { value: false, description: 'show this help' },
};

export async function runExportOfficial(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'export-official --data <dir> (--preset <name> | --config <file>) --out <dir> [--gpus N] [--nodes N]',
        'Export a run for the official trainer (pretrain.py under torchrun): dataset, cfg_pretrain.yaml + arch/trm.yaml, launch.sh, README.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'export-official');
  if (!str(args, 'preset') && !str(args, 'config')) throw new UsageError('choose a model with --preset or --config');
  let lr: number | undefined;
  const lrText = str(args, 'lr');
  if (lrText !== undefined) {
    lr = Number(lrText);
    if (!Number.isFinite(lr) || lr <= 0) throw new UsageError(`--lr must be a positive number (got ${lrText})`);
  }
  const result = exportForOfficial({
    data: str(args, 'data')!,
    out: str(args, 'out')!,
    preset: str(args, 'preset'),
    configPath: str(args, 'config'),
    gpus: int(args, 'gpus', 1),
    nodes: int(args, 'nodes', 1),
    runName: str(args, 'run-name'),
    steps: int(args, 'steps', 1),
    batchSize: int(args, 'batch-size', 1),
    lr,
    evalEvery: int(args, 'eval-every', 0),
    seed: int(args, 'seed', 0),
    force: flag(args, 'force'),
  });
  if (flag(args, 'json')) {
    console.log(
      JSON.stringify(
        { out: result.out, checkpointDir: result.checkpointDir, plan: result.official.plan, notes: result.notes },
        null,
        2,
      ),
    );
    return 0;
  }
  const p = result.official.plan;
  const rel = (f: string): string => path.relative(process.cwd(), f) || '.';
  console.log(`exported ${result.recipe.source} to ${rel(result.out)}`);
  console.log(`  data/                     the dataset (official layout, copied byte for byte)`);
  console.log(`  config/cfg_pretrain.yaml  + config/arch/trm.yaml: the official hydra config`);
  console.log(`  launch.sh                 torchrun; README.md: the whole path`);
  console.log(`  ${path.relative(result.out, result.checkpointDir)}/  where step_N checkpoints will appear`);
  console.log(
    `epochs ${p.epochs}, eval_interval ${p.evalIntervalEpochs ?? 'null'}: pretrain.py runs ${p.exact ? '' : 'about '}${p.stepsRun} steps, evaluating ${p.iterations} time(s)`,
  );
  console.log('what the official trainer does differently:');
  for (const n of result.notes) console.log(`  ${n.setting}: ${n.effect}`);
  console.log(`next: TRM_REPO=/path/to/TinyRecursiveModels bash ${rel(path.join(result.out, 'launch.sh'))}`);
  return 0;
}
