// Turns the engine's ARC vote report (src/engine/eval/arcVotes.ts) into what the vote explorer page
// draws for one test input: each variant with its transform and colour permutation, its answer
// mapped back, whether it agrees with the winner; the ranked candidates; per-cell votes; pass@k.
import { parseVariantName } from '../../engine/data/augment';
import type { ArcVoteReport } from '../../engine/eval/arcVotes';
import type { Grid } from '../../engine/tasks/arc';
import type { VotesView } from '../../protocol/votes';

const key = (g: Grid): string => JSON.stringify(g);

export function votesViewOf(report: ArcVoteReport, index: number, source: string, question: Grid): VotesView {
  const i = report.inputs[index];
  if (!i) throw new Error(`the vote report has ${report.inputs.length} test inputs; #${index} is not one of them`);
  const win = i.candidates[0];
  const variant = (name: string) => parseVariantName(name) ?? { transform: 0, colours: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] };
  return {
    source,
    task: i.task,
    input: index,
    inputs: report.inputs.map((x, k) => ({
      task: x.task,
      input: k,
      pass1: x.pass1,
      variants: x.variants.length + (x.noAnswer?.length ?? 0),
    })),
    question,
    truth: i.truth,
    variants: [
      ...i.variants.map((v) => ({
        name: v.variant,
        transform: variant(v.variant).transform,
        colours: variant(v.variant).colours.join(''),
        grid: v.grid,
        haltProbability: v.haltProbability,
        correct: v.correct,
        agrees: !!win && key(v.grid) === key(win.grid),
        row: v.index,
      })),
      ...(i.noAnswer ?? []).map((name) => ({
        name,
        transform: variant(name).transform,
        colours: variant(name).colours.join(''),
        correct: false,
        agrees: false,
      })),
    ],
    candidates: i.candidates.map((c) => ({
      grid: c.grid,
      votes: c.votes,
      meanHaltProbability: c.meanHaltProbability,
      correct: c.correct,
    })),
    cellVotes: i.cellVotes,
    pass1: i.pass1,
    pass2: i.pass2,
    report: { pass1: report.pass1, pass2: report.pass2, byAugmentations: report.byAugmentations },
  };
}
