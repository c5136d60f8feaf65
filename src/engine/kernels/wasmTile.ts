// Tile for the wasm backend as block copies on the wasm heap. tfjs-backend-wasm 4.22's Tile walks
// the output element by element with an index division per axis; the model tiles its initial
// state (broadcastTo of H_init / L_init) and the halt mask of tf.where on every ACT step, and those
// six tiles of [B, T, D] cost 35-42 ms per step at B = 1 (about 4 % of a 2-thread traced step, all of
// it on the main thread while the XNNPACK pool idles). Here each input row is copied once and then
// doubled with copyWithin along every tiled axis: memcpy speed. Values are bit-identical (a copy).

import * as tf from '@tensorflow/tfjs-core';
import type {
  KernelBackend,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
} from '@tensorflow/tfjs-core';

interface WasmBackendLike extends KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

let original: KernelConfig | undefined;

/**
 * Writes tile(src, reps) into dst (both row-major, `shape` is src's shape). Axis by axis from the
 * innermost: the block for axis d is src's sub-block copied (recursively), then repeated reps[d]
 * times by doubling copies within dst.
 */
export function tileInto<A extends Float32Array | Int32Array | Uint8Array>(
  src: A,
  shape: readonly number[],
  reps: readonly number[],
  dst: A,
): void {
  const rank = shape.length;
  if (dst.length === 0) return; // a zero rep or axis: nothing to write
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return;
  }
  // outInner[d] = elements of one output block below axis d (product of out dims d+1..).
  const outInner = new Array<number>(rank + 1).fill(1);
  const srcInner = new Array<number>(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    outInner[d] = d === rank - 1 ? 1 : outInner[d + 1] * shape[d + 1] * reps[d + 1];
    srcInner[d] = d === rank - 1 ? 1 : srcInner[d + 1] * shape[d + 1];
  }
  const fill = (d: number, srcOff: number, dstOff: number): void => {
    const rowOut = shape[d] * outInner[d]; // one copy of src's axis-d block in the output
    if (d === rank - 1) {
      dst.set(src.subarray(srcOff, srcOff + shape[d]), dstOff);
    } else {
      for (let i = 0; i < shape[d]; i++) fill(d + 1, srcOff + i * srcInner[d], dstOff + i * outInner[d]);
    }
    // Repeat the block reps[d] times, doubling the filled part each round.
    const total = rowOut * reps[d];
    for (let filled = rowOut; filled < total;) {
      const n = Math.min(filled, total - filled);
      dst.copyWithin(dstOff + filled, dstOff, dstOff + n);
      filled += n;
    }
  };
  fill(0, 0, 0);
}

function fastTile(args: { inputs: NamedTensorInfoMap; backend: KernelBackend; attrs?: NamedAttrMap }): TensorInfo {
  const stock = original as KernelConfig;
  const { x } = args.inputs as { x: TensorInfo };
  const reps = (args.attrs as { reps: number[] }).reps;
  if (
    !['float32', 'int32', 'bool'].includes(x.dtype) ||
    !Array.isArray(reps) ||
    reps.length !== x.shape.length ||
    reps.some((r) => !Number.isInteger(r) || r < 0)
  ) {
    return stock.kernelFunc(args) as TensorInfo; // the stock kernel handles (or reports) the rest
  }
  const backend = args.backend as WasmBackendLike;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  // Both views are taken after the allocation: growing the heap detaches earlier views.
  tileInto(backend.typedArrayFromHeap(x), x.shape, reps, backend.typedArrayFromHeap(out));
  return out;
}

/** Replaces the wasm Tile kernel; idempotent. Call after the wasm backend is registered. */
export function installWasmTile(): boolean {
  if (original) return true;
  const stock = tf.getKernel('Tile', 'wasm');
  if (!stock) return false;
  original = stock;
  tf.unregisterKernel('Tile', 'wasm');
  tf.registerKernel({ ...stock, kernelFunc: fastTile as unknown as KernelFunc });
  return true;
}

/** Restores the stock kernel (benchmarks compare both). */
export function uninstallWasmTile(): void {
  if (!original) return;
  tf.unregisterKernel('Tile', 'wasm');
  tf.registerKernel(original);
  original = undefined;
}
