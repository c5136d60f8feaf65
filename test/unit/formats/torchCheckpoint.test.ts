import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTorchCheckpoint } from '../../../src/engine/formats/torchCheckpoint';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { canonicalizeStateDict } from '../../../src/engine/weights';
import { roundToBf16 } from '../../../src/engine/hostTensor';
import { FIXTURE, PickleAsm, buildZip, f32Bytes, tmpDir, torchStateDictPickle, torchZip } from './builders';

test('step_150 holds exactly the tensors of model.safetensors, in state_dict order', () => {
  const torch = readTorchCheckpoint(path.join(FIXTURE, 'step_150'));
  const st = readSafetensors(path.join(FIXTURE, 'model.safetensors')).tensors;
  assert.deepEqual([...torch.keys()], [...st.keys()]);
  assert.equal([...torch.keys()][0], '_orig_mod.model.inner.H_init');
  for (const [k, t] of torch) {
    const s = st.get(k)!;
    assert.equal(t.dtype, 'float32', k);
    assert.deepEqual(t.shape, s.shape, k);
    assert.deepEqual(t.data, s.data, k);
  }
});

test('official_layout_bf16_cuda.pt: bf16 H_init/L_init on cuda:0 decode to the bf16-rounded fixture values', () => {
  const raw = readTorchCheckpoint(path.join(FIXTURE, 'official_layout_bf16_cuda.pt'));
  assert.deepEqual(
    [...raw.keys()],
    [
      '_orig_mod.model.inner.H_init',
      '_orig_mod.model.inner.L_init',
      '_orig_mod.model.inner.q_head.weight',
      '_orig_mod.model.inner.q_head.bias',
    ],
  );
  assert.equal(raw.get('_orig_mod.model.inner.H_init')!.dtype, 'bfloat16');
  const { weights, sourceDtypes } = canonicalizeStateDict(raw, 'bf16');
  const ref = loadCheckpoint(path.join(FIXTURE, 'model.safetensors')).weights;
  for (const k of ['H_init', 'L_init']) {
    assert.equal(sourceDtypes.get(k), 'bfloat16');
    assert.equal(weights.get(k)!.dtype, 'float32');
    assert.deepEqual(weights.get(k)!.shape, [64]);
    assert.deepEqual(weights.get(k)!.data, roundToBf16(ref.get(k)!.data as Float32Array), k);
  }
  for (const k of ['q_head.weight', 'q_head.bias']) {
    assert.equal(sourceDtypes.get(k), 'float32');
    assert.deepEqual(weights.get(k), ref.get(k), k);
  }
  // Loading it as a whole model reports what is missing, by key.
  assert.throws(
    () => loadCheckpoint(path.join(FIXTURE, 'official_layout_bf16_cuda.pt')),
    /missing keys: embed_tokens\.embedding_weight, lm_head\.weight, puzzle_emb\.weights, L_level\.layers\.0\.mlp_t\.gate_up_proj\.weight/,
  );
});

test('storage offsets, strided views, shared storages and integer/half dtypes', () => {
  const dir = tmpDir('torch');
  const base = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const pkl = torchStateDictPickle([
    // rows 1..2 of a [4, 3] matrix (offset 3)
    { name: 'slice', storageType: 'FloatStorage', key: '0', numel: 12, shape: [2, 3], stride: [3, 1], offset: 3 },
    // the transpose of the [4, 3] matrix: shape [3, 4], stride [1, 3]
    { name: 'transposed', storageType: 'FloatStorage', key: '0', numel: 12, shape: [3, 4], stride: [1, 3] },
    { name: 'ids', storageType: 'LongStorage', key: '1', numel: 3, shape: [3], stride: [1] },
    { name: 'mask', storageType: 'BoolStorage', key: '2', numel: 2, shape: [2], stride: [1] },
    { name: 'half', storageType: 'HalfStorage', key: '3', numel: 2, shape: [2], stride: [1], location: 'cuda:1' },
    { name: 'scalar', storageType: 'DoubleStorage', key: '4', numel: 1, shape: [], stride: [] },
  ]);
  const ids = new Uint8Array(BigInt64Array.from([5n, -1n, 1n << 40n]).buffer);
  const half = new Uint8Array(Uint16Array.from([0x3c00, 0xc000]).buffer); // 1.0, -2.0
  const dbl = new Uint8Array(Float64Array.from([0.1]).buffer);
  const file = path.join(dir, 'renamed.pt');
  fs.writeFileSync(
    file,
    torchZip('some_other_name', pkl, { 0: f32Bytes(base), 1: ids, 2: Uint8Array.from([1, 0]), 3: half, 4: dbl }),
  );
  const t = readTorchCheckpoint(file);
  assert.deepEqual([...t.get('slice')!.data], [3, 4, 5, 6, 7, 8]);
  assert.deepEqual(t.get('transposed')!.shape, [3, 4]);
  assert.deepEqual([...t.get('transposed')!.data], [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
  assert.equal(t.get('ids')!.dtype, 'int64');
  assert.deepEqual([...(t.get('ids')!.data as BigInt64Array)], [5n, -1n, 1n << 40n]);
  assert.equal(t.get('mask')!.dtype, 'bool');
  assert.deepEqual([...t.get('mask')!.data], [1, 0]);
  assert.equal(t.get('half')!.dtype, 'float16');
  const { weights } = canonicalizeStateDict(new Map([['half', t.get('half')!]]), 'x');
  assert.deepEqual([...weights.get('half')!.data], [1, -2]);
  assert.deepEqual(t.get('scalar')!.shape, []);
  assert.deepEqual([...t.get('scalar')!.data], [0.1]);
});

test('storage problems name the tensor and the storage', () => {
  const dir = tmpDir('torch');
  const file = path.join(dir, 'ck');
  const pkl = torchStateDictPickle([
    { name: 'w', storageType: 'FloatStorage', key: '0', numel: 6, shape: [2, 3], stride: [3, 1] },
  ]);
  fs.writeFileSync(file, torchZip('ck', pkl, { 0: f32Bytes([1, 2, 3]) }));
  assert.throws(
    () => readTorchCheckpoint(file),
    /tensor w \[2, 3\] at offset 0 needs 6 elements of storage 0, which has 3/,
  );
  fs.writeFileSync(file, torchZip('ck', pkl, {}));
  assert.throws(
    () => readTorchCheckpoint(file),
    /tensor w refers to storage 0, but the archive has no member ck\/data\/0/,
  );
});

test('non-tensor entries, TorchScript archives, missing data.pkl and big-endian storages are explained', () => {
  const dir = tmpDir('torch');
  const file = path.join(dir, 'ck');
  const notTensor = new PickleAsm()
    .proto(2)
    .global('collections', 'OrderedDict')
    .emptyTuple()
    .reduce()
    .str('step')
    .int(5)
    .op(0x73)
    .stop()
    .toBytes();
  fs.writeFileSync(file, torchZip('ck', notTensor, {}));
  assert.throws(() => readTorchCheckpoint(file), /state dict entry "step" has type int, not a tensor/);
  fs.writeFileSync(
    file,
    buildZip([
      { name: 'ck/data.pkl', data: notTensor },
      { name: 'ck/code/__torch__.py', data: Buffer.from('x') },
    ]),
  );
  assert.throws(() => readTorchCheckpoint(file), /TorchScript archive/);
  fs.writeFileSync(file, buildZip([{ name: 'ck/other.bin', data: Buffer.from('x') }]));
  assert.throws(() => readTorchCheckpoint(file), /not a torch\.save checkpoint \(no <archive>\/data\.pkl member\)/);
  const ok = torchStateDictPickle([
    { name: 'w', storageType: 'FloatStorage', key: '0', numel: 1, shape: [1], stride: [1] },
  ]);
  fs.writeFileSync(
    file,
    buildZip([
      { name: 'ck/data.pkl', data: ok },
      { name: 'ck/byteorder', data: Buffer.from('big') },
      { name: 'ck/data/0', data: f32Bytes([1]) },
    ]),
  );
  assert.throws(() => readTorchCheckpoint(file), /big-endian byte order/);
});

test('legacy (pre-1.6) torch files are detected and declared unsupported', () => {
  const dir = tmpDir('torch');
  const file = path.join(dir, 'old.pt');
  // The first pickle of the legacy stream: PROTO 2, LONG1 magic 0x1950a86a20f9469cfc6c, STOP.
  fs.writeFileSync(
    file,
    Uint8Array.from([
      0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e, 0x80, 0x02,
    ]),
  );
  assert.throws(() => loadCheckpoint(file), /legacy \(pre-1\.6\) torch\.save format, which is not supported/);
  const tar = new Uint8Array(1024);
  tar.set(Buffer.from('ustar'), 257);
  fs.writeFileSync(file, tar);
  assert.throws(() => loadCheckpoint(file), /legacy \(pre-1\.6\)/);
});
