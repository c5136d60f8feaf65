// `npm run bench:train`: training throughput (examples per second, one example = one ACT step of one
// batch slot, i.e. what pretrain.py calls a step times the batch size) of the product's trainStep on
// the backend the trainer would choose (and on each of --backends), for the paper-size Sudoku MLP-T
// (sudoku-mlp, hidden 512, H_cycles 3 x L_cycles 6, float32 here) and the demo model's config, each
// against PyTorch running the same step in the same run (bench/torch_train_reference.py under
// /usr/bin/python3 or TRM_BENCH_PYTHON; on the GPU with --device cuda).
// Prints numbers and ratios; asserts nothing. Args: [--paper-batch B] [--demo-batch B] [--steps N]
// [--backends auto,webgpu,wasm,cpu] [--device cpu|cuda] [--only paper|demo].

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '../src/engine/train/gradients';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../src/engine/backend';
import { BACKEND_NAMES, isBackendName } from '../src/engine/backend/names';
import { TrmConfig, getPreset } from '../src/engine/config';
import { initialCarry } from '../src/engine/model/act';
import { TrmModel } from '../src/engine/model/trm';
import { DEMO_RECIPE } from '../src/engine/train/demoRecipe';
import { initialHostParams, weightsFor } from '../src/engine/train/modelState';
import { TRAIN_DEFAULTS } from '../src/engine/train/recipe';
import { TrainRng } from '../src/engine/train/rng';
import { trainStep } from '../src/engine/train/step';
import { registerTrainingWasmKernels } from '../src/engine/kernels/wasmSegmentSum';

const TORCH_PYTHON = process.env.TRM_BENCH_PYTHON || '/usr/bin/python3';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}

function strArg(name: string, def: string): string {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
}

interface Timing {
  examplesPerSec: number;
  msPerStep: number;
}

async function timeProduct(config: TrmConfig, B: number, steps: number): Promise<Timing> {
  const p = initialHostParams(config, 0, true);
  const model = TrmModel.fromWeights(config, weightsFor(p, 'live'));
  let carry = initialCarry(model, B);
  const rng = new TrainRng(1);
  const r = new TrainRng(2);
  const batch = {
    inputs: Int32Array.from({ length: B * config.seq_len }, () => 1 + r.int(config.vocab_size - 1)),
    labels: Int32Array.from({ length: B * config.seq_len }, () => 2 + r.int(config.vocab_size - 2)),
    puzzleIdentifiers: new Int32Array(B),
  };
  const h = { ...TRAIN_DEFAULTS, global_batch_size: B };
  carry = (await trainStep(model, p, carry, batch, h, 1e-4, 1e-4, rng)).carry; // warm-up
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) carry = (await trainStep(model, p, carry, batch, h, 1e-4, 1e-4, rng)).carry;
  const ms = performance.now() - t0;
  carry.state.y.dispose();
  carry.state.z.dispose();
  model.dispose();
  return { examplesPerSec: (B * steps) / (ms / 1000), msPerStep: ms / steps };
}

function timeTorch(config: TrmConfig, B: number, steps: number, device: string): Timing | string {
  if (!fs.existsSync(TORCH_PYTHON)) return `${TORCH_PYTHON} absent`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-bench-train-'));
  const cfgFile = path.join(dir, 'config.json');
  fs.writeFileSync(cfgFile, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const script = path.resolve(__dirname, '../../bench/torch_train_reference.py');
  const r = spawnSync(
    TORCH_PYTHON,
    [
      script,
      '--config',
      cfgFile,
      '--batch',
      String(B),
      '--steps',
      String(steps),
      '--threads',
      String(Math.min(4, os.cpus().length)),
      '--device',
      device,
    ],
    { encoding: 'utf8', env, timeout: 1_200_000 },
  );
  fs.rmSync(dir, { recursive: true, force: true });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line) as {
      error?: string;
      examplesPerSec: number;
      ms: number;
      torch: string;
      threads: number;
      gpu?: { name: string; cuda: string };
    };
    if (j.error) return `torch absent or failed: ${j.error}`;
    if (j.gpu) console.log(`  (torch ${j.torch} on ${j.gpu.name}, CUDA ${j.gpu.cuda})`);
    return { examplesPerSec: j.examplesPerSec, msPerStep: j.ms / steps };
  } catch {
    return `torch run failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' ')}`;
  }
}

async function main(): Promise<void> {
  const steps = arg('steps', 2);
  const device = strArg('device', 'cpu');
  if (!/^(cpu|cuda(:\d+)?)$/.test(device)) throw new Error(`--device must be cpu or cuda[:N] (got ${device})`);
  const backends = strArg('backends', 'auto').split(',').filter(Boolean);
  for (const b of backends)
    if (b !== 'auto' && !isBackendName(b))
      throw new Error(`unknown backend ${b} in --backends (auto, ${BACKEND_NAMES.join(', ')})`);
  const only = strArg('only', 'all');
  const wasmDir = path.resolve(__dirname, '..') + path.sep;
  console.log(`cores: ${os.cpus().length}; load average ${os.loadavg()[0].toFixed(1)}; torch on ${device}`);
  const sudoku = { seq_len: 81, vocab_size: 11, num_puzzle_identifiers: 1 };
  const workloads: Array<{ name: string; config: TrmConfig; batch: number }> = [
    {
      name: 'sudoku-mlp (paper size, hidden 512, T=3 x n=6, float32)',
      config: { ...getPreset('sudoku-mlp'), ...sudoku, forward_dtype: 'float32' },
      batch: arg('paper-batch', 4),
    },
    {
      name: 'sudoku demo (hidden 64, 1 layer, T=2 x n=2)',
      config: { ...getPreset('sudoku-mlp-demo'), ...sudoku, ...DEMO_RECIPE.arch } as TrmConfig,
      batch: arg('demo-batch', DEMO_RECIPE.global_batch_size),
    },
  ];
  for (const w of workloads) {
    if (only !== 'all' && !w.name.startsWith(only === 'paper' ? 'sudoku-mlp' : 'sudoku demo')) continue;
    console.log(`\n${w.name}, batch ${w.batch}, ${steps} timed steps after 1 warm-up`);
    const torch = timeTorch(w.config, w.batch, steps, device);
    const torchName = `PyTorch ${device}`;
    if (typeof torch === 'string') console.log(`  ${torchName}: ${torch}`);
    else
      console.log(
        `  ${torchName.padEnd(22)} ${torch.examplesPerSec.toFixed(2)} examples/s (${torch.msPerStep.toFixed(0)} ms/step)`,
      );
    for (const b of backends) {
      let info;
      try {
        info = await selectBackend({ prefer: b === 'auto' ? undefined : (b as BackendName), wasmDir });
      } catch (e) {
        console.log(`  TRM Lens ${b}: not available: ${(e as Error).message}`);
        continue;
      }
      if (tf.getBackend() === 'wasm') registerTrainingWasmKernels();
      const ours = await timeProduct(w.config, w.batch, steps);
      const label = `TRM Lens ${b === 'auto' ? `auto=${info.name}` : b}`;
      console.log(
        `  ${label.padEnd(22)} ${ours.examplesPerSec.toFixed(2)} examples/s (${ours.msPerStep.toFixed(0)} ms/step)` +
          (typeof torch === 'string' ? '' : `, x${(ours.examplesPerSec / torch.examplesPerSec).toFixed(3)} PyTorch`) +
          ` [${info.description}]`,
      );
    }
  }
}

main().catch((e) => {
  console.error(`bench:train: ${(e as Error).message}`);
  process.exitCode = 1;
});
