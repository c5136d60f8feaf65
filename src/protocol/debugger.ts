// Custom DAP requests and events of the `trm` debug type, on top of standard DAP, declared once:
// each request's name, argument schema and response body, each event's name and body. The adapter
// (src/debug) validates arguments with these schemas, the VS Code glue validates bodies with them,
// and tests use the same names. JSON-only payloads (the glue turns number arrays into typed arrays).
import { checks as c, type Infer, type Schema } from './schema';
import {
  heatmapViewSchema,
  layerSchema,
  ordinalSchema,
  provenanceSchema,
  runSchema,
  stepSchema,
  tensorSchema,
  trmDivergenceSchema,
  trmHeatmapSchema,
  trmPositionSchema,
  trmStepSummarySchema,
  trmTraceInfoSchema,
  trmTrajectorySchema,
} from './trace';
import { sweepReportSchema } from './sweep';

export type {
  Provenance as TrmProvenance,
  RunName,
  TrmDivergence,
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
    /** Run B of a comparison session (per update: `layer` is not allowed); default A. */
    run: c.optional(runSchema),
  },
  undefined,
  true,
);
export const trmDivergenceArgsSchema = c.object({ step: stepSchema }, undefined, true);
export const trmProvenanceArgsSchema = c.object({}, undefined, true);
export const trmSeriesArgsSchema = c.object({ expression: c.str(2000), steps: stepSchema }, undefined, true);
/** An expression's value after every update of steps 1..steps (booleans as 0/1; null: not finite). */
export const trmSeriesSchema = c.object(
  {
    expression: c.str(2000),
    type: c.literal<'number' | 'boolean'>('number', 'boolean'),
    steps: stepSchema,
    values: c.numbers('float'),
  },
  undefined,
  true,
);
export type TrmSeriesArgs = Infer<typeof trmSeriesArgsSchema>;
export type TrmSeries = Infer<typeof trmSeriesSchema>;
export const trmTrajectoryArgsSchema = c.object({ tensor: tensorSchema, steps: stepSchema }, undefined, true);

/**
 * trm/patch: an intervention at an address (default: the current stop). `op` 'clear' removes every
 * patch. Values arrive as JSON numbers; the adapter rejects non-finite ones with a clear message.
 */
export const trmPatchArgsSchema = c.object({
  op: c.literal('set', 'zero', 'copy', 'skip', 'freeze', 'embedding', 'clear'),
  /** y (= z_H) or z (= z_L); 'both' for zero / copy. */
  tensor: c.optional(c.literal('y', 'z', 'both')),
  /** Grid cells 0..S-1 (row-major), -P..-1 the puzzle-prefix positions; absent = every position (zero / copy). */
  cells: c.optional(c.array(c.int(-(1 << 20), 1 << 20), 1 << 20)),
  /** One channel 0..D-1 (set / copy). */
  dim: c.optional(c.int(0, 1 << 20)),
  value: c.optional(c.num()),
  /** cells × D values (set a whole vector per cell). */
  values: c.optional(c.array(c.num(), 1 << 24)),
  /** copy: from run B (the launch's `compare` run, or the unpatched baseline). */
  source: c.optional(c.literal('B')),
  /** embedding: blank | mean | random[:seed] | puzzle:<id> | B. */
  swap: c.optional(c.str(100)),
  step: c.optional(stepSchema),
  /** 0..U-1; -1 = before the step's first update (embedding swaps only). */
  ordinal: c.optional(c.int(-1, 1_000_000)),
});
export const trmPatchInfoSchema = c.object({
  op: c.str(100),
  step: stepSchema,
  ordinal: c.int(-1, 1_000_000),
  description: c.str(),
});
/** The patches in force (response of trm/patch and body of the trm/patches event). */
export const trmPatchesSchema = c.object(
  {
    count: c.int(0),
    patches: c.array(trmPatchInfoSchema),
    /** What run B shows while patched (the unpatched baseline when no `compare` run was launched). */
    baseline: c.optional(c.str()),
  },
  undefined,
  true,
);

export type TrmSeekArgs = Infer<typeof trmSeekArgsSchema>;
export type TrmPatchArgs = Infer<typeof trmPatchArgsSchema>;
export type TrmPatches = Infer<typeof trmPatchesSchema>;
export type TrmStepSummaryArgs = Infer<typeof trmStepSummaryArgsSchema>;
export type TrmHeatmapArgs = Infer<typeof trmHeatmapArgsSchema>;
export type TrmTrajectoryArgs = Infer<typeof trmTrajectoryArgsSchema>;
export type TrmDivergenceArgs = Infer<typeof trmDivergenceArgsSchema>;

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
  /** Adds a patch (or clears them) and stops again at the cursor on the patched run; the body lists the patches. */
  patch: request('trm/patch', trmPatchArgsSchema, trmPatchesSchema),
  /** How run A and the comparison run B differ after each update of one step (comparison sessions only). */
  divergence: request('trm/divergence', trmDivergenceArgsSchema, trmDivergenceSchema),
  /** Per answer cell over the episode: when it became correct for good, its changes, confidence, last flip. */
  provenance: request('trm/provenance', trmProvenanceArgsSchema, provenanceSchema),
  /** A watch expression evaluated after every update of steps 1..steps (the timeline's sparklines). */
  series: request('trm/series', trmSeriesArgsSchema, trmSeriesSchema),
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
export const TRM_REQUEST_PATCH = TRM_REQUESTS.patch.command;
export const TRM_REQUEST_DIVERGENCE = TRM_REQUESTS.divergence.command;
export const TRM_REQUEST_PROVENANCE = TRM_REQUESTS.provenance.command;
export const TRM_REQUEST_SERIES = TRM_REQUESTS.series.command;

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
  /** Sent whenever the patches change (count 0: the run is unpatched again). */
  patches: event('trm/patches', trmPatchesSchema),
  /** The Watch view's expressions (evaluate requests with context 'watch'), whenever the list changes. */
  watch: event('trm/watch', c.object({ expressions: c.array(c.str(2000), 1000) }, undefined, true)),
};

export const TRM_EVENT_POSITION = TRM_EVENTS.position.event;
export const TRM_EVENT_TRACE_INFO = TRM_EVENTS.traceInfo.event;
export const TRM_EVENT_GPU_ERROR = TRM_EVENTS.gpuError.event;
export const TRM_EVENT_PATCHES = TRM_EVENTS.patches.event;
export const TRM_EVENT_WATCH = TRM_EVENTS.watch.event;

/** Why a request's arguments are invalid, as one line for the error response; undefined when valid. */
export function requestArgsProblem<A>(spec: TrmRequestSpec<A, unknown>, args: unknown): string | undefined {
  const problem = spec.args(args, 'arguments');
  return problem ? `${spec.command}: invalid arguments ${JSON.stringify(args) ?? 'undefined'}: ${problem}` : undefined;
}

export const isTrmGpuError = (v: unknown): v is TrmGpuError => trmGpuErrorSchema(v, 'trm/gpuError') === undefined;
export const isTrmSeekArgs = (v: unknown): v is TrmSeekArgs => trmSeekArgsSchema(v, 'arguments') === undefined;
