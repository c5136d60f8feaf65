// Chooses the TF.js compute backend once per process: native TensorFlow with CUDA, WebGPU on a
// hardware adapter (Dawn: Vulkan / Metal / D3D12), native TensorFlow on CPU, WebAssembly (SIMD,
// multi-threaded where possible), then plain JavaScript. Every skipped candidate leaves a
// human-readable reason, so the UI and CLI can say why the product runs on what it runs on. Works in
// plain node 20 (CLI, tests), worker threads and the VS Code extension host (node 24 under
// code-server). The wasm shims never outlive initialisation; webgpu's globals (navigator.gpu, the
// GPU* constants) stay while its backend lives, because tfjs-backend-webgpu reads them at run time.

import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// A used binding, not a bare import: esbuild drops bare imports of this package (its sideEffects list omits the node entry).
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  Attempt,
  BackendInfo,
  BackendName,
  CandidateInfo,
  errorMessage as message,
  initTfBackend,
  isInitialised,
} from './backend/common';
import { explainNativeGpuFailure, explainNoCudaDevice } from './backend/cuda';
import { loadNativePackage, type NativePackage } from './backend/native';
import { releaseWebGpu, tryWebGpu } from './backend/webgpu';
import { installWasmKernels } from './kernels';
import {
  guardProcessListeners,
  installWasmThreadsShim,
  missingThreadFiles,
  unrefWasmWorkers,
} from './backend/wasmThreads';

export type { AdapterSummary, BackendInfo, BackendName } from './backend/common';

export interface SelectBackendOptions {
  /** Use exactly this backend; selection fails (with the reason) if it cannot load. */
  prefer?: BackendName;
  /** Folder with tfjs-backend-wasm*.wasm and the pthread files; default: the running bundle's folder. */
  wasmDir?: string;
  /** wasm thread count; default min(4, cores). 1 = the single-threaded SIMD build. */
  threads?: number;
}

/**
 * One candidate of the selection: `tier` 'gpu' candidates come first; one that loads but computes
 * on the CPU (tfjs-node-gpu without a usable CUDA device) is kept and ranks at `cpuRank` instead,
 * so that a hardware WebGPU adapter still wins over it. Adding a backend = adding one entry here.
 */
interface Candidate {
  name: BackendName;
  /** TF.js registry name (both native packages register 'tensorflow'). */
  tfName: string;
  tier: 'gpu' | 'cpu';
  attempt(opts: SelectBackendOptions, forced: boolean): Promise<Attempt>;
}

const CANDIDATES: readonly Candidate[] = [
  { name: 'tfjs-node-gpu', tfName: 'tensorflow', tier: 'gpu', attempt: () => tryNative('tfjs-node-gpu') },
  { name: 'webgpu', tfName: 'webgpu', tier: 'gpu', attempt: (_o, forced) => tryWebGpu({ forced }) },
  { name: 'tfjs-node', tfName: 'tensorflow', tier: 'cpu', attempt: () => tryNative('tfjs-node') },
  { name: 'wasm', tfName: 'wasm', tier: 'cpu', attempt: (o) => tryWasm(o) },
  { name: 'cpu', tfName: 'cpu', tier: 'cpu', attempt: () => tryCpu() },
];

/** The start-up order: GPU paths, then the CPU paths from fastest to the one that always works (= BACKEND_NAMES). */
export const BACKEND_ORDER: readonly BackendName[] = CANDIDATES.map((c) => c.name);

const NATIVE_PACKAGE: Record<'tfjs-node-gpu' | 'tfjs-node', NativePackage> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};

let current: BackendInfo | undefined;
let loadedNative: BackendName | undefined;
let wasmState: { threads: number; simd: boolean } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** The backend chosen by the last successful selectBackend(), if any. */
export function currentBackend(): BackendInfo | undefined {
  return current ? copyInfo(current) : undefined;
}

function copyInfo(i: BackendInfo): BackendInfo {
  return { ...i, adapter: i.adapter ? { ...i.adapter } : undefined, fallbackReasons: [...i.fallbackReasons] };
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, cpuCount()));
}

function cpuCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

async function tryNative(name: 'tfjs-node-gpu' | 'tfjs-node'): Promise<Attempt> {
  if (loadedNative && loadedNative !== name) {
    return {
      ok: false,
      reason: `${loadedNative} is already loaded in this process (both register the 'tensorflow' backend)`,
      notes: [],
    };
  }
  if (!loadedNative) {
    const load = loadNativePackage(NATIVE_PACKAGE[name]);
    if (!load.ok) {
      const reason =
        name === 'tfjs-node-gpu' && load.failed
          ? `installed at ${load.failed.resolvedPath} but failed to load: ${explainNativeGpuFailure(load.failed.error)}`
          : load.reason;
      return { ok: false, reason, notes: [] };
    }
    loadedNative = name;
  }
  if (!tf.findBackendFactory('tensorflow')) {
    return {
      ok: false,
      reason: `${NATIVE_PACKAGE[name]} loaded but registered no 'tensorflow' backend (tfjs-core version mismatch?)`,
      notes: [],
    };
  }
  try {
    await initTfBackend('tensorflow');
  } catch (e) {
    return { ok: false, reason: `initialisation failed: ${message(e)}`, notes: [] };
  }
  const gpu = (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
  const notes =
    name === 'tfjs-node-gpu' && !gpu
      ? [`tfjs-node-gpu: loaded, but TensorFlow found no usable GPU (${explainNoCudaDevice()}); it computes on the CPU`]
      : [];
  return {
    ok: true,
    notes,
    info: {
      name,
      threads: cpuCount(),
      simd: true,
      gpu,
      description: gpu
        ? 'native TensorFlow on the GPU (@tensorflow/tfjs-node-gpu, CUDA)'
        : `native TensorFlow on the CPU (${NATIVE_PACKAGE[name]})`,
    },
  };
}

function wasmInfo(state: { threads: number; simd: boolean }): Omit<BackendInfo, 'fallbackReasons'> {
  // Every matmul onto XNNPACK's fast 2-D path, weights sliced once (see kernels/); idempotent.
  installWasmKernels();
  const simd = state.simd ? 'SIMD' : 'no SIMD';
  const threads = state.threads === 1 ? '1 thread' : `${state.threads} threads`;
  return {
    name: 'wasm',
    threads: state.threads,
    simd: state.simd,
    gpu: false,
    description: `WebAssembly with XNNPACK (${simd}, ${threads})`,
  };
}

async function tryWasm(opts: SelectBackendOptions): Promise<Attempt> {
  const notes: string[] = [];
  if (isInitialised('wasm')) {
    wasmState ??= { threads: getThreadsCount(), simd: (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true };
    // The wasm module is initialised once per process; its thread pool cannot be resized.
    if (opts.threads !== undefined && opts.threads !== wasmState.threads) {
      notes.push(`wasm: already initialised with ${wasmState.threads} thread(s); threads = ${opts.threads} ignored`);
    }
    await initTfBackend('wasm');
    return { ok: true, info: wasmInfo(wasmState), notes };
  }
  const wasmDir = path.resolve(opts.wasmDir ?? __dirname);
  const binaries = fs.existsSync(wasmDir)
    ? fs.readdirSync(wasmDir).filter((f) => /^tfjs-backend-wasm.*\.wasm$/.test(f))
    : [];
  if (binaries.length === 0) return { ok: false, reason: `no tfjs-backend-wasm*.wasm in ${wasmDir}`, notes };
  const requested = opts.threads ?? defaultThreads();
  if (!Number.isInteger(requested) || requested < 1) {
    return { ok: false, reason: `threads must be a positive integer (got ${String(requested)})`, notes };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  try {
    setWasmPaths(wasmDir + path.sep);
  } catch (e) {
    return { ok: false, reason: message(e), notes };
  }

  if (requested > 1) {
    const missing = missingThreadFiles(wasmDir);
    if (missing) notes.push(`wasm threads: ${missing}; using one thread`);
    else if (!simd)
      notes.push('wasm threads: this runtime has no wasm SIMD, which the threaded build needs; using one thread');
    else {
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
      setThreadsCount(requested);
      // XNNPACK sizes its pool from half the logical cores; make sure it can reach `requested`.
      const cpuFactor = Math.max(1, Math.ceil((2 * requested) / Math.max(1, os.cpus().length)));
      const restore = installWasmThreadsShim(wasmDir, cpuFactor);
      const restoreListeners = guardProcessListeners();
      try {
        await initTfBackend('wasm');
        unrefWasmWorkers((tf.engine().registry.wasm as unknown as { wasm?: unknown }).wasm);
        wasmState = { threads: getThreadsCount(), simd };
        return { ok: true, info: wasmInfo(wasmState), notes };
      } catch (e) {
        notes.push(`wasm threads: ${message(e)}; using one thread`);
      } finally {
        restore();
        restoreListeners();
      }
    }
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setThreadsCount(1);
  const restoreListeners = guardProcessListeners();
  try {
    await initTfBackend('wasm');
  } catch (e) {
    return { ok: false, reason: `initialisation failed: ${message(e)}`, notes };
  } finally {
    restoreListeners();
  }
  wasmState = { threads: getThreadsCount(), simd };
  return { ok: true, info: wasmInfo(wasmState), notes };
}

async function tryCpu(): Promise<Attempt> {
  try {
    await initTfBackend('cpu');
  } catch (e) {
    return { ok: false, reason: message(e), notes: [] };
  }
  return {
    ok: true,
    notes: [],
    info: {
      name: 'cpu',
      threads: 1,
      simd: false,
      gpu: false,
      description: `plain JavaScript (tfjs-backend-cpu ${version_cpu}), one thread`,
    },
  };
}

async function select(opts: SelectBackendOptions): Promise<BackendInfo> {
  if (opts.prefer !== undefined && !BACKEND_ORDER.includes(opts.prefer)) {
    throw new Error(
      `unknown compute backend ${JSON.stringify(opts.prefer)}; expected one of ${BACKEND_ORDER.join(', ')}`,
    );
  }
  const reasons: string[] = [];
  const candidates = opts.prefer ? CANDIDATES.filter((c) => c.name === opts.prefer) : CANDIDATES;
  // A GPU-tier candidate that loaded but computes on the CPU, with the rank it keeps among the CPU paths.
  let demoted: { candidate: Candidate; info: CandidateInfo; rank: number } | undefined;
  const choose = async (candidate: Candidate, info: CandidateInfo): Promise<BackendInfo> => {
    if (tf.getBackend() !== candidate.tfName) await initTfBackend(candidate.tfName);
    current = { ...info, fallbackReasons: reasons };
    return copyInfo(current);
  };
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    if (demoted && i >= demoted.rank) return choose(demoted.candidate, demoted.info);
    const r = await candidate.attempt(opts, opts.prefer !== undefined);
    reasons.push(...r.notes);
    if (r.ok) {
      if (!opts.prefer && candidate.tier === 'gpu' && !r.info.gpu && !demoted) {
        demoted = { candidate, info: r.info, rank: firstCpuRank() };
        continue;
      }
      return choose(candidate, r.info);
    }
    reasons.push(`${candidate.name}: ${r.reason}`);
  }
  if (demoted) return choose(demoted.candidate, demoted.info);
  if (opts.prefer) throw new Error(`compute backend '${opts.prefer}' cannot be used: ${reasons.join('; ')}`);
  throw new Error(`no compute backend could be initialised: ${reasons.join('; ')}`);
}

function firstCpuRank(): number {
  return CANDIDATES.findIndex((c) => c.tier === 'cpu');
}

/**
 * Selects (and initialises) the compute backend; safe to call repeatedly and concurrently
 * (calls run one after another). Without `prefer`, the first candidate of BACKEND_ORDER that
 * loads wins. TF.js backends stay initialised, so switching back later is cheap.
 */
export function selectBackend(opts: SelectBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(
    () => select(opts),
    () => select(opts),
  );
  queue = run.catch(() => undefined);
  return run;
}

/** Registry name of a backend in TF.js (both native packages are 'tensorflow'). */
export function tfBackendName(name: BackendName): string {
  const c = CANDIDATES.find((x) => x.name === name);
  if (!c) throw new Error(`unknown compute backend ${JSON.stringify(name)}`);
  return c.tfName;
}

/**
 * Lets go of the webgpu backend (its device and Dawn), switching to the cpu backend first when it
 * was current: a process that used the GPU can then exit, and tests can start from a clean slate.
 */
export async function releaseGpuBackend(): Promise<void> {
  await releaseWebGpu(async () => {
    await initTfBackend('cpu');
    if (current?.name === 'webgpu') current = undefined;
  });
}
