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
import { BACKEND_OPTION, CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  data: { value: true, required: true, valueName: 'dir', description: 'built dataset (its test/ split is evaluated)' },
  out: { value: true, valueName: 'results.json', description: 'write metrics and per-puzzle results as JSON' },
  overwrite: { value: false, description: 'replace an existing --out file' },
  limit: { value: true, valueName: 'N', description: 'evaluate only the first N test examples' },
  'batch-size': { value: true, valueName: 'B', description: 'examples per chunk (default 64)' },
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
  await startBackend(args);
  const model = TrmModel.fromWeights(c, loaded.weights, { source: loaded.path });
  const limit = int(args, 'limit', 1) ?? 0;
  const t0 = Date.now();
  let result;
  try {
    result = await evaluateSplit(model, set, meta, {
      batchSize: int(args, 'batch-size', 1) ?? 64,
      maxExamples: limit,
      perPuzzle: true,
      identifiers: ds.identifiers,
      onChunk: (done, total) => process.stderr.write(`\reval ${done}/${total}`),
    });
  } finally {
    model.dispose();
  }
  process.stderr.write('\n');
  const seconds = (Date.now() - t0) / 1000;
  const m = result.metrics;
  console.log(`${loaded.path} on ${dataDir} (${m.count} examples, ${seconds.toFixed(1)} s)`);
  for (const [k, v] of Object.entries(m)) console.log(`  ${k.padEnd(16)} ${Number.isInteger(v) ? v : v.toFixed(4)}`);
  if (outFile) {
    writeJsonAtomic(outFile, { checkpoint: loaded.path, data: dataDir, seconds, metrics: m, puzzles: result.puzzles });
    console.log(`wrote ${outFile}`);
  }
  return 0;
}
