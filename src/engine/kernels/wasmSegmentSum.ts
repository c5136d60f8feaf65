// A kernel the training backward pass needs that tfjs-backend-wasm 4.22 does not register:
// UnsortedSegmentSum (the gradient of tf.gather, i.e. of the token-embedding lookup). Computed on the
// host from the wasm heap; the tensors involved are small ([B*S, D] gradients into V rows).
// Registered once by the trainer, only when the wasm backend is in use.

import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array;
}

/** Host implementation: out[seg[i], ...] += x[i, ...]; ids outside 0..numSegments-1 are dropped (like TF). */
export function unsortedSegmentSumHost(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  inner: number,
  numSegments: number,
): Float32Array {
  const out = new Float32Array(numSegments * inner);
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner,
      xi = i * inner;
    for (let k = 0; k < inner; k++) out[o + k] += x[xi + k];
  }
  return out;
}

export function registerTrainingWasmKernels(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm')) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WasmBackendLike;
      const x = inputs.x as TensorInfo,
        ids = inputs.segmentIds as TensorInfo;
      const numSegments = Number((attrs as { numSegments: number }).numSegments);
      const n = ids.shape.reduce((a, d) => a * d, 1);
      const rest = x.shape.slice(ids.shape.length);
      const inner = rest.reduce((a, d) => a * d, 1);
      const result = unsortedSegmentSumHost(b.readSync(x.dataId), b.readSync(ids.dataId), inner, numSegments);
      if (n * inner !== x.shape.reduce((a, d) => a * d, 1))
        throw new Error("UnsortedSegmentSum: segmentIds must be a prefix of x's shape");
      const out = b.makeOutput([numSegments, ...rest], x.dtype);
      b.typedArrayFromHeap(out).set(result);
      return out;
    },
  });
}
