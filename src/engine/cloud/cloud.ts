// Trajectory clouds: N noisy forks of one recursion (from a stop in the debugger, or from the
// initial state of every puzzle of a dataset), run as N rows of one batch, and the rules that pick
// one answer from them: the Q head (highest q_halt at halt, what Probabilistic TRM and guided
// stochastic exploration use), a per-cell majority vote, or an oracle (the first correct branch;
// a reference ceiling only, it reads the labels).

import * as tf from '@tensorflow/tfjs-core';
import { argmaxRows } from '../model/losses';
import type { RecursionTensors, TrmModel } from '../model/trm';
import type { PuzzleInput, RecursionState } from '../trace/types';
import { NoiseSpec, checkNoiseSpec, puzzleKey } from './noise';
import { CloudStepper, ForkPoint, RowKey, disposeState, nextPosition } from './stepper';

export type { ForkPoint } from './stepper';
export type { NoiseSpec } from './noise';

/** When a branch stops: after N_sup steps (the official evaluation), at the first q_halt > 0, or at sigmoid(q_halt) >= p. */
export type HaltRule = 'all' | 'first' | { threshold: number };
export type SelectionRule = 'q' | 'vote' | 'oracle';
export const SELECTION_RULES: readonly SelectionRule[] = ['q', 'vote', 'oracle'];

export interface CloudOptions {
  /** Branches (rows of the batch). */
  n: number;
  noise: NoiseSpec;
  halt: HaltRule;
  /** Last supervision step a branch may run (N_sup, or the session's `steps`). */
  maxSteps: number;
  /** Record the mean over positions of y and z after every update (for the latent trajectory fan). */
  recordMeans?: boolean;
  signal?: AbortSignal;
}

export interface BranchStep {
  step: number;
  qHalt: number;
  qContinue: number;
  preds: Int32Array;
  correct?: boolean;
  accuracy?: number;
  nonFinite: boolean;
}

export interface CloudBranch {
  branch: number;
  /** Outputs at the end of each step the branch ran (the fork's step first, when it ends after the fork). */
  steps: BranchStep[];
  /** The step whose answer counts: the first step the halt rule stops at, else the last step run. */
  haltStep: number;
  /** Whether the halt rule stopped it (false: it reached maxSteps). */
  haltedByRule: boolean;
  answer: Int32Array;
  qHalt: number;
  correct?: boolean;
  /** Mean over positions of z and y after every update from the fork on (recordMeans), in `CloudResult.positions` order. */
  means?: { z: Float32Array[]; y: Float32Array[] };
}

export interface Selection {
  rule: SelectionRule;
  /** The chosen branch (absent for a vote, which may mix branches cell by cell). */
  branch?: number;
  answer: Int32Array;
  correct?: boolean;
}

export interface CloudVotes {
  /** Per cell: the most voted token (ties: the lowest id). */
  majority: Int32Array;
  /** Per cell: the majority's share of the branches. */
  agreement: Float32Array;
  /** Per cell: entropy of the vote in bits (0 = unanimous). */
  entropy: Float32Array;
}

export interface CloudResult {
  puzzleId: string;
  fork: ForkPoint;
  n: number;
  noise: NoiseSpec;
  halt: HaltRule;
  maxSteps: number;
  branches: CloudBranch[];
  selections: Partial<Record<SelectionRule, Selection>>;
  votes: CloudVotes;
  /** Positions whose means were recorded (after the fork, up to the last step any branch ran). */
  positions: ForkPoint[];
}

export function checkCloudOptions(o: CloudOptions, U: number, fork: ForkPoint): void {
  if (!Number.isInteger(o.n) || o.n < 1 || o.n > 4096)
    throw new Error(`cloud size n must be an integer in 1..4096 (got ${o.n})`);
  checkNoiseSpec(o.noise);
  if (typeof o.halt === 'object' && !(o.halt.threshold > 0 && o.halt.threshold < 1))
    throw new Error(`halt threshold must be in (0, 1) (got ${o.halt.threshold})`);
  if (!Number.isInteger(o.maxSteps) || o.maxSteps < 1)
    throw new Error(`maxSteps must be an integer >= 1 (got ${o.maxSteps})`);
  if (
    !Number.isInteger(fork.step) ||
    fork.step < 1 ||
    !Number.isInteger(fork.ordinal) ||
    fork.ordinal < -1 ||
    fork.ordinal >= U
  )
    throw new Error(`fork point step ${fork.step} ordinal ${fork.ordinal} is not a position (ordinal -1..${U - 1})`);
  if (fork.step > o.maxSteps || (fork.step === o.maxSteps && fork.ordinal === U - 1))
    throw new Error(
      `nothing to run after the fork: it is at the end of step ${fork.step} and branches stop at step ${o.maxSteps}`,
    );
}

export function haltsBy(rule: HaltRule, qHalt: number): boolean {
  if (rule === 'all') return false;
  if (rule === 'first') return qHalt > 0;
  return 1 / (1 + Math.exp(-qHalt)) >= rule.threshold;
}

function judge(preds: Int32Array, labels: Int32Array | undefined): { correct?: boolean; accuracy?: number } {
  if (!labels) return {};
  let n = 0,
    wrong = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 0) continue;
    n++;
    if (preds[i] !== labels[i]) wrong++;
  }
  return n ? { correct: wrong === 0, accuracy: (n - wrong) / n } : {};
}

/** One puzzle's rows inside a batch. */
interface PuzzleRows {
  id: string;
  labels?: Int32Array;
  first: number;
  count: number;
}

/**
 * Runs rows from their shown state at `fork` until every row has halted (by the rule) or reached
 * maxSteps. `x` and `start` are [rows, T, D]; both stay owned by the caller.
 */
async function runRows(
  model: TrmModel,
  x: tf.Tensor3D,
  start: RecursionTensors,
  rows: RowKey[],
  groups: PuzzleRows[],
  fork: ForkPoint,
  o: CloudOptions,
): Promise<{ branches: CloudBranch[]; positions: ForkPoint[] }> {
  const stepper = new CloudStepper(model, rows, o.noise, fork);
  const U = stepper.U;
  const S = model.config.seq_len;
  const V = model.config.vocab_size;
  const D = model.config.hidden_size;
  const B = rows.length;
  const labelsOf = (r: number): Int32Array | undefined =>
    groups.find((g) => r >= g.first && r < g.first + g.count)?.labels;
  const branches: CloudBranch[] = rows.map((r) => ({
    branch: r.branch,
    steps: [],
    haltStep: 0,
    haltedByRule: false,
    answer: new Int32Array(S),
    qHalt: NaN,
    ...(o.recordMeans ? { means: { z: [], y: [] } } : {}),
  }));
  const done = new Array<boolean>(B).fill(false);
  const positions: ForkPoint[] = [];
  let shown: RecursionTensors = { y: tf.clone(start.y), z: tf.clone(start.z) };
  let p = fork;
  try {
    for (;;) {
      if (o.signal?.aborted) throw new Error('the cloud was cancelled');
      const q = nextPosition(U, p);
      const input = stepper.inputAfter(shown, p);
      disposeState(shown);
      shown = input; // disposed by the finally if update throws
      const out = stepper.update(input, x, q);
      disposeState(input);
      shown = out;
      if (o.recordMeans) {
        positions.push(q);
        const [mz, my] = await Promise.all([
          tf.tidy(() => tf.mean(out.z, 1)).data(),
          tf.tidy(() => tf.mean(out.y, 1)).data(),
        ]);
        for (let r = 0; r < B; r++) {
          if (done[r]) continue;
          branches[r].means!.z.push(Float32Array.from((mz as Float32Array).subarray(r * D, (r + 1) * D)));
          branches[r].means!.y.push(Float32Array.from((my as Float32Array).subarray(r * D, (r + 1) * D)));
        }
      }
      if (q.ordinal === U - 1) {
        const heads = model.heads(out.y);
        let logits: Float32Array, qh: Float32Array, qc: Float32Array;
        try {
          [logits, qh, qc] = (await Promise.all([
            heads.logits.data(),
            heads.qHalt.data(),
            heads.qContinue.data(),
          ])) as Float32Array[];
        } finally {
          tf.dispose([heads.logits, heads.qHalt, heads.qContinue]);
        }
        for (let r = 0; r < B; r++) {
          if (done[r]) continue;
          const rowLogits = logits.subarray(r * S * V, (r + 1) * S * V);
          const preds = argmaxRows(rowLogits, V);
          let nonFinite = !Number.isFinite(qh[r]) || !Number.isFinite(qc[r]);
          for (let i = 0; i < rowLogits.length && !nonFinite; i++) if (!Number.isFinite(rowLogits[i])) nonFinite = true;
          const b = branches[r];
          b.steps.push({
            step: q.step,
            qHalt: qh[r],
            qContinue: qc[r],
            preds,
            nonFinite,
            ...judge(preds, labelsOf(r)),
          });
          const byRule = haltsBy(o.halt, qh[r]);
          if (byRule || q.step >= o.maxSteps) {
            done[r] = true;
            b.haltStep = q.step;
            b.haltedByRule = byRule;
            b.answer = preds;
            b.qHalt = qh[r];
            const j = judge(preds, labelsOf(r));
            if (j.correct !== undefined) b.correct = j.correct;
          }
        }
        if (done.every(Boolean)) break;
      }
      p = q;
    }
  } finally {
    disposeState(shown);
  }
  return { branches, positions };
}

/** Per-cell majority, agreement and entropy of the branches' answers. */
export function voteOf(answers: readonly Int32Array[], vocab: number): CloudVotes {
  const S = answers[0]?.length ?? 0;
  const majority = new Int32Array(S);
  const agreement = new Float32Array(S);
  const entropy = new Float32Array(S);
  const counts = new Int32Array(vocab);
  for (let i = 0; i < S; i++) {
    counts.fill(0);
    for (const a of answers) if (a[i] >= 0 && a[i] < vocab) counts[a[i]]++;
    let best = 0;
    for (let v = 1; v < vocab; v++) if (counts[v] > counts[best]) best = v;
    majority[i] = best;
    agreement[i] = counts[best] / answers.length;
    let h = 0;
    for (let v = 0; v < vocab; v++) {
      if (!counts[v]) continue;
      const pv = counts[v] / answers.length;
      h -= pv * Math.log2(pv);
    }
    entropy[i] = h;
  }
  return { majority, agreement, entropy };
}

/** The Q-head choice: highest q_halt at each branch's halt step (ties: the lowest branch number). */
export function selectByQ(branches: readonly CloudBranch[]): CloudBranch {
  let best = branches[0];
  for (const b of branches) if (b.qHalt > best.qHalt || (Number.isNaN(best.qHalt) && !Number.isNaN(b.qHalt))) best = b;
  return best;
}

function selections(
  branches: CloudBranch[],
  labels: Int32Array | undefined,
  votes: CloudVotes,
): CloudResult['selections'] {
  const q = selectByQ(branches);
  const out: CloudResult['selections'] = {
    q: { rule: 'q', branch: q.branch, answer: q.answer, ...judge(q.answer, labels) },
    vote: { rule: 'vote', answer: votes.majority, ...judge(votes.majority, labels) },
  };
  if (labels) {
    const right = branches.find((b) => b.correct === true);
    const pick = right ?? q;
    out.oracle = { rule: 'oracle', branch: pick.branch, answer: pick.answer, ...judge(pick.answer, labels) };
  }
  for (const s of Object.values(out)) delete (s as { accuracy?: number }).accuracy;
  return out;
}

/**
 * A cloud from one shown state (the debugger's stop): the trunk's state at `fork` and the puzzle's
 * embedded x (host arrays, [T, D]) are tiled into N rows.
 */
export async function runCloud(
  model: TrmModel,
  puzzle: PuzzleInput & { id: string },
  x: Float32Array,
  start: RecursionState,
  fork: ForkPoint,
  o: CloudOptions,
): Promise<CloudResult> {
  checkCloudOptions(o, model.derived.updatesPerStep, fork);
  const T = model.derived.totalSeqLen;
  const D = model.config.hidden_size;
  for (const [name, a] of [
    ['x', x],
    ['y', start.y],
    ['z', start.z],
  ] as const)
    if (a.length !== T * D) throw new Error(`cloud: ${name} has ${a.length} values, expected T x D = ${T} x ${D}`);
  const key = puzzleKey(puzzle.id);
  const rows: RowKey[] = Array.from({ length: o.n }, (_, b) => ({ puzzle: key, branch: b }));
  const tile = (a: Float32Array) => tf.tidy(() => tf.tile(tf.tensor3d(a, [1, T, D]), [o.n, 1, 1]) as tf.Tensor3D);
  const xt = tile(x);
  const st = { y: tile(start.y), z: tile(start.z) };
  try {
    const { branches, positions } = await runRows(
      model,
      xt,
      st,
      rows,
      [{ id: puzzle.id, labels: puzzle.labels, first: 0, count: o.n }],
      fork,
      o,
    );
    const votes = voteOf(
      branches.map((b) => b.answer),
      model.config.vocab_size,
    );
    return {
      puzzleId: puzzle.id,
      fork,
      n: o.n,
      noise: o.noise,
      halt: o.halt,
      maxSteps: o.maxSteps,
      branches,
      selections: selections(branches, puzzle.labels, votes),
      votes,
      positions,
    };
  } finally {
    tf.dispose([xt, st.y, st.z]);
  }
}

/**
 * Clouds from the initial state of several puzzles at once (P x N rows of one batch). Each puzzle's
 * noise is keyed by its id, so its cloud does not depend on which puzzles share the batch.
 */
export async function runCloudBatch(
  model: TrmModel,
  puzzles: readonly (PuzzleInput & { id: string })[],
  o: CloudOptions,
): Promise<CloudResult[]> {
  const fork: ForkPoint = { step: 1, ordinal: -1 };
  checkCloudOptions(o, model.derived.updatesPerStep, fork);
  if (puzzles.length === 0) return [];
  const S = model.config.seq_len;
  const inputs = new Int32Array(puzzles.length * S);
  puzzles.forEach((p, i) => {
    if (p.inputs.length !== S)
      throw new Error(`puzzle ${p.id}: ${p.inputs.length} cells, the model expects seq_len ${S}`);
    inputs.set(p.inputs, i * S);
  });
  const ids = Int32Array.from(puzzles.map((p) => p.puzzleIdentifier));
  const rowOf = Int32Array.from({ length: puzzles.length * o.n }, (_, r) => Math.floor(r / o.n));
  const rows: RowKey[] = [];
  const groups: PuzzleRows[] = [];
  puzzles.forEach((p, i) => {
    const key = puzzleKey(p.id);
    groups.push({ id: p.id, labels: p.labels, first: i * o.n, count: o.n });
    for (let b = 0; b < o.n; b++) rows.push({ puzzle: key, branch: o.noise.scale === 0 && o.n === 1 ? -1 : b });
  });
  const xt = tf.tidy(() => {
    const x = model.embed(tf.tensor2d(inputs, [puzzles.length, S], 'int32'), ids);
    return tf.gather(x, tf.tensor1d(rowOf, 'int32')) as tf.Tensor3D;
  });
  const st = model.initialState(rows.length);
  try {
    const { branches } = await runRows(model, xt, st, rows, groups, fork, o);
    return groups.map((g) => {
      const bs = branches.slice(g.first, g.first + g.count).map((b, k) => ({ ...b, branch: k }));
      const votes = voteOf(
        bs.map((b) => b.answer),
        model.config.vocab_size,
      );
      return {
        puzzleId: g.id,
        fork,
        n: o.n,
        noise: o.noise,
        halt: o.halt,
        maxSteps: o.maxSteps,
        branches: bs,
        selections: selections(bs, g.labels, votes),
        votes,
        positions: [],
      };
    });
  } finally {
    tf.dispose([xt, st.y, st.z]);
  }
}
