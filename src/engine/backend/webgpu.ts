// The `webgpu` candidate: @tensorflow/tfjs-backend-webgpu on Dawn's Node binding (dawn.node: Vulkan on
// Linux, Metal on macOS, D3D12 on Windows). We pick the adapter ourselves (high-performance first)
// so that a software adapter (SwiftShader, llvmpipe, WARP: `isFallbackAdapter`) is never taken for a
// GPU unless asked for by name, then construct tfjs's WebGPUBackend on our device. tfjs-backend-webgpu
// registers its own factory only when `navigator.gpu` exists as its module loads, which it does not
// here, and its constructor insists on `navigator.gpu`: we define it just before construction (on
// Node 21+, including VS Code's extension host, `navigator` is a getter-only global, so the property
// is defined on that object). Dawn's GPU* constants become globals too; tfjs reads them at run time.
// The backend instance is guarded: a tensor larger than the device's buffer limits throws a
// GpuMemoryError naming its size and the limits before WebGPU would silently compute garbage, and an
// uncaptured device error or a lost device fails the next read-back with a GpuDeviceError.

import * as tf from '@tensorflow/tfjs-core';
// A used binding, not a bare import: esbuild drops bare imports of this package (side effects).
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import {
  Attempt,
  AdapterSummary,
  CandidateInfo,
  INIT_TIMEOUT_MS,
  errorMessage,
  initTfBackend,
  withTimeout,
} from './common';
import { DawnAdapter, DawnDevice, DawnGpu, loadDawn } from './dawn';
import { BufferLimits, GpuDeviceError, GpuMemoryError } from './gpuErrors';

export interface WebGpuOptions {
  /** Selected by name: a software adapter is accepted (and reported as "not a GPU"). */
  forced: boolean;
}

interface ActiveDevice {
  gpu: DawnGpu;
  device: DawnDevice;
  info: CandidateInfo;
  /** First device failure (lost, out of memory, validation); the backend is unusable after it. */
  failure?: string;
  releasing: boolean;
}

let active: ActiveDevice | undefined;

const SOFTWARE_ADAPTER = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|\bwarp\b/i;

function graphicsApi(): string {
  return process.platform === 'darwin' ? 'Metal' : process.platform === 'win32' ? 'D3D12' : 'Vulkan';
}

/** Reads the adapter's self-description; `software` from isFallbackAdapter or a known software renderer's name. */
export function summariseAdapter(adapter: DawnAdapter): AdapterSummary {
  const i = adapter.info;
  const text = [i.vendor, i.architecture, i.device, i.description].join(' ');
  return {
    vendor: i.vendor ?? '',
    architecture: i.architecture ?? '',
    device: i.device ?? '',
    description: i.description ?? '',
    software: i.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_ADAPTER.test(text),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/** "NVIDIA GeForce RTX 4090 (nvidia ada)", "SwiftShader driver 5.0.0 (google swiftshader)". */
export function adapterName(a: AdapterSummary): string {
  const va = [a.vendor, a.architecture].filter(Boolean).join(' ');
  const main = a.description || a.device || va || 'unnamed adapter';
  return va && va !== main ? `${main} (${va})` : main;
}

/** Short form for a status bar: "nvidia ada", else the description. */
export function adapterShortName(a: AdapterSummary): string {
  return [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || a.device || 'adapter';
}

function describe(a: AdapterSummary): string {
  return a.software
    ? `WebGPU on a software adapter, ${adapterName(a)}: runs on the CPU, not a GPU (${graphicsApi()})`
    : `WebGPU on the GPU ${adapterName(a)} (${graphicsApi()})`;
}

/** navigator.gpu for tfjs-backend-webgpu; Dawn's GPU* classes and constants as globals (only those not defined). */
function installGlobals(gpu: DawnGpu, globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) {
    if (!(k in g)) Object.defineProperty(g, k, { value: v, writable: true, configurable: true, enumerable: false });
  }
  if (typeof g.navigator !== 'object' || g.navigator === null) {
    Object.defineProperty(g, 'navigator', { value: {}, writable: true, configurable: true, enumerable: false });
  }
  Object.defineProperty(g.navigator as object, 'gpu', {
    value: gpu,
    writable: true,
    configurable: true,
    enumerable: true,
  });
}

function removeNavigatorGpu(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && Object.prototype.hasOwnProperty.call(nav, 'gpu')) delete nav.gpu;
}

/** What a WebGPUBackend's internals look like to the guards (tfjs-backend-webgpu 4.22). */
interface BackendInternals {
  tensorMap: { get(dataId: object): { shape: number[]; dtype: string; resource?: unknown } | undefined };
  uploadToGPU(dataId: object): void;
  read(dataId: object): Promise<unknown>;
}

const BYTES_PER_ELEMENT: Record<string, number> = { float32: 4, int32: 4, bool: 4, string: 4, complex64: 8 };

function guardBackend(backend: WebGPUBackend, limits: BufferLimits, state: ActiveDevice): void {
  const b = backend as unknown as BackendInternals;
  const upload = b.uploadToGPU.bind(b);
  const maxBytes = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  b.uploadToGPU = (dataId: object) => {
    const d = b.tensorMap.get(dataId);
    if (d && d.resource == null) {
      const bytes = (BYTES_PER_ELEMENT[d.dtype] ?? 4) * d.shape.reduce((x, y) => x * y, 1);
      if (bytes > maxBytes) throw GpuMemoryError.forTensor(d.shape, d.dtype, bytes, limits);
    }
    if (state.failure) throw deviceFailure(state);
    upload(dataId);
  };
  const read = b.read.bind(b);
  b.read = async (dataId: object) => {
    if (state.failure) throw deviceFailure(state);
    const values = await read(dataId);
    if (state.failure) throw deviceFailure(state);
    return values;
  };
}

function deviceFailure(state: ActiveDevice): Error {
  const bytes = tf.memory().numBytes;
  const what = state.failure ?? 'unknown failure';
  const msg = `GPU error on ${adapterName(state.info.adapter!)}: ${what} (TRM Lens held ${(bytes / 1e6).toFixed(1)} MB of tensors).`;
  return /out of memory|OutOfMemory/i.test(what)
    ? new GpuMemoryError(`GPU memory: the device ran out of memory. ${msg}`)
    : new GpuDeviceError(msg);
}

function watchDevice(state: ActiveDevice): void {
  state.device.onuncapturederror = (ev) => {
    state.failure ??= `${ev.error.constructor.name}: ${ev.error.message.split('\n')[0]}`;
  };
  void state.device.lost.then((info) => {
    if (!state.releasing) state.failure ??= `device lost (${info.reason}): ${info.message.split('\n')[0]}`;
  });
}

const REQUIRED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

/** Tries the webgpu candidate; on success the TF.js engine computes on it. */
export async function tryWebGpu(opts: WebGpuOptions): Promise<Attempt> {
  if (active && tf.engine().registry.webgpu !== undefined) {
    if (active.failure) {
      return { ok: false, reason: `the GPU device failed earlier in this process (${active.failure})`, notes: [] };
    }
    if (active.info.adapter?.software && !opts.forced)
      return { ok: false, reason: softwareReason(active.info.adapter), notes: [] };
    await initTfBackend('webgpu');
    return { ok: true, info: active.info, notes: [] };
  }
  const dawn = loadDawn();
  if (!dawn.ok) return { ok: false, reason: dawn.reason, notes: [] };
  // Only locals refer to Dawn until the backend is chosen: a skipped candidate keeps no live GPU
  // object (one would keep node from exiting).
  const gpu = dawn.module.create([]);
  try {
    const adapter = await withTimeout(
      gpu.requestAdapter({ powerPreference: 'high-performance' }),
      INIT_TIMEOUT_MS,
      'requesting a WebGPU adapter',
    );
    if (!adapter) {
      return {
        ok: false,
        reason: `Dawn found no WebGPU adapter (${graphicsApi()} reported no usable device)`,
        notes: [],
      };
    }
    const summary = summariseAdapter(adapter);
    if (summary.software && !opts.forced) return { ok: false, reason: softwareReason(summary), notes: [] };
    const requiredLimits: Record<string, number> = {};
    for (const k of REQUIRED_LIMITS) if (typeof adapter.limits[k] === 'number') requiredLimits[k] = adapter.limits[k];
    const device = await withTimeout(
      adapter.requestDevice({ requiredLimits }),
      INIT_TIMEOUT_MS,
      'creating a WebGPU device',
    );
    summary.maxBufferSize = device.limits.maxBufferSize;
    summary.maxStorageBufferBindingSize = device.limits.maxStorageBufferBindingSize;
    const state: ActiveDevice = {
      gpu,
      device,
      releasing: false,
      info: {
        name: 'webgpu',
        description: describe(summary),
        threads: 1,
        simd: false,
        gpu: !summary.software,
        adapter: summary,
      },
    };
    watchDevice(state);
    installGlobals(gpu, dawn.module.globals);
    const cap = bufferCap();
    const limits: BufferLimits = {
      maxBufferSize: Math.min(summary.maxBufferSize, cap ?? Infinity),
      maxStorageBufferBindingSize: Math.min(summary.maxStorageBufferBindingSize, cap ?? Infinity),
      adapter: adapterName(summary) + (cap !== undefined ? ` (capped by ${BUFFER_CAP_ENV})` : ''),
    };
    // tfjs-backend-webgpu registered its own factory if navigator.gpu existed when it loaded: ours decides.
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend(
      'webgpu',
      () => {
        const backend = new WebGPUBackend(device as never, adapter.info as never);
        guardBackend(backend, limits, state);
        return backend;
      },
      -1, // never chosen by tf.ready() on its own
    );
    try {
      await initTfBackend('webgpu');
    } catch (e) {
      tf.removeBackend('webgpu');
      removeNavigatorGpu();
      device.destroy();
      return { ok: false, reason: `initialisation failed on ${adapterName(summary)}: ${errorMessage(e)}`, notes: [] };
    }
    active = state;
    return { ok: true, info: state.info, notes: [] };
  } catch (e) {
    return { ok: false, reason: errorMessage(e), notes: [] };
  }
}

/**
 * TRM_WEBGPU_MAX_BUFFER_BYTES: treat buffers above this size as not fitting, as on a smaller GPU
 * (to try the GPU-memory path, or to keep headroom on a shared GPU). Unset: the device's limits.
 */
export const BUFFER_CAP_ENV = 'TRM_WEBGPU_MAX_BUFFER_BYTES';

function bufferCap(): number | undefined {
  const raw = process.env[BUFFER_CAP_ENV];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function softwareReason(a: AdapterSummary): string {
  return `only a software adapter, ${adapterName(a)}, which runs on the CPU: not used as a GPU (select "webgpu" by name to use it anyway)`;
}

/**
 * Moves tensors into GPU buffers now (weights at model load) when webgpu computes: a model that does
 * not fit fails at load with the tensor's size instead of mid-run, and tfjs stops running small ops
 * on them on the CPU (it does that for tensors still on the host, producing full-size host arrays).
 */
export function placeOnDevice(tensors: Iterable<tf.Tensor>): void {
  if (tf.getBackend() !== 'webgpu' || !active) return;
  const b = tf.backend() as unknown as BackendInternals;
  for (const t of tensors) b.uploadToGPU(t.dataId);
}

/** The device limits of the active webgpu backend, for callers that size batches. */
export function activeWebGpu(): { adapter: AdapterSummary; failure?: string } | undefined {
  return active?.info.adapter ? { adapter: active.info.adapter, failure: active.failure } : undefined;
}

/**
 * Disposes the webgpu backend and lets go of Dawn (tests, and processes that want to exit while
 * other work continues). Switches TF.js to `fallback` first when webgpu was the current backend.
 */
export async function releaseWebGpu(fallback?: () => Promise<void>): Promise<void> {
  if (!active) return;
  const state = active;
  active = undefined;
  state.releasing = true;
  if (tf.getBackend() === 'webgpu' && fallback) await fallback();
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  state.device.destroy();
  removeNavigatorGpu();
}
