// Finds the puzzles of a dataset file in its JSON text and the exact text range of every grid cell,
// so predictions can be shown next to the puzzle and disagreements pinned to the cell that holds
// them. Supported layouts (detected from the structure, never from the file name alone):
//   - ARC task:        {"train": [{"input": grid, "output": grid}...], "test": [...]}
//   - ARC challenges:  {"<task id>": {"train": [...], "test": [{"input": grid}...]}, ...}
//   - ARC solutions:   {"<task id>": [grid per test pair], ...}
//   - TRM puzzle list: {"kind": "sudoku" | "maze", "puzzles": [{"id", "question", "answer"?}...]}
// Pure (no VS Code): offsets are indices into the text, the glue turns them into ranges.

import { type JsonNode, type TextSpan, entries, parseJson, property, span, stringChars } from './jsonTree';

export type { TextSpan } from './jsonTree';

export type DatasetKind = 'arc-task' | 'arc-challenges' | 'arc-solutions' | 'puzzle-list';
export type TaskKind = 'arc' | 'sudoku' | 'maze';

/** A grid as written in the file: one display symbol and one text range per cell, row-major. */
export interface LocatedGrid {
  height: number;
  width: number;
  /** ARC: "0".."9"; Sudoku: "1".."9" or "." (blank); maze: one of "# SGo". */
  cells: string[];
  spans: TextSpan[];
  /** The whole JSON value (the grid array or the string / list of row strings). */
  value: TextSpan;
}

export interface LocatedPuzzle {
  /** Stable within the file: "<task>/test/0", "<task>/train/2", or the list entry's id. */
  id: string;
  /** Position among the file's puzzles (document order). */
  index: number;
  kind: TaskKind;
  /** ARC task name (the embedding-row lookup key); undefined for Sudoku / maze. */
  taskName?: string;
  split?: 'train' | 'test';
  /** Index of the pair inside its split (ARC) or of the entry in `puzzles` (list). */
  pairIndex: number;
  /** The whole puzzle object. */
  span: TextSpan;
  input?: LocatedGrid;
  /** The expected output written in this file. */
  label?: LocatedGrid;
  /** Why the puzzle cannot be predicted (malformed input...); the JSON schema squiggles the details. */
  problem?: string;
  /** Why the expected output cannot be judged against (malformed, wrong shape). */
  labelProblem?: string;
}

/** ARC solutions file: the expected outputs of a challenges file, by task and test-pair index. */
export type SolutionGrids = Map<string, (LocatedGrid | undefined)[]>;

export interface DatasetDocument {
  kind: DatasetKind;
  puzzles: LocatedPuzzle[];
  /** arc-solutions only. */
  solutions?: SolutionGrids;
  /** The span of the root object's first key, where file-level notes (identifier warnings) go. */
  head: TextSpan;
}

export type LocateResult =
  | { status: 'ok'; doc: DatasetDocument }
  | { status: 'invalid-json'; message: string; offset: number }
  | { status: 'not-a-dataset' };

const ARC_MAX = 30;
const MAZE_CHARS = '# SGo';

type GridOrProblem = { grid: LocatedGrid } | { problem: string };

/** An ARC grid node: a non-empty list of equally long rows of integers 0..9, at most 30x30. */
export function locateArcGrid(node: JsonNode | undefined, what: string): GridOrProblem {
  if (!node) return { problem: `${what} is missing` };
  if (node.type !== 'array' || !node.children?.length) return { problem: `${what} must be a non-empty list of rows` };
  const rows = node.children;
  if (rows.length > ARC_MAX) return { problem: `${what} has ${rows.length} rows; ARC grids have at most ${ARC_MAX}` };
  const width = rows[0].type === 'array' ? (rows[0].children?.length ?? 0) : 0;
  if (width === 0 || width > ARC_MAX) return { problem: `${what} row 0 must be a list of 1..${ARC_MAX} colours` };
  const cells: string[] = [];
  const spans: TextSpan[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (row.type !== 'array') return { problem: `${what} row ${r} is not a list` };
    const items = row.children ?? [];
    if (items.length !== width) return { problem: `${what} row ${r} has ${items.length} cells, row 0 has ${width}` };
    for (let c = 0; c < width; c++) {
      const v = items[c];
      if (v.type !== 'number' || !Number.isInteger(v.value) || v.value < 0 || v.value > 9) {
        return {
          problem: `${what} cell [${r}][${c}] is ${v.type === 'number' ? v.value : v.type}; colours are integers 0-9`,
        };
      }
      cells.push(String(v.value));
      spans.push(span(v));
    }
  }
  return { grid: { height: rows.length, width, cells, spans, value: span(node) } };
}

/** Characters of a string, or of a list of row strings, with their text ranges. */
function textCells(
  text: string,
  node: JsonNode,
  what: string,
): { rows: { ch: string; span: TextSpan }[][] } | { problem: string } {
  const toRow = (n: JsonNode) =>
    stringChars(text, n).map((c) => ({ ch: c.ch, span: { offset: c.offset, length: c.length } }));
  if (node.type === 'string') return { rows: [toRow(node)] };
  if (node.type === 'array' && node.children?.length && node.children.every((c) => c.type === 'string'))
    return { rows: node.children.map(toRow) };
  return { problem: `${what} must be a string or a list of row strings` };
}

/** Sudoku: 81 cells of 1-9 or blank ('.' / '0'); whitespace and '|' '-' '+' separators are ignored. */
export function locateSudoku(
  text: string,
  node: JsonNode | undefined,
  what: string,
  requireFull = false,
): GridOrProblem {
  if (!node) return { problem: `${what} is missing` };
  const t = textCells(text, node, what);
  if ('problem' in t) return t;
  const cells: string[] = [];
  const spans: TextSpan[] = [];
  for (const row of t.rows) {
    for (const { ch, span: s } of row) {
      if (/[\s|+-]/.test(ch)) continue;
      if (ch >= '1' && ch <= '9') cells.push(ch);
      else if (ch === '.' || ch === '0') {
        if (requireFull)
          return {
            problem: `${what} cell ${cells.length} (r${Math.floor(cells.length / 9) + 1}c${(cells.length % 9) + 1}) is blank; an answer gives all 81 digits`,
          };
        cells.push('.');
      } else
        return {
          problem: `${what} cell ${cells.length} has invalid character ${JSON.stringify(ch)}; use 1-9, '.' or '0'`,
        };
      spans.push(s);
    }
  }
  if (cells.length !== 81) return { problem: `${what} has ${cells.length} cells; a Sudoku has 81` };
  return { grid: { height: 9, width: 9, cells, spans, value: span(node) } };
}

/** Maze: a square of '#', ' ', 'S', 'G', 'o' (spaces are cells, so nothing is trimmed). */
export function locateMaze(text: string, node: JsonNode | undefined, what: string): GridOrProblem {
  if (!node) return { problem: `${what} is missing` };
  const t = textCells(text, node, what);
  if ('problem' in t) return t;
  const flat = t.rows.flat();
  const side = t.rows.length > 1 ? t.rows.length : Math.round(Math.sqrt(flat.length));
  if (side * side !== flat.length || (t.rows.length > 1 && t.rows.some((r) => r.length !== side))) {
    return {
      problem: `${what} must be square: ${t.rows.length > 1 ? `${t.rows.length} rows of lengths ${[...new Set(t.rows.map((r) => r.length))].join('/')}` : `${flat.length} characters`}`,
    };
  }
  if (side > ARC_MAX) return { problem: `${what} is ${side}x${side}; mazes are at most ${ARC_MAX}x${ARC_MAX}` };
  const bad = flat.findIndex((c) => !MAZE_CHARS.includes(c.ch) || c.ch.length !== 1);
  if (bad >= 0)
    return {
      problem: `${what} cell ${bad} has invalid character ${JSON.stringify(flat[bad].ch)}; use '#', ' ', 'S', 'G' or 'o'`,
    };
  return {
    grid: {
      height: side,
      width: side,
      cells: flat.map((c) => c.ch),
      spans: flat.map((c) => c.span),
      value: span(node),
    },
  };
}

function withGrid(p: LocatedPuzzle, key: 'input' | 'label', g: GridOrProblem, present: boolean): void {
  if ('grid' in g) p[key] = g.grid;
  else if (key === 'input') p.problem ??= g.problem;
  else if (present) p.labelProblem ??= g.problem;
}

function arcPairs(node: JsonNode | undefined, task: string, split: 'train' | 'test', out: LocatedPuzzle[]): void {
  if (!node || node.type !== 'array') return;
  (node.children ?? []).forEach((pair, k) => {
    const p: LocatedPuzzle = {
      id: `${task}/${split}/${k}`,
      index: out.length,
      kind: 'arc',
      taskName: task,
      split,
      pairIndex: k,
      span: span(pair),
    };
    if (pair.type !== 'object') p.problem = `${split}[${k}] must be an object {"input": grid, "output": grid}`;
    else {
      withGrid(p, 'input', locateArcGrid(property(pair, 'input'), `${split}[${k}].input`), true);
      const out = property(pair, 'output');
      withGrid(p, 'label', locateArcGrid(out, `${split}[${k}].output`), out !== undefined);
    }
    out.push(p);
  });
}

/** A file may list "test" before "train": puzzles are kept in text order so lookups can bisect. */
function inTextOrder(puzzles: LocatedPuzzle[]): LocatedPuzzle[] {
  puzzles.sort((a, b) => a.span.offset - b.span.offset);
  puzzles.forEach((p, i) => {
    p.index = i;
  });
  return puzzles;
}

function isArcTask(node: JsonNode): boolean {
  const train = property(node, 'train');
  const test = property(node, 'test');
  return (train?.type === 'array' || test?.type === 'array') && !property(node, 'puzzles');
}

function isGridList(node: JsonNode): boolean {
  return (
    node.type === 'array' &&
    (node.children ?? []).every((g) => g.type === 'array' && (g.children ?? []).every((r) => r.type === 'array'))
  );
}

function headSpan(root: JsonNode): TextSpan {
  const first = root.children?.[0]?.children?.[0];
  return first ? span(first) : { offset: root.offset, length: 1 };
}

/** The task name of a single-task ARC file: its `name` key, else the file name without `.json`. */
export function arcTaskName(root: JsonNode, fileName: string): string {
  const name = property(root, 'name');
  if (name?.type === 'string' && name.value) return name.value as string;
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.json$/i, '');
}

function locateList(text: string, root: JsonNode): LocatedPuzzle[] {
  const kindNode = property(root, 'kind');
  const kind = kindNode?.value === 'maze' ? 'maze' : 'sudoku';
  const out: LocatedPuzzle[] = [];
  const list = property(root, 'puzzles');
  if (list?.type !== 'array') return out;
  (list.children ?? []).forEach((entry, k) => {
    const idNode = property(entry, 'id');
    const id = idNode && (idNode.type === 'string' || idNode.type === 'number') ? String(idNode.value) : `#${k}`;
    const p: LocatedPuzzle = { id, index: k, kind, pairIndex: k, span: span(entry) };
    if (entry.type !== 'object') p.problem = `puzzles[${k}] must be an object {"id", "question", "answer"}`;
    else {
      const q = property(entry, 'question');
      const a = property(entry, 'answer');
      if (kind === 'sudoku') {
        withGrid(p, 'input', locateSudoku(text, q, `puzzles[${k}].question`), true);
        withGrid(p, 'label', locateSudoku(text, a, `puzzles[${k}].answer`, true), a !== undefined);
      } else {
        withGrid(p, 'input', locateMaze(text, q, `puzzles[${k}].question`), true);
        withGrid(p, 'label', locateMaze(text, a, `puzzles[${k}].answer`), a !== undefined);
      }
      if (p.input && p.label && (p.input.width !== p.label.width || p.input.height !== p.label.height)) {
        p.labelProblem ??= `puzzles[${k}]: the answer is ${p.label.height}x${p.label.width}, the question ${p.input.height}x${p.input.width}`;
      }
    }
    out.push(p);
  });
  return out;
}

/** Locates every puzzle of a dataset file. Invalid JSON is reported, never guessed at. */
export function locateDataset(text: string, fileName: string): LocateResult {
  const parsed = parseJson(text);
  if (!parsed.ok) {
    const e = parsed.errors[0];
    return { status: 'invalid-json', message: e?.message ?? 'empty document', offset: e?.offset ?? 0 };
  }
  const root = parsed.root;
  if (root.type !== 'object') return { status: 'not-a-dataset' };
  const head = headSpan(root);
  if (property(root, 'puzzles')?.type === 'array' && property(root, 'kind')?.type === 'string') {
    return { status: 'ok', doc: { kind: 'puzzle-list', puzzles: locateList(text, root), head } };
  }
  if (isArcTask(root)) {
    const task = arcTaskName(root, fileName);
    const puzzles: LocatedPuzzle[] = [];
    arcPairs(property(root, 'train'), task, 'train', puzzles);
    arcPairs(property(root, 'test'), task, 'test', puzzles);
    return { status: 'ok', doc: { kind: 'arc-task', puzzles: inTextOrder(puzzles), head } };
  }
  const items = entries(root);
  if (items.length === 0) return { status: 'not-a-dataset' };
  if (items.every(([, v]) => v.type === 'object' && isArcTask(v))) {
    const puzzles: LocatedPuzzle[] = [];
    for (const [task, v] of items) {
      arcPairs(property(v, 'train'), task, 'train', puzzles);
      arcPairs(property(v, 'test'), task, 'test', puzzles);
    }
    return { status: 'ok', doc: { kind: 'arc-challenges', puzzles: inTextOrder(puzzles), head } };
  }
  if (items.every(([, v]) => isGridList(v))) {
    const solutions: SolutionGrids = new Map();
    for (const [task, v] of items) {
      solutions.set(
        task,
        (v.children ?? []).map((g, k) => {
          const r = locateArcGrid(g, `${task}[${k}]`);
          return 'grid' in r ? r.grid : undefined;
        }),
      );
    }
    return { status: 'ok', doc: { kind: 'arc-solutions', puzzles: [], solutions, head } };
  }
  return { status: 'not-a-dataset' };
}

/** `foo_challenges.json` -> `foo_solutions.json` (the Kaggle / TRM naming); undefined otherwise. */
export function solutionsFileFor(fileName: string): string | undefined {
  return /_challenges\.json$/i.test(fileName) ? fileName.replace(/_challenges\.json$/i, '_solutions.json') : undefined;
}

/** Index of the puzzle whose object contains `offset` (puzzles are sorted by offset), or -1. */
export function puzzleAt(puzzles: readonly LocatedPuzzle[], offset: number): number {
  let lo = 0,
    hi = puzzles.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = puzzles[mid].span;
    if (offset < s.offset) hi = mid - 1;
    else if (offset > s.offset + s.length) lo = mid + 1;
    else return mid;
  }
  return -1;
}
