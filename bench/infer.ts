// `npm run bench:infer`: inference speed of the product's TrmModel / ACT code path on every
// compute backend this machine offers, against PyTorch running the same model on the same weights
// and inputs in the same run (bench/torch_reference.py under Debian's /usr/bin/python3, or
// TRM_BENCH_PYTHON), on the CPU or, with --device cuda, PyTorch eager on the GPU.
// Workloads, paper-size Sudoku MLP-T (getPreset('sudoku-mlp'), hidden 512, float32; --preset for another):
//   (a) traced: one puzzle, batch 1, every update's y (z_H) and z (z_L) copied to the host, like
//       the debugger's recording;  (b) batch: --batch-sizes puzzles (64), no tracing (evaluation).
// Evaluation never halts early, so every supervision step costs the same: ms/step is measured over
// the requested steps and puzzles/s is reported for a full N_sup = 16-step evaluation.
// Each backend runs in its own child process (wasm threads are fixed per process). Prints numbers;
// asserts nothing about speed.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { BackendName, selectBackend } from '../src/engine/backend';
import { getPreset, TrmConfig } from '../src/engine/config';
import { readNpy, writeNpy } from '../src/engine/formats/npy';
import type { HostTensor } from '../src/engine/hostTensor';
import { installWasmKernels, uninstallWasmKernels } from '../src/engine/kernels';
import { installWasmMatMul } from '../src/engine/kernels/wasmMatMul';
import { actStep, disposeCarry, initialCarry, type ActBatch } from '../src/engine/model/act';
import { createRng } from '../src/engine/model/rng';
import { TrmModel } from '../src/engine/model/trm';

const SEED = 1234;
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
    backends: ['auto', 'wasm-1'],
    compareStock: false,
    threads: Math.min(4, cores),
    torch: true,
    keep: false,
    profile: false,
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
    else if (a === '--help') {
      console.log(`usage: node dist/bench/infer.js [--traced-steps N=16] [--batch-steps N=1] [--cpu-steps N=1]
  [--batch-sizes 64] [--preset sudoku-mlp] [--device cpu|cuda] [--threads N=min(4,cores)]
  [--backends auto,wasm-1] [--compare-stock] [--no-torch] [--keep] [--profile]
  --backends: comma list of auto (what selectBackend() picks, as the product does), wasm (--threads
  threads), wasm-N, cpu, webgpu (also a software adapter: then a correctness record, not a speed),
  tfjs-node, tfjs-node-gpu. --compare-stock adds wasm with tfjs's stock
  kernels and with only the routed BatchMatMul (no slice memo), 1 traced step each. The cpu
  backend runs --cpu-steps steps and no batch run. --device cuda runs the PyTorch reference on the GPU
  (eager, synchronised). --batch-sizes: evaluation batches, e.g. 64,768.
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

function benchConfig(preset: string): TrmConfig {
  return { ...getPreset(preset), forward_dtype: 'float32' };
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
  const config = benchConfig(spec.preset);
  const weights = new Map<string, HostTensor>();
  for (const f of fs.readdirSync(path.join(spec.dir, 'weights')))
    weights.set(f.replace(/\.npy$/, ''), readNpy(path.join(spec.dir, 'weights', f)));
  const model = TrmModel.fromWeights(config, weights, { source: 'bench weights' });
  const batchOf = (b: number): ActBatch => ({
    inputs: readNpy(path.join(spec.dir, `inputs_batch_${b}.npy`)).data as Int32Array,
    puzzleIdentifiers: new Int32Array(b),
  });
  const one = rowOf(batchOf(spec.batchSizes[0]), config.seq_len, 0);
  await runSteps(model, one, 1, false); // warm-up: XNNPACK operator creation, weight transposes, allocator growth
  const res: WorkerResult = {
    label: spec.label,
    backend: info.name,
    description: info.description,
    threads: info.threads,
    batches: [],
  };
  const logitsFile = path.join(spec.dir, `logits_${spec.label.replace(/[^a-z0-9]+/gi, '_')}.npy`);
  res.traced = await runSteps(model, one, spec.tracedSteps, true, (l) => {
    writeNpy(logitsFile, {
      dtype: 'float32',
      shape: [1, config.seq_len, config.vocab_size],
      data: Float32Array.from(l),
    });
  });
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

function runTorch(dir: string, o: Options): TorchResult | { error: string } {
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
  const config = benchConfig(o.preset);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-bench-'));
  try {
    console.log(
      `TRM Lens inference benchmark: ${o.preset}, hidden ${config.hidden_size}, float32, ${config.H_cycles} x (${config.L_cycles} + 1) updates/step, ` +
        `node ${process.version}, ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(1)}`,
    );
    await writeFixtures(dir, config, o.batchSizes);
    let torch: TorchResult | { error: string } = { error: 'skipped (--no-torch)' };
    if (o.torch) {
      process.stdout.write('torch reference ... ');
      torch = runTorch(dir, o);
      console.log('error' in torch && torch.error ? `NOT AVAILABLE: ${torch.error}` : 'done');
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
      };
      if (b === 'auto') specs.push({ ...base, label: 'auto', threads: o.threads });
      else if (b === 'wasm') specs.push({ ...base, label: `wasm-${o.threads}`, backend: 'wasm', threads: o.threads });
      else if (/^wasm-\d+$/.test(b)) specs.push({ ...base, label: b, backend: 'wasm', threads: Number(b.slice(5)) });
      else if (b === 'cpu')
        specs.push({ ...base, label: 'cpu', backend: 'cpu', tracedSteps: Math.max(1, o.cpuSteps), batchSteps: 0 });
      else if (b === 'tfjs-node' || b === 'tfjs-node-gpu' || b === 'webgpu')
        specs.push({ ...base, label: b, backend: b });
      else
        throw new Error(
          `unknown backend ${b} in --backends (auto, wasm, wasm-N, cpu, webgpu, tfjs-node, tfjs-node-gpu)`,
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
      };
      specs.push({ ...one, label: `wasm-${o.threads} stock kernels`, kernels: 'stock' });
      specs.push({ ...one, label: `wasm-${o.threads} matmul only`, kernels: 'matmul-only' });
    }
    const torchLogits = t ? (readNpy(path.join(dir, 'logits_step1.npy')).data as Float32Array) : undefined;
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
        diff,
      ]);
    };
    const torchLabel = t ? `torch (${t.device})` : '';
    if (t) {
      addRow(torchLabel, 'traced b=1', t.threads, t.traced, t.traced, '-');
      for (const b of t.batches) addRow(torchLabel, `batch b=${b.batch}`, t.threads, b, b, '-');
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
      if (r.traced) addRow(r.label, 'traced b=1', r.threads, r.traced, t?.traced, diff);
      for (const b of r.batches)
        addRow(
          r.label,
          `batch b=${b.batch}`,
          r.threads,
          b,
          t?.batches.find((x) => x.batch === b.batch),
          diff,
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
      `\nx torch = TRM Lens wall time / torch wall time per step (below 1: TRM Lens is faster); x torch cpu = the same for CPU time` +
        ` (all threads), which a busy machine disturbs less. puzzles/s assumes a full ${config.halt_max_steps}-step evaluation.`,
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
