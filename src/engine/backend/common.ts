// Types and helpers every backend candidate shares (native TensorFlow, WebGPU, wasm, cpu): what a
// selection reports (BackendInfo), what one attempt returns, and how a registered TF.js backend is
// initialised without tf.setBackend()'s habit of only logging why it failed. Kept apart from the
// selection order (../backend.ts) so a candidate module can import them without a cycle.

import * as tf from '@tensorflow/tfjs-core';

import type { BackendName } from './names';

export type { BackendName } from './names';

/** The WebGPU adapter a `webgpu` backend computes on, as the adapter describes itself. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software / fallback adapter (SwiftShader, llvmpipe, WARP): runs on the CPU, never called "GPU". */
  software: boolean;
  /** Largest single buffer and storage binding the device allows (bytes). */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface BackendInfo {
  name: BackendName;
  description: string;
  /** Worker threads the backend computes with (XNNPACK pool for wasm, cores for native, 1 for cpu and webgpu). */
  threads: number;
  simd: boolean;
  /** True only when a hardware GPU computes (CUDA, or a WebGPU hardware adapter). */
  gpu: boolean;
  /** webgpu only: the adapter. */
  adapter?: AdapterSummary;
  /** One line per candidate that was tried and skipped, in order ("tfjs-node-gpu: module not installed ..."). */
  fallbackReasons: string[];
}

export type CandidateInfo = Omit<BackendInfo, 'fallbackReasons'>;

export type Attempt =
  { ok: true; info: CandidateInfo; notes: string[] } | { ok: false; reason: string; notes: string[] };

/** A threaded init that never settles (a worker that cannot start) must not hang the product. */
export const INIT_TIMEOUT_MS = 30_000;

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0];
  if (typeof e === 'object' && e !== null && 'message' in e) return String(e.message);
  return String(e);
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Side-effect free, unlike tf.findBackend(), which starts initialising a registered backend. */
export function isInitialised(tfName: string): boolean {
  return tf.engine().registry[tfName] !== undefined;
}

/**
 * Initialises a registered TF.js backend by calling its factory ourselves: tf.setBackend() only
 * answers `false` and logs the cause, and leaves the engine without a backend on failure.
 */
export async function initTfBackend(tfName: string): Promise<void> {
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

/** "1.07 GB" / "512 MB" / "4.0 kB": decimal units, as GPU vendors print memory. */
export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
