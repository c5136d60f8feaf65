// The "exception" breakpoints of the `trm` debugger: halting-related events judged at the end of
// each supervision step (after the y update of the last cycle). Shown as checkboxes in VS Code's
// Breakpoints view, each with an optional condition in the expression language.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StepOutputs } from '../engine/trace/types';
import { SETTLING_DEFAULTS, SettlingLabel } from '../engine/analysis/settling';

export type HaltingFilterId =
  'halt' | 'haltWrong' | 'continueCorrect' | 'answerChanged' | 'nonFinite' | 'settledWrong' | 'wandering';

interface FilterDef {
  id: HaltingFilterId;
  label: string;
  description: string;
  needsLabels: boolean;
  /** Judged on the settling label of the run so far (engine/analysis/settling.ts); the runtime computes it only then. */
  needsSettling?: boolean;
  test(o: StepOutputs, settling?: SettlingLabel): boolean;
}

export const HALTING_FILTERS: readonly FilterDef[] = [
  {
    id: 'halt',
    label: 'Halting decision',
    description: 'Stop at the end of a step whose halting head says halt (q_halt > 0)',
    needsLabels: false,
    test: (o) => o.wouldHalt,
  },
  {
    id: 'haltWrong',
    label: 'Halts with a wrong answer',
    description: 'Stop where q_halt > 0 but the answer is not fully correct',
    needsLabels: true,
    test: (o) => o.wouldHalt && o.correct === false,
  },
  {
    id: 'continueCorrect',
    label: 'Keeps going although correct',
    description: 'Stop where the answer is fully correct but q_halt <= 0',
    needsLabels: true,
    test: (o) => !o.wouldHalt && o.correct === true,
  },
  {
    id: 'answerChanged',
    label: 'Answer changed',
    description: 'Stop at the end of a step whose predicted answer differs from the previous step',
    needsLabels: false,
    test: (o) => o.changedCells.length > 0,
  },
  {
    id: 'nonFinite',
    label: 'Non-finite value',
    description: 'Stop at the end of a step with NaN or Inf in y, z, the logits or q',
    needsLabels: false,
    test: (o) => o.nonFinite,
  },
  {
    id: 'settledWrong',
    label: 'Settled while wrong',
    description: `Stop at the end of a step whose answer is wrong although the recursion has settled: over the last ${SETTLING_DEFAULTS.settleSteps} steps z and y moved by at most ${SETTLING_DEFAULTS.settleTol} (RMS per position) and no answer cell changed`,
    needsLabels: true,
    needsSettling: true,
    test: (_o, settling) => settling === 'settled wrong',
  },
  {
    id: 'wandering',
    label: 'Still wandering at step k',
    description:
      'Stop at the end of a step whose answer is wrong and still drifting (not settled); choose k with a condition, e.g. step >= 8',
    needsLabels: true,
    needsSettling: true,
    test: (_o, settling) => settling === 'wandering',
  },
];

export function haltingFilter(id: string): FilterDef | undefined {
  return HALTING_FILTERS.find((f) => f.id === id);
}

export const CONDITION_HELP =
  'e.g. q_halt > 1 && step >= 3; names: q_halt, q_continue, p_halt, step, cycle, update, changed, correct, accuracy, wrong';

export function exceptionBreakpointFilters(): DebugProtocol.ExceptionBreakpointsFilter[] {
  return HALTING_FILTERS.map((f) => ({
    filter: f.id,
    label: f.label,
    description: f.description,
    default: false,
    supportsCondition: true,
    conditionDescription: CONDITION_HELP,
  }));
}
