// One entry point for "the puzzles in this file", used by the debugger's launch configurations:
// whatever a user points at (a built dataset folder, its dataset.json or .npy, a Sudoku CSV or
// 81-character lines, a maze CSV, an ARC task / challenges / solutions / test_puzzles JSON, or an
// authoring puzzle list) comes back as a flat list of examples with token ids.
//
// Puzzle identifiers: Sudoku and maze always use 0 (their single shared identifier). ARC examples
// read from a built dataset carry their row of identifiers.json (the model's embedding row); ARC
// examples read from raw task JSON carry 0 (<blank>) because a raw file cannot know which row a
// given checkpoint assigned to the task; the debugger may look it up by name (`name` = task name).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseNpy } from '../formats/npy';
import { ARC_CANVAS, encodeArcGrid } from '../tasks/arc';
import { encodeMaze } from '../tasks/maze';
import { encodeSudoku } from '../tasks/sudoku';
import { BuiltSet, DatasetFormatError, readBuiltDataset, readBuiltSplit } from './built';
import { ArcTask, parseJsonText, readArcFile } from './rawArc';
import { parseMazeCsv } from './rawMaze';
import { isCsvHeader, parseSudokuCsv, parseSudokuLines, parseTdokuTests } from './rawSudoku';
import { RawFormatError, splitLines } from './textLines';

export interface PuzzleExample {
  /** Stable within the file: "<task>/test/0", "<split>/<row>", "line 12", or the list entry's id. */
  id: string;
  kind: 'sudoku' | 'maze' | 'arc';
  /** Token ids (Sudoku 81, maze side*side, ARC the 30x30 canvas). */
  inputs: Int32Array;
  labels?: Int32Array;
  /** Row of the puzzle-embedding table (see the header: 0 unless read from a built dataset). */
  puzzleIdentifier: number;
  /** ARC task (or variant) name; built datasets: the identifier's name. */
  name?: string;
}

export class PuzzleFileError extends Error {}

/** Reads every puzzle of `file` (see the header for the formats). Throws PuzzleFileError / format errors with file and position. */
export function readPuzzleFile(file: string): PuzzleExample[] {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw new PuzzleFileError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (st.isDirectory()) return readBuiltFolder(file);
  const base = path.basename(file).toLowerCase();
  const ext = path.extname(base);
  if (base === 'dataset.json') return fromBuiltSplit(path.dirname(file), undefined);
  if (base === 'identifiers.json') return readBuiltFolder(path.dirname(file));
  if (ext === '.npy') return readNpyFile(file);
  const text = readText(file);
  if (ext === '.json') return readJsonPuzzles(file, text);
  return readTextPuzzles(file, text);
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new PuzzleFileError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Built datasets

/** A dataset root yields its test split (what one debugs), else its train split; a split folder yields itself. */
function readBuiltFolder(dir: string): PuzzleExample[] {
  if (fs.existsSync(path.join(dir, 'dataset.json'))) return fromBuiltSplit(dir, undefined);
  const ds = readBuiltDataset(dir);
  const name = ds.splits.test ? 'test' : ds.splits.train ? 'train' : Object.keys(ds.splits)[0];
  return splitExamples(ds.splits[name].sets, ds.splits[name].meta.vocab_size, name, ds.identifiers, dir);
}

function fromBuiltSplit(dir: string, only: string | undefined): PuzzleExample[] {
  const split = readBuiltSplit(dir);
  const root = path.dirname(path.resolve(dir));
  const identifiers = readIdentifiers(path.join(root, 'identifiers.json'), split.meta.num_puzzle_identifiers);
  const sets = only ? split.sets.filter((s) => s.name === only) : split.sets;
  return splitExamples(sets, split.meta.vocab_size, path.basename(path.resolve(dir)), identifiers, dir);
}

function readIdentifiers(file: string, expected: number): string[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  const v = parseJsonText(readText(file), file);
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new DatasetFormatError(`${file}: expected a JSON list of strings`);
  if (v.length !== expected)
    throw new DatasetFormatError(
      `${file}: has ${v.length} names but dataset.json says num_puzzle_identifiers = ${expected}`,
    );
  return v as string[];
}

/** Task kind from vocabulary and length (the vocabularies of dataset/build_*_dataset.py). */
export function builtKind(vocab: number, seqLen: number, where: string): PuzzleExample['kind'] {
  if (vocab === 11 && seqLen === 81) return 'sudoku';
  if (vocab === 6 && Number.isInteger(Math.sqrt(seqLen))) return 'maze';
  if (vocab === 12 && seqLen === ARC_CANVAS * ARC_CANVAS) return 'arc';
  throw new PuzzleFileError(
    `${where}: unknown task: vocab_size ${vocab} with seq_len ${seqLen} (Sudoku is 11/81, maze 6/side², ARC 12/900)`,
  );
}

function splitExamples(
  sets: BuiltSet[],
  vocab: number,
  split: string,
  identifiers: string[] | undefined,
  where: string,
): PuzzleExample[] {
  const out: PuzzleExample[] = [];
  for (const set of sets) {
    const kind = builtKind(vocab, set.seqLen, where);
    const prefix = sets.length > 1 || set.name !== 'all' ? `${split}/${set.name}` : split;
    for (let p = 0; p < set.puzzleIdentifiers.length; p++) {
      const pid = set.puzzleIdentifiers[p];
      for (let e = set.puzzleIndices[p]; e < set.puzzleIndices[p + 1]; e++) {
        const ex: PuzzleExample = {
          id: `${prefix}/${e}`,
          kind,
          puzzleIdentifier: pid,
          inputs: set.inputs.subarray(e * set.seqLen, (e + 1) * set.seqLen),
          labels: set.labels.subarray(e * set.seqLen, (e + 1) * set.seqLen),
        };
        if (identifiers && pid > 0) ex.name = identifiers[pid];
        out.push(ex);
      }
    }
  }
  return out;
}

/** A `<set>__<array>.npy` of a split folder reads the split's set; a lone [E, S] token array is read as inputs. */
function readNpyFile(file: string): PuzzleExample[] {
  const dir = path.dirname(file);
  const m = /^(.+)__(inputs|labels|puzzle_identifiers|puzzle_indices|group_indices)\.npy$/i.exec(path.basename(file));
  if (m && fs.existsSync(path.join(dir, 'dataset.json'))) return fromBuiltSplit(dir, m[1]);
  const t = parseNpy(fs.readFileSync(file), file);
  if (t.shape.length !== 2)
    throw new PuzzleFileError(
      `${file}: expected a token array of shape [examples, seq_len], got [${t.shape.join(', ')}] (and no dataset.json beside it)`,
    );
  if (t.dtype.startsWith('float') || t.dtype === 'bool' || t.dtype === 'bfloat16')
    throw new PuzzleFileError(`${file}: dtype ${t.dtype} is not an integer token array`);
  const [E, S] = t.shape;
  if (S < 1) throw new PuzzleFileError(`${file}: rows of [${E}, ${S}] tokens are empty`);
  // Token ids are read exactly: an int64 or uint32 above 2^31 - 1 is refused with its row and value,
  // never wrapped into a small id by the Int32Array conversion.
  const src = t.data as ArrayLike<number | bigint>;
  const ids = new Int32Array(src.length);
  let max = 0;
  let maxAt = 0;
  const where = (i: number): string => `row ${Math.floor(i / S)}, position ${i % S}`;
  for (let i = 0; i < src.length; i++) {
    const v = Number(src[i]);
    if (v < 0) throw new PuzzleFileError(`${file}: ${where(i)}: negative token ${String(src[i])}`);
    if (v > 0x7fffffff)
      throw new PuzzleFileError(`${file}: ${where(i)}: token ${String(src[i])} is outside every task's vocabulary`);
    ids[i] = v;
    if (v > max) {
      max = v;
      maxAt = i;
    }
  }
  let kind: PuzzleExample['kind'];
  if (S === 81 && max <= 10) kind = 'sudoku';
  else if (S === ARC_CANVAS * ARC_CANVAS && max > 5) kind = 'arc';
  else if (Number.isInteger(Math.sqrt(S)) && max <= 5 && ids.every((v) => v >= 1)) kind = 'maze';
  else if (S === ARC_CANVAS * ARC_CANVAS && max <= 11) kind = 'arc';
  else
    throw new PuzzleFileError(
      `${file}: cannot tell the task of [${E}, ${S}] tokens with ids up to ${max} (${where(maxAt)}; put dataset.json beside it)`,
    );
  const out: PuzzleExample[] = [];
  for (let e = 0; e < E; e++)
    out.push({ id: `row ${e}`, kind, inputs: ids.subarray(e * S, (e + 1) * S), puzzleIdentifier: 0 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Text files

/**
 * Task of a `source,question,answer,rating` CSV from its first data row: a Sudoku question is 81
 * characters of '.0-9'; anything else is read as a maze (whose reader then explains any problem).
 * Undefined when the file has no data row.
 */
export function csvTaskKind(text: string): 'sudoku' | 'maze' | undefined {
  const row = splitLines(text)
    .slice(1)
    .find((l) => l.text.length > 0);
  if (!row) return undefined;
  const q = row.text.split(',')[1] ?? '';
  return q.length === 81 && /^[.0-9]+$/.test(q) ? 'sudoku' : 'maze';
}

function readTextPuzzles(file: string, text: string): PuzzleExample[] {
  const lines = splitLines(text);
  const first = lines.find((l) => l.text.length > 0 && !l.text.startsWith('#'));
  if (!first) return [];
  if (isCsvHeader(first.text)) {
    if (first !== lines[0]) throw new RawFormatError(`${file}:${first.line}: the CSV header must be the first line`);
    const kind = csvTaskKind(text);
    if (!kind) return [];
    if (kind === 'sudoku') {
      return parseSudokuCsv(text, file).map((r) => ({
        id: `line ${r.line}`,
        kind: 'sudoku' as const,
        inputs: r.question,
        labels: r.answer,
        puzzleIdentifier: 0,
      }));
    }
    return parseMazeCsv(text, file).map((r) => ({
      id: `line ${r.line}`,
      kind: 'maze' as const,
      inputs: r.question,
      labels: r.answer,
      puzzleIdentifier: 0,
    }));
  }
  if (first.text.includes(':')) {
    return parseTdokuTests(text, file).map((r) => ({
      id: `line ${r.line}`,
      kind: 'sudoku' as const,
      inputs: r.question,
      labels: r.answer,
      puzzleIdentifier: 0,
    }));
  }
  return parseSudokuLines(text, file).map((r) => ({
    id: `line ${r.line}`,
    kind: 'sudoku' as const,
    inputs: r.question,
    puzzleIdentifier: 0,
  }));
}

// ---------------------------------------------------------------------------------------------
// JSON files

function readJsonPuzzles(file: string, text: string): PuzzleExample[] {
  const root = parseJsonText(text, file);
  if (typeof root === 'object' && root !== null && !Array.isArray(root) && 'puzzles' in root && 'kind' in root) {
    return readPuzzleList(root, file);
  }
  return arcExamples(readArcFile(file));
}

/** ARC pairs in file order of each task's keys ("test" usually first), ids `<task>/<split>/<k>`. */
export function arcExamples(tasks: ArcTask[]): PuzzleExample[] {
  const out: PuzzleExample[] = [];
  for (const t of tasks) {
    const order = t.keyOrder.length === 2 ? t.keyOrder : (['train', 'test'] as const);
    for (const split of order) {
      t[split].forEach((p, k) => {
        const ex: PuzzleExample = {
          id: `${t.name}/${split}/${k}`,
          kind: 'arc',
          inputs: encodeArcGrid(p.input),
          puzzleIdentifier: 0,
          name: t.name,
        };
        if (p.output) ex.labels = encodeArcGrid(p.output);
        out.push(ex);
      });
    }
  }
  return out;
}

/**
 * The authoring puzzle list: {"kind": "sudoku" | "maze", "puzzles": [{"id", "question", "answer"?}]}.
 * A question/answer is a string or a list of row strings; Sudoku text may hold spaces and
 * '|', '-', '+' separators (ignored), maze text keeps every character (spaces are cells).
 */
function readPuzzleList(root: Record<string, unknown>, file: string): PuzzleExample[] {
  const kind = root.kind;
  if (kind !== 'sudoku' && kind !== 'maze')
    throw new PuzzleFileError(`${file}: "kind" is ${JSON.stringify(kind)}; a puzzle list is "sudoku" or "maze"`);
  if (!Array.isArray(root.puzzles))
    throw new PuzzleFileError(`${file}: "puzzles" must be a list of {"id", "question", "answer"}`);
  return root.puzzles.map((entry: unknown, k: number) => {
    const at = `puzzles[${k}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
      throw new PuzzleFileError(`${file}: ${at} must be an object {"id", "question", "answer"}`);
    const e = entry as Record<string, unknown>;
    const id = typeof e.id === 'string' || typeof e.id === 'number' ? String(e.id) : `#${k}`;
    const text = (v: unknown, what: string): string => {
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && v.length && v.every((r) => typeof r === 'string'))
        return v.join(kind === 'maze' ? '' : '\n');
      throw new PuzzleFileError(`${file}: ${at}.${what} must be a string or a list of row strings`);
    };
    const encode = (v: unknown, what: string, full: boolean): Int32Array => {
      const t = text(v, what);
      try {
        if (kind === 'maze') {
          const rows = Array.isArray(v) ? (v as string[]) : undefined;
          const side = rows ? rows.length : Math.round(Math.sqrt(t.length));
          if (side * side !== t.length || (rows && rows.some((r) => r.length !== side)))
            throw new Error(
              `must be square (${rows ? `${rows.length} rows of lengths ${[...new Set(rows.map((r) => r.length))].join('/')}` : `${t.length} characters`})`,
            );
          return encodeMaze(t);
        }
        const ids = encodeSudoku(t.replace(/[|+-]/g, ''));
        if (full) {
          const b = ids.indexOf(1);
          if (b >= 0)
            throw new Error(
              `cell ${b} (r${Math.floor(b / 9) + 1}c${(b % 9) + 1}) is blank; an answer gives all 81 digits`,
            );
        }
        return ids;
      } catch (err) {
        throw new PuzzleFileError(`${file}: ${at}.${what}: ${(err as Error).message}`);
      }
    };
    if (!('question' in e)) throw new PuzzleFileError(`${file}: ${at} has no "question"`);
    const ex: PuzzleExample = { id, kind, inputs: encode(e.question, 'question', false), puzzleIdentifier: 0 };
    if (e.answer !== undefined && e.answer !== null) {
      ex.labels = encode(e.answer, 'answer', true);
      if (ex.labels.length !== ex.inputs.length)
        throw new PuzzleFileError(
          `${file}: ${at}: the answer has ${ex.labels.length} cells, the question ${ex.inputs.length}`,
        );
    }
    return ex;
  });
}
