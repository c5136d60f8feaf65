import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../../../src/engine/formats/npy';
import { HostTensor } from '../../../src/engine/hostTensor';
import { FIXTURE, tmpDir } from './builders';

test('reads the fixture arrays: int32, float64, bool', () => {
  const inputs = readNpy(path.join(FIXTURE, 'inputs.npy'));
  assert.equal(inputs.dtype, 'int32');
  assert.deepEqual(inputs.shape, [4, 81]);
  assert.deepEqual([...inputs.data.subarray(0, 6)], [5, 1, 1, 1, 4, 1]);
  assert.equal(
    (inputs.data as Int32Array).reduce((a, b) => a + b, 0),
    684,
  );
  const loss = readNpy(path.join(FIXTURE, 'lm_loss_per_example_steps.npy'));
  assert.equal(loss.dtype, 'float64');
  assert.deepEqual(loss.shape, [16, 4]);
  assert.ok(Math.abs((loss.data as Float64Array)[0] - 2.47676389) < 1e-8);
  const halted = readNpy(path.join(FIXTURE, 'halted_steps.npy'));
  assert.equal(halted.dtype, 'bool');
  assert.deepEqual(halted.shape, [16, 4]);
  // eval mode: halted only after the last step
  assert.deepEqual(
    [...halted.data].map((v, i) => (v ? i : -1)).filter((i) => i >= 0),
    [60, 61, 62, 63],
  );
  const idx = readNpy(path.join(FIXTURE, 'trace_batch_indices.npy'));
  assert.deepEqual(idx.shape, [1]);
  assert.deepEqual([...idx.data], [0]);
});

test('encode/parse round trip for every supported dtype, scalars and empty arrays', () => {
  const cases: HostTensor[] = [
    { dtype: 'float32', shape: [2, 2], data: Float32Array.from([1.5, -2, 0, 3]) },
    { dtype: 'float64', shape: [], data: Float64Array.from([Math.E]) },
    { dtype: 'int32', shape: [3], data: Int32Array.from([-1, 0, 2147483647]) },
    { dtype: 'int64', shape: [1, 2], data: BigInt64Array.from([-5n, 1n << 60n]) },
    { dtype: 'uint8', shape: [2], data: Uint8Array.from([0, 255]) },
    { dtype: 'int8', shape: [2], data: Int8Array.from([-128, 127]) },
    { dtype: 'int16', shape: [1], data: Int16Array.from([-300]) },
    { dtype: 'uint16', shape: [1], data: Uint16Array.from([65535]) },
    { dtype: 'uint32', shape: [1], data: Uint32Array.from([4294967295]) },
    { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) },
    { dtype: 'float16', shape: [1], data: Uint16Array.from([0x3c00]) },
    { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) },
  ];
  for (const t of cases) {
    const bytes = encodeNpy(t);
    const headerLen = new DataView(bytes.buffer).getUint16(8, true);
    assert.equal((10 + headerLen) % 64, 0, `${t.dtype}: header padded to 64 bytes like NumPy`);
    assert.deepEqual(parseNpy(bytes, t.dtype), t, t.dtype);
  }
  const dir = tmpDir('npy');
  const file = path.join(dir, 'a.npy');
  writeNpy(file, cases[0]);
  assert.deepEqual(readNpy(file), cases[0]);
  assert.throws(
    () => encodeNpy({ dtype: 'bfloat16', shape: [1], data: new Uint16Array(1) }),
    /cannot write dtype bfloat16/,
  );
});

test('bad and truncated .npy files name the file and the problem', () => {
  const good = fs.readFileSync(path.join(FIXTURE, 'inputs.npy'));
  assert.throws(() => parseNpy(good.subarray(0, 5), 'f.npy'), /f\.npy: not a valid \.npy file: only 5 bytes/);
  assert.throws(() => parseNpy(good.subarray(0, 60), 'f.npy'), /header runs past the end/);
  assert.throws(
    () => parseNpy(good.subarray(0, good.length - 4), 'f.npy'),
    /data truncated: shape \(4, 81\) needs 1296 bytes, file has 1292/,
  );
  const bad = Uint8Array.from(good);
  bad[0] = 0;
  assert.throws(() => parseNpy(bad, 'f.npy'), /missing \\x93NUMPY magic/);
  const fortran = Buffer.from(
    good.toString('latin1').replace("'fortran_order': False", "'fortran_order': True "),
    'latin1',
  );
  assert.throws(() => parseNpy(fortran, 'f.npy'), /Fortran-order arrays are not supported/);
  const bigEndian = Buffer.from(good.toString('latin1').replace("'<i4'", "'>i4'"), 'latin1');
  assert.throws(() => parseNpy(bigEndian, 'f.npy'), /unsupported dtype >i4/);
  assert.throws(() => readNpy(path.join(FIXTURE, 'does-not-exist.npy')), /cannot read .*does-not-exist\.npy/);
});
