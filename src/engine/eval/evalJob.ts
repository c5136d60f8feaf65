// One evaluation as the evaluation browser asks for it: open the dataset (any format TRM Lens reads;
// a built dataset's test split, as `trm eval` reads it), load the checkpoint, resume from the cache
// for (checkpoint hash, dataset hash), evaluate the rest batch by batch (each batch appended to the
// cache at once), and return every record. Runs in the evaluation worker; needs a selected backend.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../checkpoint';
import { readBuiltDataset } from '../data/built';
import { readPuzzleFile } from '../data/puzzleFile';
import { TrmModel } from '../model/trm';
import '../train/gradients';
import { testSplitOf } from '../train/evaluate';
import { CACHE_VERSION, EvalCache, checkpointHash, contentHash } from './cache';
import { evaluatePuzzles } from './evaluatePuzzles';
import { type EvalSource, builtSource, examplesSource } from './source';
import type { EvalPuzzleRecord } from './types';

export interface EvalJob {
  checkpoint: string;
  config?: string;
  data: string;
  /** First N puzzles only (0 = all). */
  limit: number;
  batchSize: number;
  cacheDir: string;
}

export interface EvalJobResult {
  checkpoint: string;
  data: string;
  haltMaxSteps: number;
  /** T = H_cycles and n = L_cycles (where the debugger stops: the last y revision of a step). */
  hCycles: number;
  lCycles: number;
  records: EvalPuzzleRecord[];
  resumed: number;
  computed: number;
  seconds: number;
  cacheFile: string;
}

/** The puzzles of `data`: a built dataset's test split (or the split folder named), else readPuzzleFile. */
export function openEvalSource(data: string, limit: number): EvalSource {
  if (!fs.existsSync(data)) throw new Error(`${data} does not exist`);
  const dir = fs.statSync(data).isDirectory();
  if (dir && !fs.existsSync(path.join(data, 'dataset.json'))) {
    const ds = readBuiltDataset(data);
    const { set, meta } = testSplitOf(ds, data);
    return builtSource(set, meta, ds.splits.test ? 'test' : Object.keys(ds.splits)[0], ds.identifiers, limit);
  }
  return examplesSource(readPuzzleFile(data), limit);
}

export async function runEvalJob(
  job: EvalJob,
  onProgress: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<EvalJobResult> {
  const t0 = Date.now();
  const source = openEvalSource(job.data, job.limit);
  const loaded = loadCheckpoint(job.checkpoint, { configPath: job.config, seqLen: source.seqLen });
  const c = loaded.config;
  const configFile = job.config ?? (fs.existsSync(loaded.configSource) ? loaded.configSource : undefined);
  const cache = EvalCache.open(
    job.cacheDir,
    {
      version: CACHE_VERSION,
      checkpointHash: checkpointHash(loaded.path, configFile),
      datasetHash: contentHash(job.data),
      checkpoint: path.resolve(loaded.path),
      data: path.resolve(job.data),
      haltMaxSteps: c.halt_max_steps,
    },
    true,
  );
  const done = new Set([...cache.records.keys()].filter((i) => i < source.count));
  onProgress(done.size, source.count);
  let computed = 0;
  if (done.size < source.count) {
    const model = TrmModel.fromWeights(c, loaded.weights, { source: loaded.path });
    try {
      const fresh = await evaluatePuzzles(model, source, {
        batchSize: job.batchSize,
        done,
        signal,
        onBatch: (recs, finished, total) => {
          cache.append(recs);
          onProgress(finished, total);
        },
      });
      computed = fresh.length;
    } finally {
      model.dispose();
    }
  }
  return {
    checkpoint: loaded.path,
    data: job.data,
    haltMaxSteps: c.halt_max_steps,
    hCycles: c.H_cycles,
    lCycles: c.L_cycles,
    records: cache.ordered(source.count),
    resumed: done.size,
    computed,
    seconds: (Date.now() - t0) / 1000,
    cacheFile: cache.file,
  };
}
