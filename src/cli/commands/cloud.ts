// `trm cloud`: trajectory clouds for every puzzle of a dataset — N noisy forks from the initial
// state, run batched, picked by the Q head, by vote, or by an oracle — next to the deterministic
// run, with accuracy and cost; optional per-puzzle JSON.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPuzzleFile } from '../../engine/data/puzzleFile';
import { evaluateCloud } from '../../engine/cloud/evaluate';
import type { HaltRule } from '../../engine/cloud/cloud';
import type { NoiseSpec } from '../../engine/cloud/noise';
import { TrmModel } from '../../engine/model/trm';
import { CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';
import { int, parseArgs, str, usage, UsageError } from '../args';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  dataset: {
    value: true,
    required: true,
    valueName: 'file',
    description: 'puzzles (any format TRM Lens reads), with labels',
  },
  n: { value: true, valueName: 'N', description: 'branches per puzzle (default 16)' },
  scale: { value: true, valueName: 'sigma', description: 'noise standard deviation per element (default 0.4)' },
  target: { value: true, valueName: 'z|y|both', description: 'latent that gets noise (default z)' },
  at: {
    value: true,
    valueName: 'update|step',
    description: 'noise after every update or once per step (default update)',
  },
  seed: { value: true, valueName: 'int', description: 'noise seed (default 0)' },
  halt: {
    value: true,
    valueName: 'all|first|p',
    description:
      "when a branch stops: all N_sup steps (default, the official evaluation), 'first' q_halt > 0, or a probability",
  },
  limit: { value: true, valueName: 'K', description: 'only the first K puzzles' },
  backend: { value: true, valueName: 'name', description: 'TF.js backend (default: the fastest)' },
  out: { value: true, valueName: 'file.json', description: 'write the summary and per-puzzle results' },
  help: { value: false, description: 'show this help' },
};

export async function runCloudCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'cloud --checkpoint <file> --dataset <file> [--n 16 --scale 0.4]',
        'Trajectory clouds over a dataset: accuracy with and without stochastic recursion.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'cloud');
  const file = str(args, 'dataset')!;
  let examples = readPuzzleFile(file);
  const limit = int(args, 'limit', 1);
  if (limit !== undefined) examples = examples.slice(0, limit);
  if (examples.length === 0) throw new UsageError(`${file}: no puzzles`);
  const loaded = loadCheckpointFromArgs(args, examples[0].inputs.length);
  await startBackend(args, false, false);
  const n = int(args, 'n', 1) ?? 16;
  const scale = Number(str(args, 'scale') ?? '0.4');
  const noise: NoiseSpec = {
    scale,
    target: (str(args, 'target') ?? 'z') as NoiseSpec['target'],
    at: (str(args, 'at') ?? 'update') as NoiseSpec['at'],
    seed: int(args, 'seed') ?? 0,
  };
  const h = str(args, 'halt') ?? 'all';
  const halt: HaltRule = h === 'all' || h === 'first' ? h : { threshold: Number(h) };
  const model = TrmModel.fromWeights(loaded.config, loaded.weights);
  try {
    const r = await evaluateCloud(
      model,
      examples.map((e) => ({ id: e.id, inputs: e.inputs, labels: e.labels, puzzleIdentifier: e.puzzleIdentifier })),
      {
        n,
        noise,
        halt,
        maxSteps: loaded.config.halt_max_steps,
        onProgress: (d, t) => process.stderr.write(`\r${d}/${t} puzzles`),
      },
    );
    process.stderr.write('\n');
    const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);
    const e = r.summary.exact;
    console.log(
      `${examples.length} puzzles, N = ${n}, noise ${scale} on ${noise.target} at each ${noise.at}, seed ${noise.seed}, halt '${h}'`,
    );
    console.log(
      `exact: deterministic ${pct(e.deterministic)}, Q select ${pct(e.q)}, vote ${pct(e.vote)}, oracle ${pct(e.oracle)} (reference only)`,
    );
    console.log(
      `time: deterministic ${r.summary.seconds.deterministic.toFixed(2)} s, cloud ${r.summary.seconds.cloud.toFixed(2)} s (x${r.summary.costRatio.toFixed(1)})`,
    );
    const out = str(args, 'out');
    if (out) {
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, JSON.stringify({ checkpoint: loaded.path, dataset: file, ...r }, null, 2) + '\n');
      console.log(`wrote ${out}`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
