// Test helpers: a tiny ZIP writer (stored or deflated members, optional zip64 records) and a
// hand-rolled pickle assembler, so tests can build torch-style and hostile checkpoints byte by byte.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export const SHARED = process.env.TRM_SHARED ?? path.resolve(process.cwd(), '..', 'shared');
export const FIXTURE = path.join(SHARED, 'fixtures', 'trm-sudoku-mlp-small');

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `trm-${tag}-`));
}

export interface ZipMember {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/** Writes a zip archive; `zip64` adds zip64 EOCD records with 0xffff/0xffffffff placeholders in the classic EOCD. */
export function buildZip(members: ZipMember[], opts: { zip64?: boolean; align?: number } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const body = m.deflate ? zlib.deflateRawSync(m.data) : Buffer.from(m.data);
    const crc = zlib.crc32(m.data);
    // Pad the local extra field so data starts on `align` bytes, like torch's writer (64).
    let extraLen = 0;
    if (opts.align) extraLen = ((opts.align - ((offset + 30 + name.length + 4) % opts.align)) % opts.align) + 4;
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
    if (extraLen) {
      local.writeUInt16LE(0x4246, 30 + name.length);
      local.writeUInt16LE(extraLen - 4, 32 + name.length);
    }
    const z64 = opts.zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (opts.zip64) {
      z64.writeUInt16LE(0x0001, 0);
      z64.writeUInt16LE(24, 2);
      z64.writeBigUInt64LE(BigInt(m.data.length), 4);
      z64.writeBigUInt64LE(BigInt(body.length), 12);
      z64.writeBigUInt64LE(BigInt(offset), 20);
    }
    const c = Buffer.alloc(46 + name.length + z64.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(45, 4);
    c.writeUInt16LE(45, 6);
    c.writeUInt16LE(m.deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(opts.zip64 ? 0xffffffff : body.length, 20);
    c.writeUInt32LE(opts.zip64 ? 0xffffffff : m.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt16LE(z64.length, 30);
    c.writeUInt32LE(opts.zip64 ? 0xffffffff : offset, 42);
    name.copy(c, 46);
    z64.copy(c, 46 + name.length);
    central.push(c);
    parts.push(local, body);
    offset += local.length + body.length;
  }
  const cd = Buffer.concat(central);
  const cdOffset = offset;
  const tail: Buffer[] = [cd];
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(members.length), 24);
    rec.writeBigUInt64LE(BigInt(members.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(cdOffset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : members.length, 8);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : members.length, 10);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cdOffset, 16);
  tail.push(eocd);
  return new Uint8Array(Buffer.concat([...parts, ...tail]));
}

/** Assembles pickle opcodes. Only what the tests need; every method appends one opcode sequence. */
export class PickleAsm {
  private readonly chunks: number[] = [];
  private raw(...b: number[]): this {
    this.chunks.push(...b);
    return this;
  }
  private bytes(b: Uint8Array | Buffer): this {
    for (const x of b) this.chunks.push(x);
    return this;
  }
  proto(v = 2): this {
    return this.raw(0x80, v);
  }
  global(module: string, name: string): this {
    return this.raw(0x63).bytes(Buffer.from(`${module}\n${name}\n`, 'latin1'));
  }
  stackGlobal(): this {
    return this.raw(0x93);
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(b.length);
    return this.raw(0x58).bytes(len).bytes(b);
  }
  shortStr(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.raw(0x8c, b.length).bytes(b);
  }
  binString(s: string): this {
    const b = Buffer.from(s, 'latin1');
    const len = Buffer.alloc(4);
    len.writeInt32LE(b.length);
    return this.raw(0x54).bytes(len).bytes(b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n & 0xff, n >> 8);
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    return this.raw(0x4a).bytes(b);
  }
  ints(ns: number[]): this {
    this.mark();
    for (const n of ns) this.int(n);
    return this.tuple();
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  newFalse(): this {
    return this.raw(0x89);
  }
  none(): this {
    return this.raw(0x4e);
  }
  binput(i: number): this {
    return this.raw(0x71, i);
  }
  binget(i: number): this {
    return this.raw(0x68, i);
  }
  op(...b: number[]): this {
    return this.raw(...b);
  }
  stop(): this {
    return this.raw(0x2e);
  }
  toBytes(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

export interface TensorSpec {
  name: string;
  storageType: string; // e.g. FloatStorage
  key: string;
  numel: number; // storage elements
  shape: number[];
  stride: number[];
  offset?: number;
  location?: string;
}

/** A state-dict pickle the way torch.save writes it (OrderedDict of _rebuild_tensor_v2 calls). */
export function torchStateDictPickle(tensors: TensorSpec[]): Uint8Array {
  const p = new PickleAsm().proto(2).global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const t of tensors) {
    p.str(t.name)
      .global('torch._utils', '_rebuild_tensor_v2')
      .mark()
      .mark()
      .str('storage')
      .global('torch', t.storageType)
      .str(t.key)
      .str(t.location ?? 'cpu')
      .int(t.numel)
      .tuple()
      .binpersid()
      .int(t.offset ?? 0)
      .ints(t.shape)
      .ints(t.stride)
      .newFalse()
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .tuple()
      .reduce();
  }
  return p.setitems().stop().toBytes();
}

/** A torch.save-style zip: <archive>/data.pkl, <archive>/data/<key>, <archive>/version. */
export function torchZip(archive: string, pickle: Uint8Array, storages: Record<string, Uint8Array>): Uint8Array {
  const members: ZipMember[] = [{ name: `${archive}/data.pkl`, data: pickle }];
  for (const [k, v] of Object.entries(storages)) members.push({ name: `${archive}/data/${k}`, data: v });
  members.push({ name: `${archive}/version`, data: Buffer.from('3\n') });
  return buildZip(members, { align: 64 });
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
