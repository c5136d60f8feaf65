// Errors of the webgpu backend that a user can act on. WebGPU reports a buffer that is too large, an
// exhausted device or a lost device as asynchronous events and carries on with invalid buffers (the
// results would be zeros or garbage); the guards in webgpu.ts turn those into these exceptions, at
// the tensor that does not fit or at the next read-back, with the sizes and the adapter's limits.
// Both name the CPU backend as the way out, and carry `code` so that a caller across a worker or DAP
// boundary (where only the message and a code survive) can offer it.

import { formatBytes } from './common';

export const GPU_MEMORY_ERROR_CODE = 'TRM_GPU_MEMORY';
export const GPU_DEVICE_ERROR_CODE = 'TRM_GPU_DEVICE';

/** The backend a GPU error suggests instead (the fastest CPU path that always ships). */
export const CPU_FALLBACK_BACKEND = 'wasm';

const ADVICE = `Use a smaller batch, or the CPU backend ("${CPU_FALLBACK_BACKEND}": --backend ${CPU_FALLBACK_BACKEND} on the command line, "backend": "${CPU_FALLBACK_BACKEND}" in a launch configuration).`;

export interface BufferLimits {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  adapter: string;
}

/** A tensor or allocation that the GPU cannot hold. */
export class GpuMemoryError extends Error {
  readonly code = GPU_MEMORY_ERROR_CODE;
  constructor(
    message: string,
    /** Bytes asked for (one buffer), when known. */
    readonly requestedBytes?: number,
    /** Bytes the adapter allows for it, when known. */
    readonly limitBytes?: number,
  ) {
    super(`${message} ${ADVICE}`);
    this.name = 'GpuMemoryError';
  }

  /** A tensor whose one buffer is larger than the device allows. */
  static forTensor(shape: readonly number[], dtype: string, bytes: number, limits: BufferLimits): GpuMemoryError {
    const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
    return new GpuMemoryError(
      `GPU memory: a ${dtype} tensor of shape [${shape.join(', ')}] needs ${formatBytes(bytes)} in one GPU buffer, ` +
        `but ${limits.adapter} allows at most ${formatBytes(limit)} per buffer ` +
        `(maxBufferSize ${formatBytes(limits.maxBufferSize)}, maxStorageBufferBindingSize ${formatBytes(limits.maxStorageBufferBindingSize)}).`,
      bytes,
      limit,
    );
  }
}

/** The GPU device failed (lost, out of memory, internal error); tensors on it are gone. */
export class GpuDeviceError extends Error {
  readonly code = GPU_DEVICE_ERROR_CODE;
  constructor(message: string) {
    super(`${message} ${ADVICE.replace('Use a smaller batch, or', 'Use')}`);
    this.name = 'GpuDeviceError';
  }
}

/** True for either GPU error, also when only its code survived a worker or DAP boundary. */
export function isGpuError(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const code = (e as { code?: unknown }).code;
  return code === GPU_MEMORY_ERROR_CODE || code === GPU_DEVICE_ERROR_CODE;
}
