// The plain-JSON vocabulary of following a checkpoint folder, shared by the session, the evaluation
// worker, the CLI and the VS Code glue (which turns it into dashboard messages).

/** One evaluation job: a checkpoint file on the first `limit` examples of a built dataset's test split. */
export interface FollowEvalJob {
  file: string;
  /** all_config.yaml / config.json; default: found beside the checkpoint. */
  configPath?: string;
  data: string;
  /** 0 = the whole test split. */
  limit: number;
  batchSize: number;
}

/** Per puzzle of the evaluation set, what comparing two checkpoints needs. */
export interface FollowPuzzleResult {
  row: number;
  exact: boolean;
  cellAccuracy: number;
  /** First supervision step with q_halt > 0 (N_sup when never). */
  haltStep: number;
  /** First supervision step whose answer was entirely right (0 = never). */
  firstCorrectStep: number;
}

export interface FollowEvalOutcome {
  /** evaluateSplit's metrics: exact_accuracy, accuracy, q_halt_accuracy, mean_steps, lm_loss, count, … */
  metrics: Record<string, number>;
  puzzles: FollowPuzzleResult[];
  seconds: number;
  /** Where the configuration came from (e.g. `…/all_config.yaml`). */
  configSource: string;
  /** halt_max_steps of the checkpoint (N_sup), for the halting chart's scale. */
  haltMaxSteps: number;
  warnings: string[];
}

/**
 * `writing`: seen, not complete or not stable yet; `queued`: complete, waiting for the evaluator;
 * `evaluating`; `evaluated`; `failed`: complete and unchanged, but the loader or the evaluation failed.
 */
export type FollowEntryState = 'writing' | 'queued' | 'evaluating' | 'evaluated' | 'failed';

export interface FollowEntry {
  name: string;
  step: number;
  file: string;
  state: FollowEntryState;
  /** Why it is waiting, or the error. */
  detail: string;
  size: number;
  outcome: FollowEvalOutcome | null;
}

export type FollowStatus = 'watching' | 'waiting-for-folder' | 'stopped';

export interface FollowState {
  dir: string;
  status: FollowStatus;
  message: string;
  /** Ascending steps. */
  entries: FollowEntry[];
  /** Step of the best evaluated checkpoint (see pickBest), null when none. */
  best: number | null;
  polls: number;
}

/** The headline metrics, in the order the CLI and the dashboard show them. */
export const HEADLINE_METRICS = ['exact_accuracy', 'accuracy', 'q_halt_accuracy', 'mean_steps'] as const;

/**
 * The best evaluated checkpoint: highest exact accuracy, then cell accuracy, then q-halt accuracy,
 * then the later step (more training for the same quality).
 */
export function pickBest(entries: readonly FollowEntry[]): number | null {
  let best: FollowEntry | undefined;
  const key = (e: FollowEntry): number[] => {
    const m = e.outcome!.metrics;
    return [m.exact_accuracy ?? -1, m.accuracy ?? -1, m.q_halt_accuracy ?? -1, e.step];
  };
  for (const e of entries) {
    if (e.state !== 'evaluated' || !e.outcome) continue;
    if (!best) {
      best = e;
      continue;
    }
    const a = key(e),
      b = key(best);
    for (let i = 0; i < a.length; i++) {
      if (a[i] > b[i]) {
        best = e;
        break;
      }
      if (a[i] < b[i]) break;
    }
  }
  return best ? best.step : null;
}

export interface CheckpointComparison {
  a: number;
  b: number;
  metricsA: Record<string, number>;
  metricsB: Record<string, number>;
  /** Puzzles both evaluations covered. */
  puzzles: number;
  bothSolved: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** Mean halting step difference (b - a) over the shared puzzles. */
  meanHaltStepDelta: number;
  /** Puzzles where exactness differs, then where halting differs; at most 50. */
  differing: { row: number; exactA: boolean; exactB: boolean; haltA: number; haltB: number }[];
}

/** Puzzle by puzzle, where two evaluated checkpoints differ. */
export function compareOutcomes(
  a: number,
  oa: FollowEvalOutcome,
  b: number,
  ob: FollowEvalOutcome,
): CheckpointComparison {
  const byRow = new Map(ob.puzzles.map((p) => [p.row, p]));
  let both = 0,
    onlyA = 0,
    onlyB = 0,
    neither = 0,
    haltDelta = 0,
    n = 0;
  const exactDiff: CheckpointComparison['differing'] = [];
  const haltDiff: CheckpointComparison['differing'] = [];
  for (const pa of oa.puzzles) {
    const pb = byRow.get(pa.row);
    if (!pb) continue;
    n++;
    haltDelta += pb.haltStep - pa.haltStep;
    if (pa.exact && pb.exact) both++;
    else if (pa.exact) onlyA++;
    else if (pb.exact) onlyB++;
    else neither++;
    const d = { row: pa.row, exactA: pa.exact, exactB: pb.exact, haltA: pa.haltStep, haltB: pb.haltStep };
    if (pa.exact !== pb.exact) exactDiff.push(d);
    else if (pa.haltStep !== pb.haltStep) haltDiff.push(d);
  }
  return {
    a,
    b,
    metricsA: oa.metrics,
    metricsB: ob.metrics,
    puzzles: n,
    bothSolved: both,
    onlyA,
    onlyB,
    neither,
    meanHaltStepDelta: n ? haltDelta / n : 0,
    differing: [...exactDiff, ...haltDiff].slice(0, 50),
  };
}
