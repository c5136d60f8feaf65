// Seeded, deterministic mutation of the formats TRM Lens reads. Generic byte mutations (flips,
// "interesting" integers written over aligned fields, truncation, duplication) plus structure-aware
// ones that keep a file valid enough to reach deep code: numbers inside .npy / safetensors headers and
// config files replaced by boundary values, zip members mutated and re-zipped with correct CRCs, pickle
// integer operands replaced. The same seed always gives the same mutants.

import * as zlib from 'node:zlib';

/** mulberry32: small, fast, and the same sequence on every platform. */
export class FuzzRng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** Boundary values for integer fields (as numbers; u64 ones as bigint). */
const INTERESTING_32 = [
  0, 1, 2, 3, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
  0xffffffff,
];
const INTERESTING_64 = [0n, 1n, 0x7fffffffn, 0xffffffffn, 0x100000000n, 2n ** 53n, 2n ** 63n - 1n, 2n ** 64n - 1n];
/** Replacements for numbers in text (headers, JSON, YAML). */
export const INTERESTING_TEXT = [
  '0',
  '1',
  '2',
  '3',
  '-1',
  '-2147483648',
  '255',
  '65536',
  '2147483647',
  '4294967296',
  '1e308',
  '1e9',
  '1000000000000',
  '9007199254740993',
  '0.5',
  'NaN',
  '""',
  'null',
  'true',
  '[]',
  '{}',
];

export interface Mutant {
  bytes: Uint8Array;
  /** What was done, for a failure report. */
  how: string;
}

/** One generic byte-level mutation. */
export function mutateBytes(rng: FuzzRng, src: Uint8Array): Mutant {
  const b = Buffer.from(src);
  const n = b.length;
  const at = n ? rng.int(n) : 0;
  switch (rng.int(8)) {
    case 0: {
      const bit = rng.int(8);
      if (n) b[at] ^= 1 << bit;
      return { bytes: b, how: `flip bit ${bit} of byte ${at}` };
    }
    case 1: {
      const k = 1 + rng.int(16);
      for (let i = 0; i < k && n; i++) b[rng.int(n)] = rng.int(256);
      return { bytes: b, how: `${k} random bytes` };
    }
    case 2: {
      const v = rng.pick(INTERESTING_32);
      const w = rng.pick([1, 2, 4]);
      const pos = Math.max(0, Math.min(n - w, at - (at % w)));
      if (n >= w) {
        if (w === 1) b.writeUInt8(v & 0xff, pos);
        else if (w === 2) b.writeUInt16LE(v & 0xffff, pos);
        else b.writeUInt32LE(v >>> 0, pos);
      }
      return { bytes: b, how: `u${8 * w} ${v} at ${pos}` };
    }
    case 3: {
      const v = rng.pick(INTERESTING_64);
      const pos = Math.max(0, Math.min(n - 8, at - (at % 8)));
      if (n >= 8) b.writeBigUInt64LE(v, pos);
      return { bytes: b, how: `u64 ${v} at ${pos}` };
    }
    case 4: {
      const len = rng.int(n + 1);
      return { bytes: b.subarray(0, len), how: `truncate to ${len}` };
    }
    case 5: {
      const extra = Buffer.alloc(1 + rng.int(64), rng.int(256));
      return {
        bytes: Buffer.concat([b.subarray(0, at), extra, b.subarray(at)]),
        how: `insert ${extra.length} bytes at ${at}`,
      };
    }
    case 6: {
      const len = Math.min(n - at, 1 + rng.int(64));
      const copy = b.subarray(at, at + len);
      return { bytes: Buffer.concat([b, copy]), how: `append a copy of ${len} bytes from ${at}` };
    }
    default: {
      const len = Math.min(n - at, 1 + rng.int(32));
      return { bytes: Buffer.concat([b.subarray(0, at), b.subarray(at + len)]), how: `delete ${len} bytes at ${at}` };
    }
  }
}

/** Replaces the k-th number (or a quoted word) of a text with a boundary value. */
export function mutateText(rng: FuzzRng, text: string): { text: string; how: string } {
  const tokens = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?|'[^'\n]*'|"[^"\n]*"|True|False|true|false/g)];
  if (!tokens.length) return { text: text + rng.pick(INTERESTING_TEXT), how: 'append a value' };
  const t = rng.pick(tokens);
  const at = t.index ?? 0;
  let value = rng.pick(INTERESTING_TEXT);
  if (t[0].startsWith("'") && rng.chance(0.5)) value = `'${rng.pick(['<f4', '<i8', '|u1', '>f4', '<U3', 'O', ''])}'`;
  return {
    text: text.slice(0, at) + value + text.slice(at + t[0].length),
    how: `token ${JSON.stringify(t[0])} at ${at} -> ${value}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Zip archives: read members (stored or deflated), mutate one, write them back with correct CRCs.

export interface ZipItem {
  name: string;
  data: Uint8Array;
  deflate: boolean;
}

/** Members of a well-formed archive (our seeds only). */
export function unzip(bytes: Uint8Array): ZipItem[] {
  const b = Buffer.from(bytes);
  const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = b.readUInt16LE(eocd + 10);
  let p = b.readUInt32LE(eocd + 16);
  const items: ZipItem[] = [];
  for (let k = 0; k < count; k++) {
    const method = b.readUInt16LE(p + 10);
    const csize = b.readUInt32LE(p + 20);
    const nameLen = b.readUInt16LE(p + 28);
    const extraLen = b.readUInt16LE(p + 30);
    const commentLen = b.readUInt16LE(p + 32);
    const local = b.readUInt32LE(p + 42);
    const name = b.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + b.readUInt16LE(local + 26) + b.readUInt16LE(local + 28);
    const raw = b.subarray(start, start + csize);
    items.push({ name, data: method === 8 ? zlib.inflateRawSync(raw) : Uint8Array.from(raw), deflate: method === 8 });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return items;
}

/** Writes members back (torch-style 64-byte alignment) with correct sizes and CRCs. */
export function zip(items: ZipItem[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of items) {
    const name = Buffer.from(m.name, 'utf8');
    const body = m.deflate ? zlib.deflateRawSync(m.data) : Buffer.from(m.data);
    const crc = zlib.crc32(m.data);
    const extraLen = ((64 - ((offset + 30 + name.length + 4) % 64)) % 64) + 4;
    const local = Buffer.alloc(30 + name.length + extraLen);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(extraLen, 28);
    name.copy(local, 30);
    local.writeUInt16LE(0x4246, 30 + name.length);
    local.writeUInt16LE(extraLen - 4, 32 + name.length);
    const c = Buffer.alloc(46 + name.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(m.deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(m.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    name.copy(c, 46);
    central.push(c);
    parts.push(local, body);
    offset += local.length + body.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(items.length, 8);
  eocd.writeUInt16LE(items.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cd, eocd]));
}

/** Pickle opcodes followed by a little-endian integer operand of the given width. */
const PICKLE_INT_OPS: Record<number, number> = {
  0x4b: 1,
  0x4d: 2,
  0x4a: 4,
  0x71: 1,
  0x72: 4,
  0x68: 1,
  0x6a: 4,
  0x8a: 1,
  0x8b: 4,
  0x58: 4,
  0x8c: 1,
  0x42: 4,
  0x43: 1,
  0x54: 4,
  0x55: 1,
};

/** Replaces the operand of a random integer-carrying opcode of a pickle (a shape, a stride, an offset, a length…). */
export function mutatePickle(rng: FuzzRng, pkl: Uint8Array): Mutant {
  const b = Buffer.from(pkl);
  const sites: number[] = [];
  for (let i = 2; i < b.length - 1; i++)
    if (PICKLE_INT_OPS[b[i]] !== undefined && i + PICKLE_INT_OPS[b[i]] < b.length) sites.push(i);
  if (!sites.length || rng.chance(0.3)) return mutateBytes(rng, pkl);
  const at = rng.pick(sites);
  const w = PICKLE_INT_OPS[b[at]];
  const v = rng.pick(INTERESTING_32);
  if (w === 1) b.writeUInt8(v & 0xff, at + 1);
  else if (w === 2) b.writeUInt16LE(v & 0xffff, at + 1);
  else b.writeUInt32LE(v >>> 0, at + 1);
  return { bytes: b, how: `pickle opcode 0x${b[at].toString(16)} at ${at}: operand ${v}` };
}

/** A torch zip mutant: a member mutated (pickle-aware for data.pkl) and re-zipped, or the raw archive mutated. */
export function mutateTorchZip(rng: FuzzRng, src: Uint8Array): Mutant {
  if (rng.chance(0.2)) {
    const m = mutateBytes(rng, src);
    return { bytes: m.bytes, how: `raw archive: ${m.how}` };
  }
  const items = unzip(src);
  const which = rng.chance(0.6) ? items.findIndex((i) => i.name.endsWith('data.pkl')) : rng.int(items.length);
  const item = items[which];
  const m = item.name.endsWith('data.pkl') ? mutatePickle(rng, item.data) : mutateBytes(rng, item.data);
  items[which] = { ...item, data: m.bytes, deflate: item.deflate || rng.chance(0.2) };
  if (rng.chance(0.1)) items.push({ ...items[rng.int(items.length)] }); // a duplicate member
  return { bytes: zip(items), how: `member ${item.name}: ${m.how}` };
}

/** A safetensors mutant: the JSON header's numbers / names changed (length re-encoded or not), or raw bytes. */
export function mutateSafetensors(rng: FuzzRng, src: Uint8Array): Mutant {
  const b = Buffer.from(src);
  if (rng.chance(0.25) || b.length < 8) {
    const m = mutateBytes(rng, src);
    return { bytes: m.bytes, how: `raw: ${m.how}` };
  }
  const len = Number(b.readBigUInt64LE(0));
  const header = b.toString('utf8', 8, 8 + len);
  const t = mutateText(rng, header);
  const text = Buffer.from(t.text);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(rng.chance(0.9) ? text.length : len));
  return { bytes: Buffer.concat([size, text, b.subarray(8 + len)]), how: `header: ${t.how}` };
}

/** An .npy mutant: a header token changed (keeping the 10-byte preamble consistent) or raw bytes. */
export function mutateNpy(rng: FuzzRng, src: Uint8Array): Mutant {
  const b = Buffer.from(src);
  if (rng.chance(0.3) || b.length < 10) {
    const m = mutateBytes(rng, src);
    return { bytes: m.bytes, how: `raw: ${m.how}` };
  }
  const hlen = b.readUInt16LE(8);
  const t = mutateText(rng, b.toString('latin1', 10, 10 + hlen));
  const header = Buffer.from(t.text, 'latin1');
  const pre = Buffer.from(b.subarray(0, 10));
  pre.writeUInt16LE(header.length & 0xffff, 8);
  return { bytes: Buffer.concat([pre, header, b.subarray(10 + hlen)]), how: `header: ${t.how}` };
}
