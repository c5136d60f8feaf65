// NumPy .npy (format 1.0/2.0/3.0) reading and writing, C order only, little-endian.

import * as fs from 'node:fs';
import { HostDType, HostTensor } from '../hostTensor';
import { Limits, checkedNumel, formatBytes, limitsOf, raiseHint } from '../limits';

const MAGIC = '\x93NUMPY';

const DESCR_TO_DTYPE: Record<string, HostDType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '|i1': 'int8',
  '<i1': 'int8',
  '<i2': 'int16',
  '<u2': 'uint16',
  '<u4': 'uint32',
  '|b1': 'bool',
  '<f2': 'float16',
};
const DTYPE_TO_DESCR: Partial<Record<HostDType, string>> = {
  float32: '<f4',
  float64: '<f8',
  int32: '<i4',
  int64: '<i8',
  uint8: '|u1',
  int8: '|i1',
  int16: '<i2',
  uint16: '<u2',
  uint32: '<u4',
  bool: '|b1',
  float16: '<f2',
};

export class NpyFormatError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: not a valid .npy file: ${message}`);
  }
}

/** NumPy's own limit on the number of dimensions (NPY_MAXDIMS). */
const MAX_DIMS = 64;

/** Parses .npy bytes. `name` is used in error messages. The declared shape is checked against the file before anything is allocated. */
export function parseNpy(bytes: Uint8Array, name = '<npy>', limits?: Partial<Limits>): HostTensor {
  if (bytes.length < 10) throw new NpyFormatError(name, `only ${bytes.length} bytes`);
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== MAGIC) throw new NpyFormatError(name, 'missing \\x93NUMPY magic');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let offset: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else throw new NpyFormatError(name, `unsupported format version ${major}`);
  if (offset + headerLen > bytes.length)
    throw new NpyFormatError(name, 'header runs past the end of the file (truncated?)');
  const maxHeader = limitsOf(limits).header;
  if (headerLen > maxHeader)
    throw new NpyFormatError(
      name,
      `header of ${formatBytes(headerLen)} is longer than the limit of ${formatBytes(maxHeader)} (${raiseHint('header')})`,
    );
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined)
    throw new NpyFormatError(name, `cannot parse header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new NpyFormatError(name, 'Fortran-order arrays are not supported');
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) throw new NpyFormatError(name, `unsupported dtype ${descr}`);
  // Dimensions are plain decimal integers (Python 2 wrote longs as 3L); anything else (1e308, -1, 2.5) is refused.
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (dims.length > MAX_DIMS || dims.some((d) => !/^\d{1,16}L?$/.test(d)))
    throw new NpyFormatError(name, `bad shape (${shapeText})`);
  const shape = dims.map((d) => Number(d.replace(/L$/, '')));
  const dataStart = offset + headerLen;
  const itemSize = Number(descr.slice(2));
  let n: number;
  try {
    n = checkedNumel(shape, `shape (${shape.join(', ')})`);
  } catch (e) {
    throw new NpyFormatError(name, (e as Error).message);
  }
  const needed = n * itemSize;
  if (!Number.isSafeInteger(needed) || bytes.length - dataStart < needed) {
    throw new NpyFormatError(
      name,
      `data truncated: shape (${shape.join(', ')}) needs ${needed} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  // Copy into a fresh, aligned buffer so typed-array views are always valid. (Not bytes.slice():
  // on a Node Buffer that is a view into the shared pool, not a copy.)
  const raw = new Uint8Array(needed);
  raw.set(bytes.subarray(dataStart, dataStart + needed));
  const buf = raw.buffer;
  let data: HostTensor['data'];
  switch (dtype) {
    case 'float32':
      data = new Float32Array(buf);
      break;
    case 'float64':
      data = new Float64Array(buf);
      break;
    case 'int32':
      data = new Int32Array(buf);
      break;
    case 'int64':
      data = new BigInt64Array(buf);
      break;
    case 'uint8':
    case 'bool':
      data = new Uint8Array(buf);
      break;
    case 'int8':
      data = new Int8Array(buf);
      break;
    case 'int16':
      data = new Int16Array(buf);
      break;
    case 'uint16':
    case 'float16':
      data = new Uint16Array(buf);
      break;
    case 'uint32':
      data = new Uint32Array(buf);
      break;
    default:
      throw new NpyFormatError(name, `unsupported dtype ${descr}`);
  }
  return { dtype, shape, data };
}

export function readNpy(file: string, limits?: Partial<Limits>): HostTensor {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseNpy(bytes, file, limits);
}

/** Serialises a tensor as .npy format 1.0 (header padded to a multiple of 64 bytes, as NumPy does). */
export function encodeNpy(t: HostTensor): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new Error(`cannot write dtype ${t.dtype} to .npy`);
  const shapeText = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + headerBytes.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  out.set(data, 10 + headerBytes.length);
  return out;
}

export function writeNpy(file: string, t: HostTensor): void {
  fs.writeFileSync(file, encodeNpy(t));
}
