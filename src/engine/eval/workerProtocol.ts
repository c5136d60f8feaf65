// Messages between the evaluation browser's host and its worker thread (dist/evalWorker.js):
// run / cancel in, progress / result / failed out. Checked on both sides (a worker is a boundary).

import type { EvalJob, EvalJobResult } from './evalJob';

export type EvalWorkerRequest =
  { type: 'run'; id: number; job: EvalJob; backend?: string } | { type: 'cancel'; id: number };

export type EvalWorkerReply =
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'result'; id: number; result: EvalJobResult; backend: string }
  | { type: 'failed'; id: number; message: string; cancelled: boolean }
  | { type: 'invalid'; message: string };

const rec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isEvalWorkerRequest(v: unknown): v is EvalWorkerRequest {
  if (!rec(v) || !Number.isInteger(v.id)) return false;
  if (v.type === 'cancel') return true;
  if (v.type !== 'run' || !rec(v.job)) return false;
  const j = v.job;
  return (
    typeof j.checkpoint === 'string' &&
    typeof j.data === 'string' &&
    typeof j.cacheDir === 'string' &&
    Number.isInteger(j.limit) &&
    Number.isInteger(j.batchSize) &&
    (j.config === undefined || typeof j.config === 'string')
  );
}

export function isEvalWorkerReply(v: unknown): v is EvalWorkerReply {
  if (!rec(v)) return false;
  switch (v.type) {
    case 'progress':
      return Number.isInteger(v.id) && typeof v.done === 'number' && typeof v.total === 'number';
    case 'result':
      return Number.isInteger(v.id) && rec(v.result) && Array.isArray(v.result.records);
    case 'failed':
      return Number.isInteger(v.id) && typeof v.message === 'string';
    case 'invalid':
      return typeof v.message === 'string';
    default:
      return false;
  }
}
