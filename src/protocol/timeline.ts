// The one message protocol between the recursion-timeline webview (webview/**) and its VS Code host
// (src/extension/timeline/**). One interface per message with a `type` discriminant, a union per
// direction, numeric request ids answered by exactly one response or `error`, and typed arrays for
// bulk data (VS Code transfers them without JSON). Both sides validate every message they receive
// with the schemas below, which name the first bad field ("heatmap.values: expected Float32Array").
// Each message is declared once, as a schema (schema.ts); its type is inferred from it. The trace
// payloads it carries (trace info, position, step summary) are declared in trace.ts.
// No DOM and no `vscode` imports: this file is bundled into the webview and the extension alike.
import { checks as c, guard, lengthOf as len, validateBy, type Infer, type MessageOf } from './schema';
import {
  divergenceSchema as divergenceCheck,
  heatmapViewSchema as viewCheck,
  runSchema as runCheck,
  layerSchema as layerCheck,
  ordinalSchema as ordinalCheck,
  positionSchema as positionCheck,
  provenanceSchema as provenanceCheck,
  stepSchema as stepCheck,
  stepSummarySchema as stepSummaryCheck,
  tensorSchema as tensorCheck,
  traceInfoSchema as traceInfoCheck,
} from './trace';

export { checks, guard, isRecord, validateBy, type Check, type Infer, type Schema } from './schema';
export type {
  Divergence,
  Provenance,
  HeatmapView,
  Position,
  RunName,
  StepSummary,
  TaskKind,
  TensorName,
  TraceInfo,
} from './trace';
export { positionCheck, stepSummaryCheck, traceInfoCheck };

export const TIMELINE_PROTOCOL_VERSION = 1;
/** `viewType` of the panel; also the serializer key in package.json (`onWebviewPanel:trmLens.timeline`). */
export const TIMELINE_VIEW_TYPE = 'trmLens.timeline';

export type DiffMode = 'none' | 'previous' | 'label';
export type TimelineAction = 'forkCloud' | 'addSparkline' | 'removeSparkline';
/**
 * Patches the answer panel offers at the debugger's current stop (sent on as trm/patch, see
 * src/protocol/debugger.ts): zero or copy-from-run-B one cell's y or z, skip the update, freeze a
 * state for the rest of the step, or remove every patch.
 */
export type TimelinePatchOp = 'zero' | 'copy' | 'skip' | 'freeze' | 'clear';
export type Granularity = 'update' | 'layer'; // a column per network call, or per layer inside it
export type ThemeKind = 'light' | 'dark' | 'highContrast' | 'highContrastLight';

const themeCheck = c.literal<ThemeKind>('light', 'dark', 'highContrast', 'highContrastLight');
const idCheck = c.int(0);

/** The webview's persisted choices (webview state, restored by the panel serializer). */
export const viewStateCheck = c.object({
  tensor: tensorCheck,
  view: viewCheck,
  channel: c.int(0, 1 << 20),
  diff: c.literal<DiffMode>('none', 'previous', 'label'),
  granularity: c.literal<Granularity>('update', 'layer'),
});
export type ViewState = Infer<typeof viewStateCheck>;

// ---------------------------------------------------------------- webview -> host
const webviewSchemas = {
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
      /** Run B of a comparison session (compared per update: no `layer`); default A. */
      run: c.optional(runCheck),
    },
    (o, p) =>
      o.view === 'channel' && o.channel === undefined
        ? `${p}.channel: required when view is "channel"`
        : o.run === 'B' && o.layer !== undefined
          ? `${p}.layer: run B is compared per update, not per layer`
          : undefined,
  ),
  requestDivergence: c.object({ type: c.literal('requestDivergence'), id: idCheck, step: stepCheck }),
  requestProvenance: c.object({ type: c.literal('requestProvenance'), id: idCheck }),
  requestStepSummary: c.object({ type: c.literal('requestStepSummary'), id: idCheck, step: stepCheck }),
  requestTrajectory: c.object({
    type: c.literal('requestTrajectory'),
    id: idCheck,
    tensor: tensorCheck,
    steps: stepCheck,
  }),
  seek: c.object({ type: c.literal('seek'), step: stepCheck, ordinal: ordinalCheck, layer: layerCheck }),
  setView: c.object({ type: c.literal('setView'), view: viewStateCheck }),
  /** A toolbar action the host runs with VS Code's own prompts ("Fork cloud…"). */
  action: c.object(
    {
      type: c.literal('action'),
      action: c.literal<TimelineAction>('forkCloud', 'addSparkline', 'removeSparkline'),
      /** removeSparkline: which one. */
      expression: c.optional(c.str(2000)),
    },
    (o, p) =>
      o.action === 'removeSparkline' && o.expression === undefined ? `${p}.expression: required to remove` : undefined,
  ),
  /** A patch at the debugger's current stop, from the answer panel's patch bar. */
  patch: c.object(
    {
      type: c.literal('patch'),
      op: c.literal<TimelinePatchOp>('zero', 'copy', 'skip', 'freeze', 'clear'),
      /** y (= z_H) or z (= z_L): zero, copy and freeze. */
      tensor: c.optional(c.literal<'y' | 'z'>('y', 'z')),
      /** The answer cell (row-major, 0..S-1): zero and copy. */
      cell: c.optional(c.int(0, 1 << 20)),
    },
    (o, p) => {
      const needsTensor = o.op === 'zero' || o.op === 'copy' || o.op === 'freeze';
      if (needsTensor && o.tensor === undefined) return `${p}.tensor: ${o.op as string} needs y or z`;
      if (!needsTensor && o.tensor !== undefined) return `${p}.tensor: ${o.op as string} takes no tensor`;
      const needsCell = o.op === 'zero' || o.op === 'copy';
      if (needsCell && o.cell === undefined) return `${p}.cell: ${o.op as string} needs an answer cell`;
      if (!needsCell && o.cell !== undefined) return `${p}.cell: ${o.op as string} acts on the whole update`;
      return undefined;
    },
  ),
  requestSeries: c.object({ type: c.literal('requestSeries'), id: idCheck, expression: c.str(2000), steps: stepCheck }),
  /** The webview reports what it could not handle (bad message, render failure) to the host's log. */
  webviewError: c.object({ type: c.literal('webviewError'), message: c.str(10_000) }),
};

export type ReadyMessage = Infer<typeof webviewSchemas.ready>;
export type RequestHeatmapMessage = Infer<typeof webviewSchemas.requestHeatmap>;
export type RequestStepSummaryMessage = Infer<typeof webviewSchemas.requestStepSummary>;
export type RequestTrajectoryMessage = Infer<typeof webviewSchemas.requestTrajectory>;
export type RequestDivergenceMessage = Infer<typeof webviewSchemas.requestDivergence>;
export type RequestProvenanceMessage = Infer<typeof webviewSchemas.requestProvenance>;
export type RequestSeriesMessage = Infer<typeof webviewSchemas.requestSeries>;
export type SeekMessage = Infer<typeof webviewSchemas.seek>;
export type SetViewMessage = Infer<typeof webviewSchemas.setView>;
export type WebviewErrorMessage = Infer<typeof webviewSchemas.webviewError>;
export type PatchMessage = Infer<typeof webviewSchemas.patch>;
export type WebviewToHostMessage = MessageOf<typeof webviewSchemas>;
export type WebviewRequest =
  | RequestHeatmapMessage
  | RequestStepSummaryMessage
  | RequestTrajectoryMessage
  | RequestDivergenceMessage
  | RequestProvenanceMessage
  | RequestSeriesMessage;

// ---------------------------------------------------------------- host -> webview
const hostSchemas = {
  /** Sent after every `ready` and whenever the shown session changes; `traceInfo: null` = no session. */
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
  /** One value per sequence position: length P + S (prefix included) or S. */
  heatmap: c.object(
    {
      type: c.literal('heatmap'),
      id: idCheck,
      values: c.typed('Float32Array'),
      min: c.num(),
      max: c.num(),
      /** z-lens view: the cells where z already decodes to y's final value and y does not yet. */
      ahead: c.optional(c.typed('Int32Array')),
    },
    (o, p) => (len(o, 'values') === 0 ? `${p}.values: empty` : undefined),
  ),
  stepSummary: c.object({ type: c.literal('stepSummary'), id: idCheck, summary: stepSummaryCheck }),
  provenance: c.object({ type: c.literal('provenance'), id: idCheck, provenance: provenanceCheck }),
  /** An expression after every update of steps 1..steps, row-major by step then ordinal (NaN: not finite). */
  series: c.object({
    type: c.literal('series'),
    id: idCheck,
    expression: c.str(2000),
    valueType: c.literal<'number' | 'boolean'>('number', 'boolean'),
    steps: stepCheck,
    values: c.typed('Float32Array'),
  }),
  /** The sparklines to draw: the Watch view's expressions, then those added on the timeline. */
  watch: c.object({
    type: c.literal('watch'),
    sessionId: c.str(1000),
    watch: c.array(c.str(2000), 1000),
    added: c.array(c.str(2000), 1000),
  }),
  /** Runs A and B after each update of one step (comparison sessions). */
  divergence: c.object({ type: c.literal('divergence'), id: idCheck, divergence: divergenceCheck }),
  /** 2-D PCA projection of the mean state after each update, row-major by step then ordinal. */
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
  /**
   * The latest trajectory cloud of the session (trm/cloud event): its trunk and every branch's path,
   * projected on the same principal components (PCA of trunk and branches together), from the fork
   * point at trunk index `forkIndex`; `selected` = the branch the selection rule picked (−1: none).
   */
  cloud: c.object(
    {
      type: c.literal('cloud'),
      sessionId: c.str(1000),
      forkId: c.int(1),
      description: c.str(10_000),
      tensor: tensorCheck,
      select: c.str(100),
      selected: c.int(-1),
      trunkSteps: c.typed('Int32Array'),
      trunkOrdinals: c.typed('Int32Array'),
      trunkXs: c.typed('Float32Array'),
      trunkYs: c.typed('Float32Array'),
      forkIndex: c.int(0),
      branches: c.array(
        c.object({
          branch: c.int(0),
          haltStep: c.int(0),
          qHalt: c.num(),
          correct: c.optional(c.bool()),
          xs: c.typed('Float32Array'),
          ys: c.typed('Float32Array'),
        }),
        256,
      ),
    },
    (o, p) => {
      const n = len(o, 'trunkSteps');
      for (const k of ['trunkOrdinals', 'trunkXs', 'trunkYs'])
        if (len(o, k) !== n) return `${p}.${k}: length ${len(o, k)} differs from trunkSteps length ${n}`;
      return (o.forkIndex as number) >= n
        ? `${p}.forkIndex: ${o.forkIndex as number} beyond the trunk (${n})`
        : undefined;
    },
  ),
  sessionEnded: c.object({ type: c.literal('sessionEnded'), sessionId: c.str(1000), notice: c.str(10_000) }),
  /** `id` answers a request; `null` = an error not tied to one (a failed seek, a bad event). */
  error: c.object({ type: c.literal('error'), id: c.nullable(idCheck), message: c.str(100_000) }),
  theme: c.object({ type: c.literal('theme'), theme: themeCheck }),
};

export type InitMessage = Infer<typeof hostSchemas.init>;
export type PositionMessage = Infer<typeof hostSchemas.position>;
export type HeatmapMessage = Infer<typeof hostSchemas.heatmap>;
export type StepSummaryMessage = Infer<typeof hostSchemas.stepSummary>;
export type TrajectoryMessage = Infer<typeof hostSchemas.trajectory>;
export type DivergenceMessage = Infer<typeof hostSchemas.divergence>;
export type ProvenanceMessage = Infer<typeof hostSchemas.provenance>;
export type SeriesMessage = Infer<typeof hostSchemas.series>;
export type WatchMessage = Infer<typeof hostSchemas.watch>;
export type SessionEndedMessage = Infer<typeof hostSchemas.sessionEnded>;
export type CloudMessage = Infer<typeof hostSchemas.cloud>;
export type ActionMessage = Infer<typeof webviewSchemas.action>;
export type ErrorMessage = Infer<typeof hostSchemas.error>;
export type ThemeMessage = Infer<typeof hostSchemas.theme>;
export type HostToWebviewMessage = MessageOf<typeof hostSchemas>;
export type HostResponse =
  HeatmapMessage | StepSummaryMessage | TrajectoryMessage | DivergenceMessage | ProvenanceMessage;

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

export const isReadyMessage = guard(webviewSchemas.ready);
export const isRequestHeatmapMessage = guard(webviewSchemas.requestHeatmap);
export const isRequestStepSummaryMessage = guard(webviewSchemas.requestStepSummary);
export const isRequestTrajectoryMessage = guard(webviewSchemas.requestTrajectory);
export const isRequestDivergenceMessage = guard(webviewSchemas.requestDivergence);
export const isDivergenceMessage = guard(hostSchemas.divergence);
export const isSeekMessage = guard(webviewSchemas.seek);
export const isSetViewMessage = guard(webviewSchemas.setView);
export const isPatchMessage = guard(webviewSchemas.patch);
export const isWebviewErrorMessage = guard(webviewSchemas.webviewError);
export const isInitMessage = guard(hostSchemas.init);
export const isPositionMessage = guard(hostSchemas.position);
export const isHeatmapMessage = guard(hostSchemas.heatmap);
export const isStepSummaryMessage = guard(hostSchemas.stepSummary);
export const isTrajectoryMessage = guard(hostSchemas.trajectory);
export const isSessionEndedMessage = guard(hostSchemas.sessionEnded);
export const isCloudMessage = guard(hostSchemas.cloud);
export const isErrorMessage = guard(hostSchemas.error);
export const isThemeMessage = guard(hostSchemas.theme);
export const isTraceInfo = guard(traceInfoCheck);
export const isPosition = guard(positionCheck);
export const isViewState = guard(viewStateCheck);
export const isStepSummary = guard(stepSummaryCheck);

// The change each update makes shows where the recursion still works; the norm itself is flat
// (RMS-normalised states have ‖·‖ = √D at every position).
export const DEFAULT_VIEW: ViewState = { tensor: 'z', view: 'delta', channel: 0, diff: 'none', granularity: 'update' };
export const NO_SESSION_NOTICE = 'No TRM debug session — press F5 on a dataset';

/** True for the messages that answer a request id. */
export const isResponse = (m: HostToWebviewMessage): m is HostResponse =>
  m.type === 'heatmap' ||
  m.type === 'stepSummary' ||
  m.type === 'trajectory' ||
  m.type === 'divergence' ||
  m.type === 'provenance' ||
  m.type === 'series';
