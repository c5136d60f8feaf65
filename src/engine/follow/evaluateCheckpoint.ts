// Evaluates one followed checkpoint the official way (train/evaluate.ts: every example runs
// halt_max_steps supervision steps, metrics from the last one) on the first `limit` examples of a built
// dataset's test split, keeping per-puzzle exactness and halting for comparisons. The dataset is read
// once per folder and kept; the model is freed after every evaluation. Needs a selected backend.

import * as fs from 'node:fs';
import { loadCheckpoint } from '../checkpoint';
import { type BuiltSet, type DatasetMetadata, readBuiltDataset } from '../data/built';
import { TrmModel } from '../model/trm';
import '../train/gradients';
import { evaluateSplit, testSplitOf } from '../train/evaluate';
import type { FollowEvalJob, FollowEvalOutcome } from './types';

interface CachedData {
  key: string;
  set: BuiltSet;
  meta: DatasetMetadata;
}
let cached: CachedData | undefined;

function evalSet(dir: string): CachedData {
  const metaFile = [`${dir}/test/dataset.json`, `${dir}/dataset.json`].find((f) => fs.existsSync(f));
  const key = `${dir}|${metaFile ? fs.statSync(metaFile).mtimeMs : 0}`;
  if (cached?.key === key) return cached;
  if (!fs.existsSync(dir)) throw new Error(`evaluation set ${dir} does not exist (expected a built dataset folder)`);
  const { set, meta } = testSplitOf(readBuiltDataset(dir), dir);
  cached = { key, set, meta };
  return cached;
}

export async function evaluateCheckpointFile(job: FollowEvalJob): Promise<FollowEvalOutcome> {
  const t0 = Date.now();
  const { set, meta } = evalSet(job.data);
  const loaded = loadCheckpoint(job.file, { configPath: job.configPath, seqLen: meta.seq_len });
  const c = loaded.config;
  if (c.vocab_size !== meta.vocab_size)
    throw new Error(
      `${job.file} has vocab_size ${c.vocab_size} but the evaluation set ${job.data} has ${meta.vocab_size}: choose the dataset this run trains on`,
    );
  if (meta.num_puzzle_identifiers > c.num_puzzle_identifiers)
    throw new Error(
      `${job.data} uses ${meta.num_puzzle_identifiers} puzzle identifiers but ${job.file} has ${c.num_puzzle_identifiers} embedding rows`,
    );
  const model = TrmModel.fromWeights(c, loaded.weights, { source: loaded.path });
  try {
    const r = await evaluateSplit(model, set, meta, {
      batchSize: job.batchSize,
      maxExamples: job.limit,
      perPuzzle: true,
    });
    return {
      metrics: r.metrics,
      puzzles: r.puzzles.map((p) => ({
        row: p.row,
        exact: p.exact,
        cellAccuracy: p.cellAccuracy,
        haltStep: p.haltStep,
        firstCorrectStep: p.firstCorrectStep,
      })),
      seconds: (Date.now() - t0) / 1000,
      configSource: loaded.configSource,
      haltMaxSteps: c.halt_max_steps,
      warnings: loaded.warnings,
    };
  } finally {
    model.dispose();
  }
}
