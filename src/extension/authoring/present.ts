// What each puzzle shows right now, in one place for every view (decoration, diagnostics, hover,
// CodeLens, quick fix, the state command): its judgement if predicted, else why not (no model,
// queued, malformed input, invalid JSON being edited).

import type { Judgement } from '../../engine/authoring/judge';
import type { LocatedGrid, LocatedPuzzle } from '../../engine/authoring/locate';
import type { PuzzlePrediction } from '../../engine/authoring/prediction';
import type { AuthoringController } from './controller';
import { type DocState, labelOf } from './documents';
import type { JudgementCache } from './judgements';

export type PuzzleView =
  | {
      status: 'judged';
      judgement: Judgement;
      prediction: PuzzlePrediction;
      label?: { grid: LocatedGrid; inThisFile: boolean };
      text: string;
    }
  | { status: 'pending' | 'idle' | 'no-model' | 'problem'; text: string };

export function viewOf(c: AuthoringController, judgements: JudgementCache, st: DocState, p: LocatedPuzzle): PuzzleView {
  if (p.problem) return { status: 'problem', text: `⚠ cannot predict: ${p.problem}` };
  // Said once for the file (views.ts, providers.ts), not on every puzzle.
  if (st.mismatch) return { status: 'no-model', text: '' };
  if (c.model.state === 'none') return { status: 'no-model', text: 'TRM: no model selected' };
  if (c.model.state === 'error') return { status: 'no-model', text: 'TRM: the model could not be loaded' };
  if (c.model.state === 'loading') return { status: 'pending', text: '… loading model' };
  const pred = c.prediction(st, p.index);
  if (!pred)
    return c.isPending(st, p.index) ? { status: 'pending', text: '… predicting' } : { status: 'idle', text: '' };
  const label = labelOf(st, p);
  const judgement = judgements.get(p, pred, label?.grid);
  return { status: 'judged', judgement, prediction: pred, label, text: judgement.text };
}
