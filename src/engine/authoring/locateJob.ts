// Locating a large dataset file off the extension host: the work DatasetDocuments does on every
// edit (parse, locate every grid cell, the sibling solutions file, encode every input and hash its
// content key), run in the locate worker (dist/locateWorker.js), with a result the host takes in
// without copying a million small objects: grid symbols and cell spans travel packed in transferable
// typed arrays, and the host rebuilds each grid's `cells` / `spans` only when a view reads them.
// Pure (no VS Code, no worker API): the worker and the tests call `runLocateJob` directly.

import { type IdentifierChoice, type IdentifierMode, chooseIdentifier } from './identifiers';
import {
  type DatasetDocument,
  type DatasetKind,
  type LocatedGrid,
  type LocatedPuzzle,
  type SolutionGrids,
  type TextSpan,
  locateDataset,
} from './locate';
import { contentKey, encodeGrid } from './puzzleSpec';

/** What the requests depend on (the host's ModelContext without its people-facing parts). */
export interface LocateModel {
  key: string;
  identifierMode: IdentifierMode;
  identifierNames?: readonly string[];
  numPuzzleIdentifiers: number;
}

export interface LocateJob {
  text: string;
  fileName: string;
  /** The model requests are computed for; none = locate only. */
  model?: LocateModel;
  /** The sibling solutions file of a challenges file and its text (from an open editor or the disk). */
  solutions?: { file: string; text: string };
}

interface GridRef {
  height: number;
  width: number;
  value: TextSpan;
  /** Index of the first cell in the packed arrays. */
  at: number;
}
type PuzzleHead = Omit<LocatedPuzzle, 'input' | 'label'> & { input?: GridRef; label?: GridRef };

/** The packed result: small headers plus typed arrays (transferred, not copied). */
export interface PackedLocate {
  status: 'ok' | 'invalid-json' | 'not-a-dataset';
  message?: string;
  offset?: number;
  kind?: DatasetKind;
  head?: TextSpan;
  puzzles?: PuzzleHead[];
  /** Solutions file grids (arc-solutions documents), by task. */
  solutions?: [string, (GridRef | null)[]][];
  /** One symbol per cell (char codes). */
  cells?: Uint8Array;
  /** Cell spans: offset, length, offset, length... */
  spans?: Int32Array;
  /** The sibling solutions file, located the same way (packed into the same arrays). */
  sibling?: { file: string; text: string; grids: [string, (GridRef | null)[]][] };
  /** Per puzzle: content key and identifier, or null (no valid input). */
  requests?: ({ key: string; puzzleIdentifier: number } | null)[];
  /** Per task: the embedding row chosen and any warning. */
  identifiers?: [string, IdentifierChoice][];
  /** Encoded inputs, back to back; `inputAt[i]` / `inputLength[i]` locate puzzle i's. */
  inputs?: Int32Array;
  inputAt?: Int32Array;
  inputLength?: Int32Array;
  /**
   * On the wire, the object-heavy fields above (puzzles, solutions, sibling grids, requests,
   * identifiers) travel as one JSON text: the host's JSON.parse of it is several times faster than
   * structured-clone deserialisation of the same ~50,000 small objects, which would stall the host.
   */
  json?: string;
  /** On the wire: the puzzle headers' numbers (see packHeads). */
  heads?: Int32Array;
}

interface WireHeavy {
  /** Per puzzle: id, task name, problem, label problem. */
  strings: [string, string | null, string | null, string | null][];
  /** Content keys joined (empty: no request). */
  keys?: string;
  solutions?: [string, (GridRef | null)[]][];
  siblingGrids?: [string, (GridRef | null)[]][];
  identifiers?: [string, IdentifierChoice][];
}

const KEY_SEPARATOR = ',';
/** Int32 fields per puzzle in `heads`. */
const H = 19;
const KINDS: LocatedPuzzle['kind'][] = ['arc', 'sudoku', 'maze'];

/** The numbers of every puzzle header (spans, grid shapes, identifiers) in one Int32Array. */
function packHeads(ps: PuzzleHead[], rq: PackedLocate['requests']): Int32Array {
  const a = new Int32Array(ps.length * H);
  ps.forEach((p, i) => {
    const o = i * H;
    a[o] = p.index;
    a[o + 1] = p.pairIndex;
    a[o + 2] = p.span.offset;
    a[o + 3] = p.span.length;
    a[o + 4] = KINDS.indexOf(p.kind);
    a[o + 5] = p.split === undefined ? -1 : p.split === 'train' ? 0 : 1;
    for (const [g, at] of [
      [p.input, o + 6],
      [p.label, o + 12],
    ] as const) {
      a[at] = g ? 1 : 0;
      if (g) {
        a[at + 1] = g.height;
        a[at + 2] = g.width;
        a[at + 3] = g.value.offset;
        a[at + 4] = g.value.length;
        a[at + 5] = g.at;
      }
    }
    a[o + 18] = rq?.[i]?.puzzleIdentifier ?? -1;
  });
  return a;
}

class Packer {
  private cells: number[] = [];
  private spans: number[] = [];
  grid(g: LocatedGrid): GridRef {
    const at = this.cells.length;
    for (let i = 0; i < g.cells.length; i++) {
      this.cells.push(g.cells[i].charCodeAt(0));
      this.spans.push(g.spans[i].offset, g.spans[i].length);
    }
    return { height: g.height, width: g.width, value: g.value, at };
  }
  solutions(s: SolutionGrids): [string, (GridRef | null)[]][] {
    return [...s.entries()].map(([task, grids]) => [task, grids.map((g) => (g ? this.grid(g) : null))]);
  }
  done(): { cells: Uint8Array; spans: Int32Array } {
    return { cells: Uint8Array.from(this.cells), spans: Int32Array.from(this.spans) };
  }
}

/** Locates, reads the sibling solutions and computes the requests; the arrays to transfer come back too. */
export function runLocateJob(job: LocateJob): { result: PackedLocate; transfer: ArrayBuffer[] } {
  const r = locateDataset(job.text, job.fileName);
  if (r.status === 'invalid-json')
    return { result: { status: 'invalid-json', message: r.message, offset: r.offset }, transfer: [] };
  if (r.status === 'not-a-dataset') return { result: { status: 'not-a-dataset' }, transfer: [] };
  const doc = r.doc;
  const packer = new Packer();
  const puzzles: PuzzleHead[] = doc.puzzles.map((p) => {
    const { input, label, ...rest } = p;
    return { ...rest, input: input && packer.grid(input), label: label && packer.grid(label) };
  });
  const solutions = doc.solutions ? packer.solutions(doc.solutions) : undefined;
  let sibling: PackedLocate['sibling'];
  if (job.solutions && doc.kind === 'arc-challenges') {
    const s = locateDataset(job.solutions.text, job.solutions.file);
    if (s.status === 'ok' && s.doc.kind === 'arc-solutions' && s.doc.solutions)
      sibling = { file: job.solutions.file, text: job.solutions.text, grids: packer.solutions(s.doc.solutions) };
  }
  const result: PackedLocate = { status: 'ok', kind: doc.kind, head: doc.head, puzzles, solutions, sibling };
  const transfer: ArrayBuffer[] = [];
  if (job.model) {
    const m = job.model;
    const ids = new Map<string, IdentifierChoice>();
    const encoded: (Int32Array | null)[] = [];
    result.requests = doc.puzzles.map((p) => {
      let id = 0;
      if (p.kind === 'arc' && p.taskName !== undefined) {
        let c = ids.get(p.taskName);
        if (!c) {
          c = chooseIdentifier(m.identifierMode, p.taskName, m.identifierNames, m.numPuzzleIdentifiers);
          ids.set(p.taskName, c);
        }
        id = c.id;
      }
      if (!p.input || p.problem) {
        encoded.push(null);
        return null;
      }
      const inputs = encodeGrid(p.kind, p.input);
      encoded.push(inputs);
      return { key: contentKey(inputs, id, m.key), puzzleIdentifier: id };
    });
    result.identifiers = [...ids.entries()];
    const total = encoded.reduce((n, e) => n + (e?.length ?? 0), 0);
    const inputs = new Int32Array(total);
    const inputAt = new Int32Array(encoded.length);
    const inputLength = new Int32Array(encoded.length);
    let at = 0;
    encoded.forEach((e, i) => {
      inputAt[i] = at;
      inputLength[i] = e?.length ?? 0;
      if (e) inputs.set(e, at);
      at += e?.length ?? 0;
    });
    Object.assign(result, { inputs, inputAt, inputLength });
    transfer.push(inputs.buffer as ArrayBuffer, inputAt.buffer as ArrayBuffer, inputLength.buffer as ArrayBuffer);
  }
  const { cells, spans } = packer.done();
  result.cells = cells;
  result.spans = spans;
  transfer.push(cells.buffer as ArrayBuffer, spans.buffer as ArrayBuffer);
  const { puzzles: ps, solutions: sol, sibling: sib, requests: rq, identifiers: ids, ...light } = result;
  const heads = packHeads(ps ?? [], rq);
  transfer.push(heads.buffer as ArrayBuffer);
  const heavy: WireHeavy = {
    strings: (ps ?? []).map((p) => [p.id, p.taskName ?? null, p.problem ?? null, p.labelProblem ?? null]),
    keys: rq?.map((q) => q?.key ?? '').join(KEY_SEPARATOR),
    solutions: sol,
    siblingGrids: sib?.grids,
    identifiers: ids,
  };
  const wire: PackedLocate = {
    ...light,
    heads,
    sibling: sib && { file: sib.file, text: sib.text, grids: [] },
    json: JSON.stringify(heavy),
  };
  return { result: wire, transfer };
}

/** A grid whose `cells` and `spans` are rebuilt from the packed arrays the first time they are read. */
class PackedGrid implements LocatedGrid {
  private c: string[] | undefined;
  private s: TextSpan[] | undefined;
  constructor(
    readonly height: number,
    readonly width: number,
    readonly value: TextSpan,
    private readonly at: number,
    private readonly packed: { cells: Uint8Array; spans: Int32Array },
  ) {}
  get cells(): string[] {
    if (!this.c) {
      const n = this.height * this.width;
      this.c = new Array<string>(n);
      for (let i = 0; i < n; i++) this.c[i] = String.fromCharCode(this.packed.cells[this.at + i]);
    }
    return this.c;
  }
  get spans(): TextSpan[] {
    if (!this.s) {
      const n = this.height * this.width;
      this.s = new Array<TextSpan>(n);
      const a = this.packed.spans;
      for (let i = 0; i < n; i++) this.s[i] = { offset: a[2 * (this.at + i)], length: a[2 * (this.at + i) + 1] };
    }
    return this.s;
  }
}

export interface UnpackedLocate {
  doc: DatasetDocument;
  sibling?: { file: string; text: string; grids: SolutionGrids };
  requests?: ({ key: string; puzzleIdentifier: number; inputs: Int32Array } | undefined)[];
  identifiers?: Map<string, IdentifierChoice>;
}

/** The host's side: a DatasetDocument whose grids read the packed arrays lazily. O(puzzles), not O(cells). */
export function unpackLocate(wire: PackedLocate): UnpackedLocate | undefined {
  let r = wire;
  if (wire.json !== undefined && wire.heads) {
    const heavy = JSON.parse(wire.json) as WireHeavy;
    const a = wire.heads;
    const keys = heavy.keys?.split(KEY_SEPARATOR);
    const puzzles: PuzzleHead[] = new Array<PuzzleHead>(heavy.strings.length);
    const requests: PackedLocate['requests'] = keys ? new Array(heavy.strings.length) : undefined;
    const ref = (at: number): GridRef | undefined =>
      a[at]
        ? { height: a[at + 1], width: a[at + 2], value: { offset: a[at + 3], length: a[at + 4] }, at: a[at + 5] }
        : undefined;
    for (let i = 0; i < puzzles.length; i++) {
      const o = i * H;
      const [id, taskName, problem, labelProblem] = heavy.strings[i];
      const p: PuzzleHead = {
        id,
        index: a[o],
        kind: KINDS[a[o + 4]],
        pairIndex: a[o + 1],
        span: { offset: a[o + 2], length: a[o + 3] },
        input: ref(o + 6),
        label: ref(o + 12),
      };
      if (taskName !== null) p.taskName = taskName;
      if (a[o + 5] >= 0) p.split = a[o + 5] === 0 ? 'train' : 'test';
      if (problem !== null) p.problem = problem;
      if (labelProblem !== null) p.labelProblem = labelProblem;
      puzzles[i] = p;
      if (requests && keys) requests[i] = keys[i] ? { key: keys[i], puzzleIdentifier: a[o + 18] } : null;
    }
    r = {
      ...wire,
      puzzles,
      solutions: heavy.solutions,
      requests,
      identifiers: heavy.identifiers,
      sibling: wire.sibling && { ...wire.sibling, grids: heavy.siblingGrids ?? [] },
    };
  }
  if (r.status !== 'ok' || !r.kind || !r.head || !r.puzzles || !r.cells || !r.spans) return undefined;
  const packed = { cells: r.cells, spans: r.spans };
  const grid = (g: GridRef): LocatedGrid => new PackedGrid(g.height, g.width, g.value, g.at, packed);
  const grids = (list: [string, (GridRef | null)[]][]): SolutionGrids =>
    new Map(list.map(([task, gs]) => [task, gs.map((g) => (g ? grid(g) : undefined))]));
  const puzzles: LocatedPuzzle[] = r.puzzles.map((p) => ({
    ...p,
    input: p.input && grid(p.input),
    label: p.label && grid(p.label),
  }));
  const out: UnpackedLocate = {
    doc: { kind: r.kind, head: r.head, puzzles, solutions: r.solutions && grids(r.solutions) },
    sibling: r.sibling && { file: r.sibling.file, text: r.sibling.text, grids: grids(r.sibling.grids) },
  };
  if (r.requests && r.inputs && r.inputAt && r.inputLength) {
    const { inputs, inputAt, inputLength } = r;
    out.requests = r.requests.map((q, i) =>
      q ? { ...q, inputs: inputs.subarray(inputAt[i], inputAt[i] + inputLength[i]) } : undefined,
    );
    out.identifiers = new Map(r.identifiers ?? []);
  }
  return out;
}
