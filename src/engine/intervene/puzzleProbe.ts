// The puzzle-identifier probe: how much does a model's answer rely on its puzzle-embedding row
// (trm.py `_Inner._input_embeddings`: the row of `puzzle_emb` for the puzzle identifier, put in
// front of the token embeddings)? The row is swapped for a blank one (zeros), the mean of all rows,
// a seeded random row (the table's own mean and spread), or another identifier's row, and every
// puzzle runs all N_sup = halt_max_steps steps both ways (eval mode, pretrain.py `evaluate`);
// reliance is the change in exact accuracy, cell accuracy and q_halt. Batched, on the model's own
// step (TrmModel.step), so the baseline equals `trm eval`'s answer.

import * as tf from '@tensorflow/tfjs-core';
import type { TrmConfig } from '../config';
import type { TrmModel } from '../model/trm';
import { argmaxRows } from '../model/losses';
import { createRng } from '../model/rng';
import { noPuzzleEmbedding } from './patch';

export type RowSwap =
  { mode: 'blank' } | { mode: 'mean' } | { mode: 'random'; seed: number } | { mode: 'puzzle'; puzzleId: number };

export function describeSwap(s: RowSwap): string {
  switch (s.mode) {
    case 'blank':
      return 'blank (zeros)';
    case 'mean':
      return 'mean of all rows';
    case 'random':
      return `random (seed ${s.seed})`;
    case 'puzzle':
      return `the row of puzzle identifier ${s.puzzleId}`;
  }
}

/** Parses "blank", "mean", "random", "random:7", "puzzle:12" (the CLI's and the debugger's spelling). */
export function parseRowSwap(text: string): RowSwap {
  const t = text.trim();
  if (t === 'blank' || t === 'zero' || t === 'zeros') return { mode: 'blank' };
  if (t === 'mean') return { mode: 'mean' };
  const m = /^(random|puzzle|id)(?:[:(]\s*(-?\d+)\s*\)?)?$/.exec(t);
  if (m && m[1] === 'random') return { mode: 'random', seed: m[2] !== undefined ? Number(m[2]) : 0 };
  if (m && m[2] !== undefined) return { mode: 'puzzle', puzzleId: Number(m[2]) };
  throw new Error(
    `unknown puzzle-embedding swap '${text}': use blank, mean, random, random:<seed> or puzzle:<identifier>`,
  );
}

async function puzzleTable(model: TrmModel): Promise<{ rows: number; dim: number; data: Float32Array }> {
  const c = model.config;
  const host = model.params.hostPuzzleTable;
  if (host) return { rows: host.rows, dim: host.dim, data: host.data };
  const v = model.params.get('puzzle_emb.weights');
  return { rows: c.num_puzzle_identifiers, dim: c.puzzle_emb_ndim, data: (await v.data()) as Float32Array };
}

/** The replacement row (puzzle_emb_ndim values). Throws one clear message for models without a puzzle embedding. */
export async function puzzleRow(model: TrmModel, swap: RowSwap): Promise<Float32Array> {
  const c: TrmConfig = model.config;
  if (c.puzzle_emb_ndim <= 0) throw new Error(noPuzzleEmbedding(c));
  const n = c.puzzle_emb_ndim;
  if (swap.mode === 'blank') return new Float32Array(n);
  const table = await puzzleTable(model);
  if (swap.mode === 'puzzle') {
    if (!Number.isInteger(swap.puzzleId) || swap.puzzleId < 0 || swap.puzzleId >= table.rows)
      throw new Error(
        `puzzle identifier ${swap.puzzleId} is outside the embedding table 0..${table.rows - 1} (num_puzzle_identifiers ${table.rows})`,
      );
    return Float32Array.from(table.data.subarray(swap.puzzleId * n, (swap.puzzleId + 1) * n));
  }
  const mean = new Float64Array(n);
  for (let r = 0; r < table.rows; r++) for (let d = 0; d < n; d++) mean[d] += table.data[r * n + d];
  for (let d = 0; d < n; d++) mean[d] /= table.rows;
  if (swap.mode === 'mean') return Float32Array.from(mean);
  // random: Gaussian with the table's overall mean and standard deviation (Box-Muller on the seeded generator).
  let sum = 0;
  let sq = 0;
  for (const v of table.data) {
    sum += v;
    sq += v * v;
  }
  const mu = sum / table.data.length;
  const sd = Math.sqrt(Math.max(0, sq / table.data.length - mu * mu)) || 1;
  const rng = createRng(swap.seed);
  const out = new Float32Array(n);
  for (let d = 0; d < n; d++) {
    const u = Math.max(rng(), 1e-12);
    out[d] = mu + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  }
  return out;
}

export interface ProbeExample {
  id: string;
  inputs: Int32Array;
  labels?: Int32Array;
  puzzleIdentifier: number;
}

export interface RunOutcome {
  /** Every labelled cell right after the last step (undefined without labels). */
  correct?: boolean;
  cellAccuracy?: number;
  /** q_halt after the last step, and the first step whose q_halt > 0 (undefined: never). */
  qHalt: number;
  haltStep?: number;
}

export interface ProbeRow {
  id: string;
  puzzleIdentifier: number;
  baseline: RunOutcome;
  swapped: RunOutcome;
  /** Decoded cells that differ between the two answers. */
  cellsChanged: number;
}

export interface ProbeSummary {
  swap: string;
  puzzles: number;
  labelled: number;
  exactBaseline: number;
  exactSwapped: number;
  cellBaseline: number;
  cellSwapped: number;
  meanQHaltBaseline: number;
  meanQHaltSwapped: number;
  /** exact accuracy lost by the swap, as a fraction of the baseline (1 = all of it; 0 when the baseline is 0). */
  reliance: number;
  meanCellsChanged: number;
}

/** Runs all halt_max_steps steps for a batch with the given x; returns preds and q_halt per step end. */
async function runBatch(
  model: TrmModel,
  x: tf.Tensor3D,
  B: number,
): Promise<{ preds: Int32Array; qHalt: Float32Array; haltStep: (number | undefined)[] }> {
  const K = model.config.halt_max_steps;
  let state = model.initialState(B);
  const haltStep: (number | undefined)[] = new Array<number | undefined>(B).fill(undefined);
  let preds: Int32Array = new Int32Array(0);
  let qHalt = new Float32Array(B);
  try {
    for (let k = 1; k <= K; k++) {
      const out = model.step(state, x);
      tf.dispose([state.y, state.z]);
      state = out.state;
      const [logits, qh] = (await Promise.all([out.logits.data(), out.qHalt.data()])) as Float32Array[];
      tf.dispose([out.logits, out.qHalt, out.qContinue]);
      qHalt = Float32Array.from(qh);
      for (let b = 0; b < B; b++) if (haltStep[b] === undefined && qHalt[b] > 0) haltStep[b] = k;
      if (k === K) preds = argmaxRows(logits, model.config.vocab_size);
    }
  } finally {
    tf.dispose([state.y, state.z]);
  }
  return { preds, qHalt, haltStep };
}

function outcome(preds: Int32Array, labels: Int32Array | undefined, qHalt: number, haltStep?: number): RunOutcome {
  const o: RunOutcome = { qHalt, ...(haltStep !== undefined ? { haltStep } : {}) };
  if (!labels) return o;
  let n = 0;
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0 || labels[i] === -100) continue;
    n++;
    if (preds[i] === labels[i]) ok++;
  }
  if (n > 0) {
    o.correct = ok === n;
    o.cellAccuracy = ok / n;
  }
  return o;
}

/** Runs every example with its own row and with the swapped row; per-puzzle outcomes and a summary. */
export async function probePuzzleEmbedding(
  model: TrmModel,
  examples: readonly ProbeExample[],
  swap: RowSwap,
  opts: { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ rows: ProbeRow[]; summary: ProbeSummary }> {
  const c = model.config;
  if (c.puzzle_emb_ndim <= 0) throw new Error(noPuzzleEmbedding(c));
  const S = c.seq_len;
  for (const e of examples)
    if (e.inputs.length !== S)
      throw new Error(`puzzle ${e.id} has ${e.inputs.length} cells but the model's seq_len is ${S}`);
  const row = await puzzleRow(model, swap);
  const batchSize = Math.max(1, opts.batchSize ?? 32);
  const rows: ProbeRow[] = [];
  for (let start = 0; start < examples.length; start += batchSize) {
    const chunk = examples.slice(start, start + batchSize);
    const B = chunk.length;
    const inputs = new Int32Array(B * S);
    chunk.forEach((e, b) => inputs.set(e.inputs, b * S));
    const ids = Int32Array.from(chunk.map((e) => e.puzzleIdentifier));
    const tokens = tf.tensor2d(inputs, [B, S], 'int32');
    const swapRows = tf.tensor2d(
      Float32Array.from({ length: B * row.length }, (_, i) => row[i % row.length]),
      [B, row.length],
    );
    const xBase = model.embed(tokens, ids);
    const xSwap = model.embed(tokens, ids, { puzzleRows: swapRows });
    try {
      const base = await runBatch(model, xBase, B);
      const swapped = await runBatch(model, xSwap, B);
      chunk.forEach((e, b) => {
        const pb = base.preds.subarray(b * S, (b + 1) * S);
        const ps = swapped.preds.subarray(b * S, (b + 1) * S);
        let changed = 0;
        for (let i = 0; i < S; i++) if (pb[i] !== ps[i]) changed++;
        rows.push({
          id: e.id,
          puzzleIdentifier: e.puzzleIdentifier,
          baseline: outcome(pb, e.labels, base.qHalt[b], base.haltStep[b]),
          swapped: outcome(ps, e.labels, swapped.qHalt[b], swapped.haltStep[b]),
          cellsChanged: changed,
        });
      });
    } finally {
      tf.dispose([tokens, swapRows, xBase, xSwap]);
    }
    opts.onProgress?.(rows.length, examples.length);
  }
  return { rows, summary: summarise(rows, describeSwap(swap)) };
}

export function summarise(rows: readonly ProbeRow[], swap: string): ProbeSummary {
  const labelled = rows.filter((r) => r.baseline.correct !== undefined);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const exactBaseline = mean(labelled.map((r) => (r.baseline.correct ? 1 : 0)));
  const exactSwapped = mean(labelled.map((r) => (r.swapped.correct ? 1 : 0)));
  return {
    swap,
    puzzles: rows.length,
    labelled: labelled.length,
    exactBaseline,
    exactSwapped,
    cellBaseline: mean(labelled.map((r) => r.baseline.cellAccuracy ?? 0)),
    cellSwapped: mean(labelled.map((r) => r.swapped.cellAccuracy ?? 0)),
    meanQHaltBaseline: mean(rows.map((r) => r.baseline.qHalt)),
    meanQHaltSwapped: mean(rows.map((r) => r.swapped.qHalt)),
    reliance: exactBaseline > 0 ? (exactBaseline - exactSwapped) / exactBaseline : 0,
    meanCellsChanged: mean(rows.map((r) => r.cellsChanged)),
  };
}
