// The one message protocol between the training-dashboard webview (webview/dashboard/**) and its VS Code
// host (src/extension/training/**). One interface per message with a `type` discriminant, a union per
// direction; both sides validate every message they receive with the schemas below, which name the
// first bad field ("progress.points[3].lr: expected a finite number..."). Webview messages travel as
// JSON, which cannot carry NaN or ±Infinity, so a metric that diverged is sent as `null` (a gap in the
// curve), never as a made-up number. No DOM and no `vscode` imports: bundled into both sides.
import { checks as c, isRecord, validateBy, type Check, type ThemeKind } from './timeline';

export type { ThemeKind } from './timeline';

export const DASHBOARD_PROTOCOL_VERSION = 1;
/** `viewType` of the panel; also the serializer key in package.json (`onWebviewPanel:trmLens.trainingDashboard`). */
export const DASHBOARD_VIEW_TYPE = 'trmLens.trainingDashboard';
/** Most points one message may carry (the host's history is decimated below this). */
export const MAX_POINTS_PER_MESSAGE = 20_000;
export const NO_RUN_NOTICE = 'No training run yet — run "TRM: Train Model…" to start one';
/** A notice that starts so is an error (the page draws it in the error colour, above the last run). */
export const NOT_STARTED_PREFIX = 'Training did not start: ';

/** A metric value: a finite number, or null when it was NaN/±Infinity (JSON cannot carry those). */
export type Metric = number | null;

/**
 * `starting`: the worker was asked to start; `running`: it announced the run; `stopping`: cancel was
 * requested (the trainer finishes its checkpoint); then one of the final states.
 */
export type RunStatus = 'starting' | 'running' | 'stopping' | 'done' | 'cancelled' | 'failed';
export const FINAL_STATUSES: readonly RunStatus[] = ['done', 'cancelled', 'failed'];

/** What is known about a run: the request at first, the trainer's announcement (`started`) after. */
export interface RunInfo {
  runId: number; // host counter, unique per extension-host session
  runDir: string;
  dataDir: string;
  /** runDir and dataDir as shown (workspace-relative); the absolute paths go in a tooltip. */
  runDirLabel?: string;
  dataDirLabel?: string;
  preset: string | null;
  resumed: boolean;
  backend: string | null; // null until the worker announced the run
  totalSteps: number | null;
  startStep: number | null;
  parameters: number | null;
  examplesPerStep: number | null;
}

/** One logged optimiser step: the trainer's metrics, flattened. */
export interface ProgressPoint {
  step: number;
  lr: Metric;
  lmLoss: Metric;
  qHaltLoss: Metric;
  totalLoss: Metric;
  accuracy: Metric;
  exactAccuracy: Metric;
  qHaltAccuracy: Metric;
  meanSteps: Metric; // mean supervision steps used before halting (≤ N_sup = halt_max_steps)
  examplesPerSec: Metric;
  elapsedSec: Metric;
}
export interface EvalPoint {
  step: number;
  metrics: Record<string, Metric>;
}
export interface CheckpointPoint {
  step: number;
  path: string;
}

/** Everything the dashboard draws for one run: what `init` carries so a reopened panel re-hydrates. */
export interface RunSnapshot {
  info: RunInfo;
  status: RunStatus;
  message: string; // the final reason or error text ("" while running)
  progress: ProgressPoint[]; // ascending steps, possibly decimated for long runs
  evals: EvalPoint[];
  checkpoints: CheckpointPoint[];
}

// ---------------------------------------------------------------- webview -> host
export interface ReadyMessage {
  type: 'ready';
  protocolVersion: number;
}
/** The Stop button: cancel this run (the trainer writes its checkpoint first). */
export interface StopMessage {
  type: 'stop';
  runId: number;
}
/** Opens a checkpoint's folder in the OS file manager / the explorer. */
export interface RevealMessage {
  type: 'reveal';
  path: string;
}
export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}
export type DashboardToHostMessage = ReadyMessage | StopMessage | RevealMessage | WebviewErrorMessage;

// ---------------------------------------------------------------- host -> webview
/** Sent after every `ready` and whenever a new run starts; `run: null` = nothing trained yet. */
export interface InitMessage {
  type: 'init';
  protocolVersion: number;
  theme: ThemeKind;
  run: RunSnapshot | null;
  notice: string;
}
/** New points of the shown run, in ascending step order. */
export interface ProgressMessage {
  type: 'progress';
  runId: number;
  points: ProgressPoint[];
}
export interface EvalMessage {
  type: 'eval';
  runId: number;
  point: EvalPoint;
}
export interface CheckpointMessage {
  type: 'checkpoint';
  runId: number;
  point: CheckpointPoint;
}
/** Run info and status changed (announced, stopping, finished, failed). */
export interface StatusMessage {
  type: 'status';
  runId: number;
  info: RunInfo;
  status: RunStatus;
  message: string;
}
export interface ThemeMessage {
  type: 'theme';
  theme: ThemeKind;
}
export type HostToDashboardMessage =
  InitMessage | ProgressMessage | EvalMessage | CheckpointMessage | StatusMessage | ThemeMessage;

// ---------------------------------------------------------------- schemas
const show = (v: unknown): string =>
  v === undefined
    ? 'undefined (missing)'
    : typeof v === 'string'
      ? JSON.stringify(v.slice(0, 40))
      : typeof v === 'number' || typeof v === 'boolean' || v === null
        ? String(v)
        : Array.isArray(v)
          ? 'an array'
          : typeof v;

const metric: Check = (v, p) =>
  v === null || (typeof v === 'number' && Number.isFinite(v))
    ? undefined
    : `${p}: expected a finite number or null (NaN/Infinity), got ${show(v)}`;
const runIdCheck = c.int(1);
const stepCheck = c.int(0, Number.MAX_SAFE_INTEGER);
const statusCheck = c.literal<RunStatus>('starting', 'running', 'stopping', 'done', 'cancelled', 'failed');
const themeCheck = c.literal<ThemeKind>('light', 'dark', 'highContrast', 'highContrastLight');

function arrayOf(item: Check, maxLen: number, ascendingSteps = false): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return `${p}: expected an array, got ${show(v)}`;
    if (v.length > maxLen) return `${p}: ${v.length} entries, at most ${maxLen}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
      if (ascendingSteps && i > 0 && (v[i] as { step: number }).step <= (v[i - 1] as { step: number }).step) {
        return `${p}[${i}].step: ${(v[i] as { step: number }).step} does not follow step ${(v[i - 1] as { step: number }).step} (steps must ascend)`;
      }
    }
    return undefined;
  };
}

/** Metric name → value; names are short identifiers (they become table headings). */
const metricRecord: Check = (v, p) => {
  if (!isRecord(v)) return `${p}: expected an object of metric values, got ${show(v)}`;
  const keys = Object.keys(v);
  if (keys.length > 64) return `${p}: ${keys.length} metrics, at most 64`;
  for (const k of keys) {
    if (!/^[\w./-]{1,64}$/.test(k))
      return `${p}: metric name ${JSON.stringify(k.slice(0, 70))} must be 1-64 letters, digits, _ . / -`;
    const problem = metric(v[k], `${p}.${k}`);
    if (problem) return problem;
  }
  return undefined;
};

const nullableCount = c.nullable(c.int(0));
export const runInfoCheck: Check = c.object({
  runId: runIdCheck,
  runDir: c.str(4096),
  dataDir: c.str(4096),
  runDirLabel: c.optional(c.str(4096)),
  dataDirLabel: c.optional(c.str(4096)),
  preset: c.nullable(c.str(200)),
  resumed: c.bool(),
  backend: c.nullable(c.str(1000)),
  totalSteps: nullableCount,
  startStep: nullableCount,
  parameters: nullableCount,
  examplesPerStep: nullableCount,
});

export const progressPointCheck: Check = c.object({
  step: stepCheck,
  lr: metric,
  lmLoss: metric,
  qHaltLoss: metric,
  totalLoss: metric,
  accuracy: metric,
  exactAccuracy: metric,
  qHaltAccuracy: metric,
  meanSteps: metric,
  examplesPerSec: metric,
  elapsedSec: metric,
});
export const evalPointCheck: Check = c.object({ step: stepCheck, metrics: metricRecord });
export const checkpointPointCheck: Check = c.object({ step: stepCheck, path: c.str(4096) });

export const runSnapshotCheck: Check = c.object({
  info: runInfoCheck,
  status: statusCheck,
  message: c.str(100_000),
  progress: arrayOf(progressPointCheck, MAX_POINTS_PER_MESSAGE, true),
  evals: arrayOf(evalPointCheck, 10_000),
  checkpoints: arrayOf(checkpointPointCheck, 10_000),
});

const webviewSchemas: { [K in DashboardToHostMessage['type']]: Check } = {
  ready: c.object({ type: c.literal('ready'), protocolVersion: c.int(1) }),
  stop: c.object({ type: c.literal('stop'), runId: runIdCheck }),
  reveal: c.object({ type: c.literal('reveal'), path: c.str(4096) }),
  webviewError: c.object({ type: c.literal('webviewError'), message: c.str(10_000) }),
};

const hostSchemas: { [K in HostToDashboardMessage['type']]: Check } = {
  init: c.object({
    type: c.literal('init'),
    protocolVersion: c.int(1),
    theme: themeCheck,
    run: c.nullable(runSnapshotCheck),
    notice: c.str(10_000),
  }),
  progress: c.object(
    {
      type: c.literal('progress'),
      runId: runIdCheck,
      points: arrayOf(progressPointCheck, MAX_POINTS_PER_MESSAGE, true),
    },
    (o, p) => ((o.points as unknown[]).length === 0 ? `${p}.points: empty` : undefined),
  ),
  eval: c.object({ type: c.literal('eval'), runId: runIdCheck, point: evalPointCheck }),
  checkpoint: c.object({ type: c.literal('checkpoint'), runId: runIdCheck, point: checkpointPointCheck }),
  status: c.object(
    { type: c.literal('status'), runId: runIdCheck, info: runInfoCheck, status: statusCheck, message: c.str(100_000) },
    (o, p) =>
      (o.info as RunInfo).runId !== o.runId
        ? `${p}.info.runId: ${(o.info as RunInfo).runId} differs from runId ${String(o.runId)}`
        : undefined,
  ),
  theme: c.object({ type: c.literal('theme'), theme: themeCheck }),
};

/** First problem of a message sent by the dashboard webview, or undefined when it is valid. */
export function validateDashboardToHost(v: unknown): string | undefined {
  return validateBy(webviewSchemas, 'dashboard→host', v);
}
/** First problem of a message sent by the host to the dashboard, or undefined when it is valid. */
export function validateHostToDashboard(v: unknown): string | undefined {
  return validateBy(hostSchemas, 'host→dashboard', v);
}

export const isDashboardToHostMessage = (v: unknown): v is DashboardToHostMessage =>
  validateDashboardToHost(v) === undefined;
export const isHostToDashboardMessage = (v: unknown): v is HostToDashboardMessage =>
  validateHostToDashboard(v) === undefined;

const guard =
  <T>(check: Check) =>
  (v: unknown): v is T =>
    check(v, 'value') === undefined;
export const isRunInfo = guard<RunInfo>(runInfoCheck);
export const isProgressPoint = guard<ProgressPoint>(progressPointCheck);
export const isRunSnapshot = guard<RunSnapshot>(runSnapshotCheck);
export const isInitMessage = guard<InitMessage>(hostSchemas.init);
export const isProgressMessage = guard<ProgressMessage>(hostSchemas.progress);
export const isStatusMessage = guard<StatusMessage>(hostSchemas.status);
export const isStopMessage = guard<StopMessage>(webviewSchemas.stop);

/** A number as the protocol carries it: non-finite values become null. */
export const toMetric = (x: number): Metric => (Number.isFinite(x) ? x : null);
export const isFinalStatus = (s: RunStatus): boolean => FINAL_STATUSES.includes(s);

// ---------------------------------------------------------------- shared history policy
/** Points either side keeps per run; the same rule on both sides, so a reopened panel shows the same curves. */
export const HISTORY_CAP = 4000;

/**
 * An ascending-step log of at most `cap` points that stays evenly spaced for runs of any length: when
 * full it keeps every second point and from then on keeps only every `stride`-th new one. The newest
 * point is always part of `points()` (a live header shows it), even when the stride would skip it.
 */
export class DecimatedLog<T extends { step: number }> {
  private kept: T[] = [];
  private tail: T | null = null; // newest point when the stride did not keep it
  private stride = 1;
  private sinceKept = 0;

  constructor(private readonly cap = HISTORY_CAP) {
    if (!Number.isInteger(cap) || cap < 4) throw new Error(`DecimatedLog: cap must be an integer ≥ 4, got ${cap}`);
  }

  /** Appends a point; returns false (and keeps nothing) when its step does not follow the newest one. */
  push(p: T): boolean {
    const last = this.tail ?? this.kept[this.kept.length - 1];
    if (last && p.step <= last.step) return false;
    this.sinceKept++;
    if (this.sinceKept < this.stride && this.kept.length > 0) {
      this.tail = p;
      return true;
    }
    this.kept.push(p);
    this.tail = null;
    this.sinceKept = 0;
    if (this.kept.length > this.cap) {
      const n = this.kept.length;
      this.kept = this.kept.filter((_, i) => (n - 1 - i) % 2 === 0); // the newest kept point stays: the stride counts from it
      this.stride *= 2;
    }
    return true;
  }

  points(): T[] {
    return this.tail ? [...this.kept, this.tail] : [...this.kept];
  }
  get length(): number {
    return this.kept.length + (this.tail ? 1 : 0);
  }
  get latest(): T | undefined {
    return this.tail ?? this.kept[this.kept.length - 1];
  }
  get currentStride(): number {
    return this.stride;
  }
}
