// A cloud for every puzzle of a dataset, next to the deterministic run of the same puzzles: exact
// accuracy under each selection rule and the cost, so the gain of stochastic recursion can be
// measured on any checkpoint (`trm cloud`, bench/cloud.ts, and later the evaluation browser).

import type { TrmModel } from '../model/trm';
import type { PuzzleInput } from '../trace/types';
import { CloudOptions, CloudResult, runCloudBatch } from './cloud';

export interface CloudEvalOptions extends Omit<CloudOptions, 'recordMeans'> {
  /** Rows per batch (puzzles x N); default 512. */
  batchRows?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface CloudEvalPuzzle {
  id: string;
  deterministic: { correct?: boolean; haltStep: number; qHalt: number };
  q: { correct?: boolean; branch: number; qHalt: number; haltStep: number };
  vote: { correct?: boolean; meanAgreement: number };
  oracle?: { correct?: boolean };
  /** Branches whose own answer is right. */
  rightBranches?: number;
}

export interface CloudEvalSummary {
  puzzles: number;
  n: number;
  noise: CloudOptions['noise'];
  halt: CloudOptions['halt'];
  /** Exact accuracy (whole grid right) over labelled puzzles. */
  exact: { deterministic: number; q: number; vote: number; oracle: number };
  seconds: { deterministic: number; cloud: number };
  /** Cloud time / deterministic time, both measured here on the same backend. */
  costRatio: number;
}

function chunks<T>(a: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < a.length; i += size) out.push(a.slice(i, i + size));
  return out;
}

export async function evaluateCloud(
  model: TrmModel,
  puzzles: readonly (PuzzleInput & { id: string })[],
  o: CloudEvalOptions,
): Promise<{ summary: CloudEvalSummary; puzzles: CloudEvalPuzzle[] }> {
  const batchRows = Math.max(1, o.batchRows ?? 512);
  const base: CloudOptions = { n: o.n, noise: o.noise, halt: o.halt, maxSteps: o.maxSteps, signal: o.signal };
  const det: CloudResult[] = [];
  const cloud: CloudResult[] = [];
  let t0 = performance.now();
  for (const c of chunks(puzzles, batchRows))
    det.push(...(await runCloudBatch(model, c, { ...base, n: 1, noise: { ...o.noise, scale: 0 } })));
  const detSec = (performance.now() - t0) / 1000;
  t0 = performance.now();
  let done = 0;
  for (const c of chunks(puzzles, Math.max(1, Math.floor(batchRows / o.n)))) {
    cloud.push(...(await runCloudBatch(model, c, base)));
    done += c.length;
    o.onProgress?.(done, puzzles.length);
  }
  const cloudSec = (performance.now() - t0) / 1000;
  const rows: CloudEvalPuzzle[] = puzzles.map((p, i) => {
    const d = det[i].branches[0];
    const c = cloud[i];
    const qb = c.branches.find((b) => b.branch === c.selections.q!.branch)!;
    const meanAgreement = c.votes.agreement.reduce((a, v) => a + v, 0) / Math.max(1, c.votes.agreement.length);
    return {
      id: p.id,
      deterministic: { correct: d.correct, haltStep: d.haltStep, qHalt: d.qHalt },
      q: { correct: c.selections.q!.correct, branch: qb.branch, qHalt: qb.qHalt, haltStep: qb.haltStep },
      vote: { correct: c.selections.vote!.correct, meanAgreement },
      ...(c.selections.oracle ? { oracle: { correct: c.selections.oracle.correct } } : {}),
      ...(p.labels ? { rightBranches: c.branches.filter((b) => b.correct).length } : {}),
    };
  });
  const labelled = rows.filter((r) => r.deterministic.correct !== undefined);
  const rate = (f: (r: CloudEvalPuzzle) => boolean | undefined) =>
    labelled.length ? labelled.filter((r) => f(r) === true).length / labelled.length : NaN;
  return {
    summary: {
      puzzles: puzzles.length,
      n: o.n,
      noise: o.noise,
      halt: o.halt,
      exact: {
        deterministic: rate((r) => r.deterministic.correct),
        q: rate((r) => r.q.correct),
        vote: rate((r) => r.vote.correct),
        oracle: rate((r) => r.oracle?.correct),
      },
      seconds: { deterministic: detSec, cloud: cloudSec },
      costRatio: cloudSec / detSec,
    },
    puzzles: rows,
  };
}
