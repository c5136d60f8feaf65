// Raw-format writers (the inverse of the raw readers): Sudoku and maze CSV in the
// `source,question,answer,rating` layout, and ARC tasks as a challenges-style JSON object whose test
// pairs carry their outputs. Used by `trm dataset generate` and `trm dataset convert --to raw`.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Grid } from '../tasks/arc';
import { decodeMaze } from '../tasks/maze';
import { decodeSudoku } from '../tasks/sudoku';
import { BuiltDataset } from './built';
import { locateArcGrid } from './arcCanvas';
import { PyJsonValue, pyJsonStringify } from './pyJson';

export interface RawRow {
  source: string;
  question: string;
  answer?: string;
  rating?: number;
}

function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text with the Sudoku-Extreme / maze header; LF line endings. Cells are never trimmed or padded. */
export function rawCsv(rows: RawRow[]): string {
  const lines = ['source,question,answer,rating'];
  for (const r of rows)
    lines.push(
      [r.source, r.question, r.answer ?? '', r.rating === undefined ? '' : String(r.rating)].map(csvField).join(','),
    );
  return lines.join('\n') + '\n';
}

export function sudokuRow(
  source: string,
  question: ArrayLike<number>,
  answer?: ArrayLike<number>,
  rating?: number,
): RawRow {
  return { source, question: decodeSudoku(question), answer: answer ? decodeSudoku(answer) : undefined, rating };
}

export function mazeRow(
  source: string,
  question: ArrayLike<number>,
  answer?: ArrayLike<number>,
  rating?: number,
): RawRow {
  return { source, question: decodeMaze(question), answer: answer ? decodeMaze(answer) : undefined, rating };
}

/**
 * ARC examples of a built dataset back to tasks: one entry per identifier name, its train-split
 * examples under "train" and its test-split examples under "test" (grids found wherever they were
 * translated to on the canvas).
 */
export function builtArcToTasks(
  ds: BuiltDataset,
): Record<string, { train: Array<{ input: Grid; output: Grid }>; test: Array<{ input: Grid; output: Grid }> }> {
  const out: Record<
    string,
    { train: Array<{ input: Grid; output: Grid }>; test: Array<{ input: Grid; output: Grid }> }
  > = {};
  for (const [splitName, split] of Object.entries(ds.splits)) {
    const key: 'train' | 'test' = splitName === 'test' ? 'test' : 'train';
    for (const set of split.sets) {
      for (let p = 0; p < set.puzzleIdentifiers.length; p++) {
        const pid = set.puzzleIdentifiers[p];
        const name = ds.identifiers?.[pid] ?? `puzzle${pid}`;
        for (let e = set.puzzleIndices[p]; e < set.puzzleIndices[p + 1]; e++) {
          const where = `${splitName}/${set.name} row ${e}`;
          const i = locateArcGrid(set.inputs.subarray(e * set.seqLen, (e + 1) * set.seqLen));
          const o = locateArcGrid(set.labels.subarray(e * set.seqLen, (e + 1) * set.seqLen));
          if (typeof i === 'string') throw new Error(`${where}: input is not an ARC canvas: ${i}`);
          if (typeof o === 'string') throw new Error(`${where}: label is not an ARC canvas: ${o}`);
          (out[name] ??= { train: [], test: [] })[key].push({ input: i.grid, output: o.grid });
        }
      }
    }
  }
  return out;
}

export function arcTasksJson(tasks: Record<string, unknown>): string {
  return pyJsonStringify(tasks as PyJsonValue);
}

/** Writes a file via a temporary sibling and a rename; refuses to replace a file unless asked. */
export function writeFileAtomic(file: string, text: string, overwrite = false): void {
  if (fs.existsSync(file) && !overwrite)
    throw new Error(`${file} already exists; choose another --out or pass --overwrite`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
