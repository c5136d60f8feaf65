// `npm run bench:infer`: inference speed of the product's TrmModel / ACT code path on every
// compute backend this machine offers, against PyTorch running the same model on the same weights
// and inputs in the same run (bench/torch_reference.py under Debian's /usr/bin/python3, or
// TRM_BENCH_PYTHON), on the CPU or, with --device cuda, PyTorch eager on the GPU.
// Workloads, paper-size Sudoku MLP-T (getPreset('sudoku-mlp'), hidden 512, float32 or --dtype bfloat16;
// --preset for another):
//   (a) traced: one puzzle, batch 1, every update's y (z_H) and z (z_L) copied to the host, like
//       the debugger's recording;  (b) batch: --batch-sizes puzzles (64), no tracing (evaluation).
// Evaluation never halts early, so every supervision step costs the same: ms/step is measured over
// the requested steps and puzzles/s is reported for a full N_sup = 16-step evaluation.
// Each backend runs in its own child process (wasm threads are fixed per process). `auto` is what the
// product picks (the native ONNX Runtime path where it loads and TF.js is not on a GPU, src/engine/native/);
// `onnxruntime` rows measure that path with other thread counts, spinning, the transposing token mixer, and
// one call per network application instead of one per supervision step. --whole-process times whole
// processes, start-up to exit: `trm trace` against a torch process. Prints numbers; asserts nothing about speed.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, selectBackend } from '../src/engine/backend';
import { getPreset, TrmConfig } from '../src/engine/config';
import { readNpy, writeNpy } from '../src/engine/formats/npy';
import { writeSafetensors } from '../src/engine/formats/safetensors';
import type { HostTensor } from '../src/engine/hostTensor';
import { installWasmKernels, uninstallWasmKernels } from '../src/engine/kernels';
import { installWasmMatMul } from '../src/engine/kernels/wasmMatMul';
import { actStep, disposeCarry, initialCarry, type ActBatch } from '../src/engine/model/act';
import { hostActStep, initialHostCarry } from '../src/engine/native/hostAct';
import { loadOrt } from '../src/engine/native/ortLoader';
import { OrtStepRunner } from '../src/engine/native/ortRunner';
import { openInference } from '../src/engine/native/select';
import type { StepRunner } from '../src/engine/native/stepRunner';
import { createRng } from '../src/engine/model/rng';
import { TrmModel } from '../src/engine/model/trm';

const SEED = 1234;
type Dtype = 'float32' | 'bfloat16';
/** Debian's python3 with python3-torch, not whatever python3 is first on PATH; TRM_BENCH_PYTHON overrides. */
const TORCH_PYTHON = process.env.TRM_BENCH_PYTHON || '/usr/bin/python3';

interface WorkerSpec {
  label: string;
  /** undefined = let selectBackend() choose, like the product does. */
  backend?: BackendName;
  threads?: number;
  /** wasm kernels: the project's (default), only the routed BatchMatMul, or tfjs's stock ones. */
  kernels?: 'project' | 'matmul-only' | 'stock';
  tracedSteps: number;
  batchSteps: number;
  batchSizes: number[];
  preset: string;
  dir: string;
  /** Also time one traced step kernel by kernel (wall ms, exclusive of nested kernels). */
  profile?: boolean;
  dtype: Dtype;
  /** The native path with these settings (threads = the ONNX Runtime pool); auto rows use what the product picks. */
  native?: { spinning: boolean; perApplication: boolean; tokenMix?: 'left' | 'transpose' };
}

/** Wall time and the process's CPU time (all threads) over `steps` steps of `batch` puzzles. */
interface Timing {
  batch: number;
  steps: number;
  ms: number;
  cpuMs: number;
}

interface WorkerResult {
  label: string;
  backend: string;
  description: string;
  threads: number;
  traced?: Timing;
  batches: Timing[];
  logitsFile?: string;
  /** --profile: [kernel (matrix products by shape), calls, ms] for one traced step, slowest first. */
  profile?: [string, number, number][];
  error?: string;
}

interface TorchResult {
  torch: string;
  threads: number;
  device: string;
  gpu?: { name: string; memoryBytes: number; cuda: string; cudnn: number; capability: string };
  blas: string[];
  dtype?: Dtype;
  traced: Timing;
  batches: Timing[];
  error?: string;
}

interface Options {
  tracedSteps: number;
  batchSteps: number;
  batchSizes: number[];
  preset: string;
  device: string;
  cpuSteps: number;
  backends: string[];
  compareStock: boolean;
  threads: number;
  torch: boolean;
  keep: boolean;
  profile: boolean;
  dtype: Dtype;
  /** Runs of the whole-process comparison (0 = none): `trm trace --steps N_sup` vs a torch process doing the same. */
  wholeProcess: number;
}

function parseArgs(argv: string[]): Options {
  const cores = os.availableParallelism();
  const o: Options = {
    tracedSteps: 16,
    batchSteps: 1,
    batchSizes: [64],
    preset: 'sudoku-mlp',
    device: 'cpu',
    cpuSteps: 1,
    backends: ['auto', 'wasm'],
    compareStock: false,
    threads: Math.min(4, cores),
    torch: true,
    keep: false,
    profile: false,
    dtype: 'float32',
    wholeProcess: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a non-negative integer (got ${argv[i]})`);
      return v;
    };
    if (a === '--traced-steps') o.tracedSteps = num();
    else if (a === '--batch-steps') o.batchSteps = num();
    else if (a === '--cpu-steps') o.cpuSteps = num();
    else if (a === '--threads') o.threads = num();
    else if (a === '--backends') o.backends = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--batch-sizes') {
      o.batchSizes = (argv[++i] ?? '').split(',').filter(Boolean).map(Number);
      if (!o.batchSizes.length || o.batchSizes.some((b) => !Number.isInteger(b) || b < 1))
        throw new Error(`--batch-sizes needs a comma list of positive integers (got ${argv[i]})`);
    } else if (a === '--preset') o.preset = argv[++i] ?? '';
    else if (a === '--device') {
      o.device = argv[++i] ?? '';
      if (!/^(cpu|cuda(:\d+)?)$/.test(o.device)) throw new Error(`--device must be cpu or cuda[:N] (got ${o.device})`);
    } else if (a === '--compare-stock') o.compareStock = true;
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--profile') o.profile = true;
    else if (a === '--whole-process') o.wholeProcess = num();
    else if (a === '--dtype') {
      const v = argv[++i];
      if (v !== 'float32' && v !== 'bfloat16') throw new Error(`--dtype must be float32 or bfloat16 (got ${v})`);
      o.dtype = v;
    } else if (a === '--help') {
      console.log(`usage: node dist/bench/infer.js [--traced-steps N=16] [--batch-steps N=1] [--cpu-steps N=1]
  [--batch-sizes 64] [--preset sudoku-mlp] [--device cpu|cuda] [--threads N=min(4,cores)]
  [--backends auto,wasm] [--dtype float32|bfloat16] [--whole-process N] [--compare-stock] [--no-torch]
  [--keep] [--profile]
  --backends: comma list of auto (what the product picks: the native ONNX Runtime path where it loads,
  unless TF.js runs on a GPU), onnxruntime[-N][+spin][+perapp][+transpose] (the native path with N
  threads (default --threads), spinning pool threads, one call per network application, or the
  transposing token mixer), wasm (--threads threads), wasm-N, cpu, webgpu (also a software adapter:
  then a correctness record, not a speed), tfjs-node, tfjs-node-gpu. --compare-stock adds wasm with tfjs's stock
  kernels and with only the routed BatchMatMul (no slice memo), 1 traced step each. The cpu
  backend runs --cpu-steps steps and no batch run. --device cuda runs the PyTorch reference on the GPU
  (eager, synchronised). --batch-sizes: evaluation batches, e.g. 64,768.
  --dtype bfloat16: TRM Lens computes the official bf16 configuration; torch runs float32 (the reference
  of the ratios) and also bf16 (its own bf16 kernels), both printed.
  --whole-process N: also time N runs of the whole process, start-up to exit: \`trm trace --steps 16\` (auto
  backend, a safetensors checkpoint of the bench weights, every update of the puzzle recorded and written)
  against a torch process loading the same weights and tracing the same 16 steps (no warm-up, --device).
  --keep leaves the temporary folder (weights, inputs, logits) in place.
  --profile times one more traced step kernel by kernel (wall ms, nested kernels excluded) per backend.`);
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (o.tracedSteps < 1) throw new Error('--traced-steps must be at least 1 (step 1 logits are compared with torch)');
  return o;
}

/** Deterministic Sudoku-shaped inputs: ids 1 (empty) .. 10 (digit 9), puzzle identifier 0. */
function makeInputs(c: TrmConfig, batch: number): ActBatch {
  const rng = createRng(SEED + 1);
  const inputs = new Int32Array(batch * c.seq_len);
  for (let i = 0; i < inputs.length; i++) inputs[i] = rng() < 0.6 ? 1 : 2 + Math.floor(rng() * 9);
  return { inputs, puzzleIdentifiers: new Int32Array(batch) };
}

function benchConfig(preset: string, dtype: Dtype = 'float32'): TrmConfig {
  return { ...getPreset(preset), forward_dtype: dtype };
}

// ---------------------------------------------------------------- worker (one backend)

/**
 * Runs `steps` ACT steps in eval mode; with `trace`, copies y and z to the host after every update
 * the way the debugger's trace does: clones kept during the step, all downloaded (asynchronously,
 * as a GPU backend requires) together with the step's logits once the step has been issued.
 */
async function runSteps(
  model: TrmModel,
  batch: ActBatch,
  steps: number,
  trace: boolean,
  onLogits?: (l: Float32Array) => void,
): Promise<Timing> {
  const B = batch.puzzleIdentifiers.length;
  let carry = initialCarry(model, B);
  const kept: tf.Tensor[] = [];
  const hooks = trace
    ? {
        onUpdate: (_u: unknown, s: { y: tf.Tensor; z: tf.Tensor }) => {
          kept.push(tf.keep(tf.clone(s.y)), tf.keep(tf.clone(s.z)));
        },
      }
    : undefined;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (let s = 0; s < steps; s++) {
      const r = await actStep(model, carry, batch, { mode: 'eval', hooks });
      carry = r.carry;
      // the viewer always reads the step's logits
      const [logits] = (await Promise.all([r.logits.data(), ...kept.map((t) => t.data())])) as Float32Array[];
      tf.dispose(kept.splice(0));
      if (s === 0) onLogits?.(logits);
      r.logits.dispose();
    }
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    return { batch: B, steps, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
  } finally {
    tf.dispose(kept);
    disposeCarry(carry);
  }
}

/** runSteps on a StepRunner: the ACT wrapper on host arrays; traced = every update's state downloaded. */
async function runNativeSteps(
  model: TrmModel,
  runner: StepRunner,
  batch: ActBatch,
  steps: number,
  trace: boolean,
  perApplication: boolean,
  onLogits?: (l: Float32Array) => void,
): Promise<Timing> {
  const B = batch.puzzleIdentifiers.length;
  let carry = initialHostCarry(model, B);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    if (perApplication) {
      // One runner call per network application (heads not computed: 97 x 512 x 11, negligible).
      const c = model.config;
      let { y, z } = carry.state;
      const x = carry.x ?? (await hostActStep(model, runner, carry, batch, { mode: 'eval' })).carry.x!;
      carry.x = x;
      const zeros = new Float32Array(y.length);
      for (let h = 0; h < c.H_cycles; h++) {
        for (let j = 0; j < c.L_cycles; j++) z = (await runner.update(z, y, x, B)).at(-1)!;
        y = (await runner.update(y, z, zeros, B)).at(-1)!;
      }
      carry = { ...carry, state: { y, z }, halted: new Uint8Array(B) };
      continue;
    }
    const r = await hostActStep(model, runner, carry, batch, { mode: 'eval', updates: trace });
    carry = r.carry;
    if (s === 0) onLogits?.(r.run.logits);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { batch: B, steps, ms, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/**
 * Wraps every kernel registered for `backend` with a wall-clock timer (exclusive: a kernel that calls
 * other kernels, like the routed BatchMatMul, is charged only its own time) and returns the undo
 * function and the table. Matrix products are keyed by their shapes.
 */
function profileKernels(backend: string): { table: Map<string, { calls: number; ms: number }>; restore: () => void } {
  const table = new Map<string, { calls: number; ms: number }>();
  const originals = tf.getKernelsForBackend(backend);
  const stack: number[] = []; // nested time to subtract, one entry per active kernel
  for (const k of originals) {
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        const { inputs } = args as { inputs: Record<string, tf.TensorInfo> };
        const key =
          k.kernelName === 'BatchMatMul' || k.kernelName === '_FusedMatMul'
            ? `${k.kernelName} ${Object.values(inputs)
                .map((t) => `[${t.shape.join(',')}]`)
                .join('x')}${(args.attrs as { transposeB?: boolean })?.transposeB ? 'T' : ''}`
            : k.kernelName;
        stack.push(0);
        const t0 = performance.now();
        try {
          return k.kernelFunc(args);
        } finally {
          const total = performance.now() - t0;
          const self = total - (stack.pop() as number);
          if (stack.length) stack[stack.length - 1] += total;
          const e = table.get(key) ?? { calls: 0, ms: 0 };
          e.calls++;
          e.ms += self;
          table.set(key, e);
        }
      },
    });
  }
  return {
    table,
    restore: () => {
      for (const k of originals) {
        tf.unregisterKernel(k.kernelName, backend);
        tf.registerKernel(k);
      }
    },
  };
}

function rowOf(batch: ActBatch, S: number, row: number): ActBatch {
  return {
    inputs: batch.inputs.slice(row * S, (row + 1) * S),
    puzzleIdentifiers: batch.puzzleIdentifiers.slice(row, row + 1),
  };
}

async function worker(spec: WorkerSpec): Promise<WorkerResult> {
  const info = await selectBackend({
    prefer: spec.backend,
    threads: spec.threads,
    wasmDir: path.resolve(__dirname, '..'),
  });
  if (info.name === 'wasm') {
    uninstallWasmKernels();
    if (spec.kernels === 'matmul-only') installWasmMatMul();
    else if (spec.kernels !== 'stock') installWasmKernels();
  }
  const config = benchConfig(spec.preset, spec.dtype);
  const weights = new Map<string, HostTensor>();
  for (const f of fs.readdirSync(path.join(spec.dir, 'weights')))
    weights.set(f.replace(/\.npy$/, ''), readNpy(path.join(spec.dir, 'weights', f)));
  const model = TrmModel.fromWeights(config, weights, { source: 'bench weights' });
  const batchOf = (b: number): ActBatch => ({
    inputs: readNpy(path.join(spec.dir, `inputs_batch_${b}.npy`)).data as Int32Array,
    puzzleIdentifiers: new Int32Array(b),
  });
  const one = rowOf(batchOf(spec.batchSizes[0]), config.seq_len, 0);
  const logitsFile = path.join(spec.dir, `logits_${spec.label.replace(/[^a-z0-9]+/gi, '_')}.npy`);
  const saveLogits = (l: Float32Array): void =>
    writeNpy(logitsFile, {
      dtype: 'float32',
      shape: [1, config.seq_len, config.vocab_size],
      data: Float32Array.from(l),
    });
  // The product's choice (auto: the native path unless TF.js is on a GPU), or the native path with this row's settings.
  let runner: StepRunner | undefined;
  if (spec.native) {
    const ort = loadOrt();
    if (!ort.ok) throw new Error(ort.reason);
    runner = await OrtStepRunner.create(ort.ort, ort.version, model, {
      threads: spec.threads,
      spinning: spec.native.spinning,
      graph: { tokenMix: spec.native.tokenMix },
    });
  } else if (spec.backend === undefined) {
    runner = (await openInference(model, { mode: 'auto', backend: info })).runner;
  }
  if (runner) {
    const perApp = spec.native?.perApplication ?? false;
    const res: WorkerResult = {
      label: spec.label,
      backend: runner.name,
      description: `${runner.description}${perApp ? ', one call per network application' : ''}`,
      threads: runner.threads,
      batches: [],
    };
    await runNativeSteps(model, runner, one, 1, false, perApp); // warm-up: session's first run, allocator growth
    res.traced = await runNativeSteps(model, runner, one, spec.tracedSteps, true, perApp, saveLogits);
    if (!perApp) res.logitsFile = logitsFile; // per-application calls compute no heads
    if (spec.batchSteps > 0)
      for (const b of spec.batchSizes)
        res.batches.push(await runNativeSteps(model, runner, batchOf(b), spec.batchSteps, false, perApp));
    if (spec.profile) res.profile = [['(--profile times TF.js kernels; this row runs on ONNX Runtime)', 0, 0]];
    runner.dispose();
    model.dispose();
    return res;
  }
  await runSteps(model, one, 1, false); // warm-up: XNNPACK operator creation, weight transposes, allocator growth
  const res: WorkerResult = {
    label: spec.label,
    backend: info.name,
    description: info.description,
    threads: info.threads,
    batches: [],
  };
  res.traced = await runSteps(model, one, spec.tracedSteps, true, saveLogits);
  res.logitsFile = logitsFile;
  if (spec.batchSteps > 0) {
    for (const b of spec.batchSizes) {
      const batch = batchOf(b);
      // A GPU compiles its kernels for each new shape: one untimed step per batch size.
      if (info.name === 'webgpu' || info.name === 'tfjs-node-gpu') await runSteps(model, batch, 1, false);
      res.batches.push(await runSteps(model, batch, spec.batchSteps, false));
    }
  }
  if (spec.profile && info.name === 'webgpu') {
    res.profile = [['(--profile times CPU kernels; webgpu kernels run asynchronously on the device)', 0, 0]];
  } else if (spec.profile) {
    const { table, restore } = profileKernels(tf.getBackend());
    const t = await runSteps(model, one, 1, true);
    restore();
    res.profile = [...table].map(([k, v]): [string, number, number] => [k, v.calls, v.ms]).sort((a, b) => b[2] - a[2]);
    res.profile.push(['(step total, wall)', 1, t.ms], ['(step total, cpu all threads)', 1, t.cpuMs]);
  }
  model.dispose();
  return res;
}

// ---------------------------------------------------------------- orchestration

async function writeFixtures(dir: string, config: TrmConfig, batchSizes: number[]): Promise<void> {
  await selectBackend({ prefer: 'cpu' });
  const model = TrmModel.initialise(config, SEED);
  fs.mkdirSync(path.join(dir, 'weights'), { recursive: true });
  for (const [k, t] of await model.getWeights()) writeNpy(path.join(dir, 'weights', `${k}.npy`), t);
  model.dispose();
  const batch = makeInputs(config, Math.max(...batchSizes));
  const S = config.seq_len;
  for (const b of batchSizes) {
    writeNpy(path.join(dir, `inputs_batch_${b}.npy`), {
      dtype: 'int32',
      shape: [b, S],
      data: batch.inputs.slice(0, b * S),
    });
    writeNpy(path.join(dir, `puzzle_ids_batch_${b}.npy`), { dtype: 'int32', shape: [b], data: new Int32Array(b) });
  }
  writeNpy(path.join(dir, 'inputs_traced.npy'), { dtype: 'int32', shape: [1, S], data: batch.inputs.slice(0, S) });
  writeNpy(path.join(dir, 'puzzle_ids_traced.npy'), {
    dtype: 'int32',
    shape: [1],
    data: batch.puzzleIdentifiers.slice(0, 1),
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 1));
}

function lastJsonLine(text: string): unknown {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  return line ? JSON.parse(line) : undefined;
}

function runTorch(dir: string, o: Options, dtype: Dtype): TorchResult | { error: string } {
  if (!fs.existsSync(TORCH_PYTHON)) return { error: `${TORCH_PYTHON} not found` };
  // Torch's best configuration here: all cores, passive OpenMP waiting, and OpenBLAS free to pick
  // its kernels for this CPU (the machine may force OPENBLAS_CORETYPE=Haswell).
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const r = spawnSync(
    TORCH_PYTHON,
    [
      path.join(__dirname, '..', '..', 'bench', 'torch_reference.py'),
      '--dir',
      dir,
      '--threads',
      String(os.availableParallelism()),
      '--traced-steps',
      String(o.tracedSteps),
      '--batch-steps',
      String(o.batchSteps),
      '--batch-sizes',
      o.batchSizes.join(','),
      '--device',
      o.device,
      '--dtype',
      dtype,
    ],
    { env, encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  const parsed = lastJsonLine(r.stdout ?? '') as TorchResult | undefined;
  if (r.status !== 0 || !parsed || parsed.error) {
    return {
      error:
        parsed?.error ??
        `exit ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  return parsed;
}

/** Wall seconds of a whole process, spawn to exit; throws with its stderr when it fails. */
function timeProcess(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(
      `${path.basename(cmd)} exit ${r.status}: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-2).join(' | ')}`,
    );
  return s;
}

/** `trm trace --steps N_sup` against torch_reference.py tracing N_sup steps (no warm-up), each a fresh process. */
function wholeProcess(dir: string, o: Options, config: TrmConfig): void {
  const weights = new Map<string, HostTensor>();
  for (const f of fs.readdirSync(path.join(dir, 'weights')).sort())
    weights.set(f.replace(/\.npy$/, ''), readNpy(path.join(dir, 'weights', f)));
  const ckpt = path.join(dir, 'model.safetensors');
  writeSafetensors(ckpt, weights); // config.json beside it is the bench config (preset, dtype)
  const cli = path.join(__dirname, '..', 'cli.js');
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' };
  delete env.OPENBLAS_CORETYPE;
  const K = config.halt_max_steps;
  const trm: number[] = [],
    torch: number[] = [];
  for (let r = 0; r < o.wholeProcess; r++) {
    torch.push(
      timeProcess(
        TORCH_PYTHON,
        [
          path.join(__dirname, '..', '..', 'bench', 'torch_reference.py'),
          ...['--dir', dir, '--threads', String(os.availableParallelism()), '--traced-steps', String(K)],
          ...['--batch-steps', '0', '--no-warmup', '--dtype', o.dtype, '--device', o.device],
        ],
        env,
      ),
    );
    const out = path.join(dir, `trace_out_${r}`);
    trm.push(
      timeProcess(process.execPath, [
        cli,
        'trace',
        ...['--checkpoint', ckpt, '--inputs', path.join(dir, 'inputs_traced.npy'), '--steps', String(K), '--out', out],
      ]),
    );
    fs.rmSync(out, { recursive: true, force: true });
  }
  const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(
    `\nwhole process, ${K} traced steps, ${o.dtype}, ${o.wholeProcess} run(s) each, alternating:` +
      `\n  trm trace (auto backend):  ${trm.map((v) => v.toFixed(2)).join(' ')} s, median ${median(trm).toFixed(2)} s` +
      `\n  torch process (${o.device}):${' '.repeat(Math.max(1, 12 - o.device.length))}${torch.map((v) => v.toFixed(2)).join(' ')} s, median ${median(torch).toFixed(2)} s` +
      `\n  ratio (median trm / median torch): ${(median(trm) / median(torch)).toFixed(2)}`,
  );
}

function runWorker(spec: WorkerSpec): WorkerResult {
  const r = spawnSync(process.execPath, [__filename, '--worker', JSON.stringify(spec)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const parsed = lastJsonLine(r.stdout ?? '') as WorkerResult | undefined;
  if (r.status !== 0 || !parsed) {
    return {
      label: spec.label,
      backend: spec.backend ?? 'auto',
      description: '',
      threads: 0,
      batches: [],
      error: `exit ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`,
    };
  }
  return parsed;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const fmt = (v: number | undefined, digits = 1): string =>
  v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  rows.forEach((r, i) => {
    console.log(r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  });
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const config = benchConfig(o.preset, o.dtype);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-bench-'));
  try {
    console.log(
      `TRM Lens inference benchmark: ${o.preset}, hidden ${config.hidden_size}, ${o.dtype}, ${config.H_cycles} x (${config.L_cycles} + 1) updates/step, ` +
        `node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(1)}`,
    );
    await writeFixtures(dir, config, o.batchSizes);
    let torch: TorchResult | { error: string } = { error: 'skipped (--no-torch)' };
    let torchBf16: TorchResult | undefined;
    if (o.torch) {
      process.stdout.write(`torch reference (${o.device}, float32) ... `);
      torch = runTorch(dir, o, 'float32');
      console.log('error' in torch && torch.error ? `NOT AVAILABLE: ${torch.error}` : 'done');
      if (o.dtype === 'bfloat16' && !('error' in torch && torch.error)) {
        process.stdout.write(`torch (${o.device}, bfloat16) ... `);
        const r = runTorch(dir, o, 'bfloat16');
        torchBf16 = 'error' in r && r.error ? undefined : (r as TorchResult);
        console.log(torchBf16 ? 'done' : `NOT AVAILABLE: ${(r as { error: string }).error}`);
      }
    }
    const t = 'error' in torch && torch.error ? undefined : (torch as TorchResult);
    const specs: WorkerSpec[] = [];
    for (const b of o.backends) {
      const base = {
        dir,
        tracedSteps: o.tracedSteps,
        batchSteps: o.batchSteps,
        batchSizes: o.batchSizes,
        preset: o.preset,
        profile: o.profile,
        dtype: o.dtype,
      };
      const ort = /^onnxruntime(?:-(\d+))?((?:\+(?:spin|perapp|transpose))*)$/.exec(b);
      if (b === 'auto') specs.push({ ...base, label: 'auto', threads: o.threads });
      else if (b === 'wasm') specs.push({ ...base, label: `wasm-${o.threads}`, backend: 'wasm', threads: o.threads });
      else if (/^wasm-\d+$/.test(b)) specs.push({ ...base, label: b, backend: 'wasm', threads: Number(b.slice(5)) });
      else if (b === 'cpu')
        specs.push({ ...base, label: 'cpu', backend: 'cpu', tracedSteps: Math.max(1, o.cpuSteps), batchSteps: 0 });
      else if (b === 'tfjs-node' || b === 'tfjs-node-gpu' || b === 'webgpu')
        specs.push({ ...base, label: b, backend: b });
      else if (ort) {
        const threads = ort[1] ? Number(ort[1]) : o.threads;
        const flags = ort[2] ?? '';
        specs.push({
          ...base,
          label: `onnxruntime-${threads}${flags}`,
          backend: 'cpu', // TF.js only embeds the inputs here
          threads,
          native: {
            spinning: flags.includes('+spin'),
            perApplication: flags.includes('+perapp'),
            tokenMix: flags.includes('+transpose') ? 'transpose' : undefined,
          },
        });
      } else
        throw new Error(
          `unknown backend ${b} in --backends (auto, onnxruntime[-N][+spin][+perapp][+transpose], wasm, wasm-N, cpu, webgpu, tfjs-node, tfjs-node-gpu)`,
        );
    }
    if (o.compareStock) {
      const one = {
        dir,
        backend: 'wasm' as const,
        threads: o.threads,
        tracedSteps: 1,
        batchSteps: 0,
        batchSizes: o.batchSizes,
        preset: o.preset,
        dtype: o.dtype,
      };
      specs.push({ ...one, label: `wasm-${o.threads} stock kernels`, kernels: 'stock' });
      specs.push({ ...one, label: `wasm-${o.threads} matmul only`, kernels: 'matmul-only' });
    }
    // Step-1 logits are compared with torch's in the same dtype.
    const logitsName = torchBf16 ? 'logits_step1_bfloat16.npy' : 'logits_step1_float32.npy';
    const torchLogits = t ? (readNpy(path.join(dir, logitsName)).data as Float32Array) : undefined;
    const rows: string[][] = [
      [
        'backend',
        'workload',
        'threads',
        'steps',
        'time s',
        'ms/step',
        'cpu ms/step',
        'puzzles/s',
        'x torch',
        'x torch cpu',
        ...(torchBf16 ? ['x torch bf16'] : []),
        'step-1 max|diff|',
      ],
    ];
    const addRow = (
      label: string,
      workload: string,
      threads: number,
      timing: Timing,
      ref: Timing | undefined,
      diff: string,
      refBf16?: Timing,
    ): void => {
      const msStep = timing.ms / timing.steps;
      const cpuStep = timing.cpuMs / timing.steps;
      const pps = timing.batch / ((config.halt_max_steps * msStep) / 1000);
      rows.push([
        label,
        workload,
        String(threads),
        String(timing.steps),
        fmt(timing.ms / 1000, 2),
        fmt(msStep),
        fmt(cpuStep),
        fmt(pps, 3),
        ref ? fmt(msStep / (ref.ms / ref.steps), 2) : '-',
        ref ? fmt(cpuStep / (ref.cpuMs / ref.steps), 2) : '-',
        ...(torchBf16 ? [refBf16 ? fmt(msStep / (refBf16.ms / refBf16.steps), 2) : '-'] : []),
        diff,
      ]);
    };
    const torchLabel = t ? `torch (${t.device})` : '';
    if (t) {
      addRow(torchLabel, 'traced b=1', t.threads, t.traced, t.traced, '-');
      for (const b of t.batches) addRow(torchLabel, `batch b=${b.batch}`, t.threads, b, b, '-');
    }
    const sameBatch = (list: Timing[] | undefined, b: number): Timing | undefined => list?.find((x) => x.batch === b);
    if (torchBf16) {
      const label = `torch bf16 (${torchBf16.device})`;
      addRow(label, 'traced b=1', torchBf16.threads, torchBf16.traced, t?.traced, '-', torchBf16.traced);
      for (const b of torchBf16.batches)
        addRow(label, `batch b=${b.batch}`, torchBf16.threads, b, sameBatch(t?.batches, b.batch), '-', b);
    }
    for (const spec of specs) {
      process.stdout.write(`${spec.label} ... `);
      const r = runWorker(spec);
      if (r.error) {
        console.log(`FAILED: ${r.error}`);
        continue;
      }
      console.log(r.description);
      if (spec.label === 'auto') r.label = `auto=${r.backend}`;
      const diff =
        torchLogits && r.logitsFile
          ? maxAbsDiff(readNpy(r.logitsFile).data as Float32Array, torchLogits).toExponential(1)
          : '-';
      if (r.traced) addRow(r.label, 'traced b=1', r.threads, r.traced, t?.traced, diff, torchBf16?.traced);
      for (const b of r.batches)
        addRow(
          r.label,
          `batch b=${b.batch}`,
          r.threads,
          b,
          sameBatch(t?.batches, b.batch),
          diff,
          sameBatch(torchBf16?.batches, b.batch),
        );
      if (r.profile) {
        console.log(`  one traced step, kernel by kernel (wall ms, nested kernels excluded):`);
        for (const [k, calls, ms] of r.profile)
          console.log(`  ${ms.toFixed(1).padStart(9)} ms  ${String(calls).padStart(5)} x  ${k}`);
      }
    }
    console.log();
    printTable(rows);
    console.log(
      `\nx torch = TRM Lens wall time / torch float32 wall time per step (below 1: TRM Lens is faster); x torch cpu = the same for CPU time` +
        ` (all threads), which a busy machine disturbs less. puzzles/s assumes a full ${config.halt_max_steps}-step evaluation.` +
        (torchBf16 ? ' x torch bf16 = against torch computing in bf16 (its own bf16 kernels).' : '') +
        ` step-1 max|diff| = the traced puzzle's step-1 logits against torch's in ${torchBf16 ? 'bfloat16' : 'float32'}` +
        (o.dtype === 'bfloat16' && !torchBf16 ? ' (no torch bf16 run: a bf16 computation against float32)' : '') +
        ` (- for rows that compute no heads: +perapp).`,
    );
    if (t?.gpu) {
      console.log(
        `torch ${t.torch} on ${t.device}: ${t.gpu.name} (compute capability ${t.gpu.capability}, ${(t.gpu.memoryBytes / 2 ** 30).toFixed(1)} GiB), CUDA ${t.gpu.cuda}, cuDNN ${t.gpu.cudnn}; eager, inference_mode, synchronised before each clock reading.`,
      );
    } else if (t) {
      console.log(
        `torch ${t.torch}, ${t.threads} threads, BLAS: ${t.blas.join(', ') || 'unknown'}; OMP_WAIT_POLICY=PASSIVE, OPENBLAS_CORETYPE unset, inference_mode.`,
      );
      if (!t.blas.some((b) => /openblas|mkl|blis/i.test(b))) {
        console.log(
          'NOTE: torch ran on the reference BLAS (Debian libblas3), far from its best configuration; install libopenblas0-pthread' +
            ' (or put its libblas.so.3 on LD_LIBRARY_PATH) for the fair comparison.',
        );
      }
    } else {
      console.log(
        `PyTorch reference NOT RUN (${(torch as { error: string }).error}): the numbers above are TRM Lens only, no ratios.` +
          (o.device === 'cpu'
            ? ` Debian's python3-torch provides it (scripts/setup-vscode-e2e.sh with TRM_BENCH_TORCH=1).`
            : ` --device ${o.device} needs a python3 whose torch is built with CUDA (TRM_BENCH_PYTHON=/path/to/python3).`),
      );
    }
    if (o.wholeProcess > 0) {
      if (!t) console.log('whole-process comparison skipped: no torch');
      else
        try {
          wholeProcess(dir, o, config);
        } catch (e) {
          console.log(`whole-process comparison FAILED: ${e instanceof Error ? e.message : String(e)}`);
          process.exitCode = 1;
        }
    }
    if (o.keep) console.log(`weights, inputs and logits kept in ${dir}`);
  } finally {
    if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3]) as WorkerSpec)
    .then((r) => {
      console.log(JSON.stringify(r));
    })
    .catch((e: unknown) => {
      console.error(e instanceof Error ? e.stack : String(e));
      process.exit(1);
    });
} else {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
