// Custom DAP requests and events of the `trm` debug type, on top of standard DAP, declared once:
// each request's name, argument schema and response body, each event's name and body. The adapter
// (src/debug) validates arguments with these schemas, the VS Code glue validates bodies with them,
// and tests use the same names. JSON-only payloads (the glue turns number arrays into typed arrays).
import { checks as c, type Infer, type Schema } from './schema';
import {
  heatmapViewSchema,
  layerSchema,
  ordinalSchema,
  stepSchema,
  tensorSchema,
  trmHeatmapSchema,
  trmPositionSchema,
  trmStepSummarySchema,
  trmTraceInfoSchema,
  trmTrajectorySchema,
} from './trace';
import { sweepReportSchema } from './sweep';

export type {
  TrmHeatmap,
  TrmPosition,
  TrmStepSummary,
  TrmTraceInfo,
  TrmTrajectory,
  TrmUpdateKind,
  HeatmapView as TrmHeatmapView,
} from './trace';

// ---------------------------------------------------------------- requests (client -> adapter)
export const trmSeekArgsSchema = c.object(
  { step: stepSchema, ordinal: ordinalSchema, layer: layerSchema },
  undefined,
  true,
);
export const trmStepSummaryArgsSchema = c.object({ step: stepSchema }, undefined, true);
/** The `channel` view needs `channel` (the adapter names the valid range, which it alone knows). */
export const trmHeatmapArgsSchema = c.object(
  {
    step: stepSchema,
    ordinal: ordinalSchema,
    layer: layerSchema,
    tensor: tensorSchema,
    view: heatmapViewSchema,
    channel: c.optional(c.int(0, 1 << 20)),
  },
  undefined,
  true,
);
export const trmTrajectoryArgsSchema = c.object({ tensor: tensorSchema, steps: stepSchema }, undefined, true);

export type TrmSeekArgs = Infer<typeof trmSeekArgsSchema>;
export type TrmStepSummaryArgs = Infer<typeof trmStepSummaryArgsSchema>;
export type TrmHeatmapArgs = Infer<typeof trmHeatmapArgsSchema>;
export type TrmTrajectoryArgs = Infer<typeof trmTrajectoryArgsSchema>;

/** A custom request: its command, the schema of its arguments and of its response body. */
export interface TrmRequestSpec<A, B> {
  command: string;
  args: Schema<A>;
  body: Schema<B>;
}
const request = <A, B>(command: string, args: Schema<A>, body: Schema<B>): TrmRequestSpec<A, B> => ({
  command,
  args,
  body,
});

export const TRM_REQUESTS = {
  /** Moves the cursor to step › ordinal (› layer); the body is the new position. */
  seek: request('trm/seek', trmSeekArgsSchema, trmPositionSchema),
  /** Predictions, confidence and halting of one step. */
  stepSummary: request('trm/stepSummary', trmStepSummaryArgsSchema, trmStepSummarySchema),
  /** One value per sequence position of y or z after an update (norm, one channel or PCA). */
  heatmap: request('trm/heatmap', trmHeatmapArgsSchema, trmHeatmapSchema),
  /** The PCA path of the mean state over steps 1..steps. */
  trajectory: request('trm/trajectory', trmTrajectoryArgsSchema, trmTrajectorySchema),
};

// trm/patchSweep (one request, its progress event; the report is src/protocol/sweep.ts).
/** Sweep `step` (default: the cursor's step) by zeroing each update x cell; `cancel: true` stops a running sweep. */
export const trmPatchSweepArgsSchema = c.object(
  { step: c.optional(stepSchema), cancel: c.optional(c.bool()) },
  undefined,
  true,
);
/** `report` is null when the sweep was cancelled (and always for a cancel request; `cancelled` says whether one ran). */
export const trmPatchSweepBodySchema = c.object({ report: c.nullable(sweepReportSchema), cancelled: c.bool() });
export const trmPatchSweepProgressSchema = c.object({ done: c.int(0), total: c.int(0) });
export type TrmPatchSweepArgs = Infer<typeof trmPatchSweepArgsSchema>;
export type TrmPatchSweepBody = Infer<typeof trmPatchSweepBodySchema>;
export type TrmPatchSweepProgress = Infer<typeof trmPatchSweepProgressSchema>;
export const TRM_PATCH_SWEEP = {
  request: request('trm/patchSweep', trmPatchSweepArgsSchema, trmPatchSweepBodySchema),
  /** Sent after every batch of a running sweep. */
  progress: {
    event: 'trm/patchSweepProgress',
    body: trmPatchSweepProgressSchema,
  } as TrmEventSpec<TrmPatchSweepProgress>,
};

export const TRM_REQUEST_SEEK = TRM_REQUESTS.seek.command;
export const TRM_REQUEST_STEP_SUMMARY = TRM_REQUESTS.stepSummary.command;
export const TRM_REQUEST_HEATMAP = TRM_REQUESTS.heatmap.command;
export const TRM_REQUEST_TRAJECTORY = TRM_REQUESTS.trajectory.command;

// ---------------------------------------------------------------- events (adapter -> client)
export const trmGpuErrorSchema = c.object(
  {
    message: c.str(),
    /** A backend that does not use the GPU, to restart the session with. */
    fallbackBackend: c.str(1000),
  },
  undefined,
  true,
);
/** The GPU could not run the session (memory, lost device): the client may offer `fallbackBackend`. */
export type TrmGpuError = Infer<typeof trmGpuErrorSchema>;

export interface TrmEventSpec<B> {
  event: string;
  body: Schema<B>;
}
const event = <B>(name: string, body: Schema<B>): TrmEventSpec<B> => ({ event: name, body });

export const TRM_EVENTS = {
  /** Sent after every stop (after the standard `stopped` event). */
  position: event('trm/position', trmPositionSchema),
  /** Sent once after launch: what the session runs. */
  traceInfo: event('trm/traceInfo', trmTraceInfoSchema),
  gpuError: event('trm/gpuError', trmGpuErrorSchema),
};

export const TRM_EVENT_POSITION = TRM_EVENTS.position.event;
export const TRM_EVENT_TRACE_INFO = TRM_EVENTS.traceInfo.event;
export const TRM_EVENT_GPU_ERROR = TRM_EVENTS.gpuError.event;

/** Why a request's arguments are invalid, as one line for the error response; undefined when valid. */
export function requestArgsProblem<A>(spec: TrmRequestSpec<A, unknown>, args: unknown): string | undefined {
  const problem = spec.args(args, 'arguments');
  return problem ? `${spec.command}: invalid arguments ${JSON.stringify(args) ?? 'undefined'}: ${problem}` : undefined;
}

export const isTrmGpuError = (v: unknown): v is TrmGpuError => trmGpuErrorSchema(v, 'trm/gpuError') === undefined;
export const isTrmSeekArgs = (v: unknown): v is TrmSeekArgs => trmSeekArgsSchema(v, 'arguments') === undefined;
