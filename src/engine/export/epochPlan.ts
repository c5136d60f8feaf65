// TRM Lens counts a run in optimiser steps; the official trainer counts epochs. pretrain.py `launch`
// trains in iterations of `eval_interval` epochs (asserting that eval_interval divides epochs),
// evaluates after each, and `init_train_state` sizes the learning-rate schedule as
// int(epochs * total_groups * mean_puzzle_examples / global_batch_size) steps; puzzle_dataset.py
// `_iter_train` drops the incomplete last batch of every iteration. This module picks the epochs and
// eval_interval that come closest to a given step count and evaluation cadence, and says exactly how
// many steps pretrain.py will then schedule and run, so the export can state the difference.

import type { DatasetMetadata } from '../data/built';

export interface EpochPlan {
  /** Training examples the official loader visits per epoch (total_groups x mean_puzzle_examples). */
  examplesPerEpoch: number;
  /** Optimiser steps per epoch (examplesPerEpoch / global_batch_size; may be fractional). */
  stepsPerEpoch: number;
  epochs: number;
  /** `eval_interval` in epochs; null = evaluate once, at the end (TRM Lens eval_interval 0). */
  evalIntervalEpochs: number | null;
  /** Training iterations: epochs / eval_interval (one evaluation and checkpoint after each). */
  iterations: number;
  /** pretrain.py `total_steps`: the length of its learning-rate schedule. */
  scheduledSteps: number;
  /** Steps pretrain.py actually runs: full batches per iteration x iterations, at most scheduledSteps. */
  stepsRun: number;
  /** Optimiser steps between two evaluations (full batches per iteration). */
  stepsPerIteration: number;
  /** False when puzzles hold several examples: the loader's batch count per iteration is then an estimate. */
  exact: boolean;
}

/** pretrain.py `init_train_state`: int(epochs * total_groups * mean_puzzle_examples / global_batch_size). */
export function officialTotalSteps(epochs: number, meta: DatasetMetadata, globalBatchSize: number): number {
  return Math.floor((epochs * meta.total_groups * meta.mean_puzzle_examples) / globalBatchSize);
}

/** The plan for given epochs and eval_interval (both in epochs; null interval = once at the end). */
export function planFor(
  epochs: number,
  evalIntervalEpochs: number | null,
  meta: DatasetMetadata,
  globalBatchSize: number,
): EpochPlan {
  const examplesPerEpoch = meta.total_groups * meta.mean_puzzle_examples;
  const interval = evalIntervalEpochs ?? epochs;
  const iterations = Math.floor(epochs / interval);
  const scheduledSteps = officialTotalSteps(epochs, meta, globalBatchSize);
  // Small epsilon: mean_puzzle_examples is a float; 3 x 256 / 768 must count as exactly 1 batch.
  const stepsPerIteration = Math.floor((interval * examplesPerEpoch) / globalBatchSize + 1e-9);
  return {
    examplesPerEpoch,
    stepsPerEpoch: examplesPerEpoch / globalBatchSize,
    epochs,
    evalIntervalEpochs,
    iterations,
    scheduledSteps,
    stepsRun: Math.min(scheduledSteps, iterations * stepsPerIteration),
    stepsPerIteration,
    exact: meta.mean_puzzle_examples === 1,
  };
}

/**
 * Epochs and eval_interval for a TRM Lens run of `totalSteps` steps evaluated every `evalEverySteps`
 * steps (0 = only at the end). Minimises the relative error of the steps run plus that of the
 * evaluation cadence; every iteration holds at least one full batch.
 */
export function planEpochs(
  totalSteps: number,
  evalEverySteps: number,
  meta: DatasetMetadata,
  globalBatchSize: number,
): EpochPlan {
  if (!(totalSteps >= 1)) throw new Error(`total_steps must be at least 1 (got ${totalSteps})`);
  if (!(meta.total_groups >= 1) || !(meta.mean_puzzle_examples > 0))
    throw new Error('the training split has no examples (total_groups or mean_puzzle_examples is 0)');
  const examplesPerEpoch = meta.total_groups * meta.mean_puzzle_examples;
  const stepsPerEpoch = examplesPerEpoch / globalBatchSize;
  // Fewest epochs per iteration that still yield one full batch.
  const minInterval = Math.max(1, Math.ceil(globalBatchSize / examplesPerEpoch - 1e-9));
  const targetEpochs = totalSteps / stepsPerEpoch;
  if (evalEverySteps <= 0 || evalEverySteps >= totalSteps) {
    // One iteration: evaluation (and the checkpoint) only at the end.
    let best: EpochPlan | undefined;
    const center = Math.max(minInterval, Math.round(targetEpochs));
    for (const e of new Set([center - 1, center, center + 1].filter((e) => e >= minInterval))) {
      const p = planFor(e, evalEverySteps <= 0 ? null : e, meta, globalBatchSize);
      if (!best || Math.abs(p.stepsRun - totalSteps) < Math.abs(best.stepsRun - totalSteps)) best = p;
    }
    return best!;
  }
  const targetInterval = evalEverySteps / stepsPerEpoch;
  const lo = Math.max(minInterval, Math.floor(targetInterval * 0.9));
  const hi = Math.max(lo, Math.ceil(targetInterval * 1.1));
  // Huge intervals (tiny datasets, big batches): sample the range; the error is flat there anyway.
  const stride = Math.max(1, Math.floor((hi - lo) / 20000));
  let best: { plan: EpochPlan; cost: number } | undefined;
  for (let interval = lo; interval <= hi; interval += stride) {
    const n = Math.max(1, Math.round(targetEpochs / interval));
    for (const k of new Set([n, n + 1, Math.max(1, n - 1)])) {
      const plan = planFor(interval * k, interval, meta, globalBatchSize);
      if (plan.stepsRun < 1) continue;
      const cost =
        Math.abs(plan.stepsRun - totalSteps) / totalSteps +
        Math.abs(plan.stepsPerIteration - evalEverySteps) / evalEverySteps;
      if (!best || cost < best.cost - 1e-12) best = { plan, cost };
    }
  }
  if (!best) throw new Error('no epoch plan yields a full batch (is the training split empty?)');
  return best.plan;
}
