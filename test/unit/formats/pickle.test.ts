import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PyDict, PyGlobal, PyList, PyTuple, unpickle } from '../../../src/engine/formats/pickle';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { readTorchCheckpoint } from '../../../src/engine/formats/torchCheckpoint';
import { FIXTURE, PickleAsm, buildZip, tmpDir } from './builders';

const none = new Map<string, PyGlobal>();

test('interprets plain data opcodes', () => {
  // {'a': [1, -2, 3.5, True, None, 'é'], 'b': (300, 70000, 2**70)} with memo use, protocol 2
  const big = [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0x40]; // LONG1 2**70
  const p = new PickleAsm()
    .proto(2)
    .emptyDict()
    .binput(0)
    .mark()
    .shortStr('a')
    .op(0x5d)
    .binput(1)
    .mark()
    .int(1)
    .int(-2)
    .op(0x47)
    .op(...[0x40, 0x0c, 0, 0, 0, 0, 0, 0]) // BINFLOAT 3.5 big-endian
    .op(0x88)
    .none()
    .str('é')
    .op(0x65) // APPENDS
    .shortStr('b')
    .int(300)
    .int(70000);
  for (const b of big) p.op(b);
  p.op(0x87).setitems().stop();
  const v = unpickle(p.toBytes(), { source: 't', globals: none });
  assert.ok(v instanceof PyDict);
  const a = v.entries.get('a');
  assert.ok(a instanceof PyList);
  assert.deepEqual(a.items, [1, -2, 3.5, true, null, 'é']);
  const b = v.entries.get('b');
  assert.ok(b instanceof PyTuple);
  assert.deepEqual(b.items, [300, 70000, 2n ** 70n]);
});

test('negative LONG1 and protocol-4 framing / STACK_GLOBAL / MEMOIZE', () => {
  const p = new PickleAsm()
    .proto(4)
    .op(0x95, 10, 0, 0, 0, 0, 0, 0, 0)
    .shortStr('collections')
    .op(0x94)
    .shortStr('OrderedDict')
    .op(0x94)
    .stackGlobal()
    .op(0x94)
    .emptyTuple()
    .reduce()
    .op(0x94)
    .shortStr('k')
    .op(0x8a, 2, 0x00, 0xff) // -256
    .setitem()
    .stop();
  const globals = new Map([
    ['collections.OrderedDict', new PyGlobal('collections.OrderedDict', () => new PyDict('collections.OrderedDict'))],
  ]);
  const v = unpickle(p.toBytes(), { source: 't', globals });
  assert.ok(v instanceof PyDict);
  assert.equal(v.pyType, 'collections.OrderedDict');
  assert.equal(v.entries.get('k'), -256);
});

test('dict keys such as __proto__ stay data', () => {
  const p = new PickleAsm().proto(2).emptyDict().str('__proto__').int(5).setitem().stop();
  const v = unpickle(p.toBytes(), { source: 't', globals: none }) as PyDict;
  assert.equal(v.entries.get('__proto__'), 5);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('unknown opcodes and truncation are reported with byte offsets', () => {
  assert.throws(
    () => unpickle(Uint8Array.from([0x80, 2, 0xff]), { source: 'x.pkl', globals: none }),
    /x\.pkl: bad pickle at byte 2 \(opcode 0xff\): unknown opcode 0xff/,
  );
  assert.throws(
    () => unpickle(new PickleAsm().proto(2).str('abc').toBytes().subarray(0, 6), { source: 'x.pkl', globals: none }),
    /truncated/,
  );
  assert.throws(
    () => unpickle(new PickleAsm().proto(2).int(1).toBytes(), { source: 'x.pkl', globals: none }),
    /missing STOP/,
  );
  assert.throws(
    () => unpickle(new PickleAsm().proto(2).binget(7).stop().toBytes(), { source: 'x.pkl', globals: none }),
    /memo key 7 is not defined/,
  );
  assert.throws(
    () => unpickle(new PickleAsm().proto(2).reduce().stop().toBytes(), { source: 'x.pkl', globals: none }),
    /stack underflow/,
  );
});

// ---- hostile pickles: every way of naming a dangerous callable must be refused before anything runs ----

interface Hostile {
  label: string;
  qualified: RegExp;
  bytes: (marker: string) => Uint8Array;
}

const cmd = (marker: string): string => `touch ${marker}`;

const HOSTILE: Hostile[] = [
  {
    label: 'GLOBAL os.system',
    qualified: /os\.system/,
    bytes: (m) => new PickleAsm().proto(2).global('os', 'system').str(cmd(m)).tuple1().reduce().stop().toBytes(),
  },
  {
    label: 'GLOBAL posix.system',
    qualified: /posix\.system/,
    bytes: (m) => new PickleAsm().proto(2).global('posix', 'system').str(cmd(m)).tuple1().reduce().stop().toBytes(),
  },
  {
    label: 'GLOBAL builtins.eval',
    qualified: /builtins\.eval/,
    bytes: (m) =>
      new PickleAsm()
        .proto(2)
        .global('builtins', 'eval')
        .str(`__import__('os').system('${cmd(m)}')`)
        .tuple1()
        .reduce()
        .stop()
        .toBytes(),
  },
  {
    label: 'GLOBAL __builtin__.eval (protocol 0 spelling)',
    qualified: /builtins\.eval/,
    bytes: (m) =>
      new PickleAsm()
        .global('__builtin__', 'eval')
        .mark()
        .binString(`__import__('os').system('${cmd(m)}')`)
        .tuple()
        .reduce()
        .stop()
        .toBytes(),
  },
  {
    label: 'STACK_GLOBAL subprocess.Popen',
    qualified: /subprocess\.Popen/,
    bytes: (m) =>
      new PickleAsm()
        .proto(4)
        .shortStr('subprocess')
        .shortStr('Popen')
        .stackGlobal()
        .mark()
        .str('touch')
        .str(m)
        .op(0x6c)
        .tuple1()
        .reduce()
        .stop()
        .toBytes(),
  },
  {
    label: 'INST subprocess.Popen',
    qualified: /subprocess\.Popen/,
    bytes: (m) => {
      const a = new PickleAsm().proto(2).mark().str(cmd(m));
      a.op(0x69);
      for (const c of Buffer.from('subprocess\nPopen\n')) a.op(c);
      return a.stop().toBytes();
    },
  },
  {
    label: 'builtins.getattr hidden inside a state dict',
    qualified: /builtins\.getattr/,
    bytes: (m) =>
      new PickleAsm()
        .proto(2)
        .global('collections', 'OrderedDict')
        .emptyTuple()
        .reduce()
        .mark()
        .str('w')
        .global('builtins', 'getattr')
        .global('os', 'system')
        .str(cmd(m))
        .op(0x86)
        .reduce()
        .setitems()
        .stop()
        .toBytes(),
  },
  {
    label: 'torch global that is not a rebuild function',
    qualified: /torch\.load/,
    bytes: (m) => new PickleAsm().proto(2).global('torch', 'load').str(m).tuple1().reduce().stop().toBytes(),
  },
];

for (const h of HOSTILE) {
  test(`refuses ${h.label} as a zip checkpoint and as a raw file; nothing runs`, () => {
    const dir = tmpDir('hostile');
    const marker = path.join(dir, 'pwned');
    const pkl = h.bytes(marker);
    const zipFile = path.join(dir, 'step_1');
    fs.writeFileSync(
      zipFile,
      buildZip(
        [
          { name: 'step_1/data.pkl', data: pkl },
          { name: 'step_1/version', data: Buffer.from('3\n') },
        ],
        { align: 64 },
      ),
    );
    fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
    const rawFile = path.join(dir, 'raw.pkl');
    fs.writeFileSync(rawFile, pkl);
    for (const file of [zipFile, rawFile]) {
      assert.throws(
        () => loadCheckpoint(file),
        (e: Error) => {
          assert.match(e.message, h.qualified, e.message);
          assert.match(
            e.message,
            /refusing to load .*not a tensor-rebuilding function; checkpoint files may only contain tensors/,
          );
          return true;
        },
      );
    }
    assert.throws(() => readTorchCheckpoint(zipFile), h.qualified);
    assert.equal(fs.existsSync(marker), false, 'the hostile command must never run');
  });
}

test('the exact message for os.system names the file and the global', () => {
  const dir = tmpDir('hostile');
  const file = path.join(dir, 'step_150');
  const pkl = new PickleAsm()
    .proto(2)
    .global('os', 'system')
    .str('touch /tmp/pwned-trm-lens')
    .tuple1()
    .reduce()
    .stop()
    .toBytes();
  fs.writeFileSync(file, buildZip([{ name: 'step_150/data.pkl', data: pkl }]));
  assert.throws(() => readTorchCheckpoint(file), {
    message: `refusing to load ${file}: the pickle references os.system, which is not a tensor-rebuilding function; checkpoint files may only contain tensors`,
  });
});

test('allowlisted globals used the wrong way are rejected too', () => {
  // Calling a storage-type marker (torch.FloatStorage(...)) is not a tensor rebuild.
  const p = new PickleAsm().proto(2).global('torch', 'FloatStorage').int(10).tuple1().reduce().stop().toBytes();
  const dir = tmpDir('hostile');
  const file = path.join(dir, 'ck');
  fs.writeFileSync(file, buildZip([{ name: 'ck/data.pkl', data: p }]));
  assert.throws(() => readTorchCheckpoint(file), /torch\.FloatStorage cannot be called here/);
  // A persistent id that is not a storage tuple.
  const q = new PickleAsm().proto(2).str('nope').binpersid().stop().toBytes();
  fs.writeFileSync(file, buildZip([{ name: 'ck/data.pkl', data: q }]));
  assert.throws(() => readTorchCheckpoint(file), /unsupported persistent id/);
});

test('a raw pickle without persistent ids is not loaded either', () => {
  const dir = tmpDir('hostile');
  const file = path.join(dir, 'plain.pkl');
  fs.writeFileSync(file, new PickleAsm().proto(2).emptyDict().stop().toBytes());
  assert.throws(() => loadCheckpoint(file), /bare pickle stream, not a torch\.save zip archive/);
});
