// `trm probe`: the puzzle-identifier probe over a dataset — how much does a checkpoint's answer rely
// on the puzzle-embedding row of its identifier? Every puzzle runs all N_sup steps with its own row
// and with a swapped one (blank, mean, random, another identifier's row); per puzzle and over the
// dataset it prints the change in exact accuracy, cell accuracy and q_halt (engine/intervene/puzzleProbe.ts).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readPuzzleFile } from '../../engine/data/puzzleFile';
import { noPuzzleEmbedding } from '../../engine/intervene/patch';
import {
  type ProbeRow,
  type ProbeSummary,
  parseRowSwap,
  probePuzzleEmbedding,
} from '../../engine/intervene/puzzleProbe';
import { TrmModel } from '../../engine/model/trm';
import { CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  data: {
    value: true,
    required: true,
    valueName: 'file|folder',
    description: 'puzzles (a built dataset folder or any file TRM Lens reads), with labels for accuracy',
  },
  swap: {
    value: true,
    valueName: 'list',
    description: 'rows to try, comma-separated: blank, mean, random[:seed], puzzle:<id> (default blank,mean,random)',
  },
  limit: { value: true, valueName: 'N', description: 'only the first N puzzles' },
  'batch-size': { value: true, valueName: 'B', description: 'puzzles per batch (default 32)' },
  backend: { value: true, valueName: 'name', description: 'TF.js backend (default: the fastest)' },
  out: { value: true, valueName: 'file.json', description: 'write the summaries and per-puzzle results' },
  quiet: { value: false, description: 'summaries only (no per-puzzle table)' },
  help: { value: false, description: 'show this help' },
};

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);
const q = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : String(x));
const signed = (x: number, f: (v: number) => string) => (x > 0 ? `+${f(x)}` : f(x));

function summaryLine(s: ProbeSummary): string {
  return (
    `${s.swap}: exact ${pct(s.exactBaseline)} → ${pct(s.exactSwapped)}, cells ${pct(s.cellBaseline)} → ${pct(s.cellSwapped)}, ` +
    `mean q_halt ${q(s.meanQHaltBaseline)} → ${q(s.meanQHaltSwapped)}; reliance ${pct(s.reliance)} ` +
    `(share of the solved puzzles lost); ${s.meanCellsChanged.toFixed(1)} cells change on average`
  );
}

function puzzleTable(rows: readonly ProbeRow[]): string[] {
  const head = ['puzzle', 'id#', 'correct', 'cells', 'Δ cells', 'q_halt', 'Δ q_halt', 'changed'];
  const body = rows.map((r) => [
    r.id,
    String(r.puzzleIdentifier),
    r.baseline.correct === undefined
      ? '–'
      : `${r.baseline.correct ? 'yes' : 'no'} → ${r.swapped.correct ? 'yes' : 'no'}`,
    pct(r.swapped.cellAccuracy),
    r.baseline.cellAccuracy === undefined
      ? '–'
      : signed((r.swapped.cellAccuracy ?? 0) - r.baseline.cellAccuracy, (v) => pct(v)),
    q(r.swapped.qHalt),
    signed(r.swapped.qHalt - r.baseline.qHalt, q),
    String(r.cellsChanged),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(head), ...body.map(line)];
}

export async function runProbe(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'probe --checkpoint <file> --data <file|folder> [--swap blank,mean,random] [--limit N]',
        'Puzzle-identifier probe: how much the answer relies on the puzzle-embedding row (accuracy and q_halt with the row swapped).',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'probe');
  const file = str(args, 'data')!;
  let swaps;
  try {
    swaps = (str(args, 'swap') ?? 'blank,mean,random')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map(parseRowSwap);
  } catch (e) {
    throw new UsageError(`--swap: ${(e as Error).message}`);
  }
  if (swaps.length === 0) throw new UsageError('--swap names no row');
  let examples = readPuzzleFile(file);
  const limit = int(args, 'limit', 1);
  if (limit !== undefined) examples = examples.slice(0, limit);
  if (examples.length === 0) throw new UsageError(`${file}: no puzzles`);
  const loaded = loadCheckpointFromArgs(args, examples[0].inputs.length);
  if (loaded.config.puzzle_emb_ndim <= 0) {
    console.error(`${path.basename(loaded.path)}: ${noPuzzleEmbedding(loaded.config)}`);
    return 1;
  }
  await startBackend(args, false, false);
  const model = TrmModel.fromWeights(loaded.config, loaded.weights);
  const results: { summary: ProbeSummary; rows: ProbeRow[] }[] = [];
  try {
    console.log(
      `${examples.length} puzzle${examples.length === 1 ? '' : 's'} of ${file}, ${loaded.config.halt_max_steps} steps each (N_sup), puzzle-embedding rows: ${loaded.config.num_puzzle_identifiers} × ${loaded.config.puzzle_emb_ndim}`,
    );
    if (loaded.config.num_puzzle_identifiers === 1)
      console.log('note: the table has one row (every puzzle shares identifier 0): its mean is that row itself');
    for (const swap of swaps) {
      const r = await probePuzzleEmbedding(
        model,
        examples.map((e) => ({ id: e.id, inputs: e.inputs, labels: e.labels, puzzleIdentifier: e.puzzleIdentifier })),
        swap,
        {
          batchSize: int(args, 'batch-size', 1) ?? 32,
          onProgress: (d, t) => process.stderr.write(`\r${d}/${t} puzzles`),
        },
      );
      process.stderr.write('\n');
      results.push(r);
      if (!flag(args, 'quiet')) {
        console.log(`\nrow swapped for ${r.summary.swap}:`);
        for (const l of puzzleTable(r.rows)) console.log(`  ${l}`);
      }
    }
    console.log('\nper dataset:');
    for (const r of results) console.log(`  ${summaryLine(r.summary)}`);
    const out = str(args, 'out');
    if (out) {
      fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
      fs.writeFileSync(out, JSON.stringify({ checkpoint: loaded.path, data: file, results }, null, 2) + '\n');
      console.log(`wrote ${out}`);
    }
  } finally {
    model.dispose();
  }
  return 0;
}
