// Chooses the TF.js compute backend once per process: native TensorFlow with CUDA, native
// TensorFlow on CPU, WebAssembly (SIMD, multi-threaded where possible), then plain JavaScript.
// Every skipped candidate leaves a human-readable reason, so the UI and CLI can say why the
// product runs on what it runs on. Works in plain node 20 (CLI, tests) and in the VS Code
// extension host (node 24 under code-server); patched globals never outlive initialisation.

import * as os from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
// A used binding, not a bare import: esbuild drops bare imports of this package (its sideEffects list omits the node entry).
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadNativePackage, type NativePackage } from './backend/native';
import { installWasmKernels } from './kernels';
import {
  guardProcessListeners,
  installWasmThreadsShim,
  missingThreadFiles,
  unrefWasmWorkers,
} from './backend/wasmThreads';

export type BackendName = 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';

export interface BackendInfo {
  name: BackendName;
  description: string;
  /** Worker threads the backend computes with (XNNPACK pool for wasm, cores for native, 1 for cpu). */
  threads: number;
  simd: boolean;
  gpu: boolean;
  /** One line per candidate that was tried and skipped, in order ("tfjs-node-gpu: module not installed ..."). */
  fallbackReasons: string[];
}

export interface SelectBackendOptions {
  /** Use exactly this backend; selection fails (with the reason) if it cannot load. */
  prefer?: BackendName;
  /** Folder with tfjs-backend-wasm*.wasm and the pthread files; default: the running bundle's folder. */
  wasmDir?: string;
  /** wasm thread count; default min(4, cores). 1 = the single-threaded SIMD build. */
  threads?: number;
}

export const BACKEND_ORDER: readonly BackendName[] = ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

/** TF.js registry names. Both native packages register the same 'tensorflow' backend. */
const TF_NAME: Record<BackendName, string> = {
  'tfjs-node-gpu': 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};
const NATIVE_PACKAGE: Record<'tfjs-node-gpu' | 'tfjs-node', NativePackage> = {
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
};
/** A threaded init that never settles (a worker that cannot start) must not hang the product. */
const INIT_TIMEOUT_MS = 30_000;

let current: BackendInfo | undefined;
let loadedNative: BackendName | undefined;
let wasmState: { threads: number; simd: boolean } | undefined;
let queue: Promise<unknown> = Promise.resolve();

/** The backend chosen by the last successful selectBackend(), if any. */
export function currentBackend(): BackendInfo | undefined {
  return current ? { ...current, fallbackReasons: [...current.fallbackReasons] } : undefined;
}

export function defaultThreads(): number {
  return Math.max(1, Math.min(4, cpuCount()));
}

function cpuCount(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function message(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Initialises a registered TF.js backend by calling its factory ourselves: tf.setBackend() only
 * answers `false` and logs the cause, and leaves the engine without a backend on failure.
 */
async function initTfBackend(tfName: string): Promise<void> {
  if (!isInitialised(tfName)) {
    const factory = tf.findBackendFactory(tfName);
    if (!factory) throw new Error(`TF.js backend '${tfName}' is not registered`);
    const instance = await withTimeout(Promise.resolve(factory()), INIT_TIMEOUT_MS, `initialising '${tfName}'`);
    tf.engine().registry[tfName] = instance;
  }
  if (tfName === 'cpu') skipCpuNodeBanner(tf.engine().registry.cpu);
  if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
}

/**
 * tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js ... install
 * our node backend" banner on its first tensor write under Node. Selection has already tried the
 * native backends and says why they were skipped (fallbackReasons), so the banner is noise in the
 * CLI and benchmarks. Its `firstUse` flag exists only for this banner; clearing it changes nothing
 * else (IS_NODE / PROD, which other code reads, stay as they are).
 */
function skipCpuNodeBanner(backend: unknown): void {
  const b = backend as { firstUse?: unknown } | undefined;
  if (b && typeof b.firstUse === 'boolean') b.firstUse = false;
}

/** Side-effect free, unlike tf.findBackend(), which starts initialising a registered backend. */
function isInitialised(tfName: string): boolean {
  return tf.engine().registry[tfName] !== undefined;
}

type Attempt =
  | { ok: true; info: Omit<BackendInfo, 'fallbackReasons'>; notes: string[] }
  | { ok: false; reason: string; notes: string[] };

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
    if (!load.ok) return { ok: false, reason: load.reason, notes: [] };
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
      ? ['tfjs-node-gpu: loaded, but TensorFlow found no usable GPU; it computes on the CPU']
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
        ? 'native TensorFlow on the GPU (@tensorflow/tfjs-node-gpu)'
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

function attempt(name: BackendName, opts: SelectBackendOptions): Promise<Attempt> {
  switch (name) {
    case 'tfjs-node-gpu':
    case 'tfjs-node':
      return tryNative(name);
    case 'wasm':
      return tryWasm(opts);
    case 'cpu':
      return tryCpu();
  }
}

async function select(opts: SelectBackendOptions): Promise<BackendInfo> {
  if (opts.prefer !== undefined && !BACKEND_ORDER.includes(opts.prefer)) {
    throw new Error(
      `unknown compute backend ${JSON.stringify(opts.prefer)}; expected one of ${BACKEND_ORDER.join(', ')}`,
    );
  }
  const reasons: string[] = [];
  for (const name of opts.prefer ? [opts.prefer] : BACKEND_ORDER) {
    const r = await attempt(name, opts);
    reasons.push(...r.notes);
    if (r.ok) {
      current = { ...r.info, fallbackReasons: reasons };
      return currentBackend() as BackendInfo;
    }
    reasons.push(`${name}: ${r.reason}`);
  }
  if (opts.prefer) throw new Error(`compute backend '${opts.prefer}' cannot be used: ${reasons.join('; ')}`);
  throw new Error(`no compute backend could be initialised: ${reasons.join('; ')}`);
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
  return TF_NAME[name];
}
