// Slice for the wasm backend that hands out the SAME backend buffer when a large float32 tensor
// is sliced the same way again. The model slices its weights on every call (SwiGLU's gate and up
// halves of W_gu, a cheap view on the cpu backend), and tfjs-backend-wasm copies every slice into
// a fresh buffer. A fresh buffer defeats every cache keyed on a buffer: the transposed weight of
// kernels/wasmMatMul.ts and XNNPACK's packed-weight operator cache, so each linear layer used to
// copy, transpose and repack its weight (measured: more than half of a TRM step on wasm).
// A repeated contiguous slice of a live tensor is memoised here, shared by reference counting like
// the stock Reshape kernel shares its input. Only the second identical slice of a source is kept,
// so activations, which are sliced once, cost nothing extra. Entries go when their source buffer
// is freed (swept on the next call) or with clearWasmSliceMemo().

import * as tf from '@tensorflow/tfjs-core';
import type {
  DataId,
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

interface WasmBackendLike extends KernelBackend {
  dataIdMap: { has(dataId: DataId): boolean };
  incRef(dataId: DataId): void;
}

/** Sources smaller than this (elements) are sliced by the stock kernel every time. */
export const MEMO_MIN_SOURCE_ELEMENTS = 1 << 12;

let original: KernelConfig | undefined;
/** source dataId -> "begin|size" -> the memoised slice (holding one backend reference), or null once seen. */
const memo = new Map<DataId, Map<string, TensorInfo | null>>();

function wasmBackend(): WasmBackendLike | undefined {
  return tf.engine().registry.wasm as WasmBackendLike | undefined;
}

/** Drops the memo's reference; frees the buffer (and the engine's record of it) when it was the last. */
function release(backend: WasmBackendLike, t: TensorInfo): void {
  if (backend.disposeData(t.dataId)) tf.engine().removeDataId(t.dataId, backend);
}

function sweep(backend: WasmBackendLike): void {
  for (const [source, byKey] of memo) {
    if (backend.dataIdMap.has(source)) continue;
    for (const t of byKey.values()) if (t) release(backend, t);
    memo.delete(source);
  }
}

/** Releases every memoised slice (on uninstall, in tests, or to free memory at once). */
export function clearWasmSliceMemo(): void {
  const backend = wasmBackend();
  for (const byKey of memo.values()) for (const t of byKey.values()) if (t && backend) release(backend, t);
  memo.clear();
}

/** Number of slices held (for tests and diagnostics). */
export function wasmSliceMemoSize(): number {
  let n = 0;
  for (const byKey of memo.values()) for (const t of byKey.values()) if (t) n++;
  return n;
}

/** The tfjs Slice kernel itself (used by other kernels for their temporaries). */
export function stockSliceKernel(): KernelConfig | undefined {
  return original ?? tf.getKernel('Slice', 'wasm');
}

function memoSlice(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const stock = original as KernelConfig;
  const { x } = args.inputs as { x: TensorInfo };
  const backend = args.backend as WasmBackendLike;
  if (memo.size > 0) sweep(backend);
  const size = x.shape.reduce((p, d) => p * d, 1);
  if (x.dtype !== 'float32' || size < MEMO_MIN_SOURCE_ELEMENTS) return stock.kernelFunc(args) as TensorInfo;
  const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
  let begin: number[];
  let extent: number[];
  try {
    [begin, extent] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
  } catch {
    return stock.kernelFunc(args) as TensorInfo; // the stock kernel reports bad parameters
  }
  if (!tf.slice_util.isSliceContinous(x.shape, begin, extent)) return stock.kernelFunc(args) as TensorInfo;
  const key = `${begin.join(',')}|${extent.join(',')}`;
  let byKey = memo.get(x.dataId);
  const held = byKey?.get(key);
  if (held) {
    backend.incRef(held.dataId);
    return { dataId: held.dataId, shape: [...held.shape], dtype: held.dtype };
  }
  const out = stock.kernelFunc(args) as TensorInfo;
  if (!byKey) memo.set(x.dataId, (byKey = new Map<string, TensorInfo | null>()));
  if (held === null) {
    // Second identical slice of this source: keep it (one extra reference, owned by the memo).
    backend.incRef(out.dataId);
    byKey.set(key, { dataId: out.dataId, shape: [...out.shape], dtype: out.dtype });
  } else {
    byKey.set(key, null);
  }
  return out;
}

/** Replaces the wasm Slice kernel; idempotent. Call after the wasm backend is registered. */
export function installWasmSliceMemo(): boolean {
  if (original) return true;
  const stock = tf.getKernel('Slice', 'wasm');
  if (!stock) return false;
  original = stock;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: memoSlice as unknown as KernelFunc });
  return true;
}

/** Restores the stock kernel (benchmarks compare both). */
export function uninstallWasmSliceMemo(): void {
  if (!original) return;
  clearWasmSliceMemo();
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel(original);
  original = undefined;
}
