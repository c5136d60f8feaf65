// z-lens: what does the latent z "say" if read through the output head? lm_head is trained on y
// (z_H) only, but z (z_L) lives in the same space (net(z, y + x) and net(y, z) share every weight),
// so decoding z at every update shows whether the latent holds an answer before y adopts it
// (TinyRecursiveModels#17 asks what the latent holds). Per update: z's decoded answer with per-cell
// confidence, margin and entropy, agreement with y's answer at the same update, and the cells where z
// already decodes to the value y holds at the end of the run while y does not yet ("ahead").

import { judgeAnswer } from '../trace/decode';
import type { PuzzleTrace } from '../trace/types';
import { updateAt } from '../trace/types';
import { timeOf } from './provenance';

export interface ZLensUpdate {
  t: number; // recursion time (provenance.ts timeOf)
  step: number;
  ordinal: number;
  kind: 'z' | 'y';
  preds: Int32Array; // [S] z decoded through lm_head
  confidence: Float32Array; // [S]
  margin: Float32Array; // [S] logit(top) − logit(runner-up)
  entropy: Float32Array; // [S] nats
  meanEntropy: number;
  meanMargin: number;
  /** Cells where z's decode equals y's decode at the same update. */
  agreesWithY: number;
  /** Cells where z decodes to y's final value while y, at this update, does not hold it yet. */
  ahead: number[];
  /** z's whole decoded answer equals y's final answer, which y does not hold yet. */
  wholeAnswerAhead: boolean;
  /** z's decoded answer against the labels (absent without labels). */
  accuracy?: number;
  correct?: boolean;
}

export interface ZLensReport {
  updates: ZLensUpdate[];
  /** y's decoded answer at the end of the analysed steps (the reference for "ahead"). */
  finalY: Int32Array;
  /** Updates where z is ahead of y on at least one cell. */
  flagged: number[];
}

/** The z-lens over steps 1..`steps`. */
export async function zLens(trace: PuzzleTrace, steps: number): Promise<ZLensReport> {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`z-lens: steps must be ≥ 1, got ${steps}`);
  const c = trace.config;
  const U = trace.derived.updatesPerStep;
  const finalY = (await trace.stepOutputs(steps)).preds;
  const labels = trace.puzzle.labels;
  const updates: ZLensUpdate[] = [];
  let yPreds = (await trace.decode((await trace.initialState()).y)).preds;
  for (let step = 1; step <= steps; step++) {
    for (let k = 0; k < U; k++) {
      const ref = updateAt(c, step, k);
      const state = await trace.stateAfter(ref);
      if (ref.kind === 'y')
        yPreds = k === U - 1 ? (await trace.stepOutputs(step)).preds : (await trace.decode(state.y)).preds;
      const d = await trace.decode(state.z);
      const S = d.preds.length;
      let agrees = 0,
        ent = 0,
        mar = 0;
      const ahead: number[] = [];
      let yFinal = true,
        zFinal = true;
      for (let i = 0; i < S; i++) {
        if (d.preds[i] === yPreds[i]) agrees++;
        if (d.preds[i] === finalY[i] && yPreds[i] !== finalY[i]) ahead.push(i);
        if (yPreds[i] !== finalY[i]) yFinal = false;
        if (d.preds[i] !== finalY[i]) zFinal = false;
        ent += d.entropy[i];
        mar += Number.isFinite(d.margin[i]) ? d.margin[i] : 0;
      }
      const judged = labels ? judgeAnswer(d.preds, labels) : undefined;
      updates.push({
        t: timeOf(U, step, k),
        step,
        ordinal: k,
        kind: ref.kind,
        preds: d.preds,
        confidence: d.confidence,
        margin: d.margin,
        entropy: d.entropy,
        meanEntropy: ent / S,
        meanMargin: mar / S,
        agreesWithY: agrees,
        ahead,
        wholeAnswerAhead: zFinal && !yFinal,
        ...(judged ? { accuracy: judged.accuracy, correct: judged.correct } : {}),
      });
    }
  }
  return { updates, finalY, flagged: updates.filter((u) => u.ahead.length > 0).map((u) => u.t) };
}
