// Evaluation as pretrain.py does it (pretrain.py `evaluate`): the test split in order, chunks
// of the batch size (short last chunk padded), a fresh carry per chunk, exactly halt_max_steps ACT
// steps in eval mode, metrics from the last step: exact accuracy, cell accuracy, q-halt accuracy.
// Also "mean steps": the first step at which q_halt > 0 (where training would halt; N_sup if never),
// and, when the identifiers are ARC variant names, pass@K with augmentation voting (evaluators/arc.py).

import type { BuiltDataset, BuiltSet, DatasetMetadata } from '../data/built';
import { invertPrediction } from '../data/augment';
import { ActBatch, actStep, disposeCarry, initialCarry } from '../model/act';
import { actLossHost } from '../model/losses';
import type { TrmModel } from '../model/trm';
import { ARC_CANVAS, Grid, decodeArcGrid } from '../tasks/arc';
import { batchFromRows } from './sampler';

export interface PuzzleResult {
  row: number;
  puzzleIdentifier: number;
  exact: boolean;
  cellAccuracy: number;
  /** sigmoid(q_halt) after the last step. */
  haltProbability: number;
  /** First supervision step with q_halt > 0 (N_sup when never). */
  haltStep: number;
  /** First supervision step whose prediction was entirely right (0 when none). */
  firstCorrectStep: number;
  /** Answer cells that changed between consecutive supervision steps (length N_sup - 1). */
  revisions: number[];
  prediction: number[];
}

export interface EvalResult {
  metrics: Record<string, number>;
  puzzles: PuzzleResult[];
}

export interface EvalOptions {
  batchSize: number;
  /** Evaluate only the first N examples (0 = all). */
  maxExamples?: number;
  /** Keep per-puzzle predictions (trm eval). */
  perPuzzle?: boolean;
  identifiers?: string[];
  /** Called after each chunk (progress, cancellation checks). */
  onChunk?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export async function evaluateSplit(
  model: TrmModel,
  set: BuiltSet,
  meta: DatasetMetadata,
  opts: EvalOptions,
): Promise<EvalResult> {
  const c = model.config;
  const S = c.seq_len,
    V = c.vocab_size,
    K = c.halt_max_steps;
  const total = opts.maxExamples ? Math.min(opts.maxExamples, set.numExamples) : set.numExamples;
  if (total < 1) throw new Error('evaluation split has no examples');
  const B = Math.max(1, Math.min(opts.batchSize, total));
  const puzzles: PuzzleResult[] = [];
  const sums = { count: 0, accuracy: 0, exact: 0, qHalt: 0, haltStep: 0, lmLoss: 0, qHaltLoss: 0, examples: 0 };
  for (let start = 0; start < total; start += B) {
    if (opts.signal?.aborted) throw new Error('evaluation cancelled');
    const rows = Array.from({ length: B }, (_, i) => (start + i < total ? start + i : -1));
    const batch: ActBatch = batchFromRows(set, meta, rows);
    let carry = initialCarry(model, B);
    const haltStep = new Int32Array(B).fill(K);
    const firstCorrect = new Int32Array(B);
    const revisions: number[][] = Array.from({ length: B }, () => []);
    let prevPreds: Int32Array | undefined;
    let last: ReturnType<typeof actLossHost> | undefined;
    let lastQ: Float32Array | undefined;
    try {
      for (let k = 1; k <= K; k++) {
        const r = await actStep(model, carry, batch, { mode: 'eval' });
        carry = r.carry;
        let logits: Float32Array;
        try {
          logits = (await r.logits.data()) as Float32Array;
        } finally {
          r.logits.dispose();
        }
        const loss = actLossHost({
          logits,
          labels: carry.data.labels!,
          qHalt: r.qHalt,
          halted: carry.halted,
          steps: carry.steps,
          batchSize: B,
          seqLen: S,
          vocabSize: V,
          lossType: c.loss_type,
        });
        for (let b = 0; b < B; b++) {
          if (haltStep[b] === K && r.qHalt[b] > 0 && k < K) haltStep[b] = k;
          if (!firstCorrect[b] && loss.seqIsCorrect[b] && loss.labelCounts[b] > 0) firstCorrect[b] = k;
          if (prevPreds) {
            let changed = 0;
            for (let t = b * S; t < (b + 1) * S; t++) if (prevPreds[t] !== loss.preds[t]) changed++;
            revisions[b].push(changed);
          }
        }
        prevPreds = loss.preds;
        last = loss;
        lastQ = r.qHalt;
      }
    } finally {
      disposeCarry(carry);
    }
    const L = last!,
      q = lastQ!;
    for (let b = 0; b < B; b++) {
      if (rows[b] < 0 || L.labelCounts[b] === 0) continue;
      const cnt = L.labelCounts[b];
      let right = 0;
      for (let t = b * S; t < (b + 1) * S; t++) right += L.tokenCorrect[t];
      const exact = L.seqIsCorrect[b] === 1;
      sums.count++;
      sums.accuracy += right / cnt;
      sums.exact += exact ? 1 : 0;
      sums.qHalt += q[b] >= 0 === exact ? 1 : 0;
      sums.haltStep += haltStep[b];
      sums.lmLoss += L.lmLossPerExample[b];
      if (opts.perPuzzle || opts.identifiers) {
        puzzles.push({
          row: rows[b],
          puzzleIdentifier: batch.puzzleIdentifiers[b],
          exact,
          cellAccuracy: right / cnt,
          haltProbability: sigmoid(q[b]),
          haltStep: haltStep[b],
          firstCorrectStep: firstCorrect[b],
          revisions: revisions[b],
          prediction: Array.from(L.preds.subarray(b * S, (b + 1) * S)),
        });
      }
    }
    opts.onChunk?.(Math.min(start + B, total), total);
  }
  const n = Math.max(1, sums.count);
  const metrics: Record<string, number> = {
    count: sums.count,
    exact_accuracy: sums.exact / n,
    accuracy: sums.accuracy / n,
    q_halt_accuracy: sums.qHalt / n,
    mean_steps: sums.haltStep / n,
    lm_loss: sums.lmLoss / n,
  };
  if (opts.identifiers && isArcVariantData(opts.identifiers))
    Object.assign(metrics, arcPassAtK(puzzles, set, meta, opts.identifiers));
  if (!opts.perPuzzle) for (const p of puzzles) p.prediction = [];
  return { metrics, puzzles: opts.perPuzzle ? puzzles : [] };
}

/** The test split of a dataset (or its only split). */
export function testSplitOf(ds: BuiltDataset, what: string): { set: BuiltSet; meta: DatasetMetadata } {
  const split = ds.splits.test ?? (Object.keys(ds.splits).length === 1 ? Object.values(ds.splits)[0] : undefined);
  if (!split) throw new Error(`${what}: no test split (expected a test/ folder with dataset.json)`);
  return { set: split.sets[0], meta: split.meta };
}

export function isArcVariantData(identifiers: string[]): boolean {
  return identifiers.length > 1 && identifiers.slice(1).some((n) => n.includes('|||'));
}

/**
 * evaluators/arc.py: crop each prediction and label, undo the variant, key by (task, de-augmented
 * input); per test input, vote over variants (count, then mean sigmoid(q_halt)); pass@K = a correct
 * grid among the top K; task score = mean over its inputs; result = mean over tasks.
 */
export function arcPassAtK(
  puzzles: PuzzleResult[],
  set: BuiltSet,
  meta: DatasetMetadata,
  identifiers: string[],
  ks = [1, 2, 5, 10],
): Record<string, number> {
  const S = set.seqLen;
  if (S !== ARC_CANVAS * ARC_CANVAS) return {};
  type Cand = { count: number; qSum: number; grid: Grid };
  const inputs = new Map<string, { task: string; truth: string; cands: Map<string, Cand> }>();
  for (const p of puzzles) {
    if (p.puzzleIdentifier === meta.blank_identifier_id) continue;
    const name = identifiers[p.puzzleIdentifier];
    if (!name) continue;
    let inv, invIn, invLabel;
    try {
      const row = p.row;
      invIn = invertPrediction(decodeArcGrid(set.inputs.subarray(row * S, (row + 1) * S)), name);
      invLabel = invertPrediction(decodeArcGrid(set.labels.subarray(row * S, (row + 1) * S)), name);
      inv = invertPrediction(decodeArcGrid(p.prediction), name);
    } catch {
      continue;
    }
    const key = `${invIn.task}|${JSON.stringify(invIn.grid)}`;
    let e = inputs.get(key);
    if (!e) {
      e = { task: invIn.task, truth: JSON.stringify(invLabel.grid), cands: new Map() };
      inputs.set(key, e);
    }
    const gk = JSON.stringify(inv.grid);
    const cand = e.cands.get(gk) ?? { count: 0, qSum: 0, grid: inv.grid };
    cand.count++;
    cand.qSum += p.haltProbability;
    e.cands.set(gk, cand);
  }
  const perTask = new Map<string, number[][]>();
  for (const e of inputs.values()) {
    const ranked = [...e.cands.entries()].sort(
      (a, b) => b[1].count - a[1].count || b[1].qSum / b[1].count - a[1].qSum / a[1].count,
    );
    const hits = ks.map((k) => (ranked.slice(0, k).some(([g]) => g === e.truth) ? 1 : 0));
    const list = perTask.get(e.task) ?? [];
    list.push(hits);
    perTask.set(e.task, list);
  }
  const out: Record<string, number> = {};
  if (!perTask.size) return out;
  ks.forEach((k, i) => {
    let s = 0;
    for (const list of perTask.values()) s += list.reduce((a, h) => a + h[i], 0) / list.length;
    out[`arc_pass@${k}`] = s / perTask.size;
  });
  return out;
}
