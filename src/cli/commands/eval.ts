// `trm eval`: evaluates a checkpoint on a built dataset's test split the official way (every example
// runs halt_max_steps supervision steps, metrics from the last step) and writes per-puzzle results.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuiltDataset, BuiltSet, DatasetMetadata, readBuiltDataset } from '../../engine/data/built';
import '../../engine/train/gradients';
import { evaluateSplit } from '../../engine/train/evaluate';
import { TrmModel } from '../../engine/model/trm';
import { writeJsonAtomic } from '../../engine/train/runDir';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';
import { Condition, ExpressionError, checkTypes } from '../../debug/conditions';
import { prepare, stepEndValues, typeScope as typeScopeFor } from '../../debug/traceExpressions';
import { createPuzzleTrace } from '../../engine/trace/tracer';
import { settlingLabel, stepSummaries } from '../../engine/analysis/settling';
import type { PuzzleResult } from '../../engine/train/evaluate';
import { BACKEND_OPTION, CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  data: { value: true, required: true, valueName: 'dir', description: 'built dataset (its test/ split is evaluated)' },
  out: { value: true, valueName: 'results.json', description: 'write metrics and per-puzzle results as JSON' },
  overwrite: { value: false, description: 'replace an existing --out file' },
  limit: { value: true, valueName: 'N', description: 'evaluate only the first N test examples' },
  'batch-size': { value: true, valueName: 'B', description: 'examples per chunk (default 64)' },
  where: {
    value: true,
    valueName: 'expr',
    description:
      "list the puzzles where a watch expression holds at the end of the episode, e.g. 'settled_wrong' or 'drift(z) < 1e-3 && !correct' (the debugger's expression language)",
  },
  backend: BACKEND_OPTION,
  help: { value: false, description: 'show this help' },
};

/**
 * The split `trm eval` evaluates: the root's test/ split, or the split folder --data names itself.
 * Never another split in its place: a root whose test/ split is missing or unreadable is an error.
 */
function splitToEvaluate(ds: BuiltDataset, dataDir: string): { set: BuiltSet; meta: DatasetMetadata } {
  const isSplitFolder = fs.existsSync(path.join(dataDir, 'dataset.json')) || path.basename(dataDir) === 'dataset.json';
  const split = isSplitFolder ? Object.values(ds.splits)[0] : ds.splits.test;
  if (!split) {
    const testDir = path.join(dataDir, 'test');
    const why = fs.existsSync(testDir)
      ? `${testDir} has no dataset.json`
      : `there is no test/ folder (splits found: ${Object.keys(ds.splits).join(', ')})`;
    throw new Error(
      `${dataDir}: no test split to evaluate: ${why}; to evaluate another split, pass its folder (e.g. --data ${path.join(dataDir, Object.keys(ds.splits)[0] ?? 'train')})`,
    );
  }
  if (split.sets.length !== 1)
    throw new Error(
      `${dataDir}: the split has ${split.sets.length} sets (${split.meta.sets.join(', ')}); trm eval reads one`,
    );
  return { set: split.sets[0], meta: split.meta };
}

export async function runEval(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'eval --checkpoint <file> --data <dir> [--out results.json]',
        'Evaluate a checkpoint: exact accuracy, cell accuracy, q-halt accuracy, mean halting step (ARC: pass@K with voting).',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'eval');
  const dataDir = str(args, 'data')!;
  if (!fs.existsSync(dataDir)) throw new UsageError(`--data ${dataDir} does not exist`);
  const outFile = str(args, 'out');
  if (outFile !== undefined && fs.existsSync(outFile) && !flag(args, 'overwrite'))
    throw new UsageError(`--out ${outFile} already exists; pass --overwrite to replace it or choose another file`);
  const ds = readBuiltDataset(dataDir);
  const { set, meta } = splitToEvaluate(ds, dataDir);
  const loaded = loadCheckpointFromArgs(args, meta.seq_len);
  const c = loaded.config;
  for (const k of ['vocab_size'] as const) {
    if (c[k] !== meta[k]) throw new Error(`the checkpoint has ${k} = ${c[k]} but ${dataDir} has ${k} = ${meta[k]}`);
  }
  if (meta.num_puzzle_identifiers > c.num_puzzle_identifiers) {
    throw new Error(
      `${dataDir} uses ${meta.num_puzzle_identifiers} puzzle identifiers but the checkpoint's embedding table has ${c.num_puzzle_identifiers} rows`,
    );
  }
  const whereSrc = str(args, 'where');
  const where = whereSrc === undefined ? undefined : parseWhere(whereSrc, set, c.vocab_size);
  await startBackend(args);
  const model = TrmModel.fromWeights(c, loaded.weights, { source: loaded.path });
  const limit = int(args, 'limit', 1) ?? 0;
  const t0 = Date.now();
  let result;
  let matches: WhereMatch[] | undefined;
  try {
    result = await evaluateSplit(model, set, meta, {
      batchSize: int(args, 'batch-size', 1) ?? 64,
      maxExamples: limit,
      perPuzzle: true,
      identifiers: ds.identifiers,
      onChunk: (done, total) => process.stderr.write(`\reval ${done}/${total}`),
    });
    if (where) matches = await filterWhere(model, set, result.puzzles, where, c.vocab_size);
  } finally {
    model.dispose();
  }
  process.stderr.write('\n');
  const seconds = (Date.now() - t0) / 1000;
  const m = result.metrics;
  console.log(`${loaded.path} on ${dataDir} (${m.count} examples, ${seconds.toFixed(1)} s)`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(16)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  if (matches && whereSrc !== undefined) {
    console.log(`--where ${whereSrc}: ${matches.length} of ${result.puzzles.length} puzzles`);
    for (const w of matches) console.log(`  row ${w.row}  ${w.settling.padEnd(15)}  ${w.summary}`);
  }
  if (outFile) {
    writeJsonAtomic(outFile, {
      checkpoint: loaded.path,
      data: dataDir,
      seconds,
      metrics: m,
      puzzles: result.puzzles,
      ...(matches ? { where: { expression: whereSrc, matches } } : {}),
    });
    console.log(`wrote ${outFile}`);
  }
  return 0;
}

// ---- --where: the debugger's expression language over each puzzle's episode ------------------------

interface WhereMatch {
  row: number;
  settling: string;
  summary: string;
}

interface GridShape {
  width: number;
  height: number;
  display: (id: number) => number;
}

/** Square grids (Sudoku 9x9, mazes and ARC 30x30); Sudoku shows digits (token id − 1). */
function gridOf(seqLen: number, vocab: number): GridShape {
  const side = Math.round(Math.sqrt(seqLen));
  const square = side * side === seqLen;
  const sudoku = seqLen === 81 && vocab === 11;
  return {
    width: square ? side : seqLen,
    height: square ? side : 1,
    display: sudoku ? (id) => (id >= 2 && id <= 10 ? id - 1 : 0) : (id) => id,
  };
}

/** Parses and type-checks --where before any work, so a typo fails at once with its column. */
function parseWhere(src: string, set: BuiltSet, vocab: number): Condition {
  let cond: Condition;
  try {
    cond = new Condition(src);
    const grid = gridOf(set.seqLen, vocab);
    const cells = (n: string): boolean => {
      const m = /^r(\d+)c(\d+)$/.exec(n);
      return !!m && Number(m[1]) >= 1 && Number(m[1]) <= grid.height && Number(m[2]) >= 1 && Number(m[2]) <= grid.width;
    };
    const t = checkTypes(cond.expr, whereScope(cells));
    if (t !== 'boolean') throw new ExpressionError(`it gives a ${t === 'grid' ? 'per-cell grid' : t}, not true/false`);
  } catch (e) {
    if (e instanceof ExpressionError) {
      const caret = e.column ? `\n  ${src}\n  ${' '.repeat(e.column - 1)}^` : '';
      throw new UsageError(`--where '${src}': ${e.message}${caret}`);
    }
    throw e;
  }
  return cond;
}

/** Built datasets carry labels, so the label names (correct, settled_wrong, …) are available. */
function whereScope(isCell: (n: string) => boolean): ReturnType<typeof typeScopeFor> {
  return typeScopeFor(isCell, true);
}

/** Evaluates the condition at the end of every evaluated puzzle's episode (halt_max_steps steps). */
async function filterWhere(
  model: TrmModel,
  set: BuiltSet,
  puzzles: PuzzleResult[],
  cond: Condition,
  vocab: number,
): Promise<WhereMatch[]> {
  const S = set.seqLen;
  const K = model.config.halt_max_steps;
  const grid = gridOf(S, vocab);
  const out: WhereMatch[] = [];
  let done = 0;
  for (const p of puzzles) {
    const trace = createPuzzleTrace(model, {
      inputs: set.inputs.slice(p.row * S, (p.row + 1) * S),
      puzzleIdentifier: set.puzzleIdentifiers[p.row],
      labels: set.labels.slice(p.row * S, (p.row + 1) * S),
    });
    try {
      const { values, scope } = stepEndValues(trace, K, grid);
      const env = await prepare(cond.expr, scope, await values());
      if (cond.test(env)) {
        const steps = await stepSummaries(trace, K);
        const last = steps[steps.length - 1];
        out.push({
          row: p.row,
          settling: settlingLabel(steps),
          summary: `${last.correct ? 'correct' : 'wrong'}, last ‖Δz‖ ${last.dz.toExponential(2)}, q_halt ${last.qHalt.toFixed(2)}`,
        });
      }
    } finally {
      trace.dispose();
    }
    process.stderr.write(`\rwhere ${++done}/${puzzles.length}`);
  }
  process.stderr.write('\n');
  return out;
}
