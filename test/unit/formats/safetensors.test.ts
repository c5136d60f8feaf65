import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { HostTensor } from '../../../src/engine/hostTensor';
import { FIXTURE, tmpDir } from './builders';

const ST = path.join(FIXTURE, 'model.safetensors');

test('write/read round trip keeps order, dtypes (bf16 included), shapes, values and metadata', () => {
  const dir = tmpDir('st');
  const file = path.join(dir, 'x.safetensors');
  const tensors: [string, HostTensor][] = [
    ['z_last_alphabetically', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0, 1e-30, -0]) }],
    ['bf16', { dtype: 'bfloat16', shape: [3], data: Uint16Array.from([0x3f80, 0xc000, 0x7fc0]) }],
    ['f16', { dtype: 'float16', shape: [1], data: Uint16Array.from([0x3c00]) }],
    ['ids', { dtype: 'int64', shape: [2], data: BigInt64Array.from([-1n, 1n << 50n]) }],
    ['mask', { dtype: 'bool', shape: [2, 1], data: Uint8Array.from([1, 0]) }],
    ['scalar', { dtype: 'float64', shape: [], data: Float64Array.from([Math.PI]) }],
    ['empty', { dtype: 'int32', shape: [0, 4], data: new Int32Array(0) }],
    ['__proto__', { dtype: 'uint8', shape: [1], data: Uint8Array.from([9]) }],
  ];
  writeSafetensors(file, tensors, { trm_config: '{"a":1}', note: 'hi' });
  assert.deepEqual(fs.readdirSync(dir), ['x.safetensors']); // temp file renamed away
  // the header is 8-byte aligned so that data can be viewed in place by other readers
  const headerLen = Number(fs.readFileSync(file).readBigUInt64LE(0));
  assert.equal((8 + headerLen) % 8, 0);
  const back = readSafetensors(file);
  assert.deepEqual(back.metadata, { trm_config: '{"a":1}', note: 'hi' });
  assert.deepEqual(
    [...back.tensors.keys()],
    tensors.map(([k]) => k),
  );
  for (const [k, t] of tensors) assert.deepEqual(back.tensors.get(k), t, k);
});

test('writer rejects data that does not match its shape and reserved names', () => {
  const dir = tmpDir('st');
  const file = path.join(dir, 'x.safetensors');
  assert.throws(
    () => writeSafetensors(file, [['a', { dtype: 'float32', shape: [3], data: new Float32Array(2) }]]),
    /shape \[3\] needs 3 values, data has 2/,
  );
  assert.throws(
    () => writeSafetensors(file, [['__metadata__', { dtype: 'float32', shape: [1], data: new Float32Array(1) }]]),
    /reserved/,
  );
  assert.equal(fs.existsSync(file), false);
});

function withHeader(header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = Buffer.from(header, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return new Uint8Array(Buffer.concat([len, h, data]));
}

test('corrupt headers give specific errors', () => {
  const dir = tmpDir('st');
  const file = path.join(dir, 'bad.safetensors');
  const cases: [Uint8Array, RegExp][] = [
    [withHeader('{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]'), /header is not valid JSON/],
    [withHeader('[1, 2]'), /header is not a JSON object/],
    [
      withHeader('{"a": {"dtype": "Q8", "shape": [2], "data_offsets": [0, 8]}}', new Uint8Array(8)),
      /tensor "a" has unsupported dtype "Q8"/,
    ],
    [
      withHeader('{"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}', new Uint8Array(8)),
      /tensor "a" has a bad shape/,
    ],
    [
      withHeader('{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', new Uint8Array(8)),
      /tensor "a" \[3\] F32 needs 12 bytes but data_offsets span 8/,
    ],
    [withHeader('{"a": {"dtype": "F32", "shape": [2]}}', new Uint8Array(8)), /tensor "a" has bad data_offsets/],
    [withHeader('{"__metadata__": {"n": 1}}'), /__metadata__ must map strings to strings/],
    [Uint8Array.from([1, 2, 3]), /file is only 3 bytes/],
  ];
  for (const [bytes, re] of cases) {
    fs.writeFileSync(file, bytes);
    assert.throws(
      () => readSafetensors(file),
      (e: Error) => {
        assert.match(e.message, re);
        assert.ok(e.message.startsWith(file));
        return true;
      },
    );
  }
});

test('truncated files are reported as truncated at every cut', () => {
  const dir = tmpDir('st');
  const full = fs.readFileSync(ST);
  const headerEnd = 8 + Number(full.readBigUInt64LE(0));
  for (const cut of [9, 100, headerEnd - 1, headerEnd + 10, full.length - 1]) {
    const file = path.join(dir, `cut_${cut}.safetensors`);
    fs.writeFileSync(file, full.subarray(0, cut));
    assert.throws(() => readSafetensors(file), /truncated/, `cut ${cut}`);
  }
});

test('the fixture file reads with the documented keys and shapes', () => {
  const { tensors } = readSafetensors(ST);
  assert.equal(tensors.size, 15);
  assert.deepEqual(tensors.get('_orig_mod.model.inner.L_level.layers.1.mlp_t.gate_up_proj.weight')!.shape, [1024, 97]);
  assert.equal(tensors.get('_orig_mod.model.inner.H_init')!.dtype, 'float32');
});
