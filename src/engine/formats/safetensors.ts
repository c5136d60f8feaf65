// safetensors reading and writing. Each tensor is read straight from the file into its own typed
// array (no whole-file buffer), so a 2 GB ARC puzzle-embedding table is held in memory once.

import * as fs from 'node:fs';
import { HostDType, HostTensor, numel, shapeToString } from '../hostTensor';
import { Limits, MemoryBudget, checkedNumel, formatBytes, limitsOf, raiseHint } from '../limits';

const ST_TO_DTYPE: Record<string, { dtype: HostDType; size: number }> = {
  F32: { dtype: 'float32', size: 4 },
  F64: { dtype: 'float64', size: 8 },
  BF16: { dtype: 'bfloat16', size: 2 },
  F16: { dtype: 'float16', size: 2 },
  I32: { dtype: 'int32', size: 4 },
  I64: { dtype: 'int64', size: 8 },
  U8: { dtype: 'uint8', size: 1 },
  I8: { dtype: 'int8', size: 1 },
  I16: { dtype: 'int16', size: 2 },
  U16: { dtype: 'uint16', size: 2 },
  U32: { dtype: 'uint32', size: 4 },
  BOOL: { dtype: 'bool', size: 1 },
};
const DTYPE_TO_ST: Partial<Record<HostDType, string>> = Object.fromEntries(
  Object.entries(ST_TO_DTYPE).map(([k, v]) => [v.dtype, k]),
);

export class SafetensorsError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: invalid safetensors file: ${message}`);
  }
}

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

function allocate(dtype: HostDType, n: number): HostTensor['data'] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'uint16':
    case 'bfloat16':
    case 'float16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
    default:
      throw new Error(`unsupported dtype ${String(dtype)}`);
  }
}

export interface SafetensorsReadOptions {
  limits?: Partial<Limits>;
  /** Shared with the caller's other allocations for this load. */
  budget?: MemoryBudget;
}

/**
 * Reads every tensor of a .safetensors file. Truncated or corrupt files raise SafetensorsError; the
 * whole header (every shape, dtype and offset, no overlaps, nothing past the end of the file) is
 * validated before the first tensor is allocated.
 */
export function readSafetensors(file: string, opts: SafetensorsReadOptions = {}): SafetensorsFile {
  const limits = limitsOf(opts.limits);
  const budget = opts.budget ?? new MemoryBudget(limits.memory, file);
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`cannot open ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(file, `file is only ${size} bytes`);
    const lenBuf = Buffer.alloc(8);
    fs.readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen > limits.header && 8 + headerLen <= size)
      throw new SafetensorsError(
        file,
        `header of ${formatBytes(headerLen)} is longer than the limit of ${formatBytes(limits.header)} (${raiseHint('header')})`,
      );
    if (headerLen <= 0 || 8 + headerLen > size) {
      throw new SafetensorsError(
        file,
        `header length ${headerLen} does not fit in a ${size}-byte file (truncated or not safetensors)`,
      );
    }
    const headerBuf = Buffer.alloc(headerLen);
    fs.readSync(fd, headerBuf, 0, headerLen, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBuf.toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new SafetensorsError(file, `header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      throw new SafetensorsError(file, 'header is not a JSON object');
    const dataStart = 8 + headerLen;
    const planned: { name: string; dtype: HostDType; shape: number[]; begin: number; end: number }[] = [];
    let metadata: Record<string, string> = {};
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') {
        if (
          info === null ||
          typeof info !== 'object' ||
          Array.isArray(info) ||
          !Object.values(info).every((v) => typeof v === 'string')
        ) {
          throw new SafetensorsError(file, '__metadata__ must map strings to strings');
        }
        metadata = info as Record<string, string>;
        continue;
      }
      const entry = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const st = typeof entry?.dtype === 'string' ? ST_TO_DTYPE[entry.dtype] : undefined;
      if (!st)
        throw new SafetensorsError(file, `tensor "${name}" has unsupported dtype ${JSON.stringify(entry?.dtype)}`);
      const shape = entry.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
        throw new SafetensorsError(file, `tensor "${name}" has a bad shape`);
      const offs = entry.data_offsets;
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isSafeInteger(d) && d >= 0))
        throw new SafetensorsError(file, `tensor "${name}" has bad data_offsets`);
      const [begin, end] = offs as number[];
      let n: number;
      try {
        n = checkedNumel(shape as number[], `tensor "${name}"`);
      } catch (e) {
        throw new SafetensorsError(file, (e as Error).message);
      }
      if (end < begin || end - begin !== n * st.size)
        throw new SafetensorsError(
          file,
          `tensor "${name}" ${shapeToString(shape as number[])} ${String(entry.dtype)} needs ${n * st.size} bytes but data_offsets span ${end - begin}`,
        );
      if (dataStart + end > size)
        throw new SafetensorsError(
          file,
          `tensor "${name}" ends at byte ${dataStart + end} but the file has ${size} bytes (truncated)`,
        );
      planned.push({ name, dtype: st.dtype, shape: shape as number[], begin, end });
    }
    // Two tensors may not share bytes: the second would silently load the first one's values.
    const byOffset = [...planned].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
    for (let i = 1; i < byOffset.length; i++) {
      const a = byOffset[i - 1],
        b = byOffset[i];
      if (b.begin < a.end)
        throw new SafetensorsError(
          file,
          `tensors "${a.name}" (bytes ${a.begin}..${a.end}) and "${b.name}" (bytes ${b.begin}..${b.end}) overlap`,
        );
    }
    const tensors = new Map<string, HostTensor>();
    for (const t of planned) {
      budget.take(t.end - t.begin, `tensor "${t.name}" ${shapeToString(t.shape)}`);
      const data = allocate(t.dtype, numel(t.shape));
      const target = new Uint8Array(data.buffer);
      let done = 0;
      while (done < target.length) {
        const chunk = Math.min(target.length - done, 1 << 30);
        const got = fs.readSync(fd, target, done, chunk, dataStart + t.begin + done);
        if (got <= 0) throw new SafetensorsError(file, `unexpected end of file in tensor "${t.name}"`);
        done += got;
      }
      tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data });
    }
    return { tensors, metadata };
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes tensors (in the given order) as a .safetensors file, atomically (temp file + rename). */
export function writeSafetensors(
  file: string,
  tensors: Map<string, HostTensor> | [string, HostTensor][],
  metadata?: Record<string, string>,
): void {
  const entries = Array.isArray(tensors) ? tensors : [...tensors.entries()];
  // No prototype: a tensor named "__proto__" must become a key, not change the object's prototype.
  const header: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    if (name === '__metadata__')
      throw new Error('cannot write a tensor named "__metadata__" to safetensors (reserved key)');
    if (name in header) throw new Error(`cannot write tensor "${name}" twice to safetensors`);
    const st = DTYPE_TO_ST[t.dtype];
    if (!st) throw new Error(`cannot write dtype ${t.dtype} (tensor "${name}") to safetensors`);
    if (t.data.length !== numel(t.shape))
      throw new Error(
        `cannot write tensor "${name}": shape ${shapeToString(t.shape)} needs ${numel(t.shape)} values, data has ${t.data.length}`,
      );
    const bytes = t.data.byteLength;
    header[name] = { dtype: st, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  headerText += ' '.repeat((8 - ((8 + Buffer.byteLength(headerText)) % 8)) % 8);
  const headerBuf = Buffer.from(headerText, 'utf8');
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(headerBuf.length));
    fs.writeSync(fd, len);
    fs.writeSync(fd, headerBuf);
    for (const [, t] of entries) fs.writeSync(fd, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true }); // do not leave a half-written temp file behind
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
