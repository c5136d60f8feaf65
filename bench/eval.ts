// `npm run bench:eval`: throughput of the evaluation browser's evaluation (src/engine/eval/
// evaluatePuzzles: every N_sup step of every puzzle recorded, with z / y drift and cell
// confidence) against the bare official evaluation loop (fresh carry, N_sup actStep calls, logits
// read back; what `trm eval` computed before records) on the same backend, batch and puzzles, in
// the same process: the ratio is the cost of recording. Models: the bundled Sudoku demo
// (media/models/sudoku-small) and the paper-size Sudoku MLP-T (getPreset('sudoku-mlp'), random
// weights). Then a 1,000-puzzle evaluation of the demo model with the tensor count and memory
// after every batch (they must stay flat). Prints numbers; asserts nothing about speed.
// Flags: --puzzles N (demo throughput, default 256), --paper-puzzles N (default 64; 0 skips the row),
// --paper-batch B (default --batch), --batch B (64),
// --memory-puzzles N (1000), --backend NAME.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type BackendName, selectBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { getPreset } from '../src/engine/config';
import { generatedSudokuRecords } from '../src/engine/data/buildInputs';
import { DataRng } from '../src/engine/data/rng';
import type { PuzzleExample } from '../src/engine/data/puzzleFile';
import { evaluatePuzzles } from '../src/engine/eval/evaluatePuzzles';
import { scorePolicy, standardPolicies } from '../src/engine/eval/policies';
import { examplesSource, type EvalSource } from '../src/engine/eval/source';
import { summarize } from '../src/engine/eval/summary';
import { actStep, disposeCarry, initialCarry } from '../src/engine/model/act';
import { TrmModel } from '../src/engine/model/trm';
import '../src/engine/train/gradients';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const argStr = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function sudokus(count: number, seed: number): PuzzleExample[] {
  return generatedSudokuRecords(count, 50, new DataRng(seed)).map((r, i) => ({
    id: `generated/${i}`,
    kind: 'sudoku',
    inputs: r.question,
    labels: r.answer,
    puzzleIdentifier: 0,
  }));
}

/** The bare official evaluation: per batch a fresh carry and N_sup eval-mode steps, logits read back. */
async function bareEvaluation(model: TrmModel, source: EvalSource, B: number): Promise<void> {
  for (let start = 0; start < source.count; start += B) {
    const batch = source.batch(Array.from({ length: B }, (_, j) => (start + j < source.count ? start + j : -1)));
    let carry = initialCarry(model, B);
    try {
      for (let k = 0; k < model.config.halt_max_steps; k++) {
        const r = await actStep(model, carry, batch, { mode: 'eval' });
        carry = r.carry;
        await r.logits.data();
        r.logits.dispose();
      }
    } finally {
      disposeCarry(carry);
    }
  }
}

async function throughput(label: string, model: TrmModel, examples: PuzzleExample[], B: number): Promise<void> {
  const source = examplesSource(examples);
  // Warm-up: one batch of the same shape (kernel compilation, wasm thread start), one step deep.
  const warm = source.batch(Array.from({ length: B }, (_, j) => (j < examples.length ? j : -1)));
  const c0 = initialCarry(model, B);
  const w = await actStep(model, c0, warm, { mode: 'eval' });
  await w.logits.data();
  w.logits.dispose();
  disposeCarry(w.carry);
  let t = performance.now();
  await bareEvaluation(model, source, B);
  const bare = (performance.now() - t) / 1000;
  t = performance.now();
  const recs = await evaluatePuzzles(model, source, { batchSize: B });
  const rec = (performance.now() - t) / 1000;
  const exact = recs.filter((r) => r.exact).length / recs.length;
  console.log(
    `${label}: ${examples.length} puzzles, batch ${B}, N_sup ${model.config.halt_max_steps}: ` +
      `records ${(examples.length / rec).toPrecision(3)} puzzles/s (${rec.toFixed(1)} s), ` +
      `bare loop ${(examples.length / bare).toPrecision(3)} puzzles/s (${bare.toFixed(1)} s), ` +
      `records/bare time ratio ${(rec / bare).toFixed(3)}; exact ${(exact * 100).toFixed(1)} %`,
  );
}

async function main(): Promise<void> {
  const backend = await selectBackend({
    prefer: argStr('backend') as BackendName | undefined,
    wasmDir: path.resolve(__dirname, '..') + path.sep,
  });
  console.log(`backend: ${backend.description}`);
  const B = arg('batch', 64);
  const root = path.resolve(__dirname, '../..');
  const demoFile = path.join(root, 'media/models/sudoku-small/model.safetensors');
  const loaded = loadCheckpoint(demoFile, { seqLen: 81 });
  const demo = TrmModel.fromWeights(loaded.config, loaded.weights, { source: demoFile });
  await throughput('bundled demo model (hidden 64)', demo, sudokus(arg('puzzles', 256), 7), B);

  if (arg('paper-puzzles', 64) > 0) {
    const paperCfg = getPreset('sudoku-mlp');
    const paper = TrmModel.initialise(paperCfg, 1234);
    await throughput(
      `paper-size sudoku-mlp (hidden ${paperCfg.hidden_size}, H_cycles ${paperCfg.H_cycles}, L_cycles ${paperCfg.L_cycles}, N_sup ${paperCfg.halt_max_steps}, seeded random weights)`,
      paper,
      sudokus(arg('paper-puzzles', 64), 8),
      arg('paper-batch', B),
    );
    paper.dispose();
  }

  const N = arg('memory-puzzles', 1000);
  const source = examplesSource(sudokus(N, 9));
  const before = tf.memory().numTensors;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss / 2 ** 20;
  const counts: number[] = [];
  const heaps: number[] = [];
  const t = performance.now();
  const records = await evaluatePuzzles(demo, source, {
    batchSize: B,
    onBatch: () => {
      counts.push(tf.memory().numTensors);
      heaps.push(process.memoryUsage().rss / 2 ** 20);
    },
  });
  const s = (performance.now() - t) / 1000;
  console.log(
    `memory over a ${N}-puzzle evaluation (demo model, batch ${B}, ${(N / s).toFixed(1)} puzzles/s): tensors before ${before}, ` +
      `after each of ${counts.length} batches min ${Math.min(...counts)} max ${Math.max(...counts)} (constant: ${Math.min(...counts) === Math.max(...counts)}), ` +
      `after ${tf.memory().numTensors}; backend bytes ${tf.memory().numBytes}; RSS before ${rssBefore.toFixed(0)} MiB, after the first batch ${heaps[0].toFixed(0)}, after the last ${heaps[heaps.length - 1].toFixed(0)}, max ${Math.max(...heaps).toFixed(0)} MiB`,
  );
  // The halting-policy lab on these records: accuracy against compute, nothing recomputed.
  console.log(`halting policies on the ${N} puzzles (demo model, N_sup ${demo.config.halt_max_steps}):`);
  for (const p of standardPolicies(demo.config.halt_max_steps)) {
    const sc = scorePolicy(p, records);
    console.log(
      `  ${p.label.padEnd(36)} exact ${(sc.accuracy * 100).toFixed(1).padStart(5)} %  mean steps ${sc.meanSteps.toFixed(2)}`,
    );
  }
  const counts2 = summarize(records).failureCounts;
  console.log(
    `failure modes: ${Object.entries(counts2)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  demo.dispose();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
