// Built-dataset layout of the official TRM/HRM builders (dataset/common.py `PuzzleDatasetMetadata`, puzzle_dataset.py): a root with
// identifiers.json (+ test_puzzles.json for ARC) and split folders holding dataset.json and
// `<set>__{inputs,labels,puzzle_identifiers,puzzle_indices,group_indices}.npy`. The reader accepts
// every integer dtype the builders emit and validates the whole structure; the writer emits exactly
// the official layout (npy 1.0, int32 index arrays, uint8 tokens when they fit), atomically, plus a
// `.trm-lens-dataset` marker in the root: `overwrite` replaces only a folder carrying that marker and
// nothing but dataset files, never a folder TRM Lens did not write.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpy, parseNpy } from '../formats/npy';
import { HostDType, HostTensor } from '../hostTensor';
import { PyFloat, PyJsonValue, pyJsonStringify } from './pyJson';
import { jsonErrorMessage } from './textLines';

export class DatasetFormatError extends Error {}

/** dataset.json (PuzzleDatasetMetadata). `total_puzzles` is absent in HRM-built datasets. */
export interface DatasetMetadata {
  pad_id: number;
  ignore_label_id: number | null;
  blank_identifier_id: number;
  vocab_size: number;
  seq_len: number;
  num_puzzle_identifiers: number;
  total_groups: number;
  mean_puzzle_examples: number;
  total_puzzles?: number;
  sets: string[];
}

export type TokenDType = 'uint8' | 'int32' | 'int64';

/** One set (`all` in every official build) of a split; token arrays are row-major [E, S]. */
export interface BuiltSet {
  name: string;
  numExamples: number;
  seqLen: number;
  inputs: Int32Array;
  labels: Int32Array;
  puzzleIdentifiers: Int32Array;
  puzzleIndices: Int32Array;
  groupIndices: Int32Array;
  /** dtypes found on disk (informational; the writer picks its own unless told to keep these). */
  fileDtypes?: { inputs: HostDType; labels: HostDType };
}

export interface BuiltSplit {
  meta: DatasetMetadata;
  sets: BuiltSet[];
}

export interface BuiltDataset {
  /** Index = puzzle identifier; "<blank>" at 0. Absent when the root has no identifiers.json. */
  identifiers?: string[];
  /** ARC only: original test-set tasks with their solutions (raw JSON value). */
  testPuzzles?: unknown;
  splits: Partial<Record<'train' | 'test', BuiltSplit>> & Record<string, BuiltSplit>;
}

const ARRAY_NAMES = ['inputs', 'labels', 'puzzle_identifiers', 'puzzle_indices', 'group_indices'] as const;
type ArrayName = (typeof ARRAY_NAMES)[number];
const INT_KEYS = [
  'pad_id',
  'blank_identifier_id',
  'vocab_size',
  'seq_len',
  'num_puzzle_identifiers',
  'total_groups',
] as const;

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads a dataset root (with train/ and/or test/) or a single split folder (holding dataset.json). */
export function readBuiltDataset(dir: string): BuiltDataset {
  if (!isDir(dir)) throw new DatasetFormatError(`${dir}: not a directory`);
  if (fs.existsSync(path.join(dir, 'dataset.json'))) {
    return { splits: { [path.basename(path.resolve(dir))]: readBuiltSplit(dir) } };
  }
  const splitNames = fs
    .readdirSync(dir)
    .filter((n) => isDir(path.join(dir, n)) && fs.existsSync(path.join(dir, n, 'dataset.json')))
    .sort();
  if (!splitNames.length) {
    throw new DatasetFormatError(
      `${dir}: not a built dataset: no dataset.json in it nor in any sub-folder (expected train/dataset.json and/or test/dataset.json)`,
    );
  }
  const ds: BuiltDataset = { splits: {} };
  for (const name of splitNames) ds.splits[name] = readBuiltSplit(path.join(dir, name));
  const idFile = path.join(dir, 'identifiers.json');
  if (fs.existsSync(idFile)) {
    const ids = readJson(idFile);
    if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string'))
      throw new DatasetFormatError(`${idFile}: expected a JSON list of strings`);
    ds.identifiers = ids as string[];
    for (const [name, split] of Object.entries(ds.splits)) {
      if (split.meta.num_puzzle_identifiers !== ids.length) {
        throw new DatasetFormatError(
          `${idFile}: has ${ids.length} names but ${name}/dataset.json says num_puzzle_identifiers = ${split.meta.num_puzzle_identifiers}`,
        );
      }
    }
  }
  const tp = path.join(dir, 'test_puzzles.json');
  if (fs.existsSync(tp)) ds.testPuzzles = readJson(tp);
  return ds;
}

export function readBuiltSplit(dir: string): BuiltSplit {
  const metaFile = path.join(dir, 'dataset.json');
  if (!fs.existsSync(metaFile)) throw new DatasetFormatError(`${dir}: no dataset.json (not a built split folder)`);
  const meta = parseMetadata(readJson(metaFile), metaFile);
  const sets = meta.sets.map((s) => readSet(dir, s, meta));
  return { meta, sets };
}

function parseMetadata(raw: unknown, file: string): DatasetMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new DatasetFormatError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  for (const k of INT_KEYS) {
    if (!Number.isInteger(o[k]))
      throw new DatasetFormatError(`${file}: key "${k}" must be an integer (got ${JSON.stringify(o[k])})`);
  }
  if (o.ignore_label_id !== null && !Number.isInteger(o.ignore_label_id))
    throw new DatasetFormatError(
      `${file}: key "ignore_label_id" must be an integer or null (got ${JSON.stringify(o.ignore_label_id)})`,
    );
  if (typeof o.mean_puzzle_examples !== 'number')
    throw new DatasetFormatError(
      `${file}: key "mean_puzzle_examples" must be a number (got ${JSON.stringify(o.mean_puzzle_examples)})`,
    );
  if (o.total_puzzles !== undefined && !Number.isInteger(o.total_puzzles))
    throw new DatasetFormatError(
      `${file}: key "total_puzzles" must be an integer (got ${JSON.stringify(o.total_puzzles)})`,
    );
  if (
    !Array.isArray(o.sets) ||
    !o.sets.length ||
    o.sets.some((s) => typeof s !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(s))
  ) {
    throw new DatasetFormatError(
      `${file}: key "sets" must be a non-empty list of set names like ["all"] (got ${JSON.stringify(o.sets)})`,
    );
  }
  const meta: DatasetMetadata = {
    pad_id: o.pad_id as number,
    ignore_label_id: o.ignore_label_id as number | null,
    blank_identifier_id: o.blank_identifier_id as number,
    vocab_size: o.vocab_size as number,
    seq_len: o.seq_len as number,
    num_puzzle_identifiers: o.num_puzzle_identifiers as number,
    total_groups: o.total_groups as number,
    mean_puzzle_examples: o.mean_puzzle_examples,
    sets: o.sets as string[],
  };
  if (o.total_puzzles !== undefined) meta.total_puzzles = o.total_puzzles as number;
  if (meta.vocab_size < 1) throw new DatasetFormatError(`${file}: vocab_size must be >= 1 (got ${meta.vocab_size})`);
  if (meta.seq_len < 1) throw new DatasetFormatError(`${file}: seq_len must be >= 1 (got ${meta.seq_len})`);
  if (meta.num_puzzle_identifiers < 1)
    throw new DatasetFormatError(`${file}: num_puzzle_identifiers must be >= 1 (got ${meta.num_puzzle_identifiers})`);
  return meta;
}

function readSet(dir: string, name: string, meta: DatasetMetadata): BuiltSet {
  const split = path.basename(path.resolve(dir));
  const rel = (a: ArrayName): string => `${split}/${name}__${a}.npy`;
  const load = (a: ArrayName): HostTensor => {
    const file = path.join(dir, `${name}__${a}.npy`);
    let bytes: Uint8Array;
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      throw new DatasetFormatError(
        `${rel(a)}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    try {
      return parseNpy(bytes, rel(a));
    } catch (e) {
      throw new DatasetFormatError((e as Error).message);
    }
  };
  const t: Record<ArrayName, HostTensor> = {} as Record<ArrayName, HostTensor>;
  for (const a of ARRAY_NAMES) t[a] = load(a);
  const fail = (a: ArrayName, msg: string): never => {
    throw new DatasetFormatError(`${rel(a)}: ${msg}`);
  };

  // Shapes
  const inp = t.inputs;
  if (inp.shape.length !== 2) fail('inputs', `expected shape [examples, seq_len], got [${inp.shape.join(', ')}]`);
  const [E, S] = inp.shape;
  if (S !== meta.seq_len) fail('inputs', `rows have ${S} tokens but dataset.json says seq_len = ${meta.seq_len}`);
  if (t.labels.shape.length !== 2 || t.labels.shape[0] !== E || t.labels.shape[1] !== S) {
    fail('labels', `shape [${t.labels.shape.join(', ')}] differs from inputs [${E}, ${S}]`);
  }
  for (const a of ['puzzle_identifiers', 'puzzle_indices', 'group_indices'] as const) {
    if (t[a].shape.length !== 1) fail(a, `expected a 1-D array, got shape [${t[a].shape.join(', ')}]`);
  }
  const Pz = t.puzzle_identifiers.shape[0];
  if (t.puzzle_indices.shape[0] !== Pz + 1)
    fail(
      'puzzle_indices',
      `has ${t.puzzle_indices.shape[0]} entries; expected puzzles + 1 = ${Pz + 1} (puzzle_identifiers has ${Pz})`,
    );
  const G = t.group_indices.shape[0] - 1;
  if (G < 0) fail('group_indices', 'is empty; expected groups + 1 entries starting with 0');
  if (G !== meta.total_groups)
    fail('group_indices', `describes ${G} groups but dataset.json says total_groups = ${meta.total_groups}`);
  // The Sudoku/Maze builders write total_puzzles = number of original puzzles (= groups), ARC the real count.
  if (meta.total_puzzles !== undefined && meta.total_puzzles !== Pz && meta.total_puzzles !== G) {
    fail(
      'puzzle_identifiers',
      `has ${Pz} puzzles (${G} groups) but dataset.json says total_puzzles = ${meta.total_puzzles}`,
    );
  }

  const ints: Record<ArrayName, Int32Array> = {} as Record<ArrayName, Int32Array>;
  for (const a of ARRAY_NAMES) ints[a] = toInt32Checked(t[a], rel(a), a === 'inputs' || a === 'labels' ? S : 0);

  // Token ranges
  checkRange(ints.inputs, 0, meta.vocab_size - 1, rel('inputs'), S, 'token id', `vocab_size = ${meta.vocab_size}`);
  // -100 is accepted too: some pipelines store the loss's ignore index directly.
  checkRange(
    ints.labels,
    0,
    meta.vocab_size - 1,
    rel('labels'),
    S,
    'token id',
    `vocab_size = ${meta.vocab_size}`,
    -100,
  );
  checkRange(
    ints.puzzle_identifiers,
    0,
    meta.num_puzzle_identifiers - 1,
    rel('puzzle_identifiers'),
    0,
    'identifier',
    `num_puzzle_identifiers = ${meta.num_puzzle_identifiers}`,
  );
  // Index arrays: start at 0, non-decreasing, end at the size of what they index.
  checkIndexArray(ints.puzzle_indices, E, rel('puzzle_indices'), 'examples');
  checkIndexArray(ints.group_indices, Pz, rel('group_indices'), 'puzzles');

  return {
    name,
    numExamples: E,
    seqLen: S,
    inputs: ints.inputs,
    labels: ints.labels,
    puzzleIdentifiers: ints.puzzle_identifiers,
    puzzleIndices: ints.puzzle_indices,
    groupIndices: ints.group_indices,
    fileDtypes: { inputs: inp.dtype, labels: t.labels.dtype },
  };
}

function toInt32Checked(t: HostTensor, file: string, rowLen: number): Int32Array {
  const d = t.data;
  const at = (i: number): string =>
    rowLen > 0 ? `row ${Math.floor(i / rowLen)}, position ${i % rowLen}` : `element ${i}`;
  if (d instanceof Int32Array) return d;
  if (d instanceof BigInt64Array) {
    // Little-endian words: an int64 fits int32 when its high word is the sign extension of the low one.
    const w = new Int32Array(d.buffer, d.byteOffset, d.length * 2);
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      const lo = w[2 * i];
      if (w[2 * i + 1] !== lo >> 31)
        throw new DatasetFormatError(`${file}: ${at(i)}: value ${d[i]} is outside the int32 range`);
      out[i] = lo;
    }
    return out;
  }
  if (
    d instanceof Uint8Array ||
    d instanceof Int8Array ||
    d instanceof Int16Array ||
    (d instanceof Uint16Array && t.dtype === 'uint16')
  ) {
    if (t.dtype === 'bool') throw new DatasetFormatError(`${file}: dtype bool is not an integer array`);
    return Int32Array.from(d);
  }
  if (d instanceof Uint32Array) {
    const out = new Int32Array(d.length);
    for (let i = 0; i < d.length; i++) {
      if (d[i] > 2147483647)
        throw new DatasetFormatError(`${file}: ${at(i)}: value ${d[i]} is outside the int32 range`);
      out[i] = d[i];
    }
    return out;
  }
  throw new DatasetFormatError(`${file}: dtype ${t.dtype} is not an integer type (expected uint8, int32 or int64)`);
}

function checkRange(
  a: Int32Array,
  lo: number,
  hi: number,
  file: string,
  rowLen: number,
  what: string,
  limit: string,
  extra?: number,
): void {
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if ((v < lo || v > hi) && v !== extra) {
      const where = rowLen > 0 ? `row ${Math.floor(i / rowLen)}, position ${i % rowLen}` : `index ${i}`;
      throw new DatasetFormatError(`${file}: ${where}: ${what} ${v} is outside 0..${hi} (${limit})`);
    }
  }
}

function checkIndexArray(a: Int32Array, end: number, file: string, what: string): void {
  if (a[0] !== 0) throw new DatasetFormatError(`${file}: index 0 is ${a[0]}; it must be 0`);
  for (let i = 1; i < a.length; i++) {
    if (a[i] < a[i - 1])
      throw new DatasetFormatError(
        `${file}: index ${i} is ${a[i]}, smaller than index ${i - 1} (${a[i - 1]}); the array must be non-decreasing`,
      );
    if (a[i] > end) throw new DatasetFormatError(`${file}: index ${i} is ${a[i]}, past the end (${end} ${what})`);
  }
  if (a[a.length - 1] !== end)
    throw new DatasetFormatError(
      `${file}: last entry (index ${a.length - 1}) is ${a[a.length - 1]}; it must equal the number of ${what} (${end})`,
    );
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new DatasetFormatError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DatasetFormatError(`${file}: invalid JSON: ${jsonErrorMessage(text, e as Error)}`);
  }
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Building in memory

/** Assembles a set from per-puzzle example lists grouped as the builders do (rows packed as they come). */
export class SetBuilder {
  private inBuf: Int32Array = new Int32Array(0);
  private outBuf: Int32Array = new Int32Array(0);
  private rows = 0;
  private ids: number[] = [];
  private pIdx: number[] = [0];
  private gIdx: number[] = [0];

  constructor(readonly seqLen: number) {}

  private reserve(rows: number): void {
    const need = rows * this.seqLen;
    if (need <= this.inBuf.length) return;
    const size = Math.max(need, this.inBuf.length * 2, 64 * this.seqLen);
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(size);
      b.set(a.subarray(0, this.rows * this.seqLen));
      return b;
    };
    this.inBuf = grow(this.inBuf);
    this.outBuf = grow(this.outBuf);
  }

  addPuzzle(identifier: number, examples: Array<{ input: Int32Array; label: Int32Array }>): void {
    for (const ex of examples) {
      if (ex.input.length !== this.seqLen || ex.label.length !== this.seqLen) {
        throw new Error(`example has ${ex.input.length}/${ex.label.length} tokens; seq_len is ${this.seqLen}`);
      }
    }
    this.reserve(this.rows + examples.length);
    for (const ex of examples) {
      this.inBuf.set(ex.input, this.rows * this.seqLen);
      this.outBuf.set(ex.label, this.rows * this.seqLen);
      this.rows++;
    }
    this.pIdx.push(this.rows);
    this.ids.push(identifier);
  }

  endGroup(): void {
    this.gIdx.push(this.ids.length);
  }

  get numPuzzles(): number {
    return this.ids.length;
  }
  get numGroups(): number {
    return this.gIdx.length - 1;
  }
  get numExamples(): number {
    return this.rows;
  }

  build(name = 'all'): BuiltSet {
    if (this.gIdx[this.gIdx.length - 1] !== this.ids.length)
      throw new Error('SetBuilder: the last puzzles are not closed by endGroup()');
    const n = this.rows * this.seqLen;
    return {
      name,
      numExamples: this.rows,
      seqLen: this.seqLen,
      inputs: this.inBuf.length === n ? this.inBuf : this.inBuf.slice(0, n),
      labels: this.outBuf.length === n ? this.outBuf : this.outBuf.slice(0, n),
      puzzleIdentifiers: Int32Array.from(this.ids),
      puzzleIndices: Int32Array.from(this.pIdx),
      groupIndices: Int32Array.from(this.gIdx),
    };
  }
}

/** Metadata for one set as the builders compute it. `totalPuzzles` lets callers reproduce quirks. */
export function metadataFor(
  set: BuiltSet,
  o: { vocabSize: number; numPuzzleIdentifiers: number; totalPuzzles?: number; meanPuzzleExamples?: number },
): DatasetMetadata {
  const Pz = set.puzzleIdentifiers.length;
  return {
    pad_id: 0,
    ignore_label_id: 0,
    blank_identifier_id: 0,
    vocab_size: o.vocabSize,
    seq_len: set.seqLen,
    num_puzzle_identifiers: o.numPuzzleIdentifiers,
    total_groups: set.groupIndices.length - 1,
    mean_puzzle_examples: o.meanPuzzleExamples ?? (Pz ? set.numExamples / Pz : 0),
    total_puzzles: o.totalPuzzles ?? Pz,
    sets: [set.name],
  };
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Marker file in the root of every dataset TRM Lens writes. */
export const DATASET_MARKER = '.trm-lens-dataset';
const DATASET_MARKER_TEXT = '{"format": "trm-lens-dataset/1"}\n';

/**
 * Why `dir` may not be replaced by a dataset write (undefined when it may): it must be empty or a
 * dataset TRM Lens wrote (its marker) holding nothing but dataset files, so that no file of the
 * user's is ever deleted by `--overwrite`.
 */
export function whyNotReplaceable(dir: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(dir);
  } catch {
    return undefined; // nothing there
  }
  if (!st.isDirectory()) return 'it is not a folder';
  const names = fs.readdirSync(dir);
  if (names.length === 0) return undefined;
  if (!names.includes(DATASET_MARKER)) return `it was not written by TRM Lens (no ${DATASET_MARKER} marker)`;
  const foreign: string[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    const s2 = fs.lstatSync(p);
    if (s2.isFile() && [DATASET_MARKER, 'identifiers.json', 'test_puzzles.json'].includes(n)) continue;
    if (s2.isDirectory() && fs.existsSync(path.join(p, 'dataset.json'))) {
      for (const f of fs.readdirSync(p)) {
        const fs2 = fs.lstatSync(path.join(p, f));
        if (
          !fs2.isFile() ||
          !(
            f === 'dataset.json' ||
            /^[A-Za-z0-9_.-]+__(inputs|labels|puzzle_identifiers|puzzle_indices|group_indices)\.npy$/.test(f)
          )
        )
          foreign.push(`${n}/${f}`);
      }
      continue;
    }
    foreign.push(n);
  }
  return foreign.length
    ? `it holds files that are not part of the dataset (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''})`
    : undefined;
}

export interface WriteOptions {
  /** Replace an existing output folder (default: refuse). */
  overwrite?: boolean;
  /** Token dtype: 'auto' (default) = uint8 when every id fits, else int32; 'keep' = fileDtypes from reading. */
  tokenDtype?: 'auto' | 'keep' | TokenDType;
}

/** Writes the dataset into `outDir` via a temporary sibling folder renamed into place at the end. */
export function writeBuiltDataset(outDir: string, ds: BuiltDataset, opts: WriteOptions = {}): void {
  const target = path.resolve(outDir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  if (fs.existsSync(target)) {
    const nonEmpty = !isDir(target) || fs.readdirSync(target).length > 0;
    if (nonEmpty && !opts.overwrite)
      throw new Error(`${outDir} already exists and is not empty; choose another --out or pass --overwrite`);
    const why = whyNotReplaceable(target);
    if (why) throw new Error(`${outDir} cannot be overwritten: ${why}; it is left alone (choose another --out)`);
  }
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.tmp-`));
  try {
    for (const [name, split] of Object.entries(ds.splits)) {
      const sdir = path.join(tmp, name);
      fs.mkdirSync(sdir);
      writeSplitFiles(sdir, split, opts);
    }
    if (ds.identifiers) fs.writeFileSync(path.join(tmp, 'identifiers.json'), pyJsonStringify(ds.identifiers));
    if (ds.testPuzzles !== undefined)
      fs.writeFileSync(path.join(tmp, 'test_puzzles.json'), pyJsonStringify(ds.testPuzzles as PyJsonValue));
    fs.writeFileSync(path.join(tmp, DATASET_MARKER), DATASET_MARKER_TEXT);
    if (fs.existsSync(target)) {
      // Move the old folder aside first so a failure never leaves a half-replaced dataset.
      const old = `${tmp}.old`;
      fs.renameSync(target, old);
      fs.renameSync(tmp, target);
      fs.rmSync(old, { recursive: true, force: true });
    } else {
      fs.renameSync(tmp, target);
    }
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

function writeSplitFiles(dir: string, split: BuiltSplit, opts: WriteOptions): void {
  if (split.sets.length !== split.meta.sets.length || split.sets.some((s, i) => s.name !== split.meta.sets[i])) {
    throw new Error(
      `split metadata lists sets ${JSON.stringify(split.meta.sets)} but the data has ${JSON.stringify(split.sets.map((s) => s.name))}`,
    );
  }
  for (const set of split.sets) {
    const tokDtype = (which: 'inputs' | 'labels', a: Int32Array): TokenDType => {
      const mode = opts.tokenDtype ?? 'auto';
      if (mode === 'keep') {
        const d = set.fileDtypes?.[which];
        if (d === 'uint8' || d === 'int32' || d === 'int64') return d;
        return autoDtype(a);
      }
      return mode === 'auto' ? autoDtype(a) : mode;
    };
    const E = set.numExamples;
    const S = set.seqLen;
    const arrays: Array<[ArrayName, HostTensor]> = [
      ['inputs', tokenTensor(set.inputs, [E, S], tokDtype('inputs', set.inputs))],
      ['labels', tokenTensor(set.labels, [E, S], tokDtype('labels', set.labels))],
      ['puzzle_identifiers', { dtype: 'int32', shape: [set.puzzleIdentifiers.length], data: set.puzzleIdentifiers }],
      ['puzzle_indices', { dtype: 'int32', shape: [set.puzzleIndices.length], data: set.puzzleIndices }],
      ['group_indices', { dtype: 'int32', shape: [set.groupIndices.length], data: set.groupIndices }],
    ];
    for (const [a, t] of arrays) fs.writeFileSync(path.join(dir, `${set.name}__${a}.npy`), encodeNpy(t));
  }
  fs.writeFileSync(path.join(dir, 'dataset.json'), metadataJson(split.meta));
}

/** dataset.json text in the official key order and Python formatting. */
export function metadataJson(m: DatasetMetadata): string {
  const o: Record<string, PyJsonValue> = {
    pad_id: m.pad_id,
    ignore_label_id: m.ignore_label_id,
    blank_identifier_id: m.blank_identifier_id,
    vocab_size: m.vocab_size,
    seq_len: m.seq_len,
    num_puzzle_identifiers: m.num_puzzle_identifiers,
    total_groups: m.total_groups,
    mean_puzzle_examples: new PyFloat(m.mean_puzzle_examples),
  };
  if (m.total_puzzles !== undefined) o.total_puzzles = m.total_puzzles;
  o.sets = m.sets;
  return pyJsonStringify(o);
}

function autoDtype(a: Int32Array): TokenDType {
  for (let i = 0; i < a.length; i++) if (a[i] < 0 || a[i] > 255) return 'int32';
  return 'uint8';
}

function tokenTensor(a: Int32Array, shape: number[], dtype: TokenDType): HostTensor {
  if (dtype === 'int32') return { dtype, shape, data: a };
  if (dtype === 'int64') {
    const w = new Int32Array(a.length * 2);
    for (let i = 0; i < a.length; i++) {
      w[2 * i] = a[i];
      w[2 * i + 1] = a[i] >> 31;
    }
    return { dtype, shape, data: new BigInt64Array(w.buffer) };
  }
  for (let i = 0; i < a.length; i++)
    if (a[i] < 0 || a[i] > 255) throw new Error(`token ${a[i]} at flat index ${i} does not fit uint8`);
  return { dtype, shape, data: Uint8Array.from(a) };
}
