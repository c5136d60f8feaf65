// The halting-policy lab: re-scores recorded evaluations under other halting rules without
// recomputing anything. A policy looks at one puzzle's per-step records and says where it stops; the
// answer there is right or wrong, and the step is its compute. Families give the accuracy–compute
// curve: the official evaluation (always N_sup), a fixed step budget, the Q head's sign (q_halt > 0,
// as training halts), a threshold on sigmoid(q_halt), a drift-based stop (the answer stopped
// changing and y barely moves), and a slot for noisy-branch records (trajectory clouds) when present.

import { haltStepOf, sigmoid } from './failureModes';
import type { EvalPuzzleRecord } from './types';

export type PolicyFamily = 'official' | 'fixed' | 'q_halt' | 'threshold' | 'drift' | 'cloud';

export interface PolicyDecision {
  step: number;
  correct: boolean;
}

export interface HaltingPolicy {
  id: string;
  label: string;
  family: PolicyFamily;
  /** The swept parameter (step budget, probability, drift tolerance, branches). */
  param?: number;
  decide(r: EvalPuzzleRecord): PolicyDecision;
}

export interface PolicyScore {
  id: string;
  label: string;
  family: PolicyFamily;
  param?: number;
  accuracy: number;
  meanSteps: number;
  /** Per record (same order as the records scored): right under this policy. */
  correct: boolean[];
}

const at = (r: EvalPuzzleRecord, step: number): PolicyDecision => ({ step, correct: r.steps[step - 1].correct });

export function officialPolicy(): HaltingPolicy {
  return {
    id: 'official',
    label: 'official (run N_sup)',
    family: 'official',
    decide: (r) => at(r, r.steps.length),
  };
}

export function fixedPolicy(k: number): HaltingPolicy {
  return {
    id: `fixed:${k}`,
    label: `stop at step ${k}`,
    family: 'fixed',
    param: k,
    decide: (r) => at(r, Math.min(k, r.steps.length)),
  };
}

export function qHaltPolicy(): HaltingPolicy {
  return { id: 'q_halt', label: 'q_halt > 0', family: 'q_halt', decide: (r) => at(r, haltStepOf(r.steps)) };
}

/** Stop at the first step with sigmoid(q_halt) >= p (N_sup when never). */
export function thresholdPolicy(p: number): HaltingPolicy {
  if (!(p > 0 && p < 1)) throw new Error(`a halting probability threshold must lie in (0, 1), got ${p}`);
  return {
    id: `threshold:${p}`,
    label: `sigmoid(q_halt) ≥ ${p}`,
    family: 'threshold',
    param: p,
    decide: (r) => {
      const i = r.steps.findIndex((s) => sigmoid(s.qHalt) >= p);
      return at(r, i < 0 ? r.steps.length : i + 1);
    },
  };
}

/** Stop at the first step (from 2) where no answer cell changed and y moved by at most `tol` (RMS). */
export function driftPolicy(tol: number): HaltingPolicy {
  if (!(tol >= 0)) throw new Error(`a drift tolerance must be >= 0, got ${tol}`);
  return {
    id: `drift:${tol}`,
    label: `drift: no cell changed, dy ≤ ${tol}`,
    family: 'drift',
    param: tol,
    decide: (r) => {
      const i = r.steps.findIndex((s, j) => j > 0 && s.changedCells === 0 && s.dy <= tol);
      return at(r, i < 0 ? r.steps.length : i + 1);
    },
  };
}

/** A noisy-branch (trajectory cloud) result per puzzle index, as the clouds feature records it. */
export interface CloudOutcome {
  correct: boolean;
  /** Compute in supervision steps per branch-averaged puzzle (branches × steps / branches). */
  steps: number;
}

/** Best of K noisy branches picked by Q, read from cloud records; puzzles without one fall back to the official run. */
export function cloudPolicy(
  label: string,
  outcomes: ReadonlyMap<number, CloudOutcome>,
  branches?: number,
): HaltingPolicy {
  return {
    id: `cloud:${label}`,
    label,
    family: 'cloud',
    param: branches,
    decide: (r) => {
      const o = outcomes.get(r.index);
      return o ? { step: o.steps, correct: o.correct } : at(r, r.steps.length);
    },
  };
}

/** The standard sweep: official, q_halt > 0, every step budget, thresholds, drift tolerances. */
export function standardPolicies(nSup: number): HaltingPolicy[] {
  return [
    officialPolicy(),
    qHaltPolicy(),
    ...Array.from({ length: nSup }, (_, i) => fixedPolicy(i + 1)),
    ...[0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99].map(thresholdPolicy),
    ...[0.01, 0.03, 0.1, 0.3, 1].map(driftPolicy),
  ];
}

export function scorePolicy(policy: HaltingPolicy, records: readonly EvalPuzzleRecord[]): PolicyScore {
  const correct: boolean[] = [];
  let right = 0,
    steps = 0;
  for (const r of records) {
    const d = policy.decide(r);
    correct.push(d.correct);
    if (d.correct) right++;
    steps += d.step;
  }
  const n = Math.max(1, records.length);
  return {
    id: policy.id,
    label: policy.label,
    family: policy.family,
    ...(policy.param !== undefined ? { param: policy.param } : {}),
    accuracy: right / n,
    meanSteps: steps / n,
    correct,
  };
}

/** Indices (record.index) of puzzles policy `a` gets right and `b` gets wrong. */
export function rightOnlyUnder(a: PolicyScore, b: PolicyScore, records: readonly EvalPuzzleRecord[]): number[] {
  const out: number[] = [];
  records.forEach((r, i) => {
    if (a.correct[i] && !b.correct[i]) out.push(r.index);
  });
  return out;
}
