// Host-side tensors: plain typed arrays with a shape, independent of any TF.js backend.
// File readers produce them, the model consumes them, traces store them.

export type HostDType =
  | 'float32'
  | 'float64'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'uint16'
  | 'uint32'
  | 'bool'
  | 'bfloat16'
  | 'float16';

export type HostData =
  | Float32Array
  | Float64Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array;

export interface HostTensor {
  /** Logical dtype. `bfloat16`/`float16` data are kept as raw Uint16Array bits until decoded. */
  dtype: HostDType;
  shape: number[];
  data: HostData;
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function shapeToString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Decodes bfloat16 bits to float32 (exact: bf16 is the top half of an f32). */
export function bf16ToF32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i] << 16;
  return new Float32Array(out.buffer);
}

/** Decodes IEEE half floats to float32. */
export function f16ToF32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (frac / 1024);
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}

/** Rounds float32 values to the nearest bfloat16 (round-half-to-even), returned as float32. */
export function roundToBf16(x: Float32Array): Float32Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint32Array(x.length);
  for (let i = 0; i < u.length; i++) {
    const v = u[i];
    if ((v & 0x7f800000) === 0x7f800000) {
      out[i] = v & 0x7fffff ? 0x7fc00000 : v & 0xffff0000;
      continue;
    } // NaN / Inf
    const rounded = v + 0x7fff + ((v >>> 16) & 1);
    out[i] = rounded & 0xffff0000;
  }
  return new Float32Array(out.buffer);
}

/** Returns the tensor's values as float32 (decoding bf16/f16, converting ints). */
export function toFloat32(t: HostTensor): Float32Array {
  switch (t.dtype) {
    case 'float32':
      return t.data as Float32Array;
    case 'bfloat16':
      return bf16ToF32(t.data as Uint16Array);
    case 'float16':
      return f16ToF32(t.data as Uint16Array);
    case 'int64':
      return Float32Array.from(t.data as BigInt64Array, (v) => Number(v));
    default:
      return Float32Array.from(t.data as ArrayLike<number>);
  }
}

/** Returns integer values as Int32Array (int64 must fit in 32 bits). */
export function toInt32(t: HostTensor, what = 'tensor'): Int32Array {
  if (t.dtype === 'int32') return t.data as Int32Array;
  if (t.dtype === 'int64') {
    const src = t.data as BigInt64Array;
    const out = new Int32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v > 2147483647n || v < -2147483648n)
        throw new Error(`${what}: value ${v} at index ${i} does not fit in int32`);
      out[i] = Number(v);
    }
    return out;
  }
  if (t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'bfloat16' || t.dtype === 'float16') {
    throw new Error(`${what}: expected integer ids, got ${t.dtype}`);
  }
  return Int32Array.from(t.data as ArrayLike<number>);
}
