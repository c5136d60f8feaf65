// The ARC vote explorer's numbers: for every test input of an ARC evaluation with augmentations,
// each dihedral/colour variant's answer mapped back by its inverse onto the original grid, the
// candidates ranked the way evaluators/arc.py ranks them (votes, then mean sigmoid(q_halt)), per-cell
// vote counts over the variants, the variants that disagree with the winner, pass@1 / pass@2 from the
// votes, and accuracy as a function of how many augmentations vote (the first m variants per input).
// Two sources: a built ARC dataset whose identifiers name variants (arcVotes, as `trm eval` and
// evaluators/arc.py), or one ARC task with a plan of variants made here (arcVariantPlan /
// arcVariantExamples; the explorer runs them through the model, then votesOfVariantRecords).

import type { BuiltSet } from '../data/built';
import {
  type ArcVariant,
  type DihedralId,
  IDENTITY_COLOURS,
  applyArcVariant,
  invertArcVariant,
  invertPrediction,
  randomArcVariant,
  variantName,
} from '../data/augment';
import { NumpyRandomState } from '../data/numpyRandom';
import type { PuzzleExample } from '../data/puzzleFile';
import { ARC_CANVAS, type Grid, decodeArcGrid, encodeArcGrid } from '../tasks/arc';
import { sigmoid } from './failureModes';
import type { EvalPuzzleRecord } from './types';

export interface ArcVariantVote {
  index: number;
  variant: string;
  grid: Grid;
  haltProbability: number;
  correct: boolean;
}

export interface ArcCandidate {
  grid: Grid;
  votes: number;
  meanHaltProbability: number;
  correct: boolean;
}

export interface ArcInputVotes {
  task: string;
  /** The de-augmented test input (as JSON), which identifies the input within its task. */
  input: string;
  truth: Grid;
  variants: ArcVariantVote[];
  candidates: ArcCandidate[];
  /** Per cell of the winning candidate's shape: votes for each colour (index = colour 0..9). */
  cellVotes: number[][][];
  disagreeing: string[];
  /** Variants whose answer is no grid (no vote). */
  noAnswer?: string[];
  pass1: boolean;
  pass2: boolean;
}

export interface ArcVoteReport {
  inputs: ArcInputVotes[];
  /** Task-averaged pass@1 / pass@2 (each task = mean over its test inputs), as the official evaluator. */
  pass1: number;
  pass2: number;
  /** pass@1 / pass@2 when only the first m variants of each input vote, m = 1..max. */
  byAugmentations: { variants: number; pass1: number; pass2: number }[];
}

const key = (g: Grid): string => JSON.stringify(g);

function rank(votes: ArcVariantVote[], truth: string): ArcCandidate[] {
  const m = new Map<string, { grid: Grid; votes: number; q: number }>();
  for (const v of votes) {
    const k = key(v.grid);
    const c = m.get(k) ?? { grid: v.grid, votes: 0, q: 0 };
    c.votes++;
    c.q += v.haltProbability;
    m.set(k, c);
  }
  return [...m.entries()]
    .map(([k, c]) => ({ grid: c.grid, votes: c.votes, meanHaltProbability: c.q / c.votes, correct: k === truth }))
    .sort((a, b) => b.votes - a.votes || b.meanHaltProbability - a.meanHaltProbability);
}

function taskAverage(inputs: { task: string; p1: boolean; p2: boolean }[]): { pass1: number; pass2: number } {
  const per = new Map<string, { n: number; p1: number; p2: number }>();
  for (const i of inputs) {
    const t = per.get(i.task) ?? { n: 0, p1: 0, p2: 0 };
    t.n++;
    t.p1 += i.p1 ? 1 : 0;
    t.p2 += i.p2 ? 1 : 0;
    per.set(i.task, t);
  }
  const n = Math.max(1, per.size);
  let p1 = 0,
    p2 = 0;
  for (const t of per.values()) {
    p1 += t.p1 / t.n;
    p2 += t.p2 / t.n;
  }
  return { pass1: p1 / n, pass2: p2 / n };
}

/** Votes of an evaluation of a built ARC dataset whose identifiers name variants ("task|||t…|||perm"). */
export function arcVotes(records: readonly EvalPuzzleRecord[], set: BuiltSet, identifiers: string[]): ArcVoteReport {
  const S = set.seqLen;
  if (S !== ARC_CANVAS * ARC_CANVAS) throw new Error(`not an ARC evaluation: seq_len ${S}, ARC uses ${ARC_CANVAS}²`);
  const groups = new Map<string, { task: string; input: string; truth: Grid; variants: ArcVariantVote[] }>();
  for (const r of records) {
    const name = identifiers[r.puzzleIdentifier];
    if (!name || r.puzzleIdentifier === 0) continue;
    let inp, lab, pred;
    try {
      inp = invertPrediction(decodeArcGrid(set.inputs.subarray(r.index * S, (r.index + 1) * S)), name);
      lab = invertPrediction(decodeArcGrid(set.labels.subarray(r.index * S, (r.index + 1) * S)), name);
      pred = invertPrediction(decodeArcGrid(r.prediction), name);
    } catch {
      continue; // an undecodable prediction (no grid) casts no vote, as in evaluators/arc.py
    }
    const k = `${inp.task}|${key(inp.grid)}`;
    const g = groups.get(k) ?? { task: inp.task, input: key(inp.grid), truth: lab.grid, variants: [] };
    g.variants.push({
      index: r.index,
      variant: name,
      grid: pred.grid,
      haltProbability: sigmoid(r.steps[r.steps.length - 1].qHalt),
      correct: key(pred.grid) === key(lab.grid),
    });
    groups.set(k, g);
  }
  return summarizeVotes([...groups.values()].map((g) => voteInput(g.task, g.input, g.truth, g.variants)));
}

/** Ranks one input's votes: candidates, per-cell colour votes of the winner's shape, disagreeing variants. */
export function voteInput(task: string, input: string, truthGrid: Grid, variants: ArcVariantVote[]): ArcInputVotes {
  const truth = key(truthGrid);
  const candidates = rank(variants, truth);
  const win = candidates[0] as ArcCandidate | undefined;
  const H = win?.grid.length ?? 0,
    W = win?.grid[0]?.length ?? 0;
  const cellVotes = Array.from({ length: H }, () => Array.from({ length: W }, () => new Array<number>(10).fill(0)));
  for (const v of variants) {
    if (v.grid.length !== H || (v.grid[0]?.length ?? 0) !== W) continue;
    v.grid.forEach((row, y) => row.forEach((c, x) => cellVotes[y][x][c]++));
  }
  return {
    task,
    input,
    truth: truthGrid,
    variants,
    candidates,
    cellVotes,
    disagreeing: win ? variants.filter((v) => key(v.grid) !== key(win.grid)).map((v) => v.variant) : [],
    pass1: candidates.slice(0, 1).some((c) => c.correct),
    pass2: candidates.slice(0, 2).some((c) => c.correct),
  };
}

/** Task-averaged pass@1 / pass@2 over the inputs, and the same when only the first m variants vote. */
export function summarizeVotes(inputs: ArcInputVotes[]): ArcVoteReport {
  const all = taskAverage(inputs.map((i) => ({ task: i.task, p1: i.pass1, p2: i.pass2 })));
  const maxV = Math.max(0, ...inputs.map((i) => i.variants.length));
  const byAugmentations = Array.from({ length: maxV }, (_, j) => {
    const m = j + 1;
    const rows = inputs.map((i) => {
      const c = rank(i.variants.slice(0, m), key(i.truth));
      return { task: i.task, p1: c.slice(0, 1).some((x) => x.correct), p2: c.slice(0, 2).some((x) => x.correct) };
    });
    return { variants: m, ...taskAverage(rows) };
  });
  return { inputs, pass1: all.pass1, pass2: all.pass2, byAugmentations };
}

/**
 * The variants the explorer runs for one task: the identity, the 7 other dihedral transforms, then
 * official `aug()` draws (a dihedral transform and a permutation of colours 1..9, 0 kept) from
 * NumPy's RandomState(seed), each variant once. `count` is how many, identity included (1..1000).
 */
export function arcVariantPlan(task: string, count: number, seed = 0): ArcVariant[] {
  if (!Number.isInteger(count) || count < 1 || count > 1000)
    throw new Error(`the number of augmentations must be an integer in 1..1000 (got ${count})`);
  const out: ArcVariant[] = [];
  const seen = new Set<string>();
  const add = (v: ArcVariant): void => {
    const n = variantName(v);
    if (out.length < count && !seen.has(n)) {
      seen.add(n);
      out.push(v);
    }
  };
  for (let t = 0; t < 8; t++) add({ task, transform: t as DihedralId, colours: IDENTITY_COLOURS });
  const rng = new NumpyRandomState(seed);
  for (let tries = 0; out.length < count && tries < 100 * count; tries++) add(randomArcVariant(task, rng));
  return out;
}

/** One test input of a task seen through one variant: what the model is asked. */
export interface ArcVariantExample {
  task: string;
  /** Index of the test pair within the task. */
  input: number;
  variant: ArcVariant;
  /** `<task>|||t<k>|||<perm>` (the identity: the bare task name, as built datasets name it). */
  name: string;
  example: PuzzleExample;
}

/** Every (test input, variant) pair as a puzzle in the model's 30x30 layout; puzzle identifier 0 (blank). */
export function arcVariantExamples(
  task: string,
  pairs: readonly { input: Grid; output?: Grid }[],
  plan: readonly ArcVariant[],
): ArcVariantExample[] {
  const out: ArcVariantExample[] = [];
  pairs.forEach((p, k) => {
    if (!p.output)
      throw new Error(`${task}: test input ${k} has no output; the explorer needs the answer to score votes`);
    for (const v of plan) {
      const identity = v.transform === 0 && v.colours.every((c, i) => c === i);
      const name = identity ? task : variantName(v);
      out.push({
        task,
        input: k,
        variant: v,
        name,
        example: {
          id: `${task}/test/${k}@${identity ? 'identity' : `t${v.transform}/${v.colours.join('')}`}`,
          kind: 'arc',
          inputs: encodeArcGrid(applyArcVariant(p.input, v)),
          labels: encodeArcGrid(applyArcVariant(p.output, v)),
          puzzleIdentifier: 0,
          name,
        },
      });
    }
  });
  return out;
}

/**
 * Votes of the model's answers to arcVariantExamples (records[i] answers items[i]): each answer
 * mapped back by its variant's inverse; an answer that is no grid casts no vote (evaluators/arc.py)
 * and is listed in `noAnswer`.
 */
export function votesOfVariantRecords(
  items: readonly ArcVariantExample[],
  pairs: readonly { input: Grid; output?: Grid }[],
  records: readonly EvalPuzzleRecord[],
): ArcVoteReport {
  if (records.length !== items.length)
    throw new Error(`${records.length} answers for ${items.length} variants: the evaluation is incomplete`);
  const groups = new Map<number, { variants: ArcVariantVote[]; noAnswer: string[] }>();
  items.forEach((it, i) => {
    const g = groups.get(it.input) ?? { variants: [], noAnswer: [] };
    groups.set(it.input, g);
    const r = records[i];
    let grid: Grid;
    try {
      grid = invertArcVariant(decodeArcGrid(r.prediction), it.variant);
    } catch {
      g.noAnswer.push(it.name);
      return;
    }
    const truth = pairs[it.input].output as Grid;
    g.variants.push({
      index: i,
      variant: it.name,
      grid,
      haltProbability: sigmoid(r.steps[r.steps.length - 1].qHalt),
      correct: key(grid) === key(truth),
    });
  });
  const inputs = [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([k, g]) => ({
      ...voteInput(items[0].task, key(pairs[k].input), pairs[k].output as Grid, g.variants),
      noAnswer: g.noAnswer,
    }));
  return summarizeVotes(inputs);
}
