// Loads and validates the raw inputs of a build (everything is read and checked before anything
// is written): Sudoku records with solutions (puzzles without one are solved, and must be unique),
// maze records, generated puzzles, and ARC subsets from challenges files or task folders.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeMaze } from '../tasks/maze';
import { encodeSudoku } from '../tasks/sudoku';
import { ArcSubset } from './buildArc';
import { generateMaze } from './mazeGen';
import { ArcTask, readArcFile } from './rawArc';
import { MazeRecord, parseMazeCsv } from './rawMaze';
import { SudokuRecord, isCsvHeader, parseSudokuCsv, parseSudokuLines, parseTdokuTests } from './rawSudoku';
import { DataRng } from './rng';
import { digitsToString, generateSudoku } from './sudokuGen';
import { solveSudoku } from './sudokuSolver';
import { RawFormatError, splitLines } from './textLines';

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new RawFormatError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** Sudoku CSV, tdoku `puzzle:count[:solution]` list or 81-character lines; missing solutions are computed. */
export function readSudokuRecords(file: string): SudokuRecord[] {
  const text = readText(file);
  const first = splitLines(text).find((l) => l.text.length > 0 && !l.text.startsWith('#'));
  let recs: SudokuRecord[];
  if (first && isCsvHeader(first.text)) recs = parseSudokuCsv(text, file);
  else if (first && first.text.includes(':')) recs = parseTdokuTests(text, file).filter((r) => r.solutionCount === 1);
  else recs = parseSudokuLines(text, file);
  for (const r of recs) {
    if (r.answer) continue;
    const res = solveSudoku(
      Array.from(r.question, (v) => v - 1),
      2,
    );
    if (res.count === 0) throw new RawFormatError(`${file}:${r.line}: puzzle has no solution`);
    if (res.count > 1) throw new RawFormatError(`${file}:${r.line}: puzzle has more than one solution`);
    r.answer = Int32Array.from(res.solution as Int8Array, (d) => d + 1);
  }
  return recs;
}

export function generatedSudokuRecords(count: number, givens: number, rng: DataRng): SudokuRecord[] {
  const out: SudokuRecord[] = [];
  for (let k = 0; k < count; k++) {
    const g = generateSudoku(rng, givens);
    out.push({
      line: k + 1,
      source: 'generated',
      question: encodeSudoku(digitsToString(g.puzzle)),
      answer: encodeSudoku(digitsToString(g.solution)),
      rating: g.guesses,
    });
  }
  return out;
}

export function readMazeRecords(file: string): MazeRecord[] {
  return parseMazeCsv(readText(file), file);
}

export function generatedMazeRecords(count: number, size: number, braid: number, rng: DataRng): MazeRecord[] {
  const out: MazeRecord[] = [];
  for (let k = 0; k < count; k++) {
    const m = generateMaze(rng, { size, braid });
    out.push({
      line: k + 1,
      side: size,
      question: encodeMaze(m.question),
      answer: encodeMaze(m.answer),
      source: 'generated',
      rating: m.pathLength,
    });
  }
  return out;
}

/** `<prefix>_<subset>_challenges.json` (+ `_solutions.json`), as the official builder reads them. */
export function arcSubsetsFromPrefix(prefix: string, subsets: string[]): ArcSubset[] {
  return subsets.map((name) => {
    const file = `${prefix}_${name}_challenges.json`;
    if (!fs.existsSync(file))
      throw new RawFormatError(`${file}: not found (subset ${JSON.stringify(name)} of --input-prefix ${prefix})`);
    return { name, tasks: readArcFile(file) };
  });
}

/**
 * A subset from a path: a folder of per-task JSON files (sorted by file name, subset = folder name),
 * a challenges file (subset = the word before `_challenges.json`), or one task file.
 */
export function arcSubsetFromPath(p: string): ArcSubset {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new RawFormatError(`${p}: not found`);
  }
  if (st.isDirectory()) {
    const files = fs
      .readdirSync(p)
      .filter((f) => f.toLowerCase().endsWith('.json'))
      .sort();
    if (!files.length) throw new RawFormatError(`${p}: no .json task files in this folder`);
    const tasks: ArcTask[] = files.flatMap((f) => readArcFile(path.join(p, f)));
    return { name: path.basename(path.resolve(p)), tasks };
  }
  const m = /(?:^|_)([^_]+)_challenges\.json$/i.exec(path.basename(p));
  return { name: m ? m[1] : path.basename(p).replace(/\.json$/i, ''), tasks: readArcFile(p) };
}
