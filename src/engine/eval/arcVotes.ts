// The ARC vote explorer's numbers: for every test input of an ARC evaluation with augmentations,
// each dihedral/colour variant's answer mapped back by its inverse onto the original grid, the
// candidates ranked the way evaluators/arc.py ranks them (votes, then mean sigmoid(q_halt)), per-cell
// vote counts over the variants, the variants that disagree with the winner, pass@1 / pass@2 from the
// votes, and accuracy as a function of how many augmentations vote (the first m variants per input).

import type { BuiltSet } from '../data/built';
import { invertPrediction } from '../data/augment';
import { ARC_CANVAS, type Grid, decodeArcGrid } from '../tasks/arc';
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
  const inputs: ArcInputVotes[] = [];
  for (const g of groups.values()) {
    const truth = key(g.truth);
    const candidates = rank(g.variants, truth);
    const win = candidates[0];
    const H = win.grid.length,
      W = win.grid[0]?.length ?? 0;
    const cellVotes = Array.from({ length: H }, () => Array.from({ length: W }, () => new Array<number>(10).fill(0)));
    for (const v of g.variants) {
      if (v.grid.length !== H || (v.grid[0]?.length ?? 0) !== W) continue;
      v.grid.forEach((row, y) => row.forEach((c, x) => cellVotes[y][x][c]++));
    }
    inputs.push({
      task: g.task,
      input: g.input,
      truth: g.truth,
      variants: g.variants,
      candidates,
      cellVotes,
      disagreeing: g.variants.filter((v) => key(v.grid) !== key(win.grid)).map((v) => v.variant),
      pass1: candidates.slice(0, 1).some((c) => c.correct),
      pass2: candidates.slice(0, 2).some((c) => c.correct),
    });
  }
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
