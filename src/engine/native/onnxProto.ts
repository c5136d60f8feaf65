// A minimal writer for ONNX models (onnx/onnx.proto: ModelProto, GraphProto, NodeProto, TensorProto,
// ValueInfoProto, AttributeProto) in the protobuf wire format, so the native path can hand ONNX
// Runtime a graph generated in TypeScript without a protobuf dependency. Only what TRM's graphs use:
// float / int32 / int64 initializers (raw_data), float / int / ints / string attributes, float32
// inputs and outputs with fixed or symbolic dimensions. Messages are kept as chunk lists, so a
// weight's bytes are copied once, when the model is flattened.

/** TensorProto.DataType values. */
export const ONNX_FLOAT = 1;
export const ONNX_INT32 = 6;
export const ONNX_INT64 = 7;
export const ONNX_BFLOAT16 = 16;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** A protobuf message under construction: a list of byte chunks and their total length. */
class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  private tag(field: number, wire: number): void {
    this.push(encodeVarint(BigInt(field * 8 + wire)));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    // Negative int64 values are their 64-bit two's complement (10 bytes), as protobuf specifies.
    this.push(encodeVarint(BigInt.asUintN(64, BigInt(value))));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.push(encodeVarint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, m: Message): this {
    this.tag(field, WIRE_LEN);
    this.push(encodeVarint(BigInt(m.length)));
    for (const c of m.chunks) this.push(c);
    return this;
  }

  flatten(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function encodeVarint(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x > 0n) byte |= 0x80;
    out.push(byte);
  } while (x > 0n);
  return Uint8Array.from(out);
}

export type AttributeValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'string'; value: string };

/** Shorthands for node attributes. */
export const attr = {
  float: (value: number): AttributeValue => ({ kind: 'float', value }),
  int: (value: number): AttributeValue => ({ kind: 'int', value }),
  ints: (value: readonly number[]): AttributeValue => ({ kind: 'ints', value }),
  string: (value: string): AttributeValue => ({ kind: 'string', value }),
};

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;

function attributeMessage(name: string, a: AttributeValue): Message {
  const m = new Message().string(1, name);
  switch (a.kind) {
    case 'float':
      return m.float(2, a.value).int(20, ATTR_FLOAT);
    case 'int':
      return m.int(3, a.value).int(20, ATTR_INT);
    case 'string':
      return m.string(4, a.value).int(20, ATTR_STRING);
    case 'ints':
      for (const v of a.value) m.int(8, v);
      return m.int(20, ATTR_INTS);
  }
}

/** A dimension: a fixed size or a symbolic name (e.g. the batch). */
export type Dim = number | string;

function valueInfo(name: string, elemType: number, dims: readonly Dim[]): Message {
  const shape = new Message();
  for (const d of dims) {
    const dim = new Message();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new Message().int(1, elemType).message(2, shape);
  const type = new Message().message(1, tensorType);
  return new Message().string(1, name).message(2, type);
}

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Record<string, AttributeValue>;
  /** Operator domain: '' = the ONNX standard set, 'com.microsoft' = ONNX Runtime's contrib ops. */
  domain?: string;
}

/** Collects a graph's nodes, initializers, inputs and outputs; serialises to ModelProto bytes. */
export class OnnxGraph {
  private readonly nodes: Message[] = [];
  private readonly initializers: Message[] = [];
  private readonly inputs: Message[] = [];
  private readonly outputs: Message[] = [];
  private readonly names = new Set<string>();
  private readonly reserved = new Set<string>();
  private counter = 0;
  nodeCount = 0;

  constructor(readonly name: string) {}

  /** A fresh value name with a readable prefix (reserved until a node, input or initializer defines it). */
  fresh(prefix: string): string {
    let n: string;
    do n = `${prefix}_${this.counter++}`;
    while (this.names.has(n) || this.reserved.has(n));
    this.reserved.add(n);
    return n;
  }

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`ONNX graph ${this.name}: value ${name} defined twice`);
    this.reserved.delete(name);
    this.names.add(name);
    return name;
  }

  input(name: string, dims: readonly Dim[], elemType = ONNX_FLOAT): string {
    this.inputs.push(valueInfo(this.claim(name), elemType, dims));
    return name;
  }

  output(name: string, dims: readonly Dim[], elemType = ONNX_FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** A constant tensor (weights, shapes, scalars). Float data is stored as float32, integers as int64/int32. */
  initializer(name: string, dims: readonly number[], data: Float32Array | BigInt64Array | Int32Array): string {
    const elemType = data instanceof Float32Array ? ONNX_FLOAT : data instanceof Int32Array ? ONNX_INT32 : ONNX_INT64;
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length)
      throw new Error(`ONNX initializer ${name}: ${data.length} values for shape [${dims.join(', ')}]`);
    const t = new Message();
    for (const d of dims) t.int(1, d);
    t.int(2, elemType).string(8, this.claim(name));
    // raw_data is little-endian; typed arrays are in the platform's order (little-endian on every target).
    t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** Adds a node; returns its outputs (fresh names when `outputs` is a count). */
  node(
    op: string,
    inputs: readonly string[],
    outputs: number | readonly string[] = 1,
    attributes: Record<string, AttributeValue> = {},
    domain = '',
  ): string[] {
    const outs =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.claim(this.fresh(op.toLowerCase())))
        : outputs.map((o) => this.claim(o));
    const m = new Message();
    for (const i of inputs) m.string(1, i);
    for (const o of outs) m.string(2, o);
    m.string(3, `n${this.nodeCount++}_${op}`).string(4, op);
    for (const [k, v] of Object.entries(attributes)) m.message(5, attributeMessage(k, v));
    if (domain) m.string(7, domain);
    this.nodes.push(m);
    return outs;
  }

  /** ModelProto bytes: IR version 8, the given operator sets. */
  serialize(opsets: Record<string, number>): Uint8Array {
    const graph = new Message();
    for (const n of this.nodes) graph.message(1, n);
    graph.string(2, this.name);
    for (const t of this.initializers) graph.message(5, t);
    for (const i of this.inputs) graph.message(11, i);
    for (const o of this.outputs) graph.message(12, o);
    const model = new Message().int(1, 8).string(2, 'trm-lens').string(3, '1');
    for (const [domain, version] of Object.entries(opsets)) {
      model.message(8, new Message().string(1, domain).int(2, version));
    }
    model.message(7, graph);
    return model.flatten();
  }
}
