// `trm eval`: evaluates a checkpoint on a built dataset's test split (or any puzzle file TRM Lens
// reads) the official way (every example runs halt_max_steps supervision steps, metrics from the
// last step) and writes per-puzzle results: today's `puzzles` list plus per-step records, failure
// modes and their counts (src/engine/eval/). With --out, finished batches go to a cache beside it,
// so `--resume` continues an interrupted evaluation without recomputing finished puzzles.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { BuiltDataset, BuiltSet, DatasetMetadata, readBuiltDataset } from '../../engine/data/built';
import '../../engine/train/gradients';
import { arcPassAtK, isArcVariantData } from '../../engine/train/evaluate';
import { readPuzzleFile } from '../../engine/data/puzzleFile';
import { CLI_CACHE_DIR, CACHE_VERSION, EvalCache, checkpointHash, contentHash } from '../../engine/eval/cache';
import { evaluatePuzzles } from '../../engine/eval/evaluatePuzzles';
import { type EvalSource, builtSource, examplesSource } from '../../engine/eval/source';
import { puzzleResultOf, summarize } from '../../engine/eval/summary';
import { type ArcVoteReport, arcVotes } from '../../engine/eval/arcVotes';
import { TrmModel } from '../../engine/model/trm';
import { writeJsonAtomic } from '../../engine/train/runDir';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';
import { Condition, ExpressionError, checkTypes } from '../../debug/conditions';
import { prepare, stepEndValues, typeScope as typeScopeFor } from '../../debug/traceExpressions';
import { createPuzzleTrace } from '../../engine/trace/tracer';
import { settlingLabel, stepSummaries } from '../../engine/analysis/settling';
import { BACKEND_OPTION, CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  data: {
    value: true,
    required: true,
    valueName: 'dir|file',
    description:
      'built dataset (its test/ split is evaluated), or a Sudoku CSV / ARC JSON / puzzle list with solutions',
  },
  out: { value: true, valueName: 'results.json', description: 'write metrics and per-puzzle results as JSON' },
  overwrite: { value: false, description: 'replace an existing --out file' },
  resume: {
    value: false,
    description: `continue an interrupted evaluation from the cache beside --out (${CLI_CACHE_DIR}/), computing only unfinished puzzles`,
  },
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

/** What --data names: a built dataset (its test split) or a puzzle file; the split's data for ARC voting. */
function openSource(
  dataDir: string,
  limit: number,
): { source: EvalSource; built?: { set: BuiltSet; meta: DatasetMetadata; identifiers?: string[] } } {
  const isBuilt =
    fs.statSync(dataDir).isDirectory() ||
    path.basename(dataDir) === 'dataset.json' ||
    path.basename(dataDir) === 'identifiers.json';
  if (!isBuilt) return { source: examplesSource(readPuzzleFile(dataDir), limit) };
  const ds = readBuiltDataset(dataDir);
  const { set, meta } = splitToEvaluate(ds, dataDir);
  return {
    source: builtSource(set, meta, ds.splits.test ? 'test' : Object.keys(ds.splits)[0], ds.identifiers, limit),
    built: { set, meta, identifiers: ds.identifiers },
  };
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
  const resume = flag(args, 'resume');
  if (resume && outFile === undefined) throw new UsageError('--resume needs --out (the cache lives beside it)');
  const limit = int(args, 'limit', 1) ?? 0;
  const { source, built } = openSource(dataDir, limit);
  const loaded = loadCheckpointFromArgs(args, source.seqLen);
  const c = loaded.config;
  if (built) {
    const meta = built.meta;
    if (c.vocab_size !== meta.vocab_size)
      throw new Error(
        `the checkpoint has vocab_size = ${c.vocab_size} but ${dataDir} has vocab_size = ${meta.vocab_size}`,
      );
    if (meta.num_puzzle_identifiers > c.num_puzzle_identifiers) {
      throw new Error(
        `${dataDir} uses ${meta.num_puzzle_identifiers} puzzle identifiers but the checkpoint's embedding table has ${c.num_puzzle_identifiers} rows`,
      );
    }
  }
  let cache: EvalCache | undefined;
  if (outFile !== undefined) {
    const configFile = fs.existsSync(loaded.configSource) ? loaded.configSource : undefined;
    cache = EvalCache.open(
      path.join(path.dirname(path.resolve(outFile)), CLI_CACHE_DIR),
      {
        version: CACHE_VERSION,
        checkpointHash: checkpointHash(loaded.path, configFile),
        datasetHash: contentHash(dataDir),
        checkpoint: path.resolve(loaded.path),
        data: path.resolve(dataDir),
        haltMaxSteps: c.halt_max_steps,
      },
      resume,
    );
  }
  const whereSrc = str(args, 'where');
  const where = whereSrc === undefined ? undefined : parseWhere(whereSrc, source.seqLen, c.vocab_size);
  const done = new Set([...(cache?.records.keys() ?? [])].filter((i) => i < source.count));
  if (done.size)
    process.stderr.write(`resuming: ${done.size} of ${source.count} puzzles already evaluated (${cache?.file})\n`);
  await startBackend(args);
  const model = TrmModel.fromWeights(c, loaded.weights, { source: loaded.path });
  const t0 = Date.now();
  let fresh;
  let matches: WhereMatch[] | undefined;
  try {
    fresh = await evaluatePuzzles(model, source, {
      batchSize: int(args, 'batch-size', 1) ?? 64,
      done,
      onBatch: (recs, finished, total) => {
        cache?.append(recs);
        process.stderr.write(`\reval ${finished}/${total}`);
      },
    });
    if (where) matches = await filterWhere(model, source, where, c.vocab_size);
  } finally {
    model.dispose();
  }
  process.stderr.write('\n');
  const seconds = (Date.now() - t0) / 1000;
  const records = cache ? cache.ordered(source.count) : fresh;
  const summary = summarize(records);
  const m = summary.metrics;
  const puzzles = records.map(puzzleResultOf);
  let votes: ArcVoteReport | undefined;
  if (built?.identifiers && isArcVariantData(built.identifiers)) {
    Object.assign(m, arcPassAtK(puzzles, built.set, built.meta, built.identifiers));
    votes = arcVotes(records, built.set, built.identifiers);
    const curve = votes.byAugmentations.map((a) => `${a.variants}: ${(a.pass1 * 100).toFixed(1)} %`).join(', ');
    console.log(`  ARC votes: pass@1 by number of voting variants: ${curve}`);
  }
  console.log(`${loaded.path} on ${dataDir} (${m.count} examples, ${seconds.toFixed(1)} s)`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(22)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  console.log('  failure modes:');
  for (const [k, v] of Object.entries(summary.failureCounts)) console.log(`    ${k.padEnd(28)} ${v}`);
  if (matches && whereSrc !== undefined) {
    console.log(`--where ${whereSrc}: ${matches.length} of ${source.count} puzzles`);
    for (const w of matches) console.log(`  row ${w.row}  ${w.settling.padEnd(15)}  ${w.summary}`);
  }
  if (outFile) {
    writeJsonAtomic(outFile, {
      checkpoint: loaded.path,
      data: dataDir,
      seconds,
      metrics: m,
      puzzles,
      haltMaxSteps: c.halt_max_steps,
      failureModes: summary.failureCounts,
      byHaltStep: summary.byHaltStep,
      confusion: summary.confusion,
      settling: summary.settling,
      resumedPuzzles: done.size,
      computedPuzzles: fresh.length,
      cache: cache?.file,
      ...(votes ? { arcVotes: votes } : {}),
      ...(matches ? { where: { expression: whereSrc, matches } } : {}),
      records,
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
function parseWhere(src: string, seqLen: number, vocab: number): Condition {
  let cond: Condition;
  try {
    cond = new Condition(src);
    const grid = gridOf(seqLen, vocab);
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
async function filterWhere(model: TrmModel, source: EvalSource, cond: Condition, vocab: number): Promise<WhereMatch[]> {
  const K = model.config.halt_max_steps;
  const grid = gridOf(source.seqLen, vocab);
  const out: WhereMatch[] = [];
  for (let row = 0; row < source.count; row++) {
    const b = source.batch([row]);
    // The trace's labels mark ignored cells with 0 (as datasets store them), the batch's with -100.
    const labels = b.labels ? Int32Array.from(b.labels, (l) => (l < 0 ? 0 : l)) : undefined;
    const trace = createPuzzleTrace(model, { inputs: b.inputs, puzzleIdentifier: b.puzzleIdentifiers[0], labels });
    try {
      const { values, scope } = stepEndValues(trace, K, grid);
      const env = await prepare(cond.expr, scope, await values());
      if (cond.test(env)) {
        const steps = await stepSummaries(trace, K);
        const last = steps[steps.length - 1];
        out.push({
          row,
          settling: settlingLabel(steps),
          summary: `${last.correct ? 'correct' : 'wrong'}, last ‖Δz‖ ${last.dz.toExponential(2)}, q_halt ${last.qHalt.toFixed(2)}`,
        });
      }
    } finally {
      trace.dispose();
    }
    process.stderr.write(`\rwhere ${row + 1}/${source.count}`);
  }
  process.stderr.write('\n');
  return out;
}
