// Messages between a follow session and its evaluation worker, with the receiver's runtime checks.

import type { FollowEvalJob, FollowEvalOutcome } from './types';

export interface FollowWorkerRequest {
  type: 'evaluate';
  id: number;
  job: FollowEvalJob;
  backend?: string;
}

export type FollowWorkerReply =
  | { type: 'result'; id: number; outcome: FollowEvalOutcome; backend: string }
  | { type: 'failed'; id: number; message: string }
  | { type: 'invalid'; message: string };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isFollowWorkerRequest(v: unknown): v is FollowWorkerRequest {
  if (!isObj(v) || v.type !== 'evaluate' || !Number.isInteger(v.id) || !isObj(v.job)) return false;
  const j = v.job;
  return (
    typeof j.file === 'string' &&
    typeof j.data === 'string' &&
    (j.configPath === undefined || typeof j.configPath === 'string') &&
    Number.isInteger(j.limit) &&
    (j.limit as number) >= 0 &&
    Number.isInteger(j.batchSize) &&
    (j.batchSize as number) >= 1 &&
    (v.backend === undefined || typeof v.backend === 'string')
  );
}

export function isFollowWorkerReply(v: unknown): v is FollowWorkerReply {
  if (!isObj(v)) return false;
  if (v.type === 'invalid') return typeof v.message === 'string';
  if (!Number.isInteger(v.id)) return false;
  if (v.type === 'failed') return typeof v.message === 'string';
  if (v.type !== 'result' || typeof v.backend !== 'string' || !isObj(v.outcome)) return false;
  const o = v.outcome;
  return (
    isObj(o.metrics) &&
    Object.values(o.metrics).every((x) => typeof x === 'number') &&
    Array.isArray(o.puzzles) &&
    typeof o.seconds === 'number' &&
    typeof o.configSource === 'string' &&
    Number.isInteger(o.haltMaxSteps) &&
    Array.isArray(o.warnings)
  );
}
