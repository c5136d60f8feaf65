// Restricted Python unpickler (protocols 0-5 binary opcodes; what torch.save emits is protocol 2).
// Pickles are a stack program that may import and call arbitrary Python callables. This reader only
// interprets data: every GLOBAL / STACK_GLOBAL / INST is looked up in a caller-supplied allowlist the
// moment it is read, and anything not on it is refused before any further opcode runs. Allowed
// globals map to plain JS handlers that build data. Nothing here evaluates code from the file.
// Dicts are Map-backed, so keys like "__proto__" cannot reach JS prototypes.

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}
/** dict / collections.OrderedDict (insertion order = file order). `attributes` receives BUILD state. */
export class PyDict {
  readonly entries = new Map<PyKey, PyValue>();
  readonly attributes = new Map<string, PyValue>();
  constructor(readonly pyType: 'dict' | 'collections.OrderedDict' = 'dict') {}
}
/** A resolved, allowlisted global (module.name). `call` is absent for globals only used as markers (storage types). */
export class PyGlobal {
  constructor(
    readonly qualifiedName: string,
    readonly call?: (args: PyValue[]) => PyValue,
  ) {}
}
/** Base class for the JS objects that allowlisted handlers return (tensor and storage references). */
export abstract class PyOpaque {
  abstract readonly pyType: string;
}

export type PyKey = string | number | bigint | boolean | null;
export type PyValue = PyKey | Uint8Array | PyTuple | PyList | PyDict | PyGlobal | PyOpaque;

export interface UnpickleOptions {
  /** Used in error messages, e.g. the checkpoint file name. */
  source: string;
  /** Allowed globals by qualified name ("collections.OrderedDict"); everything else is refused. */
  globals: ReadonlyMap<string, PyGlobal>;
  /** Resolves BINPERSID / PERSID ids (torch storages). Absent: persistent ids are an error. */
  persistentLoad?: (pid: PyValue) => PyValue;
}

export class PickleError extends Error {}

/** Python's default limit on the digits of an int parsed from text (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;

/** Python 2 module names that pickles may use for builtins; mapped so that the refusal message reads naturally. */
const MODULE_ALIASES: Record<string, string> = { __builtin__: 'builtins', copy_reg: 'copyreg' };

export function describePy(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyList) return 'list';
  if (v instanceof PyDict) return v.pyType;
  if (v instanceof PyGlobal) return v.qualifiedName;
  return v.pyType;
}

/** Interprets a pickle byte stream and returns the value left by STOP. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): PyValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: PyValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opAt = 0;
  let op = 0;

  const fail = (msg: string): never => {
    throw new PickleError(
      `${opts.source}: bad pickle at byte ${opAt} (opcode 0x${op.toString(16).padStart(2, '0')}): ${msg}`,
    );
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) fail(`truncated: needs ${n} more bytes, ${bytes.length - pos} left`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    const s = bytes.subarray(pos, pos + n);
    pos += n;
    return s;
  };
  const u8 = (): number => {
    need(1);
    return bytes[pos++];
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) fail(`length ${v} exceeds the pickle size`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('truncated: unterminated text line');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const text = (b: Uint8Array): string => {
    try {
      return utf8.decode(b);
    } catch {
      return fail('invalid UTF-8 in string');
    }
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    return stack.splice(m as number);
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const mod = MODULE_ALIASES[module] ?? module;
    const qualified = `${mod}.${name}`;
    const g = opts.globals.get(qualified);
    if (!g) {
      throw new PickleError(
        `refusing to load ${opts.source}: the pickle references ${qualified}, which is not a tensor-rebuilding function; checkpoint files may only contain tensors`,
      );
    }
    return g;
  };
  const call = (fn: PyValue, args: PyValue[]): PyValue => {
    if (!(fn instanceof PyGlobal)) return fail(`cannot call a ${describePy(fn)}`);
    if (!fn.call) return fail(`${fn.qualifiedName} cannot be called here`);
    return fn.call(args);
  };
  const asKey = (k: PyValue): PyKey => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean')
      return k;
    return fail(`unsupported dict key of type ${describePy(k)}`);
  };
  const setItems = (d: PyValue, kv: PyValue[]): void => {
    if (!(d instanceof PyDict)) fail(`SETITEM(S) on a ${describePy(d)}`);
    if (kv.length % 2) fail('odd number of items for SETITEMS');
    for (let i = 0; i < kv.length; i += 2) (d as PyDict).entries.set(asKey(kv[i]), kv[i + 1]);
  };
  const appendItems = (l: PyValue, items: PyValue[]): void => {
    if (!(l instanceof PyList)) fail(`APPEND(S) on a ${describePy(l)}`);
    const target = (l as PyList).items;
    for (const item of items) target.push(item); // not push(...items): a long APPENDS overflows the call stack
  };
  const persistent = (pid: PyValue): PyValue => {
    if (!opts.persistentLoad) return fail('persistent ids are not allowed in this pickle');
    return opts.persistentLoad(pid);
  };
  // Linear in the length: one hex string, one BigInt parse (shifting a BigInt byte by byte is quadratic:
  // a 300 KB LONG4 took over a minute).
  const signedLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length <= 6) {
      let v = 0;
      for (let i = b.length - 1; i >= 0; i--) v = v * 256 + b[i];
      return b[b.length - 1] & 0x80 ? v - 2 ** (8 * b.length) : v;
    }
    const hex = Buffer.from(b).reverse().toString('hex');
    let v = BigInt(`0x${hex}`);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const parseIntText = (s: string): number | bigint | boolean => {
    const t = s.trim().replace(/L$/, '');
    if (t === '00') return false; // protocol 0 spells bools as I00 / I01
    if (t === '01') return true;
    if (!/^[+-]?\d+$/.test(t)) return fail(`bad integer literal ${JSON.stringify(s.slice(0, 40))}`);
    // Python's own limit for int(str) (sys.int_info.default_max_str_digits); decimal parsing is superlinear.
    if (t.length > MAX_INT_DIGITS) return fail(`integer literal of ${t.length} digits (at most ${MAX_INT_DIGITS})`);
    const b = BigInt(t);
    return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
  };

  for (;;) {
    if (pos >= bytes.length) {
      opAt = pos;
      op = 0;
      fail('truncated: missing STOP opcode');
    }
    opAt = pos;
    op = bytes[pos++];
    switch (op) {
      case 0x80: {
        const proto = u8();
        if (proto > 5) fail(`unsupported pickle protocol ${proto}`);
        break;
      } // PROTO
      case 0x95:
        u64();
        break; // FRAME: framing is only a read-ahead hint
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack`);
        return stack[0];
      }
      // --- stack and memo ---
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x30:
        pop();
        break; // POP
      case 0x31:
        popMark();
        break; // POP_MARK
      case 0x32:
        stack.push(top());
        break; // DUP
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x70:
        memo.set(Number(parseIntText(line())), top());
        break; // PUT
      case 0x68:
      case 0x6a:
      case 0x67: {
        // BINGET, LONG_BINGET, GET
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : Number(parseIntText(line()));
        if (!memo.has(idx)) fail(`memo key ${idx} is not defined`);
        stack.push(memo.get(idx) as PyValue);
        break;
      }
      // --- constants ---
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(i32());
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(signedLE(take(u8())));
        break; // LONG1
      case 0x8b: {
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(signedLE(take(n)));
        break;
      } // LONG4
      case 0x49:
        stack.push(parseIntText(line()));
        break; // INT
      case 0x4c:
        stack.push(parseIntText(line()));
        break; // LONG
      case 0x47: {
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      } // BINFLOAT (big-endian)
      case 0x46: {
        const s = line().trim();
        const f = Number(s);
        if (Number.isNaN(f) && s !== 'nan') fail(`bad float ${s}`);
        stack.push(f);
        break;
      } // FLOAT
      case 0x58:
        stack.push(text(take(u32())));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text(take(u8())));
        break; // SHORT_BINUNICODE
      case 0x8d:
        stack.push(text(take(u64())));
        break; // BINUNICODE8
      case 0x54: {
        const n = i32();
        if (n < 0) fail('negative BINSTRING length');
        stack.push(text(take(n)));
        break;
      } // BINSTRING (py2 str, read as UTF-8 like torch.load)
      case 0x55:
        stack.push(text(take(u8())));
        break; // SHORT_BINSTRING
      case 0x42:
        stack.push(new Uint8Array(take(u32())));
        break; // BINBYTES
      case 0x43:
        stack.push(new Uint8Array(take(u8())));
        break; // SHORT_BINBYTES
      case 0x8e:
        stack.push(new Uint8Array(take(u64())));
        break; // BINBYTES8
      case 0x96:
        stack.push(new Uint8Array(take(u64())));
        break; // BYTEARRAY8 (as bytes)
      // --- containers ---
      case 0x7d:
        stack.push(new PyDict());
        break; // EMPTY_DICT
      case 0x64: {
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      } // DICT
      case 0x5d:
        stack.push(new PyList());
        break; // EMPTY_LIST
      case 0x6c:
        stack.push(new PyList(popMark()));
        break; // LIST
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(new PyTuple(popMark()));
        break; // TUPLE
      case 0x85: {
        const a = pop();
        stack.push(new PyTuple([a]));
        break;
      } // TUPLE1
      case 0x86: {
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b]));
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(new PyTuple([a, b, c]));
        break;
      } // TUPLE3
      case 0x73: {
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      } // SETITEM
      case 0x75: {
        const kv = popMark();
        setItems(top(), kv);
        break;
      } // SETITEMS
      case 0x61: {
        const v = pop();
        appendItems(top(), [v]);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        appendItems(top(), items);
        break;
      } // APPENDS
      case 0x8f:
        stack.push(new PyList());
        break; // EMPTY_SET (a set of tensors is never needed; kept as a list)
      case 0x90: {
        const items = popMark();
        appendItems(top(), items);
        break;
      } // ADDITEMS
      case 0x91:
        stack.push(new PyTuple(popMark()));
        break; // FROZENSET
      // --- globals and calls: the only places code could be reached, all behind the allowlist ---
      case 0x63: {
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x69: {
        const fn = resolveGlobal(line(), line());
        stack.push(call(fn, popMark()));
        break;
      } // INST
      case 0x6f: {
        const items = popMark();
        if (!items.length) fail('OBJ without a class');
        stack.push(call(items[0], items.slice(1)));
        break;
      } // OBJ
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        if (!(args instanceof PyTuple)) fail(`REDUCE arguments must be a tuple, got ${describePy(args)}`);
        stack.push(call(fn, (args as PyTuple).items));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args); only allowlisted classes
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple)) fail('NEWOBJ arguments must be a tuple');
        stack.push(call(cls, (args as PyTuple).items));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(args instanceof PyTuple) || !(kwargs instanceof PyDict)) fail('NEWOBJ_EX needs a tuple and a dict');
        if ((kwargs as PyDict).entries.size) fail('keyword arguments are not supported');
        stack.push(call(cls, (args as PyTuple).items));
        break;
      }
      case 0x62: {
        // BUILD: obj.__setstate__(state) / obj.__dict__.update(state); only plain data is accepted
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict && state instanceof PyDict) {
          for (const [k, v] of state.entries) {
            if (typeof k !== 'string') fail('BUILD state with a non-string attribute name');
            obj.attributes.set(k as string, v);
          }
        } else if (!(state === null || (state instanceof PyDict && state.entries.size === 0))) {
          fail(`BUILD of a ${describePy(obj)} with a ${describePy(state)} state is not supported`);
        }
        break;
      }
      case 0x51:
        stack.push(persistent(pop()));
        break; // BINPERSID
      case 0x50:
        stack.push(persistent(line()));
        break; // PERSID
      case 0x97:
        fail('out-of-band buffers (NEXT_BUFFER) are not supported');
        break;
      case 0x98:
        break; // READONLY_BUFFER
      case 0x82:
      case 0x83:
      case 0x84:
        fail('extension-registry opcodes (EXT1/2/4) are not supported');
        break;
      default:
        fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}
