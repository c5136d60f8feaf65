// Judgements of cached predictions against the labels currently in the text, memoised by
// (prediction key, label cells), so re-rendering a 1,000-puzzle file after each result is cheap.

import { type Judgement, judge } from '../../engine/authoring/judge';
import type { LocatedGrid, LocatedPuzzle } from '../../engine/authoring/locate';
import type { PuzzlePrediction } from '../../engine/authoring/prediction';

const MAX = 5000;

export class JudgementCache {
  private readonly memo = new Map<string, Judgement>();

  get(p: LocatedPuzzle, pred: PuzzlePrediction, label: LocatedGrid | undefined): Judgement {
    const k = `${pred.key}|${p.kind}|${label ? `${label.height}x${label.width}:${label.cells.join('')}` : '-'}|${p.labelProblem ?? ''}`;
    let j = this.memo.get(k);
    if (!j) {
      j = judge(p, pred, label);
      this.memo.set(k, j);
      if (this.memo.size > MAX) this.memo.delete(this.memo.keys().next().value as string);
    }
    return j;
  }

  clear(): void {
    this.memo.clear();
  }
}
