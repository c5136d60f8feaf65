// Reader for torch.save checkpoints (the zip format of torch >= 1.6, which pretrain.py writes as
// step_<N>). data.pkl is interpreted by the restricted unpickler with an allowlist of exactly the
// tensor-rebuilding globals a state dict needs; each tensor's bytes are then read from its storage
// member (<archive>/data/<key>) straight into its own typed array. The storage location tag
// (cuda:0 for GPU-trained files) is irrelevant on the host and ignored.

import * as fs from 'node:fs';
import { HostData, HostDType, HostTensor, shapeToString } from '../hostTensor';
import { Limits, MemoryBudget, checkedNumel, formatBytes, getLimits, limitsOf, raiseHint } from '../limits';
import { PyDict, PyGlobal, PyList, PyOpaque, PyTuple, PyValue, describePy, unpickle } from './pickle';
import { ZipEntry, ZipReader, looksLikeZip } from './zip';

interface StorageDType {
  dtype: HostDType;
  itemSize: number;
}

/** torch.<X>Storage globals (and UntypedStorage, which newer torch can reference) and the element types they denote. */
const STORAGE_TYPES: Record<string, StorageDType> = {
  'torch.FloatStorage': { dtype: 'float32', itemSize: 4 },
  'torch.DoubleStorage': { dtype: 'float64', itemSize: 8 },
  'torch.HalfStorage': { dtype: 'float16', itemSize: 2 },
  'torch.BFloat16Storage': { dtype: 'bfloat16', itemSize: 2 },
  'torch.LongStorage': { dtype: 'int64', itemSize: 8 },
  'torch.IntStorage': { dtype: 'int32', itemSize: 4 },
  'torch.ShortStorage': { dtype: 'int16', itemSize: 2 },
  'torch.CharStorage': { dtype: 'int8', itemSize: 1 },
  'torch.ByteStorage': { dtype: 'uint8', itemSize: 1 },
  'torch.BoolStorage': { dtype: 'bool', itemSize: 1 },
  'torch.UntypedStorage': { dtype: 'uint8', itemSize: 1 },
};

/** First bytes of the legacy (torch < 1.6) format: a pickled LONG1 magic number 0x1950a86a20f9469cfc6c. */
const LEGACY_MAGIC = [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

class StorageRef extends PyOpaque {
  readonly pyType = 'torch storage';
  constructor(
    readonly key: string,
    readonly type: StorageDType,
    readonly typeName: string,
    readonly numel: number,
    readonly location: string,
  ) {
    super();
  }
}

class TensorRef extends PyOpaque {
  readonly pyType = 'torch.Tensor';
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

function isInt(v: PyValue): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

function intTuple(v: PyValue, what: string, source: string): number[] {
  if (!(v instanceof PyTuple) && !(v instanceof PyList))
    throw new Error(`${source}: ${what} must be a tuple of ints, got ${describePy(v)}`);
  const items = v.items;
  if (!items.every((d) => isInt(d) && d >= 0))
    throw new Error(`${source}: ${what} must be a tuple of non-negative ints`);
  return items as number[];
}

/** The allowlist: everything a torch.save'd state dict needs, nothing that can do anything else. */
function torchGlobals(source: string): Map<string, PyGlobal> {
  const globals = new Map<string, PyGlobal>();
  const add = (name: string, call?: (args: PyValue[]) => PyValue): void => {
    globals.set(name, new PyGlobal(name, call));
  };
  const rebuildTensor =
    (fn: string) =>
    (args: PyValue[]): PyValue => {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef))
        throw new Error(`${source}: ${fn} expects a storage, got ${describePy(storage)}`);
      if (!isInt(offset) || offset < 0) throw new Error(`${source}: ${fn}: bad storage offset ${describePy(offset)}`);
      return new TensorRef(
        storage,
        offset,
        intTuple(size, `${fn} size`, source),
        intTuple(stride, `${fn} stride`, source),
      );
    };
  add('collections.OrderedDict', (args) => {
    const d = new PyDict('collections.OrderedDict');
    const init = args[0];
    if (init instanceof PyList || init instanceof PyTuple) {
      for (const pair of init.items) {
        if (!(pair instanceof PyTuple) || pair.items.length !== 2 || typeof pair.items[0] !== 'string')
          throw new Error(`${source}: OrderedDict initialiser must hold (str, value) pairs`);
        d.entries.set(pair.items[0], pair.items[1]);
      }
    } else if (init !== undefined && !(init instanceof PyDict && init.entries.size === 0)) {
      throw new Error(`${source}: unsupported OrderedDict initialiser ${describePy(init)}`);
    }
    return d;
  });
  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  add('torch._utils._rebuild_tensor_v2', rebuildTensor('_rebuild_tensor_v2'));
  // _rebuild_tensor(storage, storage_offset, size, stride): the pre-1.0 spelling.
  add('torch._utils._rebuild_tensor', rebuildTensor('_rebuild_tensor'));
  // nn.Parameter wrappers around a tensor (when a module's parameters rather than its state_dict were saved).
  const unwrap = (args: PyValue[]): PyValue => {
    if (!(args[0] instanceof TensorRef))
      throw new Error(`${source}: _rebuild_parameter expects a tensor, got ${describePy(args[0])}`);
    return args[0];
  };
  add('torch._utils._rebuild_parameter', unwrap);
  add('torch._utils._rebuild_parameter_with_state', unwrap);
  for (const name of Object.keys(STORAGE_TYPES)) add(name); // markers only: not callable
  return globals;
}

function persistentLoader(source: string): (pid: PyValue) => PyValue {
  const storages = new Map<string, StorageRef>();
  return (pid) => {
    // ('storage', storage_type, key, location, numel)
    const items = pid instanceof PyTuple ? pid.items : [];
    const [tag, type, key, location, count] = items;
    if (items.length < 5 || tag !== 'storage')
      throw new Error(
        `${source}: unsupported persistent id (${describePy(pid)}); expected ('storage', type, key, location, numel)`,
      );
    if (!(type instanceof PyGlobal) || !STORAGE_TYPES[type.qualifiedName])
      throw new Error(`${source}: persistent id names an unknown storage type ${describePy(type)}`);
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key))
      throw new Error(`${source}: bad storage key ${JSON.stringify(key)}`);
    if (typeof location !== 'string') throw new Error(`${source}: bad storage location for storage ${key}`);
    if (!isInt(count) || count < 0) throw new Error(`${source}: bad element count for storage ${key}`);
    const seen = storages.get(key);
    if (seen) {
      if (seen.typeName !== type.qualifiedName)
        throw new Error(`${source}: storage ${key} is referenced as both ${seen.typeName} and ${type.qualifiedName}`);
      return seen;
    }
    const ref = new StorageRef(key, STORAGE_TYPES[type.qualifiedName], type.qualifiedName, count, location);
    storages.set(key, ref);
    return ref;
  };
}

function allocate(dtype: HostDType, n: number): HostData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'float16':
    case 'bfloat16':
    case 'uint16':
      return new Uint16Array(n);
    case 'uint32':
      return new Uint32Array(n);
  }
}

function contiguousStrides(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function isContiguous(shape: number[], stride: number[]): boolean {
  const expected = contiguousStrides(shape);
  return shape.every((d, i) => d <= 1 || stride[i] === expected[i]);
}

function bytesOf(data: HostData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A view that repeats storage elements (stride 0, overlapping strides) is materialised only up to this size. */
const MAX_EXPANDED_VIEW_BYTES = 1024 * 1024;

function readTensor(
  zip: ZipReader,
  entry: ZipEntry,
  name: string,
  t: TensorRef,
  source: string,
  budget: MemoryBudget,
): HostTensor {
  const { dtype, itemSize } = t.storage.type;
  if (t.stride.length !== t.shape.length)
    throw new Error(`${source}: tensor ${name} has shape ${shapeToString(t.shape)} but ${t.stride.length} strides`);
  const n = checkedNumel(t.shape, `${source}: tensor ${name}`);
  if (n === 0) return { dtype, shape: t.shape, data: allocate(dtype, 0) };
  // Highest element index the view touches (torch strides are non-negative), checked against the
  // storage before anything is allocated.
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
  const available = Math.min(t.storage.numel, Math.floor(entry.size / itemSize));
  if (!Number.isSafeInteger(last) || last >= available) {
    throw new Error(
      `${source}: tensor ${name} ${shapeToString(t.shape)} at offset ${t.offset} needs ${last + 1} elements of storage ${t.storage.key}, which has ${available} (strides ${t.stride.join(', ')})`,
    );
  }
  const spanElems = last - t.offset + 1;
  const bytes = n * itemSize;
  if (n > spanElems && bytes > MAX_EXPANDED_VIEW_BYTES) {
    throw new Error(
      `${source}: tensor ${name} ${shapeToString(t.shape)} with strides (${t.stride.join(', ')}) repeats ${spanElems} stored elements to make ${n} (a stride-0 or overlapping view); materialising it would take ${formatBytes(bytes)}: save the tensor with .contiguous() or .clone()`,
    );
  }
  budget.take(bytes, `tensor ${name} ${shapeToString(t.shape)}`);
  const data = allocate(dtype, n);
  if (isContiguous(t.shape, t.stride)) {
    zip.readInto(entry, bytesOf(data), t.offset * itemSize, budget); // one copy: file -> this tensor's own array
    return { dtype, shape: t.shape, data };
  }
  // Strided view (never produced by state_dict, but cheap to honour): read the span, then gather.
  budget.take(spanElems * itemSize, `the span of tensor ${name}`);
  const span = allocate(dtype, spanElems);
  zip.readInto(entry, bytesOf(span), t.offset * itemSize, budget);
  const from = span as unknown as (number | bigint)[];
  const to = data as unknown as (number | bigint)[];
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = 0;
    for (let i = 0; i < idx.length; i++) src += idx[i] * t.stride[i];
    to[k] = from[src];
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < t.shape[i]) break;
      idx[i] = 0;
    }
  }
  budget.release(spanElems * itemSize);
  return { dtype, shape: t.shape, data };
}

export interface TorchReadOptions {
  /** Limits over the process-wide ones (memory budget, pickle size). */
  limits?: Partial<Limits>;
  /** Shared with the caller's other allocations for this load. */
  budget?: MemoryBudget;
}

/** Reads the state dict of a torch.save zip checkpoint, in file order. */
export function readTorchCheckpoint(file: string, opts: TorchReadOptions = {}): Map<string, HostTensor> {
  const limits = limitsOf(opts.limits);
  const budget = opts.budget ?? new MemoryBudget(limits.memory, file);
  const zip = ZipReader.open(file);
  try {
    const pkls = zip.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
    if (pkls.length === 0) {
      throw new Error(`${file}: zip archive is not a torch.save checkpoint (no <archive>/data.pkl member)`);
    }
    if (pkls.length > 1)
      throw new Error(`${file}: zip archive has several data.pkl members (${pkls.map((e) => e.name).join(', ')})`);
    const prefix = pkls[0].name.slice(0, -'data.pkl'.length);
    if (zip.get(`${prefix}constants.pkl`) || zip.entries.some((e) => e.name.startsWith(`${prefix}code/`))) {
      throw new Error(
        `${file}: this is a TorchScript archive (torch.jit.save), not a torch.save state dict; save model.state_dict() with torch.save instead`,
      );
    }
    const byteorder = zip.get(`${prefix}byteorder`);
    if (byteorder) {
      const order = new TextDecoder().decode(zip.read(byteorder, 64)).trim();
      if (order !== 'little')
        throw new Error(
          `${file}: storages are stored in ${order}-endian byte order; only little-endian checkpoints are supported`,
        );
    }
    if (pkls[0].size > limits.header)
      throw new Error(
        `${file}: data.pkl is ${formatBytes(pkls[0].size)}, more than the limit of ${formatBytes(limits.header)} (${raiseHint('header')})`,
      );
    const root = unpickle(zip.read(pkls[0], limits.header), {
      source: file,
      globals: torchGlobals(file),
      persistentLoad: persistentLoader(file),
    });
    if (!(root instanceof PyDict)) {
      throw new Error(`${file}: the checkpoint holds a ${describePy(root)}, not a state dict (a dict of tensors)`);
    }
    const refs: { key: string; ref: TensorRef; entry: ZipEntry }[] = [];
    for (const [key, value] of root.entries) {
      if (typeof key !== 'string') throw new Error(`${file}: state dict key ${String(key)} is not a string`);
      if (!(value instanceof TensorRef)) {
        throw new Error(
          `${file}: state dict entry "${key}" has type ${describePy(value)}, not a tensor (is this a training checkpoint with optimizer state? save model.state_dict())`,
        );
      }
      const member = `${prefix}data/${value.storage.key}`;
      const entry = zip.get(member);
      if (!entry)
        throw new Error(
          `${file}: tensor ${key} refers to storage ${value.storage.key}, but the archive has no member ${member}`,
        );
      refs.push({ key, ref: value, entry });
    }
    // Views of one storage are read together, so a deflated storage is inflated once however many
    // tensors share it; the result keeps the file's order.
    const order = refs
      .map((_, i) => i)
      .sort((a, b) => refs[a].entry.localHeaderOffset - refs[b].entry.localHeaderOffset || a - b);
    const read = new Array<HostTensor>(refs.length);
    for (const i of order) read[i] = readTensor(zip, refs[i].entry, refs[i].key, refs[i].ref, file, budget);
    return new Map(refs.map((r, i) => [r.key, read[i]]));
  } finally {
    zip.close();
  }
}

export type TorchFileKind = 'zip' | 'legacy' | 'pickle' | 'other';

/** Classifies the first bytes of a file: torch zip, legacy torch (< 1.6) stream, bare pickle, or something else. */
export function classifyTorchHead(head: Uint8Array): TorchFileKind {
  if (looksLikeZip(head)) return 'zip';
  if (head.length > 2 && head[0] === 0x80) {
    const at = head.indexOf(LEGACY_MAGIC[0]);
    if (at >= 0 && at < 16 && LEGACY_MAGIC.every((b, i) => head[at + i] === b)) return 'legacy';
    return 'pickle';
  }
  if (head.length >= 262 && new TextDecoder('latin1').decode(head.subarray(257, 262)) === 'ustar') return 'legacy';
  // Protocol 0/1 pickles have no PROTO opcode and may start straight with GLOBAL ("c<module>\n<name>\n").
  if (/^c[\w.]+\n[\w.]+\n/.test(new TextDecoder('latin1').decode(head.subarray(0, 128)))) return 'pickle';
  return 'other';
}

/**
 * Rejects a file that is a pickle but not a torch zip archive. The bytes are first interpreted by
 * the restricted unpickler, so a hostile pickle is reported by the global it references.
 */
export function rejectBarePickle(file: string): never {
  // Only a pickle that fits the header limit is interpreted (to name a hostile global); a larger one is
  // refused by its shape alone.
  if (fs.statSync(file).size <= getLimits().header) {
    const bytes = fs.readFileSync(file);
    unpickle(bytes, { source: file, globals: torchGlobals(file), persistentLoad: persistentLoader(file) });
  }
  throw new Error(
    `${file}: is a bare pickle stream, not a torch.save zip archive; save the state dict with torch.save (torch >= 1.6) or as safetensors`,
  );
}

export const LEGACY_TORCH_MESSAGE =
  'uses the legacy (pre-1.6) torch.save format, which is not supported: re-save it with a recent torch ' +
  '(torch.save(torch.load(f), f_new)) or convert it to safetensors';
