// Multi-threaded TF.js wasm under Node. tfjs-backend-wasm 4.22 disables threads whenever IS_NODE
// (tfjs issue 3830) and, when forced, hands Emscripten `blob:` URLs for the pthread worker and
// the glue script, which node's worker_threads cannot load. This shim swaps them for real files
// next to the bundle (esbuild.mjs writes them) for the duration of the backend's initialisation
// only: the VS Code extension host is shared with other extensions, so every patched global is
// restored as soon as init settles.

import * as fs from 'node:fs';
// `import =` keeps the real module object: a bundler's ESM namespace wrapper would be a copy
// whose properties cannot be patched for the Emscripten glue to see.
import os = require('node:os');
import * as path from 'node:path';

/** Files the threaded build needs besides the .wasm binary. */
export const PTHREAD_WORKER_FILE = 'tfjs-pthread-worker.js';
export const THREADED_GLUE_FILE = 'tfjs-backend-wasm-threaded-simd.js';
export const THREADED_WASM_FILE = 'tfjs-backend-wasm-threaded-simd.wasm';

/** Why threads cannot be used from `wasmDir`, or undefined when all files are there. */
export function missingThreadFiles(wasmDir: string): string | undefined {
  const missing = [PTHREAD_WORKER_FILE, THREADED_GLUE_FILE, THREADED_WASM_FILE].filter(
    (f) => !fs.existsSync(path.join(wasmDir, f)),
  );
  return missing.length ? `${missing.join(', ')} not found in ${wasmDir}` : undefined;
}

type CpusFn = typeof os.cpus;
type CreateObjectUrlFn = typeof URL.createObjectURL;
// node's `os` module object is shared by every CommonJS require, including the bundled
// Emscripten glue, which asks `os.cpus().length` for its core count.
const mutableOs = os as unknown as { cpus: CpusFn };
const mutableUrl = URL as unknown as { createObjectURL: CreateObjectUrlFn };
const SCRIPT_KEY = 'mainScriptUrlOrBlob';

/**
 * Installs the shim and returns the function that undoes it. `cpuFactor` multiplies the core
 * count Emscripten sees: XNNPACK's pool takes half the logical cores, so on a 2-core machine it
 * would get one thread without the doubling.
 */
export function installWasmThreadsShim(wasmDir: string, cpuFactor = 2): () => void {
  const workerJs = path.resolve(wasmDir, PTHREAD_WORKER_FILE);
  const glueJs = path.resolve(wasmDir, THREADED_GLUE_FILE);
  const origCreate = mutableUrl.createObjectURL;
  const origCpus = mutableOs.cpus;
  // During init tfjs only turns the pthread worker script into an object URL.
  mutableUrl.createObjectURL = () => workerJs;
  mutableOs.cpus = () => {
    const c = origCpus.call(os);
    return Array.from({ length: cpuFactor }, () => c).flat();
  };
  // tfjs assigns `factoryConfig.mainScriptUrlOrBlob = new Blob(...)` on a plain object; this
  // setter turns that assignment into the glue file's path, which workers can importScripts().
  Object.defineProperty(Object.prototype, SCRIPT_KEY, {
    configurable: true,
    set(this: object, _blob: unknown) {
      Object.defineProperty(this, SCRIPT_KEY, { value: glueJs, writable: true, enumerable: true, configurable: true });
    },
  });
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    mutableUrl.createObjectURL = origCreate;
    mutableOs.cpus = origCpus;
    delete (Object.prototype as Record<string, unknown>)[SCRIPT_KEY];
  };
}

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
type Listener = (...args: unknown[]) => void;
const GUARDED_EVENTS: ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];

/**
 * The Emscripten glue of every wasm build adds process-wide `uncaughtException` and
 * `unhandledRejection` listeners that rethrow. In the extension host that would turn any other
 * extension's unhandled rejection into a crash (a throw inside an uncaughtException listener
 * exits the process), and in the CLI it replaces node's own reporting. Call before the wasm
 * init; the returned function removes exactly the listeners added since.
 */
export function guardProcessListeners(): () => void {
  // Typed loosely on purpose: node's overloads are per event name, the handling here is not.
  const proc = process as unknown as {
    listeners(ev: string): Listener[];
    removeListener(ev: string, l: Listener): void;
  };
  const before = new Map(GUARDED_EVENTS.map((ev) => [ev, new Set(proc.listeners(ev))]));
  return () => {
    for (const ev of GUARDED_EVENTS) {
      for (const l of proc.listeners(ev)) {
        if (!before.get(ev)?.has(l)) proc.removeListener(ev, l);
      }
    }
  };
}

interface EmscriptenWorker {
  unref?: () => void;
}
interface EmscriptenPThread {
  runningWorkers?: EmscriptenWorker[];
  unusedWorkers?: EmscriptenWorker[];
}

/**
 * XNNPACK's pool threads run for the life of the process and Emscripten keeps them ref'd, so a
 * CLI or test would never exit. Work is handed to them synchronously (the main thread waits on
 * shared memory), never through the event loop, so unref'ing them is safe. Returns how many.
 */
export function unrefWasmWorkers(wasmModule: unknown): number {
  const pthread = (wasmModule as { PThread?: EmscriptenPThread } | undefined)?.PThread;
  let n = 0;
  for (const w of [...(pthread?.runningWorkers ?? []), ...(pthread?.unusedWorkers ?? [])]) {
    if (typeof w.unref === 'function') {
      w.unref();
      n++;
    }
  }
  return n;
}
