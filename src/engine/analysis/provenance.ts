// Per-cell provenance of a run's answer: for every answer cell, when it first became correct and
// stayed so, every change of its decoded value with the update that made it, its confidence over
// recursion time (one sample per y revision, the only updates that change the answer) and the update
// that flipped it last, with an optional gradient x input attribution of that last flip to the z, y
// and puzzle-embedding inputs of its cycle (attribution.ts). Answers "when did the model decide this
// cell, and what decided it?".

import type { Attribution } from './attribution';
import type { PuzzleTrace } from '../trace/types';
import { updateAt } from '../trace/types';

/** Recursion time: 1-based update count over the run, t = (step − 1)·U + ordinal + 1; t = 0 is the initial state. */
export interface UpdatePoint {
  t: number;
  step: number;
  ordinal: number;
  cycle: number;
}

export interface CellChange extends UpdatePoint {
  from: number; // token id before
  to: number; // token id after
}

export interface CellProvenance {
  cell: number;
  /** Token id at the end of the analysed run. */
  final: number;
  /** Label token (absent when the cell is unlabelled or the puzzle has no labels). */
  label?: number;
  /** Decoded token at t = 0 (the initial y). */
  initial: number;
  /** Every change of the decoded value, in order. */
  changes: CellChange[];
  /** Softmax probability of the decoded value at each sample of ProvenanceTable.samples. */
  confidence: Float32Array;
  /** First update from which the cell holds its final value through the end (t = 0: from the start). */
  stableFrom: UpdatePoint;
  /** stableFrom when the final value is the label; absent when the cell ends wrong or has no label. */
  firstCorrect?: UpdatePoint;
  /** The last change (absent when the value never changed). */
  lastFlip?: CellChange;
}

export interface ProvenanceTable {
  /** Updates per supervision step (U). */
  updatesPerStep: number;
  /** Steps analysed (1..steps). */
  steps: number;
  /** The sample points: t = 0, then every y revision. */
  samples: UpdatePoint[];
  cells: CellProvenance[];
}

export function timeOf(U: number, step: number, ordinal: number): number {
  return (step - 1) * U + ordinal + 1;
}

const START: UpdatePoint = { t: 0, step: 0, ordinal: -1, cycle: 0 };

/** Provenance of every answer cell over steps 1..`steps`. */
export async function provenance(trace: PuzzleTrace, steps: number): Promise<ProvenanceTable> {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`provenance: steps must be ≥ 1, got ${steps}`);
  const c = trace.config;
  const U = trace.derived.updatesPerStep;
  const S = c.seq_len;
  const init = await trace.decode((await trace.initialState()).y);
  const samples: UpdatePoint[] = [START];
  const preds: Int32Array[] = [init.preds];
  const conf: Float32Array[] = [init.confidence];
  for (let step = 1; step <= steps; step++) {
    for (let k = 0; k < U; k++) {
      const ref = updateAt(c, step, k);
      if (ref.kind !== 'y') continue;
      // The step's last y revision: the tracer's step outputs (the same decode, and what the step reports).
      const d = k === U - 1 ? await trace.stepOutputs(step) : await trace.decode((await trace.stateAfter(ref)).y);
      samples.push({ t: timeOf(U, step, k), step, ordinal: k, cycle: ref.cycle });
      preds.push(d.preds);
      conf.push(d.confidence);
    }
  }
  const labels = trace.puzzle.labels;
  const cells: CellProvenance[] = [];
  for (let i = 0; i < S; i++) {
    const changes: CellChange[] = [];
    const confidence = new Float32Array(samples.length);
    for (let j = 0; j < samples.length; j++) {
      confidence[j] = conf[j][i];
      if (j > 0 && preds[j][i] !== preds[j - 1][i])
        changes.push({ ...samples[j], from: preds[j - 1][i], to: preds[j][i] });
    }
    const final = preds[preds.length - 1][i];
    const lastFlip = changes[changes.length - 1];
    const stableFrom = lastFlip ? pointOf(lastFlip) : START;
    const label = labels && labels[i] !== 0 ? labels[i] : undefined;
    cells.push({
      cell: i,
      final,
      label,
      initial: preds[0][i],
      changes,
      confidence,
      stableFrom,
      firstCorrect: label !== undefined && final === label ? stableFrom : undefined,
      lastFlip,
    });
  }
  return { updatesPerStep: U, steps, samples, cells };
}

function pointOf(p: UpdatePoint): UpdatePoint {
  return { t: p.t, step: p.step, ordinal: p.ordinal, cycle: p.cycle };
}

/**
 * Attribution of a cell's last flip to the inputs of the cycle that made it; the objective raises the
 * label (or, without one, the value the cell flipped to) against the runner-up. Undefined when the
 * cell never changed.
 */
export async function attributeLastFlip(trace: PuzzleTrace, cell: CellProvenance): Promise<Attribution | undefined> {
  const f = cell.lastFlip;
  if (!f) return undefined;
  return trace.attributeCycle(f.step, f.cycle, cell.cell, cell.label ?? f.to);
}
