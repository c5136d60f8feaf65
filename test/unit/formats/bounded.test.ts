// Every file is bounded before work is done: absurd .npy shapes, a quadratic-time pickled integer, a
// zip member that inflates far past its declared size, a stride-0 view over a huge shape, thousands of
// views of one compressed storage, and corrupt archives (CRC, overlapping or shifted members,
// duplicate names, overlapping safetensors offsets). Resource cases run the bundled CLI in a child
// under a memory cap and a time limit, so a regression fails instead of exhausting the machine.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { parseNpy, encodeNpy } from '../../../src/engine/formats/npy';
import { PyList, unpickle } from '../../../src/engine/formats/pickle';
import { readTorchCheckpoint } from '../../../src/engine/formats/torchCheckpoint';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { ZipReader, zipStats } from '../../../src/engine/formats/zip';
import { readPuzzleFile } from '../../../src/engine/data/puzzleFile';
import { PickleAsm, TensorSpec, buildZip, f32Bytes, tmpDir, torchStateDictPickle, torchZip } from './builders';
import { CLI, describeRun, runNode } from '../fuzz/childRun';

/** An .npy file with a hand-written header (no data unless given). */
function npyWithHeader(header: string, data = new Uint8Array(0)): Uint8Array {
  let h = header;
  h += ' '.repeat((64 - ((10 + h.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, h.length, true);
  out.set(Buffer.from(h, 'latin1'), 10);
  out.set(data, 10 + h.length);
  return out;
}

test('npy: an absurd declared shape is refused at once, in the parser and through trm dataset info', async () => {
  const absurd = npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (1e308, 0), }");
  assert.equal(absurd.length, 128);
  assert.throws(() => parseNpy(absurd, 'a.npy'), /a\.npy: not a valid \.npy file: bad shape \(1e308, 0\)/);
  const huge = npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (1099511627776, 0), }");
  assert.throws(() => parseNpy(huge, 'h.npy'), /is empty but declares 1099511627776 elements/);
  const overflow = npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }");
  assert.throws(() => parseNpy(overflow, 'o.npy'), /too many elements|needs/);
  // Empty arrays of sensible shapes still read.
  assert.deepEqual(
    parseNpy(npyWithHeader("{'descr': '<i4', 'fortran_order': False, 'shape': (0, 81), }")).shape,
    [0, 81],
  );
  assert.deepEqual(
    parseNpy(npyWithHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (3L,), }", new Uint8Array(24))).shape,
    [3],
  );
  // The header limit applies before the header is parsed.
  assert.throws(
    () =>
      parseNpy(
        npyWithHeader(`{'descr': '<i4', 'fortran_order': False, 'shape': (0,), '${'x'.repeat(300)}': 1}`),
        'l.npy',
        { header: 256 },
      ),
    /header of \d+ bytes is longer than the limit of 256 bytes \(raise it with TRM_LIMITS=header=<value>/,
  );

  // Through the CLI (the dynamic launch configurations read every *.npy of a workspace the same way).
  const dir = tmpDir('npy-absurd');
  fs.writeFileSync(path.join(dir, 'absurd.npy'), absurd);
  const r = await runNode([CLI, 'dataset', 'info', path.join(dir, 'absurd.npy')], {
    timeoutMs: 30_000,
    rssCapMiB: 600,
  });
  assert.equal(r.code, 1, describeRun(r));
  assert.match(r.stderr, /trm dataset: error: .*absurd\.npy: not a valid \.npy file: bad shape \(1e308, 0\)/);
  assert.ok(!/\n\s+at /.test(r.stderr), 'no stack trace');
});

test('npy: int64 token ids above 2^31 are refused with the row and value, never wrapped', () => {
  const dir = tmpDir('npy-int64');
  const ids = new BigInt64Array(2 * 81).fill(1n);
  ids[81 + 5] = 2n ** 32n + 3n; // wraps to 3 (a valid Sudoku digit) in an Int32Array
  const file = path.join(dir, 'tokens.npy');
  fs.writeFileSync(file, encodeNpy({ dtype: 'int64', shape: [2, 81], data: ids }));
  assert.throws(
    () => readPuzzleFile(file),
    /tokens\.npy: row 1, position 5: token 4294967299 is outside every task's vocabulary/,
  );
  const u32 = new Uint32Array(81).fill(1);
  u32[7] = 0x80000001;
  fs.writeFileSync(file, encodeNpy({ dtype: 'uint32', shape: [1, 81], data: u32 }));
  assert.throws(() => readPuzzleFile(file), /row 0, position 7: token 2147483649 is outside every task's vocabulary/);
  ids[81 + 5] = 12n;
  fs.writeFileSync(file, encodeNpy({ dtype: 'int64', shape: [2, 81], data: ids }));
  assert.throws(() => readPuzzleFile(file), /ids up to 12 \(row 1, position 5; put dataset\.json beside it\)/);
});

test(
  'pickle: integers decode in linear time (a 300 KB LONG4), long text integers are refused',
  { timeout: 30_000 },
  () => {
    const n = 300_000;
    const body = new Uint8Array(n).fill(0xff);
    body[n - 1] = 0x7f; // 2^(8n-1) - 1
    const len = Buffer.alloc(4);
    len.writeInt32LE(n);
    const bytes = Uint8Array.from([0x80, 2, 0x8b, ...len, ...body, 0x2e]);
    const v = unpickle(bytes, { source: 'big.pkl', globals: new Map() });
    assert.equal(v, (1n << BigInt(8 * n - 1)) - 1n);
    const neg = Uint8Array.from([0x80, 2, 0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x2e]);
    assert.equal(unpickle(neg, { source: 'neg.pkl', globals: new Map() }), -(2n ** 71n));
    assert.equal(
      unpickle(Uint8Array.from([0x80, 2, 0x8a, 2, 0xfe, 0xff, 0x2e]), { source: 's', globals: new Map() }),
      -2,
    );
    const text = Buffer.from(`I${'9'.repeat(5000)}\n.`, 'latin1');
    assert.throws(
      () => unpickle(text, { source: 't.pkl', globals: new Map() }),
      /integer literal of 5000 digits \(at most 4300\)/,
    );
    // A long APPENDS does not overflow the call stack.
    const many = new PickleAsm().proto(2).op(0x5d).mark();
    for (let i = 0; i < 200_000; i++) many.op(0x4b, i & 0xff);
    const list = unpickle(many.op(0x65).stop().toBytes(), { source: 'l.pkl', globals: new Map() });
    assert.ok(list instanceof PyList && list.items.length === 200_000);
  },
);

/** Streams `size` zero bytes through raw deflate without holding them (about 1 MB per GiB). */
async function deflatedZeros(size: number): Promise<Buffer> {
  const z = zlib.createDeflateRaw({ level: 9 });
  const parts: Buffer[] = [];
  z.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((r) => z.on('end', r));
  const chunk = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= chunk.length) {
    if (!z.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => z.once('drain', r));
  }
  z.end();
  await done;
  return Buffer.concat(parts);
}

/** Rewrites a built zip so that member `name` is deflated data `raw` whose directory claims `size` bytes and `crc`. */
function zipWithRawMember(archive: string, pickle: Uint8Array, raw: Buffer, size: number, crc: number): Uint8Array {
  const name = `${archive}/data/0`;
  const members = [
    { name: `${archive}/data.pkl`, body: Buffer.from(pickle), size: pickle.length, crc: zlib.crc32(pickle), method: 0 },
    { name, body: raw, size, crc, method: 8 },
  ];
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const nm = Buffer.from(m.name);
    const local = Buffer.alloc(30 + nm.length);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc, 14);
    local.writeUInt32LE(m.body.length, 18);
    local.writeUInt32LE(m.size, 22);
    local.writeUInt16LE(nm.length, 26);
    nm.copy(local, 30);
    const c = Buffer.alloc(46 + nm.length);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(m.method, 10);
    c.writeUInt32LE(m.crc, 16);
    c.writeUInt32LE(m.body.length, 20);
    c.writeUInt32LE(m.size, 24);
    c.writeUInt16LE(nm.length, 28);
    c.writeUInt32LE(offset, 42);
    nm.copy(c, 46);
    central.push(c);
    parts.push(local, m.body);
    offset += local.length + m.body.length;
  }
  const cd = Buffer.concat(central);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...parts, cd, eocd]));
}

const ONE: TensorSpec = { name: 'w', storageType: 'FloatStorage', key: '0', numel: 16, shape: [16], stride: [1] };

test('zip: a member that inflates past its declared size is stopped at that size (no 512 MiB allocation)', async () => {
  const dir = tmpDir('zip-bomb');
  const raw = await deflatedZeros(512 << 20);
  const file = path.join(dir, 'bomb.pt');
  fs.writeFileSync(file, zipWithRawMember('ck', torchStateDictPickle([ONE]), raw, 64, 0));
  assert.ok(fs.statSync(file).size < 3 * 1024 * 1024, 'a small file');
  assert.throws(
    () => readTorchCheckpoint(file),
    /member ck\/data\/0 inflates to more than the 64 bytes the directory declares/,
  );
  const r = await runNode([CLI, 'info', '--checkpoint', file], { timeoutMs: 60_000, rssCapMiB: 700 });
  assert.equal(r.code, 1, describeRun(r));
  assert.ok(r.peakMiB < 300, `peak ${r.peakMiB.toFixed(0)} MiB for a ${(raw.length / 1e6).toFixed(1)} MB file`);
  assert.match(r.stderr, /inflates to more than the 64 bytes the directory declares/);
  // A member that honestly declares its huge size is refused by the memory budget before inflation.
  fs.writeFileSync(file, zipWithRawMember('ck', torchStateDictPickle([ONE]), raw, 512 << 20, 0));
  assert.throws(
    () => readTorchCheckpoint(file, { limits: { memory: 256 * 1024 * 1024 } }),
    /zip member ck\/data\/0 needs 512\.\d MiB, .*over the memory limit of 256 MiB \(raise it with TRM_LIMITS=memory=<value>/,
  );
  // More than deflate's 1032:1 is impossible: corrupt.
  fs.writeFileSync(file, zipWithRawMember('ck', torchStateDictPickle([ONE]), Buffer.alloc(10), 64 * 1024, 0));
  assert.throws(() => readTorchCheckpoint(file), /claims to inflate 10 bytes to 65536/);
});

test('torch: a stride-0 view over a huge shape is refused before anything is allocated', async () => {
  const dir = tmpDir('stride0');
  const spec: TensorSpec = {
    name: 'w',
    storageType: 'FloatStorage',
    key: '0',
    numel: 1,
    shape: [1 << 20, 1 << 10],
    stride: [0, 0],
  };
  const file = path.join(dir, 'expand.pt');
  fs.writeFileSync(file, torchZip('ck', torchStateDictPickle([spec]), { '0': f32Bytes([1]) }));
  assert.throws(
    () => readTorchCheckpoint(file),
    /tensor w \[1048576, 1024\] with strides \(0, 0\) repeats 1 stored elements to make 1073741824 \(a stride-0 or overlapping view\); materialising it would take 4 GiB/,
  );
  const r = await runNode([CLI, 'info', '--checkpoint', file], { timeoutMs: 60_000, rssCapMiB: 700 });
  assert.equal(r.code, 1, describeRun(r));
  assert.match(r.stderr, /a stride-0 or overlapping view/);
  // A small expanded view is still honoured.
  const small: TensorSpec = {
    name: 'b',
    storageType: 'FloatStorage',
    key: '0',
    numel: 3,
    shape: [2, 3],
    stride: [0, 1],
  };
  fs.writeFileSync(file, torchZip('ck', torchStateDictPickle([small]), { '0': f32Bytes([1, 2, 3]) }));
  assert.deepEqual(Array.from(readTorchCheckpoint(file).get('b')!.data as Float32Array), [1, 2, 3, 1, 2, 3]);
});

test('torch: 3,000 views of one deflated storage inflate it once', () => {
  const dir = tmpDir('views');
  const values = Array.from({ length: 3000 }, (_, i) => i);
  const specs: TensorSpec[] = values.map((_, i) => ({
    name: `v${i}`,
    storageType: 'FloatStorage',
    key: '0',
    numel: 3000,
    shape: [1],
    stride: [1],
    offset: i,
  }));
  const file = path.join(dir, 'views.pt');
  fs.writeFileSync(
    file,
    buildZip([
      { name: 'ck/data.pkl', data: torchStateDictPickle(specs) },
      { name: 'ck/data/0', data: f32Bytes(values), deflate: true },
    ]),
  );
  const before = zipStats.inflations;
  const out = readTorchCheckpoint(file);
  assert.equal(zipStats.inflations - before, 1);
  assert.equal(out.size, 3000);
  assert.equal((out.get('v2999')!.data as Float32Array)[0], 2999);
  assert.deepEqual([...out.keys()].slice(0, 3), ['v0', 'v1', 'v2'], 'file order is kept');
});

test('zip integrity: CRC-32, members overlapping or shifted, duplicate names', () => {
  const dir = tmpDir('zip-integrity');
  const file = path.join(dir, 'ck.pt');
  const good = torchZip('ck', torchStateDictPickle([ONE]), { '0': f32Bytes(Array.from({ length: 16 }, (_, i) => i)) });
  fs.writeFileSync(file, good);
  assert.equal(readTorchCheckpoint(file).size, 1);

  // One flipped byte of stored tensor data (the CRC in the directory still describes the original).
  const flipped = Buffer.from(good);
  const at = flipped.indexOf(Buffer.from(f32Bytes([5])));
  flipped[at] ^= 0x01;
  fs.writeFileSync(file, flipped);
  assert.throws(() => readTorchCheckpoint(file), /CRC-32 mismatch in member ck\/data\/0/);

  // A tensor view over part of a stored storage is checked too.
  const part: TensorSpec = { ...ONE, shape: [4], stride: [1], offset: 8 };
  const partial = Buffer.from(
    torchZip('ck', torchStateDictPickle([part]), { '0': f32Bytes(Array.from({ length: 16 }, (_, i) => i)) }),
  );
  partial[partial.indexOf(Buffer.from(f32Bytes([1])))] ^= 0x40;
  fs.writeFileSync(file, partial);
  assert.throws(() => readTorchCheckpoint(file), /CRC-32 mismatch in member ck\/data\/0/);

  // The central directory points member data/0 at the local header of data.pkl.
  const shifted = Buffer.from(good);
  const cdStart = shifted.readUInt32LE(shifted.length - 22 + 16);
  let p = cdStart;
  for (let k = 0; k < 3; k++) {
    const nameLen = shifted.readUInt16LE(p + 28);
    const name = shifted.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === 'ck/data/0') shifted.writeUInt32LE(0, p + 42);
    p += 46 + nameLen + shifted.readUInt16LE(p + 30) + shifted.readUInt16LE(p + 32);
  }
  fs.writeFileSync(file, shifted);
  assert.throws(
    () => ZipReader.open(file),
    /corrupt zip archive: member ck\/data(\.pkl|\/0) .* overlaps member ck\/data(\/0|\.pkl)/,
  );

  // Two members with the same name.
  fs.writeFileSync(
    file,
    buildZip([
      { name: 'ck/data.pkl', data: torchStateDictPickle([ONE]) },
      { name: 'ck/data/0', data: f32Bytes(new Array(16).fill(1)) },
      { name: 'ck/data/0', data: f32Bytes(new Array(16).fill(2)) },
    ]),
  );
  assert.throws(() => ZipReader.open(file), /corrupt zip archive: member ck\/data\/0 appears twice/);
});

test('zip: a local header that names another member is refused', () => {
  const dir = tmpDir('zip-localname');
  const file = path.join(dir, 'ck.pt');
  const good = Buffer.from(torchZip('ck', torchStateDictPickle([ONE]), { '0': f32Bytes(new Array(16).fill(3)) }));
  const local = good.indexOf(Buffer.from('ck/data/0'));
  good.write('ck/data/1', local, 'utf8'); // the local header's copy of the name, not the directory's
  fs.writeFileSync(file, good);
  assert.throws(
    () => readTorchCheckpoint(file),
    /the local header at byte \d+ names "ck\/data\/1", not member ck\/data\/0/,
  );
});

test('safetensors: overlapping data offsets and impossible shapes are refused before reading', () => {
  const dir = tmpDir('st-overlap');
  const file = path.join(dir, 'w.safetensors');
  writeSafetensors(file, [
    ['a', { dtype: 'float32', shape: [4], data: Float32Array.from([1, 2, 3, 4]) }],
    ['b', { dtype: 'float32', shape: [4], data: Float32Array.from([5, 6, 7, 8]) }],
  ]);
  const bytes = fs.readFileSync(file);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.toString('utf8', 8, 8 + headerLen)) as Record<
    string,
    { data_offsets: number[]; shape: number[] }
  >;
  const data = bytes.subarray(8 + headerLen);
  const rewrite = (h: unknown): void => {
    const text = Buffer.from(JSON.stringify(h));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(text.length));
    fs.writeFileSync(file, Buffer.concat([len, text, data]));
  };
  rewrite({ ...header, b: { ...header.b, data_offsets: [8, 24] } });
  assert.throws(() => readSafetensors(file), /tensors "a" \(bytes 0\.\.16\) and "b" \(bytes 8\.\.24\) overlap/);
  rewrite({ ...header, b: { ...header.b, shape: [1e308, 0], data_offsets: [16, 16] } });
  assert.throws(() => readSafetensors(file), /tensor "b" has a bad shape/);
  rewrite({ ...header, b: { ...header.b, shape: [2 ** 40, 0], data_offsets: [16, 16] } });
  assert.throws(() => readSafetensors(file), /is empty but declares 1099511627776 elements/);
  assert.throws(() => readSafetensors(path.join(dir, 'missing.safetensors')), /cannot open .*missing\.safetensors/);
});

test('torch: a checkpoint that needs more than the memory budget is refused before the tensor is allocated', () => {
  const dir = tmpDir('budget');
  const file = path.join(dir, 'ck.pt');
  const spec: TensorSpec = {
    name: 'w',
    storageType: 'FloatStorage',
    key: '0',
    numel: 1024,
    shape: [1024],
    stride: [1],
  };
  fs.writeFileSync(file, torchZip('ck', torchStateDictPickle([spec]), { '0': new Uint8Array(4096) }));
  assert.throws(
    () => readTorchCheckpoint(file, { limits: { memory: 1000 } }),
    /tensor w \[1024\] needs 4 KiB, which would bring this load to 4 KiB, over the memory limit of 1000 bytes/,
  );
  assert.equal(readTorchCheckpoint(file).get('w')!.shape[0], 1024);
});
