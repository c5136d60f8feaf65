// Shared helpers for the parity tests: the trm-sudoku-mlp-small fixture (weights with the official
// prefix stripped, reference arrays), the cpu backend, and comparison helpers.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../src/engine/backend';
import { TrmConfig, getPreset } from '../../../src/engine/config';
import { HostTensor } from '../../../src/engine/hostTensor';
import { readNpy } from '../../../src/engine/formats/npy';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { TrmModel } from '../../../src/engine/model/trm';

export const SHARED = process.env.TRM_SHARED ?? path.resolve(process.cwd(), '..', 'shared');
export const FIXTURE_DIR = path.join(SHARED, 'fixtures', 'trm-sudoku-mlp-small');
const PREFIX = '_orig_mod.model.inner.';

/** The cpu backend, chosen as the product chooses it (without tfjs's "install our node backend" banner). */
export async function useCpu(): Promise<void> {
  await selectBackend({ prefer: 'cpu' });
  await tf.ready();
}

/** model.safetensors with the official prefix stripped (what loadCheckpoint() yields). */
export function fixtureWeights(): Map<string, HostTensor> {
  const { tensors } = readSafetensors(path.join(FIXTURE_DIR, 'model.safetensors'));
  const out = new Map<string, HostTensor>();
  for (const [k, t] of tensors) {
    if (!k.startsWith(PREFIX)) throw new Error(`fixture key ${k} lacks the prefix ${PREFIX}`);
    out.set(k.slice(PREFIX.length), t);
  }
  return out;
}

export function fixtureConfig(): TrmConfig {
  return getPreset('sudoku-mlp-small');
}

export function fixtureModel(): TrmModel {
  return TrmModel.fromWeights(fixtureConfig(), fixtureWeights(), { source: 'fixture model.safetensors' });
}

export function npy(name: string): HostTensor {
  return readNpy(path.join(FIXTURE_DIR, `${name}.npy`));
}

export function f32(name: string): Float32Array {
  const t = npy(name);
  if (t.dtype !== 'float32') throw new Error(`${name}: expected float32, got ${t.dtype}`);
  return t.data as Float32Array;
}

export function i32(name: string): Int32Array {
  const t = npy(name);
  if (t.dtype !== 'int32') throw new Error(`${name}: expected int32, got ${t.dtype}`);
  return t.data as Int32Array;
}

export function bools(name: string): Uint8Array {
  const t = npy(name);
  if (t.dtype !== 'bool') throw new Error(`${name}: expected bool, got ${t.dtype}`);
  return t.data as Uint8Array;
}

export function f64(name: string): Float64Array {
  const t = npy(name);
  if (t.dtype !== 'float64') throw new Error(`${name}: expected float64, got ${t.dtype}`);
  return t.data as Float64Array;
}

/** Max |a - b| (NaN anywhere counts as Infinity). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

/** Index of the first differing element (bitwise for floats: +0 vs -0 and NaN payloads count), -1 if identical. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/** A [..., T, D] slice of a row-major array as a tf tensor [1, T, D]. */
export function rowTensor(data: Float32Array, offset: number, T: number, D: number): tf.Tensor3D {
  return tf.tensor3d(data.slice(offset, offset + T * D), [1, T, D]);
}

/** Prints a measured number so the test log carries it (speed is never asserted). */
export function report(label: string, value: number | string): void {
  console.log(`# ${label}: ${typeof value === 'number' ? value.toExponential(2) : value}`);
}
