// BatchMatMul for the wasm backend that always lands on XNNPACK's fast path. tfjs-backend-wasm
// 4.22 uses XNNPACK only for a plain 2-D product (batch 1 on both sides, no transpose flags);
// anything else runs a naive loop that measured 10-70x slower here (A @ W^T for a [97x512] x
// [512x3072] linear: 93 ms vs 4 ms; [64,97,512] @ [512,3072]: 21.7 s vs 0.29 s). This kernel
// rewrites those cases into 2-D products: batch rows are folded into M, transpose flags become
// explicit transposes (a weight's transpose is cached while the weight lives), and equal batches
// run as a loop of 2-D products; general broadcasting ([2,1] x [1,3] batches) is tiled out to
// equal batches first (the stock kernel returns a wrong-sized result for it). With the slice memo
// (kernels/wasmSliceMemo.ts) a weight reaches this kernel as the same buffer every call, so its
// cached transpose also keeps XNNPACK's packed-weight operator alive. Results equal the reference
// up to float32 summation order.

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
import { stockSliceKernel } from './wasmSliceMemo';

interface WasmBackendLike extends KernelBackend {
  dataIdMap: { has(dataId: DataId): boolean };
}

type Kernel = (inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo;

let original: KernelConfig | undefined;
/** b's dataId -> "batch,rows,cols" -> its transpose; swept when the source tensor is gone. */
const transposeCache = new Map<DataId, Map<string, TensorInfo>>();

function kernel(backend: KernelBackend, name: string): Kernel {
  // Temporaries are sliced once: the memoising Slice would only track them.
  const k = name === 'Slice' ? stockSliceKernel() : tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} is not registered`);
  return (inputs, attrs) => k.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function sweepCache(backend: WasmBackendLike): void {
  for (const [source, byShape] of transposeCache) {
    if (backend.dataIdMap.has(source)) continue;
    for (const t of byShape.values()) backend.disposeData(t.dataId, true);
    transposeCache.delete(source);
  }
}

/** Frees every cached transpose (used when the kernel is uninstalled or the backend goes away). */
export function clearWasmMatMulCache(): void {
  const backend = tf.engine().registry.wasm as WasmBackendLike | undefined;
  for (const byShape of transposeCache.values()) for (const t of byShape.values()) backend?.disposeData(t.dataId, true);
  transposeCache.clear();
}

/** [batch(outerX), r, c] tiled along the broadcast axes to [batch(outer), r, c]. */
function tileTo(
  backend: KernelBackend,
  x3: TensorInfo,
  outerX: number[],
  outer: number[],
  r: number,
  c: number,
): TensorInfo {
  const padded = [...new Array<number>(outer.length - outerX.length).fill(1), ...outerX];
  const reshape = kernel(backend, 'Reshape');
  const xr = reshape({ x: x3 }, { shape: [...padded, r, c] });
  try {
    const tiled = kernel(backend, 'Tile')(
      { x: xr },
      { reps: [...outer.map((d, i) => (padded[i] === d ? 1 : d)), 1, 1] },
    );
    const out = reshape({ x: tiled }, { shape: [sizeOf(outer), r, c] });
    backend.disposeData(tiled.dataId);
    return out;
  } finally {
    backend.disposeData(xr.dataId);
  }
}

function fastBatchMatMul(args: {
  inputs: NamedTensorInfoMap;
  backend: KernelBackend;
  attrs?: NamedAttrMap;
}): TensorInfo {
  const orig = original as KernelConfig;
  const { backend } = args;
  const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const transposeA = Boolean(args.attrs?.transposeA);
  const transposeB = Boolean(args.attrs?.transposeB);
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const batchA = sizeOf(outerA);
  const batchB = sizeOf(outerB);
  // Non-float data keeps the stock kernel (and its error).
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
    return orig.kernelFunc(args) as TensorInfo;
  }
  const rA = a.shape.length;
  const rB = b.shape.length;
  const M = transposeA ? a.shape[rA - 1] : a.shape[rA - 2];
  const K = transposeA ? a.shape[rA - 2] : a.shape[rA - 1];
  const kB = transposeB ? b.shape[rB - 1] : b.shape[rB - 2];
  const N = transposeB ? b.shape[rB - 2] : b.shape[rB - 1];
  if (K !== kB) return orig.kernelFunc(args) as TensorInfo; // the stock kernel reports the mismatch
  let outer: number[];
  try {
    outer = tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
  } catch {
    return orig.kernelFunc(args) as TensorInfo; // incompatible batch axes: the stock kernel's error
  }
  const batch = sizeOf(outer);
  // Batches that are neither equal nor one on a side are tiled out to the full batch first.
  const general = batchA !== 1 && batchB !== 1 && (batchA !== batch || batchB !== batch);

  const wasm = backend as WasmBackendLike;
  const reshape = kernel(backend, 'Reshape');
  const transpose = kernel(backend, 'Transpose');
  const matmul2d = (x: TensorInfo, y: TensorInfo): TensorInfo =>
    orig.kernelFunc({ inputs: { a: x, b: y }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  const temps: TensorInfo[] = [];
  const tmp = (t: TensorInfo): TensorInfo => {
    temps.push(t);
    return t;
  };
  try {
    // A as [batchA, M, K], row-major.
    let a3 = tmp(reshape({ x: a }, { shape: transposeA ? [batchA, K, M] : [batchA, M, K] }));
    if (transposeA) a3 = tmp(transpose({ x: a3 }, { perm: [0, 2, 1] }));
    if (general) a3 = tmp(tileTo(backend, a3, outerA, outer, M, K));
    // B as [batchB, K, N]; a transposed B is usually a weight, so keep its transpose.
    let b3: TensorInfo;
    if (transposeB) {
      sweepCache(wasm);
      const key = `${batchB},${N},${K}`;
      let byShape = transposeCache.get(b.dataId);
      let cached = byShape?.get(key);
      if (!cached) {
        const src = reshape({ x: b }, { shape: [batchB, N, K] });
        cached = transpose({ x: src }, { perm: [0, 2, 1] });
        backend.disposeData(src.dataId);
        if (!byShape) transposeCache.set(b.dataId, (byShape = new Map<string, TensorInfo>()));
        byShape.set(key, cached);
      }
      b3 = cached;
    } else {
      b3 = tmp(reshape({ x: b }, { shape: [batchB, K, N] }));
    }
    if (general) b3 = tmp(tileTo(backend, b3, outerB, outer, K, N));
    // numpy broadcasting of the outer axes ([2,7,13] x [1,1,13,5] -> [1,2,7,5]).
    const outShape = [...outer, M, N];
    let out: TensorInfo;
    if (batchB === 1 && !general) {
      // Every batch row of A meets the same B: one [batchA*M, K] x [K, N] product.
      const a2 = tmp(reshape({ x: a3 }, { shape: [batchA * M, K] }));
      const b2 = tmp(reshape({ x: b3 }, { shape: [K, N] }));
      out = matmul2d(a2, b2);
    } else if (batchA === 1 && !general) {
      // One A against a stack of B: A x [K, batchB*N], then bring the batch axis to the front.
      const bk = tmp(transpose({ x: b3 }, { perm: [1, 0, 2] }));
      const b2 = tmp(reshape({ x: bk }, { shape: [K, batchB * N] }));
      const a2 = tmp(reshape({ x: a3 }, { shape: [M, K] }));
      const wide = tmp(matmul2d(a2, b2));
      const wide3 = tmp(reshape({ x: wide }, { shape: [M, batchB, N] }));
      out = transpose({ x: wide3 }, { perm: [1, 0, 2] });
    } else {
      // Equal batches: a loop of 2-D products is still far faster than the stock fallback.
      const slice = kernel(backend, 'Slice');
      const concat = kernel(backend, 'Concat');
      const parts: TensorInfo[] = [];
      for (let i = 0; i < batch; i++) {
        const ai = tmp(slice({ x: a3 }, { begin: [i, 0, 0], size: [1, M, K] }));
        const bi = tmp(slice({ x: b3 }, { begin: [i, 0, 0], size: [1, K, N] }));
        const prod = tmp(
          matmul2d(tmp(reshape({ x: ai }, { shape: [M, K] })), tmp(reshape({ x: bi }, { shape: [K, N] }))),
        );
        parts.push(tmp(reshape({ x: prod }, { shape: [1, M, N] })));
      }
      // Concat takes its inputs as an array (tfjs-core passes the list cast to a map).
      out = concat(parts as unknown as NamedTensorInfoMap, { axis: 0 });
    }
    // The product is freshly allocated and owned by us alone: relabel its shape, like the stock kernel.
    return { ...out, shape: outShape };
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}

/** Replaces the wasm BatchMatMul kernel; idempotent. Call after the wasm backend is registered. */
export function installWasmMatMul(): boolean {
  if (original) return true;
  const stock = tf.getKernel('BatchMatMul', 'wasm');
  if (!stock) return false;
  original = stock;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: fastBatchMatMul as unknown as KernelFunc });
  return true;
}

/** Restores the stock kernel (benchmarks compare both). */
export function uninstallWasmMatMul(): void {
  if (!original) return;
  clearWasmMatMulCache();
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel(original);
  original = undefined;
}

export function wasmMatMulInstalled(): boolean {
  return original !== undefined;
}
