// Raw Sudoku readers: the Sudoku-Extreme CSV (`source,question,answer,rating`), plain files with one
// 81-character puzzle per line ('#' comments, LF or CRLF) and tdoku's `puzzle:count[:solution]`
// test list. Every problem is reported as `file:line: what is wrong`.

import { encodeSudoku } from '../tasks/sudoku';
import { RawFormatError, TextLine, splitCsvRecord, splitLines } from './textLines';
import { sudokuViolation } from './sudokuSolver';

export interface SudokuRecord {
  line: number;
  /** 81 token ids (1 = blank, 2..10 = digits 1..9). */
  question: Int32Array;
  /** 81 token ids 2..10, when the file provides a solution. */
  answer?: Int32Array;
  source?: string;
  rating?: number;
  /** tdoku test list: the stated number of solutions (0 = unsolvable, >1 = several). */
  solutionCount?: number;
}

export const CSV_HEADER = ['source', 'question', 'answer', 'rating'];

export function isCsvHeader(line: string): boolean {
  return line.replace(/\s+/g, '').toLowerCase().startsWith('source,question,answer');
}

/** Checks the header line and returns the data lines (empty lines skipped). */
export function csvBody(lines: TextLine[], file: string): TextLine[] {
  if (!lines.length) throw new RawFormatError(`${file}: empty file; expected a header line "${CSV_HEADER.join(',')}"`);
  const header = splitCsvRecord(lines[0].text, `${file}:1`).map((h) => h.trim());
  if (header.length !== 4 || header.some((h, i) => h !== CSV_HEADER[i])) {
    throw new RawFormatError(
      `${file}:1: header is ${JSON.stringify(lines[0].text)}; expected "${CSV_HEADER.join(',')}"`,
    );
  }
  return lines.slice(1).filter((l) => l.text.length > 0);
}

export function parseRating(text: string, where: string): number | undefined {
  if (text.trim() === '') return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new RawFormatError(`${where}: rating ${JSON.stringify(text)} is not a number`);
  return v;
}

export function parseSudokuCsv(text: string, file: string): SudokuRecord[] {
  const out: SudokuRecord[] = [];
  for (const l of csvBody(splitLines(text), file)) {
    const where = `${file}:${l.line}`;
    const f = splitCsvRecord(l.text, where);
    if (f.length !== 4)
      throw new RawFormatError(
        `${where}: expected 4 comma-separated fields (source,question,answer,rating), got ${f.length}`,
      );
    const [source, q, a, rating] = f;
    const question = puzzleIds(q, where, 'question');
    // An empty answer field means "unsolved" (our writer emits it for puzzles without a solution).
    const answer = a === '' ? undefined : solutionIds(a, question, where, 'answer');
    out.push({ line: l.line, source, question, answer, rating: parseRating(rating, where) });
  }
  return out;
}

/** One puzzle per line; '#' starts a comment line; blank lines are skipped. */
export function parseSudokuLines(text: string, file: string): SudokuRecord[] {
  const out: SudokuRecord[] = [];
  for (const l of splitLines(text)) {
    const t = l.text.trim();
    if (!t || t.startsWith('#')) continue;
    out.push({ line: l.line, question: puzzleIds(t, `${file}:${l.line}`, 'puzzle') });
  }
  return out;
}

/** tdoku `test_puzzles`: `puzzle:count[:solution]`. */
export function parseTdokuTests(text: string, file: string): SudokuRecord[] {
  const out: SudokuRecord[] = [];
  for (const l of splitLines(text)) {
    const t = l.text.trim();
    if (!t || t.startsWith('#')) continue;
    const where = `${file}:${l.line}`;
    const parts = t.split(':');
    if (parts.length < 2 || parts.length > 3)
      throw new RawFormatError(
        `${where}: expected "puzzle:count" or "puzzle:count:solution", got ${parts.length} colon-separated fields`,
      );
    const question = puzzleIds(parts[0], where, 'puzzle');
    if (!/^\d+$/.test(parts[1]))
      throw new RawFormatError(`${where}: solution count ${JSON.stringify(parts[1])} is not a non-negative integer`);
    const solutionCount = Number(parts[1]);
    let answer: Int32Array | undefined;
    if (parts.length === 3) {
      if (solutionCount !== 1)
        throw new RawFormatError(
          `${where}: a solution is given but the count is ${solutionCount} (only unique puzzles carry one)`,
        );
      answer = solutionIds(parts[2], question, where, 'solution');
    }
    out.push({ line: l.line, question, answer, solutionCount });
  }
  return out;
}

function puzzleIds(s: string, where: string, what: string): Int32Array {
  if (s.length !== 81)
    throw new RawFormatError(
      `${where}: ${what} has ${s.length} characters; a Sudoku needs exactly 81 ('.' or '0' blank, 1-9 given)`,
    );
  const bad = /[^.0-9]/.exec(s);
  if (bad)
    throw new RawFormatError(
      `${where}: ${what} character ${bad.index + 1} is ${JSON.stringify(bad[0])}; use '.', '0' or 1-9`,
    );
  return encodeSudoku(s);
}

function solutionIds(s: string, question: Int32Array, where: string, what: string): Int32Array {
  if (s.length !== 81) throw new RawFormatError(`${where}: ${what} has ${s.length} characters; expected 81 digits 1-9`);
  const bad = /[^1-9]/.exec(s);
  if (bad)
    throw new RawFormatError(
      `${where}: ${what} character ${bad.index + 1} (r${Math.floor(bad.index / 9) + 1}c${(bad.index % 9) + 1}) is ${JSON.stringify(bad[0])}; a solution has only digits 1-9`,
    );
  const ids = encodeSudoku(s);
  for (let i = 0; i < 81; i++) {
    if (question[i] !== 1 && question[i] !== ids[i]) {
      throw new RawFormatError(
        `${where}: ${what} changes the given at r${Math.floor(i / 9) + 1}c${(i % 9) + 1} (given ${question[i] - 1}, ${what} ${ids[i] - 1})`,
      );
    }
  }
  const v = sudokuViolation(Array.from(ids, (x) => x - 1));
  if (v) throw new RawFormatError(`${where}: ${what} is not a valid Sudoku: ${v}`);
  return ids;
}
