// The message protocol between the "followed run" dashboard webview (webview/dashboard/follow/**) and
// its host (src/extension/follow/**): the host sends the whole view of the followed folder (a run has
// tens of checkpoints, so a full view per change is small and can never drift), the page asks to stop,
// debug a checkpoint, compare two or reveal one. Both sides validate every message; metrics that were
// NaN/Infinity travel as null. No DOM and no `vscode` imports: bundled into both sides.
import { checks as c, isRecord, validateBy, type Check, type ThemeKind } from './timeline';

export const FOLLOW_PROTOCOL_VERSION = 1;
/** `viewType` of the panel; also the serializer key (`onWebviewPanel:trmLens.followDashboard`). */
export const FOLLOW_VIEW_TYPE = 'trmLens.followDashboard';
export const NO_FOLLOW_NOTICE = 'Not following a checkpoint folder — run "TRM: Follow Checkpoint Folder…"';
export const MAX_CHECKPOINTS = 5000;

export type FollowMetric = number | null;
export type FollowCheckpointState = 'writing' | 'queued' | 'evaluating' | 'evaluated' | 'failed';

export interface FollowMetrics {
  exact: FollowMetric; // exact_accuracy: whole puzzles right
  cells: FollowMetric; // accuracy: answer cells right
  qHalt: FollowMetric; // q_halt_accuracy: halting head's sign matches exactness
  meanSteps: FollowMetric; // mean first step with q_halt > 0 (N_sup when never)
  count: number;
}

export interface FollowCheckpointView {
  step: number;
  name: string;
  path: string;
  state: FollowCheckpointState;
  detail: string;
  sizeBytes: number;
  metrics: FollowMetrics | null;
  seconds: FollowMetric;
}

export interface FollowComparisonView {
  a: number;
  b: number;
  puzzles: number;
  bothSolved: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  meanHaltStepDelta: FollowMetric;
  differing: { row: number; exactA: boolean; exactB: boolean; haltA: number; haltB: number }[];
}

export interface FollowView {
  followId: number;
  dir: string;
  data: string;
  /** e.g. "first 64 examples of the test split". */
  evalSet: string;
  backend: string | null;
  status: 'watching' | 'waiting-for-folder' | 'stopped';
  message: string;
  /** N_sup of the evaluated checkpoints (halting chart's top), null before the first evaluation. */
  haltMaxSteps: number | null;
  checkpoints: FollowCheckpointView[]; // ascending steps
  best: number | null;
  comparison: FollowComparisonView | null;
}

// ---------------------------------------------------------------- webview -> host
export interface FollowReadyMessage {
  type: 'ready';
  protocolVersion: number;
}
export interface FollowStopMessage {
  type: 'stop';
  followId: number;
}
/** Opens a checkpoint in the recursion debugger, on one puzzle of the evaluation set (row) or the first it gets wrong. */
export interface FollowDebugMessage {
  type: 'debug';
  followId: number;
  step: number;
  row: number | null;
}
export interface FollowCompareMessage {
  type: 'compare';
  followId: number;
  a: number;
  b: number;
}
export interface FollowRevealMessage {
  type: 'reveal';
  followId: number;
  step: number;
}
export interface FollowWebviewErrorMessage {
  type: 'webviewError';
  message: string;
}
export type FollowToHostMessage =
  | FollowReadyMessage
  | FollowStopMessage
  | FollowDebugMessage
  | FollowCompareMessage
  | FollowRevealMessage
  | FollowWebviewErrorMessage;

// ---------------------------------------------------------------- host -> webview
export interface FollowInitMessage {
  type: 'init';
  protocolVersion: number;
  theme: ThemeKind;
  view: FollowView | null;
  notice: string;
}
export interface FollowViewMessage {
  type: 'view';
  view: FollowView;
}
export interface FollowThemeMessage {
  type: 'theme';
  theme: ThemeKind;
}
export type HostToFollowMessage = FollowInitMessage | FollowViewMessage | FollowThemeMessage;

// ---------------------------------------------------------------- schemas
const metric: Check = (v, p) =>
  v === null || (typeof v === 'number' && Number.isFinite(v))
    ? undefined
    : `${p}: expected a finite number or null, got ${typeof v === 'number' ? String(v) : typeof v}`;
const id = c.int(1);
const step = c.int(0, Number.MAX_SAFE_INTEGER);

function list(item: Check, max: number): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return `${p}: expected an array`;
    if (v.length > max) return `${p}: ${v.length} entries, at most ${max}`;
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

const metricsCheck = c.object({ exact: metric, cells: metric, qHalt: metric, meanSteps: metric, count: c.int(0) });
const checkpointCheck = c.object({
  step,
  name: c.str(300),
  path: c.str(4096),
  state: c.literal<FollowCheckpointState>('writing', 'queued', 'evaluating', 'evaluated', 'failed'),
  detail: c.str(10_000),
  sizeBytes: c.int(0),
  metrics: c.nullable(metricsCheck),
  seconds: metric,
});
const comparisonCheck = c.object({
  a: step,
  b: step,
  puzzles: c.int(0),
  bothSolved: c.int(0),
  onlyA: c.int(0),
  onlyB: c.int(0),
  neither: c.int(0),
  meanHaltStepDelta: metric,
  differing: list(
    c.object({ row: c.int(0), exactA: c.bool(), exactB: c.bool(), haltA: c.int(0), haltB: c.int(0) }),
    50,
  ),
});
export const followViewCheck: Check = c.object(
  {
    followId: id,
    dir: c.str(4096),
    data: c.str(4096),
    evalSet: c.str(1000),
    backend: c.nullable(c.str(1000)),
    status: c.literal('watching', 'waiting-for-folder', 'stopped'),
    message: c.str(10_000),
    haltMaxSteps: c.nullable(c.int(1)),
    checkpoints: list(checkpointCheck, MAX_CHECKPOINTS),
    best: c.nullable(step),
    comparison: c.nullable(comparisonCheck),
  },
  (o, p) => {
    const steps = (o.checkpoints as FollowCheckpointView[]).map((x) => x.step);
    for (let i = 1; i < steps.length; i++)
      if (steps[i] < steps[i - 1])
        return `${p}.checkpoints[${i}].step: ${steps[i]} after ${steps[i - 1]} (steps must ascend)`;
    if (o.best !== null && !steps.includes(o.best as number))
      return `${p}.best: step ${o.best as number} is not listed`;
    return undefined;
  },
);

const themeCheck = c.literal<ThemeKind>('light', 'dark', 'highContrast', 'highContrastLight');
const toHost: { [K in FollowToHostMessage['type']]: Check } = {
  ready: c.object({ type: c.literal('ready'), protocolVersion: c.int(1) }),
  stop: c.object({ type: c.literal('stop'), followId: id }),
  debug: c.object({ type: c.literal('debug'), followId: id, step, row: c.nullable(c.int(0)) }),
  compare: c.object({ type: c.literal('compare'), followId: id, a: step, b: step }, (o, p) =>
    o.a === o.b ? `${p}.b: compare two different checkpoints` : undefined,
  ),
  reveal: c.object({ type: c.literal('reveal'), followId: id, step }),
  webviewError: c.object({ type: c.literal('webviewError'), message: c.str(10_000) }),
};
const toPage: { [K in HostToFollowMessage['type']]: Check } = {
  init: c.object({
    type: c.literal('init'),
    protocolVersion: c.int(1),
    theme: themeCheck,
    view: c.nullable(followViewCheck),
    notice: c.str(10_000),
  }),
  view: c.object({ type: c.literal('view'), view: followViewCheck }),
  theme: c.object({ type: c.literal('theme'), theme: themeCheck }),
};

export function validateFollowToHost(v: unknown): string | undefined {
  return validateBy(toHost, 'follow→host', v);
}
export function validateHostToFollow(v: unknown): string | undefined {
  return validateBy(toPage, 'host→follow', v);
}
export const isFollowView = (v: unknown): v is FollowView => isRecord(v) && followViewCheck(v, 'view') === undefined;
export const toFollowMetric = (x: number | undefined): FollowMetric =>
  x !== undefined && Number.isFinite(x) ? x : null;
