// Builds the evaluation browser's view from an evaluation's records: the rows the list shows, the
// summary, and every halting policy scored on the recorded steps (no recomputation). Noisy-branch
// results, when the clouds feature left a `<cache>.clouds.json` beside the cache, join as a policy.
// Pure (no `vscode`): unit-tested.

import * as fs from 'node:fs';
import type { EvalJobResult } from '../../engine/eval/evalJob';
import { sigmoid } from '../../engine/eval/failureModes';
import { type CloudOutcome, cloudPolicy, scorePolicy, standardPolicies } from '../../engine/eval/policies';
import { summarize } from '../../engine/eval/summary';
import { FAILURE_MODES } from '../../engine/eval/types';
import type { EvalView } from '../../protocol/evalBrowser';

/** Cloud outcomes file beside a cache: {label, branches?, outcomes: {"<index>": {correct, steps}}}. */
export function readCloudOutcomes(
  cacheFile: string,
): { label: string; branches?: number; outcomes: Map<number, CloudOutcome> } | undefined {
  const f = cacheFile.replace(/\.jsonl$/, '.clouds.json');
  if (!fs.existsSync(f)) return undefined;
  const v = JSON.parse(fs.readFileSync(f, 'utf8')) as {
    label?: unknown;
    branches?: unknown;
    outcomes?: Record<string, { correct?: unknown; steps?: unknown }>;
  };
  const outcomes = new Map<number, CloudOutcome>();
  for (const [k, o] of Object.entries(v.outcomes ?? {}))
    if (typeof o.correct === 'boolean' && typeof o.steps === 'number')
      outcomes.set(Number(k), { correct: o.correct, steps: o.steps });
  return {
    label: typeof v.label === 'string' ? v.label : 'noisy branches, best by Q',
    branches: typeof v.branches === 'number' ? v.branches : undefined,
    outcomes,
  };
}

export function evalViewOf(evalId: number, r: EvalJobResult, backend: string): EvalView {
  const s = summarize(r.records);
  const policies = standardPolicies(r.haltMaxSteps);
  const cloud = readCloudOutcomes(r.cacheFile);
  if (cloud) policies.push(cloudPolicy(cloud.label, cloud.outcomes, cloud.branches));
  const bits = (xs: boolean[]): string => xs.map((x) => (x ? '1' : '0')).join('');
  return {
    evalId,
    checkpoint: r.checkpoint,
    data: r.data,
    backend,
    haltMaxSteps: r.haltMaxSteps,
    seconds: r.seconds,
    resumed: r.resumed,
    computed: r.computed,
    metrics: s.metrics,
    failureModes: [...FAILURE_MODES],
    failureCounts: s.failureCounts,
    byHaltStep: s.byHaltStep,
    confusion: s.confusion,
    settling: s.settling,
    puzzles: r.records.map((p) => ({
      index: p.index,
      id: p.id,
      name: p.name ?? null,
      exact: p.exact,
      cellAccuracy: p.cellAccuracy,
      haltStep: p.haltStep,
      firstCorrectStep: p.firstCorrectStep,
      decisiveStep: p.decisiveStep,
      haltProbability: sigmoid(p.steps[p.haltStep - 1].qHalt),
      settling: p.settling,
      failureModes: p.failureModes,
      correctSteps: bits(p.steps.map((x) => x.correct)),
      qHalt: p.steps.map((x) => x.qHalt),
    })),
    policies: policies.map((pol) => {
      const sc = scorePolicy(pol, r.records);
      return {
        id: sc.id,
        label: sc.label,
        family: sc.family,
        param: sc.param ?? null,
        accuracy: sc.accuracy,
        meanSteps: sc.meanSteps,
        correct: bits(sc.correct),
      };
    }),
  };
}
