// The project's replacement kernels for the TF.js wasm backend, installed together when wasm is
// selected (see backend.ts): a BatchMatMul that always reaches XNNPACK's fast 2-D path and a Slice
// that hands repeated weight slices out as the same buffer, so both caches downstream of it hit,
// and a Tile made of block copies (the per-step state broadcasts).

import { clearWasmMatMulCache, installWasmMatMul, uninstallWasmMatMul, wasmMatMulInstalled } from './wasmMatMul';
import { clearWasmSliceMemo, installWasmSliceMemo, uninstallWasmSliceMemo } from './wasmSliceMemo';
import { installWasmTile, uninstallWasmTile } from './wasmTile';

/** Installs every replacement kernel; idempotent. False when the wasm backend is not registered. */
export function installWasmKernels(): boolean {
  return installWasmSliceMemo() && installWasmMatMul() && installWasmTile();
}

/** Restores tfjs's stock kernels (the benchmark's baseline). */
export function uninstallWasmKernels(): void {
  uninstallWasmTile();
  uninstallWasmMatMul();
  uninstallWasmSliceMemo();
}

export function wasmKernelsInstalled(): boolean {
  return wasmMatMulInstalled();
}

/** Frees every cached weight slice and transpose at once (they also go when their weight does). */
export function clearWasmKernelCaches(): void {
  clearWasmMatMulCache();
  clearWasmSliceMemo();
}
