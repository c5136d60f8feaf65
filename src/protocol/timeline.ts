// The one message protocol between the recursion-timeline webview (webview/**) and its VS Code host
// (src/extension/timeline/**). One interface per message with a `type` discriminant, a union per
// direction, numeric request ids answered by exactly one response or `error`, and typed arrays for
// bulk data (VS Code transfers them without JSON). Both sides validate every message they receive
// with the schemas below, which name the first bad field ("heatmap.values: expected Float32Array").
// No DOM and no `vscode` imports: this file is bundled into the webview and the extension alike.

export const TIMELINE_PROTOCOL_VERSION = 1;
/** `viewType` of the panel; also the serializer key in package.json (`onWebviewPanel:trmLens.timeline`). */
export const TIMELINE_VIEW_TYPE = 'trmLens.timeline';

export type TensorName = 'y' | 'z'; // y = z_H (answer state), z = z_L (latent reasoning)
/** 'delta': per position, ‖s_t − s_{t−1}‖, how far this update moved the state (drawn on a log scale). */
export type HeatmapView = 'delta' | 'norm' | 'channel' | 'pca';
export type DiffMode = 'none' | 'previous' | 'label';
export type Granularity = 'update' | 'layer'; // a column per network call, or per layer inside it
export type ThemeKind = 'light' | 'dark' | 'highContrast' | 'highContrastLight';
export type TaskKind = 'sudoku' | 'maze' | 'arc' | 'generic';

/** What the session runs; grid cells are the S = seqLen sequence positions after the P-long puzzle prefix. */
export interface TraceInfo {
  sessionId: string;
  sessionName: string;
  puzzleId: string;
  taskKind: TaskKind;
  gridHeight: number;
  gridWidth: number;
  seqLen: number; // S
  puzzleEmbLen: number; // P
  hiddenSize: number; // D
  vocabSize: number; // V
  hCycles: number; // T (paper) = H_cycles
  lCycles: number; // n (paper) = L_cycles
  lLayers: number; // L_layers
  maxSteps: number; // N_sup = halt_max_steps (or fewer, as the session allows)
  inputs: Int32Array; // [S] token ids
  labels?: Int32Array; // [S], 0 = ignored
  checkpoint: string;
  backend: string;
  /** For people: where the puzzle comes from ("sudoku/sample.csv · puzzle 1 (line 2)"). */
  origin?: string;
  /** For people: the model ("sudoku (bundled)", a workspace-relative path); `checkpoint` is the full path. */
  modelName?: string;
  /** Why faster backends were skipped (a tooltip's details). */
  backendSkipped?: string[];
}

/** Where the debug session is stopped; `ordinal` = 0-based update index in the step (0..T*(n+1)-1). */
export interface Position {
  step: number; // 1-based supervision step
  cycle: number; // 1-based H cycle
  kind: TensorName; // which state this update writes
  index: number; // z: 1..n, y: 0
  ordinal: number;
  layer?: number; // 1..L_layers when stopped inside an update
  description: string; // "step 3 › cycle 2 › z 5 (z_L)"
  reason: string; // why it stopped: "step", "breakpoint", "seek", "entry", ...
}

/** The webview's persisted choices (webview state, restored by the panel serializer). */
export interface ViewState {
  tensor: TensorName;
  view: HeatmapView;
  channel: number;
  diff: DiffMode;
  granularity: Granularity;
}

export interface StepSummary {
  step: number;
  preds: Int32Array; // [S] argmax token ids
  confidence: Float32Array; // [S] softmax probability of the predicted id
  qHalt: number;
  qContinue: number;
  haltProbability: number; // sigmoid(q_halt)
  wouldHalt: boolean; // q_halt > 0: the training-time halting rule
  halted: boolean; // the session's halt policy stopped here
  changedCells: Int32Array; // cells whose prediction differs from the previous step
  correct?: boolean;
  accuracy?: number;
  wrongCells?: Int32Array;
  nonFinite: boolean;
}

// ---------------------------------------------------------------- webview -> host
export interface ReadyMessage {
  type: 'ready';
  protocolVersion: number;
}
export interface RequestHeatmapMessage {
  type: 'requestHeatmap';
  id: number;
  step: number;
  ordinal: number;
  layer?: number;
  tensor: TensorName;
  view: HeatmapView;
  channel?: number;
}
export interface RequestStepSummaryMessage {
  type: 'requestStepSummary';
  id: number;
  step: number;
}
export interface RequestTrajectoryMessage {
  type: 'requestTrajectory';
  id: number;
  tensor: TensorName;
  steps: number;
}
export interface SeekMessage {
  type: 'seek';
  step: number;
  ordinal: number;
  layer?: number;
}
export interface SetViewMessage {
  type: 'setView';
  view: ViewState;
}
/** The webview reports what it could not handle (bad message, render failure) to the host's log. */
export interface WebviewErrorMessage {
  type: 'webviewError';
  message: string;
}

export type WebviewToHostMessage =
  | ReadyMessage
  | RequestHeatmapMessage
  | RequestStepSummaryMessage
  | RequestTrajectoryMessage
  | SeekMessage
  | SetViewMessage
  | WebviewErrorMessage;
export type WebviewRequest = RequestHeatmapMessage | RequestStepSummaryMessage | RequestTrajectoryMessage;

// ---------------------------------------------------------------- host -> webview
/** Sent after every `ready` and whenever the shown session changes; `traceInfo: null` = no session. */
export interface InitMessage {
  type: 'init';
  protocolVersion: number;
  theme: ThemeKind;
  view: ViewState | null;
  traceInfo: TraceInfo | null;
  position: Position | null;
  notice: string;
}
export interface PositionMessage {
  type: 'position';
  sessionId: string;
  position: Position;
}
/** One value per sequence position: length P + S (prefix included) or S. */
export interface HeatmapMessage {
  type: 'heatmap';
  id: number;
  values: Float32Array;
  min: number;
  max: number;
}
export interface StepSummaryMessage {
  type: 'stepSummary';
  id: number;
  summary: StepSummary;
}
/** 2-D PCA projection of the mean state after each update, row-major by step then ordinal. */
export interface TrajectoryMessage {
  type: 'trajectory';
  id: number;
  tensor: TensorName;
  steps: Int32Array;
  ordinals: Int32Array;
  xs: Float32Array;
  ys: Float32Array;
}
export interface SessionEndedMessage {
  type: 'sessionEnded';
  sessionId: string;
  notice: string;
}
/** `id` answers a request; `null` = an error not tied to one (a failed seek, a bad event). */
export interface ErrorMessage {
  type: 'error';
  id: number | null;
  message: string;
}
export interface ThemeMessage {
  type: 'theme';
  theme: ThemeKind;
}

export type HostToWebviewMessage =
  | InitMessage
  | PositionMessage
  | HeatmapMessage
  | StepSummaryMessage
  | TrajectoryMessage
  | SessionEndedMessage
  | ErrorMessage
  | ThemeMessage;
export type HostResponse = HeatmapMessage | StepSummaryMessage | TrajectoryMessage;

// ---------------------------------------------------------------- schema toolkit
/** A check returns the first problem found (with its path) or undefined when the value is valid. */
export type Check = (v: unknown, path: string) => string | undefined;

const show = (v: unknown): string => {
  if (v === undefined) return 'undefined (missing)';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  const tag = Object.prototype.toString.call(v).slice(8, -1);
  return tag === 'Object' ? 'an object' : tag === 'Array' ? 'an array' : `a ${tag}`;
};
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const checks = {
  int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Check {
    return (v, p) =>
      Number.isInteger(v) && (v as number) >= min && (v as number) <= max
        ? undefined
        : `${p}: expected an integer in [${min}, ${max}], got ${show(v)}`;
  },
  /** Any number, NaN and ±Infinity included (a diverging state is data, not a protocol error). */
  num(): Check {
    return (v, p) => (typeof v === 'number' ? undefined : `${p}: expected a number, got ${show(v)}`);
  },
  finite(min = -Infinity, max = Infinity): Check {
    return (v, p) =>
      typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
        ? undefined
        : `${p}: expected a finite number in [${min}, ${max}], got ${show(v)}`;
  },
  str(maxLen = 100_000): Check {
    return (v, p) =>
      typeof v === 'string' && v.length <= maxLen
        ? undefined
        : `${p}: expected a string (≤ ${maxLen} chars), got ${show(v)}`;
  },
  bool(): Check {
    return (v, p) => (typeof v === 'boolean' ? undefined : `${p}: expected a boolean, got ${show(v)}`);
  },
  literal<T extends string | number>(...values: T[]): Check {
    return (v, p) =>
      values.includes(v as T)
        ? undefined
        : `${p}: expected one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${show(v)}`;
  },
  /** Tag test instead of instanceof: messages cross realms (iframes, extension host). */
  typed(kind: 'Float32Array' | 'Int32Array', maxLen = 1 << 24): Check {
    return (v, p) => {
      if (Object.prototype.toString.call(v) !== `[object ${kind}]`) return `${p}: expected ${kind}, got ${show(v)}`;
      return (v as ArrayLike<number>).length <= maxLen ? undefined : `${p}: ${kind} longer than ${maxLen}`;
    };
  },
  optional(c: Check): Check {
    return (v, p) => (v === undefined ? undefined : c(v, p));
  },
  /** A list of at most `maxItems` strings of at most `maxLen` chars. */
  strings(maxItems: number, maxLen = 100_000): Check {
    return (v, p) => {
      if (!Array.isArray(v)) return `${p}: expected an array of strings, got ${show(v)}`;
      if (v.length > maxItems) return `${p}: more than ${maxItems} items`;
      const bad = v.findIndex((x) => typeof x !== 'string' || x.length > maxLen);
      return bad < 0 ? undefined : `${p}[${bad}]: expected a string (≤ ${maxLen} chars), got ${show(v[bad])}`;
    };
  },
  nullable(c: Check): Check {
    return (v, p) => (v === null ? undefined : c(v, p));
  },
  /**
   * Exactly these keys (optional ones may be absent); unknown keys are an error so typos surface,
   * unless `allowExtra` (payloads from another component that may grow new fields).
   */
  object(
    fields: Record<string, Check>,
    refine?: (o: Record<string, unknown>, p: string) => string | undefined,
    allowExtra = false,
  ): Check {
    return (v, p) => {
      if (!isRecord(v)) return `${p}: expected an object, got ${show(v)}`;
      if (!allowExtra) for (const k of Object.keys(v)) if (!(k in fields)) return `${p}.${k}: unknown field`;
      for (const [k, c] of Object.entries(fields)) {
        const problem = c(v[k], `${p}.${k}`);
        if (problem) return problem;
      }
      return refine ? refine(v, p) : undefined;
    };
  },
};
const c = checks;

const tensorCheck = c.literal<TensorName>('y', 'z');
const viewCheck = c.literal<HeatmapView>('delta', 'norm', 'channel', 'pca');
const themeCheck = c.literal<ThemeKind>('light', 'dark', 'highContrast', 'highContrastLight');
const idCheck = c.int(0);
const stepCheck = c.int(1, 1_000_000);
const ordinalCheck = c.int(0, 1_000_000);
const layerCheck = c.optional(c.int(1, 10_000));
const len = (o: Record<string, unknown>, k: string): number => (o[k] as ArrayLike<number>).length;

export const traceInfoCheck: Check = c.object(
  {
    sessionId: c.str(1000),
    sessionName: c.str(1000),
    puzzleId: c.str(1000),
    taskKind: c.literal<TaskKind>('sudoku', 'maze', 'arc', 'generic'),
    gridHeight: c.int(1, 4096),
    gridWidth: c.int(1, 4096),
    seqLen: c.int(1, 1 << 20),
    puzzleEmbLen: c.int(0, 1 << 16),
    hiddenSize: c.int(1, 1 << 20),
    vocabSize: c.int(1, 1 << 20),
    hCycles: c.int(1, 1000),
    lCycles: c.int(1, 1000),
    lLayers: c.int(1, 1000),
    maxSteps: c.int(1, 100_000),
    inputs: c.typed('Int32Array'),
    labels: c.optional(c.typed('Int32Array')),
    checkpoint: c.str(),
    backend: c.str(1000),
    origin: c.optional(c.str(2000)),
    modelName: c.optional(c.str(2000)),
    backendSkipped: c.optional(c.strings(16, 2000)),
  },
  (o, p) => {
    const seqLen = o.seqLen as number;
    if ((o.gridHeight as number) * (o.gridWidth as number) !== seqLen) {
      return `${p}: gridHeight × gridWidth = ${(o.gridHeight as number) * (o.gridWidth as number)} must equal seqLen ${seqLen}`;
    }
    if (len(o, 'inputs') !== seqLen) return `${p}.inputs: length ${len(o, 'inputs')}, expected seqLen ${seqLen}`;
    if (o.labels !== undefined && len(o, 'labels') !== seqLen)
      return `${p}.labels: length ${len(o, 'labels')}, expected seqLen ${seqLen}`;
    return undefined;
  },
);

export const positionCheck: Check = c.object(
  {
    step: stepCheck,
    cycle: c.int(1, 1000),
    kind: tensorCheck,
    index: c.int(0, 1000),
    ordinal: ordinalCheck,
    layer: layerCheck,
    description: c.str(10_000),
    reason: c.str(10_000),
  },
  (o, p) =>
    (o.kind === 'y') !== (o.index === 0)
      ? `${p}.index: ${String(o.index)} does not fit kind ${String(o.kind)} (y has index 0, z has 1..n)`
      : undefined,
);

export const viewStateCheck: Check = c.object({
  tensor: tensorCheck,
  view: viewCheck,
  channel: c.int(0, 1 << 20),
  diff: c.literal<DiffMode>('none', 'previous', 'label'),
  granularity: c.literal<Granularity>('update', 'layer'),
});

export const stepSummaryCheck: Check = c.object(
  {
    step: stepCheck,
    preds: c.typed('Int32Array'),
    confidence: c.typed('Float32Array'),
    qHalt: c.num(),
    qContinue: c.num(),
    haltProbability: c.num(),
    wouldHalt: c.bool(),
    halted: c.bool(),
    changedCells: c.typed('Int32Array'),
    correct: c.optional(c.bool()),
    accuracy: c.optional(c.finite(0, 1)),
    wrongCells: c.optional(c.typed('Int32Array')),
    nonFinite: c.bool(),
  },
  (o, p) =>
    len(o, 'confidence') !== len(o, 'preds')
      ? `${p}.confidence: length ${len(o, 'confidence')} differs from preds length ${len(o, 'preds')}`
      : undefined,
);

const webviewSchemas: { [K in WebviewToHostMessage['type']]: Check } = {
  ready: c.object({ type: c.literal('ready'), protocolVersion: c.int(1) }),
  requestHeatmap: c.object(
    {
      type: c.literal('requestHeatmap'),
      id: idCheck,
      step: stepCheck,
      ordinal: ordinalCheck,
      layer: layerCheck,
      tensor: tensorCheck,
      view: viewCheck,
      channel: c.optional(c.int(0, 1 << 20)),
    },
    (o, p) =>
      o.view === 'channel' && o.channel === undefined ? `${p}.channel: required when view is "channel"` : undefined,
  ),
  requestStepSummary: c.object({ type: c.literal('requestStepSummary'), id: idCheck, step: stepCheck }),
  requestTrajectory: c.object({
    type: c.literal('requestTrajectory'),
    id: idCheck,
    tensor: tensorCheck,
    steps: stepCheck,
  }),
  seek: c.object({ type: c.literal('seek'), step: stepCheck, ordinal: ordinalCheck, layer: layerCheck }),
  setView: c.object({ type: c.literal('setView'), view: viewStateCheck }),
  webviewError: c.object({ type: c.literal('webviewError'), message: c.str(10_000) }),
};

const hostSchemas: { [K in HostToWebviewMessage['type']]: Check } = {
  init: c.object({
    type: c.literal('init'),
    protocolVersion: c.int(1),
    theme: themeCheck,
    view: c.nullable(viewStateCheck),
    traceInfo: c.nullable(traceInfoCheck),
    position: c.nullable(positionCheck),
    notice: c.str(10_000),
  }),
  position: c.object({ type: c.literal('position'), sessionId: c.str(1000), position: positionCheck }),
  heatmap: c.object(
    { type: c.literal('heatmap'), id: idCheck, values: c.typed('Float32Array'), min: c.num(), max: c.num() },
    (o, p) => (len(o, 'values') === 0 ? `${p}.values: empty` : undefined),
  ),
  stepSummary: c.object({ type: c.literal('stepSummary'), id: idCheck, summary: stepSummaryCheck }),
  trajectory: c.object(
    {
      type: c.literal('trajectory'),
      id: idCheck,
      tensor: tensorCheck,
      steps: c.typed('Int32Array'),
      ordinals: c.typed('Int32Array'),
      xs: c.typed('Float32Array'),
      ys: c.typed('Float32Array'),
    },
    (o, p) => {
      const n = len(o, 'steps');
      for (const k of ['ordinals', 'xs', 'ys'])
        if (len(o, k) !== n) return `${p}.${k}: length ${len(o, k)} differs from steps length ${n}`;
      return undefined;
    },
  ),
  sessionEnded: c.object({ type: c.literal('sessionEnded'), sessionId: c.str(1000), notice: c.str(10_000) }),
  error: c.object({ type: c.literal('error'), id: c.nullable(idCheck), message: c.str(100_000) }),
  theme: c.object({ type: c.literal('theme'), theme: themeCheck }),
};

/** First problem of a message checked against the schema of its `type`, or undefined when it is valid. */
export function validateBy(schemas: Record<string, Check>, direction: string, v: unknown): string | undefined {
  if (!isRecord(v)) return `${direction} message: expected an object, got ${show(v)}`;
  const type = v.type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(schemas, type)) {
    return `${direction} message: unknown type ${show(type)} (expected one of ${Object.keys(schemas).join(', ')})`;
  }
  return schemas[type](v, type);
}

/** First problem of a message sent by the webview, or undefined when it is valid. */
export function validateWebviewToHost(v: unknown): string | undefined {
  return validateBy(webviewSchemas, 'webview→host', v);
}
/** First problem of a message sent by the host, or undefined when it is valid. */
export function validateHostToWebview(v: unknown): string | undefined {
  return validateBy(hostSchemas, 'host→webview', v);
}

export const isWebviewToHostMessage = (v: unknown): v is WebviewToHostMessage => validateWebviewToHost(v) === undefined;
export const isHostToWebviewMessage = (v: unknown): v is HostToWebviewMessage => validateHostToWebview(v) === undefined;

const guard =
  <T>(check: Check) =>
  (v: unknown): v is T =>
    check(v, 'value') === undefined;
export const isReadyMessage = guard<ReadyMessage>(webviewSchemas.ready);
export const isRequestHeatmapMessage = guard<RequestHeatmapMessage>(webviewSchemas.requestHeatmap);
export const isRequestStepSummaryMessage = guard<RequestStepSummaryMessage>(webviewSchemas.requestStepSummary);
export const isRequestTrajectoryMessage = guard<RequestTrajectoryMessage>(webviewSchemas.requestTrajectory);
export const isSeekMessage = guard<SeekMessage>(webviewSchemas.seek);
export const isSetViewMessage = guard<SetViewMessage>(webviewSchemas.setView);
export const isWebviewErrorMessage = guard<WebviewErrorMessage>(webviewSchemas.webviewError);
export const isInitMessage = guard<InitMessage>(hostSchemas.init);
export const isPositionMessage = guard<PositionMessage>(hostSchemas.position);
export const isHeatmapMessage = guard<HeatmapMessage>(hostSchemas.heatmap);
export const isStepSummaryMessage = guard<StepSummaryMessage>(hostSchemas.stepSummary);
export const isTrajectoryMessage = guard<TrajectoryMessage>(hostSchemas.trajectory);
export const isSessionEndedMessage = guard<SessionEndedMessage>(hostSchemas.sessionEnded);
export const isErrorMessage = guard<ErrorMessage>(hostSchemas.error);
export const isThemeMessage = guard<ThemeMessage>(hostSchemas.theme);
export const isTraceInfo = guard<TraceInfo>(traceInfoCheck);
export const isPosition = guard<Position>(positionCheck);
export const isViewState = guard<ViewState>(viewStateCheck);
export const isStepSummary = guard<StepSummary>(stepSummaryCheck);

// The change each update makes shows where the recursion still works; the norm itself is flat
// (RMS-normalised states have ‖·‖ = √D at every position).
export const DEFAULT_VIEW: ViewState = { tensor: 'z', view: 'delta', channel: 0, diff: 'none', granularity: 'update' };
export const NO_SESSION_NOTICE = 'No TRM debug session — press F5 on a dataset';

/** True for the messages that answer a request id. */
export const isResponse = (m: HostToWebviewMessage): m is HostResponse =>
  m.type === 'heatmap' || m.type === 'stepSummary' || m.type === 'trajectory';
