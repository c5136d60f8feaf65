import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ZipReader } from '../../../src/engine/formats/zip';
import { FIXTURE, buildZip, tmpDir } from './builders';

const STEP = path.join(FIXTURE, 'step_150');

test('reads the central directory of the fixture torch.save archive', () => {
  const zip = ZipReader.open(STEP);
  try {
    assert.equal(zip.entries.length, 17);
    const pkl = zip.get('step_150/data.pkl');
    assert.ok(pkl);
    assert.equal(pkl.method, 0);
    const bytes = zip.read(pkl);
    assert.equal(bytes.length, 3089);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x80, 0x02]); // PROTO 2
    assert.equal(bytes[bytes.length - 1], 0x2e); // STOP
    const version = zip.get('step_150/version');
    assert.ok(version);
    assert.equal(new TextDecoder().decode(zip.read(version)).trim(), '3');
    // torch aligns member data on 64 bytes
    for (const e of zip.entries) assert.equal(zip.dataOffset(e) % 64, 0, e.name);
  } finally {
    zip.close();
  }
});

test('readInto reads a slice of a stored member at an offset', () => {
  const dir = tmpDir('zip');
  const data = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const file = path.join(dir, 'a.zip');
  fs.writeFileSync(
    file,
    buildZip(
      [
        { name: 'x/a', data },
        { name: 'x/b', data: data.subarray(0, 10) },
      ],
      { align: 64 },
    ),
  );
  const zip = ZipReader.open(file);
  try {
    const out = new Uint8Array(100);
    zip.readInto(zip.get('x/a')!, out, 500);
    assert.deepEqual(out, data.subarray(500, 600));
    assert.throws(() => zip.readInto(zip.get('x/b')!, new Uint8Array(11)), /x\/b has 10 bytes/);
  } finally {
    zip.close();
  }
});

test('deflated members are inflated and CRC-checked', () => {
  const dir = tmpDir('zip');
  const data = new TextEncoder().encode('hello hello hello hello hello hello'.repeat(20));
  const file = path.join(dir, 'd.zip');
  fs.writeFileSync(file, buildZip([{ name: 'a/data.pkl', data, deflate: true }]));
  const zip = ZipReader.open(file);
  try {
    const e = zip.get('a/data.pkl')!;
    assert.equal(e.method, 8);
    assert.ok(e.compressedSize < data.length);
    assert.deepEqual(zip.read(e), data);
    const part = new Uint8Array(5);
    zip.readInto(e, part, 6);
    assert.equal(new TextDecoder().decode(part), 'hello');
  } finally {
    zip.close();
  }
  // Flip one byte of stored data: CRC mismatch.
  const stored = buildZip([{ name: 'a/x', data }]);
  stored[40] ^= 0xff;
  fs.writeFileSync(file, stored);
  const bad = ZipReader.open(file);
  try {
    assert.throws(() => bad.read(bad.get('a/x')!), /CRC-32 mismatch in member a\/x/);
  } finally {
    bad.close();
  }
});

test('zip64 end records and extra fields are honoured', () => {
  const dir = tmpDir('zip');
  const file = path.join(dir, 'z64.zip');
  const a = Uint8Array.from([1, 2, 3, 4, 5]);
  const b = Uint8Array.from([9, 8, 7]);
  fs.writeFileSync(
    file,
    buildZip(
      [
        { name: 'r/a', data: a },
        { name: 'r/b', data: b },
      ],
      { zip64: true },
    ),
  );
  const zip = ZipReader.open(file);
  try {
    assert.deepEqual(
      zip.entries.map((e) => [e.name, e.size]),
      [
        ['r/a', 5],
        ['r/b', 3],
      ],
    );
    assert.deepEqual(zip.read(zip.get('r/b')!), b);
  } finally {
    zip.close();
  }
});

test('truncated archives give a clear error at every cut', () => {
  const dir = tmpDir('zip');
  const full = fs.readFileSync(STEP);
  const cuts = [
    0,
    1,
    3,
    21,
    100,
    3000,
    800_000,
    full.length - 300,
    full.length - 23,
    full.length - 10,
    full.length - 1,
  ];
  for (const cut of cuts) {
    const file = path.join(dir, `cut_${cut}`);
    fs.writeFileSync(file, full.subarray(0, cut));
    assert.throws(
      () => ZipReader.open(file).close(),
      (e: Error) => {
        assert.match(e.message, /truncated|not a zip archive|extends past end of file/, `cut ${cut}: ${e.message}`);
        assert.ok(e.message.includes(file), e.message);
        return true;
      },
    );
  }
});

test('a central directory pointing past the end names the member', () => {
  const dir = tmpDir('zip');
  const data = new Uint8Array(200).fill(7);
  const bytes = buildZip([{ name: 'q/big', data }]);
  // Claim the member is larger than the file (both sizes in the central directory: offset 30+200 = CD start).
  const cd = 30 + 'q/big'.length + 200;
  const v = new DataView(bytes.buffer);
  v.setUint32(cd + 20, 5000, true);
  v.setUint32(cd + 24, 5000, true);
  const file = path.join(dir, 'past.zip');
  fs.writeFileSync(file, bytes);
  assert.throws(() => ZipReader.open(file), /member q\/big extends past end of file/);
});

test('not a zip archive', () => {
  const dir = tmpDir('zip');
  const file = path.join(dir, 'text.zip');
  fs.writeFileSync(file, 'just some text that is long enough to have an end record area');
  assert.throws(() => ZipReader.open(file), /not a zip archive/);
});
