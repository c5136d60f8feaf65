// Runs a model over an evaluation source the official way (pretrain.py `evaluate`: a fresh ACT carry
// per batch, all N_sup = halt_max_steps steps in eval mode) and records every step of every puzzle:
// correctness and cell accuracy of the decoded answer, q_halt / q_continue, cells changed, the RMS
// change of z and y, the least certain cell. Batches skip puzzles already recorded (resume), report
// each finished batch (the cache appends it), and stop between steps when cancelled.

import * as tf from '@tensorflow/tfjs-core';
import { settlingLabel } from '../analysis/settling';
import { actStep, disposeCarry, initialCarry } from '../model/act';
import { actLossHost } from '../model/losses';
import type { RecursionTensors, TrmModel } from '../model/trm';
import { classifyPuzzle } from './failureModes';
import type { EvalSource } from './source';
import type { EvalPuzzleRecord, EvalStepRecord, FailureOptions } from './types';

export interface EvaluatePuzzlesOptions {
  batchSize: number;
  /** Indices already recorded (skipped). */
  done?: ReadonlySet<number>;
  /** Called with each finished batch's records (in index order), before the next batch starts. */
  onBatch?: (records: EvalPuzzleRecord[], finished: number, total: number) => void | Promise<void>;
  signal?: AbortSignal;
  failure?: FailureOptions;
}

export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
  }
}

/** RMS over positions and features of a - b, per batch row. */
function rmsChange(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(tf.sub(a, b)), [1, 2])) as tf.Tensor1D);
}

/** Evaluates every not-yet-done puzzle of `source`; returns the records of this call (index order). */
export async function evaluatePuzzles(
  model: TrmModel,
  source: EvalSource,
  opts: EvaluatePuzzlesOptions,
): Promise<EvalPuzzleRecord[]> {
  const c = model.config;
  const S = c.seq_len,
    V = c.vocab_size,
    K = c.halt_max_steps;
  if (source.seqLen !== S)
    throw new Error(
      `the puzzles have ${source.seqLen} cells but the model's seq_len is ${S}: choose a matching dataset`,
    );
  const todo: number[] = [];
  for (let i = 0; i < source.count; i++) if (!opts.done?.has(i)) todo.push(i);
  const B = Math.max(1, Math.min(opts.batchSize, todo.length || 1));
  const out: EvalPuzzleRecord[] = [];
  let finished = source.count - todo.length;
  for (let start = 0; start < todo.length; start += B) {
    if (opts.signal?.aborted) throw new EvaluationCancelled();
    const indices = Array.from({ length: B }, (_, j) => todo[start + j] ?? -1);
    const batch = source.batch(indices);
    const labels = batch.labels as Int32Array;
    let carry = initialCarry(model, B);
    let prev: RecursionTensors = { y: tf.clone(carry.state.y), z: tf.clone(carry.state.z) };
    const steps: EvalStepRecord[][] = indices.map(() => []);
    let prevPreds: Int32Array = batch.inputs;
    let lastLoss: ReturnType<typeof actLossHost> | undefined;
    try {
      for (let k = 1; k <= K; k++) {
        if (opts.signal?.aborted) throw new EvaluationCancelled();
        const r = await actStep(model, carry, batch, { mode: 'eval' });
        carry = r.carry;
        let logits: Float32Array;
        try {
          logits = (await r.logits.data()) as Float32Array;
        } finally {
          r.logits.dispose();
        }
        const dzT = rmsChange(carry.state.z, prev.z);
        const dyT = rmsChange(carry.state.y, prev.y);
        const [dz, dy] = [(await dzT.data()) as Float32Array, (await dyT.data()) as Float32Array];
        tf.dispose([dzT, dyT, prev.y, prev.z]);
        prev = { y: tf.clone(carry.state.y), z: tf.clone(carry.state.z) };
        const loss = actLossHost({
          logits,
          labels,
          qHalt: r.qHalt,
          halted: carry.halted,
          steps: carry.steps,
          batchSize: B,
          seqLen: S,
          vocabSize: V,
          lossType: c.loss_type,
        });
        for (let b = 0; b < B; b++) {
          if (indices[b] < 0) continue;
          let changed = 0,
            right = 0,
            minP = 1;
          for (let t = b * S; t < (b + 1) * S; t++) {
            if (loss.preds[t] !== prevPreds[t]) changed++;
            if (labels[t] === -100) continue;
            right += loss.tokenCorrect[t];
            minP = Math.min(minP, topProbability(logits, t * V, V));
          }
          const cnt = loss.labelCounts[b];
          steps[b].push({
            step: k,
            correct: cnt > 0 && loss.seqIsCorrect[b] === 1,
            cellAccuracy: cnt > 0 ? right / cnt : 0,
            qHalt: r.qHalt[b],
            qContinue: r.qContinue[b],
            changedCells: changed,
            dz: dz[b],
            dy: dy[b],
            minCellProb: minP,
          });
        }
        prevPreds = loss.preds;
        lastLoss = loss;
      }
    } finally {
      disposeCarry(carry);
      tf.dispose([prev.y, prev.z]);
    }
    const batchRecords: EvalPuzzleRecord[] = [];
    indices.forEach((i, b) => {
      if (i < 0) return;
      const st = steps[b];
      const cls = classifyPuzzle(st, opts.failure);
      const last = st[K - 1];
      batchRecords.push({
        index: i,
        id: source.id(i),
        puzzleIdentifier: source.puzzleIdentifier(i),
        ...(source.name?.(i) !== undefined ? { name: source.name(i) } : {}),
        steps: st,
        exact: last.correct,
        cellAccuracy: last.cellAccuracy,
        haltStep: cls.haltStep,
        firstCorrectStep: cls.firstCorrectStep,
        lmLoss: (lastLoss as ReturnType<typeof actLossHost>).lmLossPerExample[b],
        prediction: Array.from((lastLoss as ReturnType<typeof actLossHost>).preds.subarray(b * S, (b + 1) * S)),
        settling: settlingLabel(st),
        failureModes: cls.failureModes,
        decisiveStep: cls.decisiveStep,
      });
    });
    finished += batchRecords.length;
    await opts.onBatch?.(batchRecords, finished, source.count);
    out.push(...batchRecords);
  }
  return out;
}

/** Softmax probability of the largest logit in logits[o .. o+V). */
function topProbability(logits: Float32Array, o: number, V: number): number {
  let m = -Infinity;
  for (let v = 0; v < V; v++) m = Math.max(m, logits[o + v]);
  let s = 0;
  for (let v = 0; v < V; v++) s += Math.exp(logits[o + v] - m);
  return 1 / s;
}
