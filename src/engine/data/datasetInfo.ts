// What a dataset path holds, for `trm dataset info`: per split of a built dataset the array shapes,
// dtypes, counts and vocabulary; for a raw file the puzzle kind, count and sizes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuiltDataset, readBuiltDataset } from './built';
import { PuzzleExample, builtKind, readPuzzleFile } from './puzzleFile';

export const VOCAB_MEANING: Record<PuzzleExample['kind'], string> = {
  sudoku: '0 PAD, 1 blank, 2..10 digits 1..9',
  maze: "0 PAD, 1 '#' wall, 2 ' ' open, 3 'S', 4 'G', 5 'o' path",
  arc: '0 PAD, 1 EOS, 2..11 colours 0..9',
};

export interface SplitInfo {
  split: string;
  kind: PuzzleExample['kind'];
  vocabSize: number;
  seqLen: number;
  examples: number;
  puzzles: number;
  groups: number;
  meanPuzzleExamples: number;
  numPuzzleIdentifiers: number;
  shapes: Record<string, number[]>;
  dtypes: { inputs: string; labels: string };
}

export type DatasetInfo =
  | { format: 'built'; path: string; identifiers?: number; testPuzzles?: number; splits: SplitInfo[] }
  | {
      format: 'raw';
      path: string;
      kind: PuzzleExample['kind'] | 'empty';
      puzzles: number;
      labelled: number;
      seqLen: number[];
      names?: number;
    };

export function datasetInfo(p: string): DatasetInfo {
  const isDir = fs.existsSync(p) && fs.statSync(p).isDirectory();
  const base = path.basename(p).toLowerCase();
  if (isDir || base === 'dataset.json' || base === 'identifiers.json') {
    const ds = readBuiltDataset(isDir ? p : path.dirname(p));
    return builtInfo(p, ds);
  }
  const ex = readPuzzleFile(p);
  const lens = [...new Set(ex.map((e) => e.inputs.length))].sort((a, b) => a - b);
  const names = new Set(ex.map((e) => e.name).filter((n) => n !== undefined));
  return {
    format: 'raw',
    path: p,
    kind: ex.length ? ex[0].kind : 'empty',
    puzzles: ex.length,
    labelled: ex.filter((e) => e.labels).length,
    seqLen: lens,
    ...(names.size ? { names: names.size } : {}),
  };
}

function builtInfo(p: string, ds: BuiltDataset): DatasetInfo {
  const splits: SplitInfo[] = [];
  for (const [name, s] of Object.entries(ds.splits)) {
    for (const set of s.sets) {
      splits.push({
        split: s.sets.length > 1 ? `${name}/${set.name}` : name,
        kind: builtKind(s.meta.vocab_size, s.meta.seq_len, `${p}/${name}`),
        vocabSize: s.meta.vocab_size,
        seqLen: set.seqLen,
        examples: set.numExamples,
        puzzles: set.puzzleIdentifiers.length,
        groups: set.groupIndices.length - 1,
        meanPuzzleExamples: s.meta.mean_puzzle_examples,
        numPuzzleIdentifiers: s.meta.num_puzzle_identifiers,
        shapes: {
          inputs: [set.numExamples, set.seqLen],
          labels: [set.numExamples, set.seqLen],
          puzzle_identifiers: [set.puzzleIdentifiers.length],
          puzzle_indices: [set.puzzleIndices.length],
          group_indices: [set.groupIndices.length],
        },
        dtypes: { inputs: set.fileDtypes?.inputs ?? 'int32', labels: set.fileDtypes?.labels ?? 'int32' },
      });
    }
  }
  const tp = ds.testPuzzles;
  return {
    format: 'built',
    path: p,
    identifiers: ds.identifiers?.length,
    testPuzzles: tp && typeof tp === 'object' ? Object.keys(tp).length : undefined,
    splits,
  };
}

export function formatInfo(info: DatasetInfo): string {
  if (info.format === 'raw') {
    if (info.kind === 'empty') return `${info.path}: raw puzzle file with no puzzles`;
    const lines = [
      `${info.path}: raw ${info.kind} file`,
      `puzzles      ${info.puzzles} (${info.labelled} with a solution)`,
      `seq_len      ${info.seqLen.join(', ')}${info.kind === 'maze' ? ` (${info.seqLen.map((n) => `${Math.sqrt(n)}x${Math.sqrt(n)}`).join(', ')})` : ''}`,
      `vocab        ${VOCAB_MEANING[info.kind]}`,
    ];
    if (info.names !== undefined) lines.push(`tasks        ${info.names}`);
    return lines.join('\n');
  }
  const lines = [`${info.path}: built dataset (official TRM layout)`];
  if (info.identifiers !== undefined) lines.push(`identifiers  ${info.identifiers} (identifiers.json, 0 = <blank>)`);
  if (info.testPuzzles !== undefined) lines.push(`test tasks   ${info.testPuzzles} (test_puzzles.json)`);
  for (const s of info.splits) {
    lines.push(
      `[${s.split}] ${s.kind}: ${s.examples} examples, ${s.puzzles} puzzles, ${s.groups} groups (mean ${s.meanPuzzleExamples} examples per puzzle)`,
      `  inputs ${fmtShape(s.shapes.inputs)} ${s.dtypes.inputs}, labels ${fmtShape(s.shapes.labels)} ${s.dtypes.labels}, ` +
        `puzzle_identifiers ${fmtShape(s.shapes.puzzle_identifiers)}, puzzle_indices ${fmtShape(s.shapes.puzzle_indices)}, group_indices ${fmtShape(s.shapes.group_indices)} int32`,
      `  vocab_size ${s.vocabSize} (${VOCAB_MEANING[s.kind]}), seq_len ${s.seqLen}, num_puzzle_identifiers ${s.numPuzzleIdentifiers}`,
    );
  }
  return lines.join('\n');
}

function fmtShape(s: number[]): string {
  return `[${s.join(', ')}]`;
}
