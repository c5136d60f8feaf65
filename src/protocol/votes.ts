// The message protocol between the ARC vote explorer webview (webview/votes/) and its host
// (src/extension/votes/): the host sends one test input's votes (every variant's answer mapped back
// onto the original grid, the ranked candidates, per-cell colour votes, pass@1 / pass@2 and accuracy
// by number of augmentations); the page says it is ready, asks for another input of the same report,
// or opens a variant in the debugger. Declared once with src/protocol/schema.ts; both sides validate.
import { checks as c, validateBy, type Check, type Infer, type MessageOf } from './schema';

export const VOTES_VIEW_TYPE = 'trmLens.arcVotes';

const grid = c.array(c.array(c.int(0, 9), 30), 30);

const variantSchema = c.object({
  /** `<task>|||t<k>|||<perm>`, or the bare task name for the identity. */
  name: c.str(200),
  /** Dihedral transform 0..7 and colour permutation, shown next to the answer. */
  transform: c.int(0, 7),
  colours: c.str(10),
  /** The answer mapped back by the variant's inverse (absent: the answer was no grid). */
  grid: c.optional(grid),
  haltProbability: c.optional(c.finite(0, 1)),
  correct: c.bool(),
  /** Agrees with the winning candidate. */
  agrees: c.bool(),
  /** Index of the evaluated row (the debugger can open it). */
  row: c.optional(c.int(0)),
});

const candidateSchema = c.object({
  grid,
  votes: c.int(0),
  meanHaltProbability: c.finite(0, 1),
  correct: c.bool(),
});

export const votesViewSchema = c.object({
  /** What was evaluated, for the header ("<checkpoint> on <file>"). */
  source: c.str(2000),
  task: c.str(200),
  /** Which test input of the task (0-based) and how many the report holds. */
  input: c.int(0),
  inputs: c.array(c.object({ task: c.str(200), input: c.int(0), pass1: c.bool(), variants: c.int(0) }), 10_000),
  /** The original test input and its expected answer. */
  question: grid,
  truth: grid,
  variants: c.array(variantSchema, 1000),
  candidates: c.array(candidateSchema, 1000),
  /** Per cell of the winning candidate: votes for each colour 0..9. */
  cellVotes: c.array(c.array(c.array(c.int(0), 10), 30), 30),
  pass1: c.bool(),
  pass2: c.bool(),
  /** Over every input of the report (task-averaged, as evaluators/arc.py). */
  report: c.object({
    pass1: c.finite(0, 1),
    pass2: c.finite(0, 1),
    byAugmentations: c.array(c.object({ variants: c.int(1), pass1: c.finite(0, 1), pass2: c.finite(0, 1) }), 1000),
  }),
});
export type VotesView = Infer<typeof votesViewSchema>;
export type VotesVariantView = Infer<typeof variantSchema>;

const toPage = {
  votes: c.object({ type: c.literal('votes'), view: votesViewSchema }),
};
const toHost = {
  ready: c.object({ type: c.literal('ready') }),
  selectInput: c.object({ type: c.literal('selectInput'), index: c.int(0) }),
  openRow: c.object({ type: c.literal('openRow'), row: c.int(0) }),
  error: c.object({ type: c.literal('error'), message: c.str(4000) }),
};
export type HostToVotes = MessageOf<typeof toPage>;
export type VotesToHost = MessageOf<typeof toHost>;

export function validateHostToVotes(v: unknown): string | undefined {
  return validateBy(toPage as Record<string, Check>, 'host→votes', v);
}
export function validateVotesToHost(v: unknown): string | undefined {
  return validateBy(toHost as Record<string, Check>, 'votes→host', v);
}
