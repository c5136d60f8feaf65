// The payloads that describe a traced TRM run — what the session runs (trace info), where it is
// stopped (position), a step's outcome (step summary), a state heatmap and the PCA trajectory —
// declared once. They travel twice: from the debug adapter as JSON (number arrays, null for NaN)
// and from the extension to the timeline webview with typed arrays; each schema below is built for
// both encodings from the same field list, so the two cannot drift apart.
import { checks as c, lengthOf, type Infer, type Schema } from './schema';

export type TensorName = 'y' | 'z'; // y = z_H (answer state), z = z_L (latent reasoning)
/**
 * 'delta': per position, ‖s_t − s_{t−1}‖, how far this update (or layer) moved the state (drawn on a log scale).
 * 'zlens': z decoded through the output head (src/engine/analysis/zlens.ts), per grid cell the margin
 * logit(top) − logit(runner-up), signed + where z decodes to the value y ends the episode with and −
 * where it decodes another; the response's `ahead` lists the cells where z already holds that final
 * value while y, at this update, does not yet.
 */
export type HeatmapView = 'delta' | 'norm' | 'channel' | 'pca' | 'zlens';
export type TaskKind = 'sudoku' | 'maze' | 'arc' | 'generic';
export type TrmUpdateKind = TensorName;

export const tensorSchema = c.literal<TensorName>('y', 'z');
export const heatmapViewSchema = c.literal<HeatmapView>('delta', 'norm', 'channel', 'pca', 'zlens');
export const taskKindSchema = c.literal<TaskKind>('sudoku', 'maze', 'arc', 'generic');
export const stepSchema = c.int(1, 1_000_000); // 1-based supervision step
export const ordinalSchema = c.int(0, 1_000_000); // 0-based update index in the step (0..T*(n+1)-1)
export const layerSchema = c.optional(c.int(1, 10_000)); // 1..L_layers inside an update

/** The two encodings of bulk numbers: JSON arrays (debug adapter) or typed arrays (webview). */
interface Encoding<I, F, N> {
  ints: Schema<I>;
  floats: Schema<F>;
  float: Schema<N>;
}
const json = { ints: c.numbers('int'), floats: c.numbers('float'), float: c.numOrNull() };
const typed = { ints: c.typed('Int32Array'), floats: c.typed('Float32Array'), float: c.num() };

// ---------------------------------------------------------------- trace info
/** What the session runs; grid cells are the S = seqLen sequence positions after the P-long puzzle prefix. */
const traceInfoFields = <I, F, N>(e: Encoding<I, F, N>) => ({
  puzzleId: c.str(1000),
  taskKind: taskKindSchema,
  gridHeight: c.int(1, 4096),
  gridWidth: c.int(1, 4096),
  seqLen: c.int(1, 1 << 20), // S
  puzzleEmbLen: c.int(0, 1 << 16), // P
  hiddenSize: c.int(1, 1 << 20), // D
  vocabSize: c.int(1, 1 << 20), // V
  hCycles: c.int(1, 1000), // T (paper) = H_cycles
  lCycles: c.int(1, 1000), // n (paper) = L_cycles
  lLayers: c.int(1, 1000), // L_layers
  maxSteps: c.int(1, 100_000), // N_sup = halt_max_steps (or fewer, as the session allows)
  inputs: e.ints, // [S] token ids
  labels: c.optional(e.ints), // [S], 0 = ignored
  checkpoint: c.str(),
  backend: c.str(1000),
  /** For people: where the puzzle comes from ("sudoku/sample.csv · puzzle 1 (line 2)"). */
  origin: c.optional(c.str(2000)),
  /** For people: the model ("sudoku (bundled)", a workspace-relative path); `checkpoint` is the full path. */
  modelName: c.optional(c.str(2000)),
  /** Why faster backends were skipped (a tooltip's details). */
  backendSkipped: c.optional(c.array(c.str(2000), 16)),
  /** Patches in force (a patched run, src/debug/patchRequests.ts); absent or 0: unpatched. */
  patches: c.optional(c.int(0, 1 << 20)),
  /** Run B of a comparison session (its label), stepped in lock-step with this run A. */
  compare: c.optional(c.str(4000)),
});
const traceInfoRefine = (o: Record<string, unknown>, p: string): string | undefined => {
  const seqLen = o.seqLen as number;
  if ((o.gridHeight as number) * (o.gridWidth as number) !== seqLen) {
    return `${p}: gridHeight × gridWidth = ${(o.gridHeight as number) * (o.gridWidth as number)} must equal seqLen ${seqLen}`;
  }
  if (lengthOf(o, 'inputs') !== seqLen)
    return `${p}.inputs: length ${lengthOf(o, 'inputs')}, expected seqLen ${seqLen}`;
  if (o.labels !== undefined && lengthOf(o, 'labels') !== seqLen)
    return `${p}.labels: length ${lengthOf(o, 'labels')}, expected seqLen ${seqLen}`;
  return undefined;
};
/** `trm/traceInfo` event body (JSON); extra fields are allowed so the adapter may grow new ones. */
export const trmTraceInfoSchema = c.object(traceInfoFields(json), traceInfoRefine, true);
/** The webview's trace info: the session's id and name plus typed arrays. */
export const traceInfoSchema = c.object(
  { sessionId: c.str(1000), sessionName: c.str(1000), ...traceInfoFields(typed) },
  traceInfoRefine,
);
export type TrmTraceInfo = Infer<typeof trmTraceInfoSchema>;
export type TraceInfo = Infer<typeof traceInfoSchema>;

// ---------------------------------------------------------------- position
const positionFields = {
  step: stepSchema,
  cycle: c.int(1, 1000), // 1-based H cycle
  kind: tensorSchema, // which state this update writes
  index: c.int(0, 1000), // z: 1..n, y: 0
  ordinal: ordinalSchema,
  layer: layerSchema,
  description: c.str(10_000), // "step 3 › cycle 2 › z 5 (z_L)"
  reason: c.str(10_000), // why it stopped: "step", "breakpoint", "seek", "entry", ...
};
const positionRefine = (o: Record<string, unknown>, p: string): string | undefined =>
  (o.kind === 'y') !== (o.index === 0)
    ? `${p}.index: ${String(o.index)} does not fit kind ${String(o.kind)} (y has index 0, z has 1..n)`
    : undefined;
/** Where the debug session is stopped. */
export const positionSchema = c.object(positionFields, positionRefine);
/** `trm/position` event body and `trm/seek` response: the adapter's stop text may be longer (the glue clips it). */
export const trmPositionSchema = c.object(
  { ...positionFields, description: c.str(), reason: c.str() },
  positionRefine,
  true,
);
export type Position = Infer<typeof positionSchema>;
export type TrmPosition = Position;

// ---------------------------------------------------------------- step summary
const stepSummaryFields = <I, F, N>(e: Encoding<I, F, N>) => ({
  step: stepSchema,
  preds: e.ints, // [S] argmax token ids
  confidence: e.floats, // [S] softmax probability of the predicted id
  qHalt: e.float,
  qContinue: e.float,
  haltProbability: e.float, // sigmoid(q_halt)
  wouldHalt: c.bool(), // q_halt > 0: the training-time halting rule
  halted: c.bool(), // the session's halt policy stopped here
  changedCells: e.ints, // cells whose prediction differs from the previous step
  correct: c.optional(c.bool()),
  accuracy: c.optional(c.finite(0, 1)),
  wrongCells: c.optional(e.ints),
  nonFinite: c.bool(),
  dz: c.optional(e.float), // ‖z_k − z_{k−1}‖ (RMS per position) at the step boundary (engine/analysis/settling.ts)
  dy: c.optional(e.float), // ‖y_k − y_{k−1}‖ likewise
});
const stepSummaryRefine = (o: Record<string, unknown>, p: string): string | undefined =>
  lengthOf(o, 'confidence') !== lengthOf(o, 'preds')
    ? `${p}.confidence: length ${lengthOf(o, 'confidence')} differs from preds length ${lengthOf(o, 'preds')}`
    : undefined;
export const trmStepSummarySchema = c.object(stepSummaryFields(json), stepSummaryRefine, true);
export const stepSummarySchema = c.object(stepSummaryFields(typed), stepSummaryRefine);
export type TrmStepSummary = Infer<typeof trmStepSummarySchema>;
export type StepSummary = Infer<typeof stepSummarySchema>;

// ---------------------------------------------------------------- heatmap and trajectory
/** One value per sequence position (length P + S, prefix included, or S). */
export const trmHeatmapSchema = c.object(
  { values: c.numbers('float'), min: c.numOrNull(), max: c.numOrNull(), ahead: c.optional(c.numbers('int')) },
  (o, p) => (lengthOf(o, 'values') === 0 ? `${p}.values: empty` : undefined),
  true,
);
export type TrmHeatmap = Infer<typeof trmHeatmapSchema>;
/** 2-D PCA projection of the mean state of every update of steps 1..steps (row-major by step then ordinal). */
export const trmTrajectorySchema = c.object(
  {
    points: c.array(
      c.object({ step: c.int(1), ordinal: c.int(0), x: c.numOrNull(), y: c.numOrNull() }, undefined, true),
      1 << 24,
    ),
  },
  undefined,
  true,
);
export type TrmTrajectory = Infer<typeof trmTrajectorySchema>;

// ---------------------------------------------------------------- divergence of runs A and B
/** Which run of a comparison session: A (the session's own) or B (the launch's `compare` run). */
export type RunName = 'A' | 'B';
export const runSchema = c.literal<RunName>('A', 'B');

/**
 * How runs A and B differ after each update of one step (src/engine/compare/divergence.ts): per
 * update ‖zA − zB‖, ‖yA − yB‖ (L2 over the whole state), the largest elementwise difference of each
 * (the first-divergence criterion) and the number of grid cells whose decoded answer differs (−1 =
 * not known: B has no y there). `predsB` is B's decoded answer after the step, when known.
 */
const divergenceFields = <I, F, N>(e: Encoding<I, F, N>) => ({
  step: stepSchema,
  label: c.str(4000),
  zNorm: e.floats,
  yNorm: e.floats,
  zMax: e.floats,
  yMax: e.floats,
  cellsDiffer: e.ints,
  predsB: c.optional(e.ints),
});
const divergenceRefine = (o: Record<string, unknown>, p: string): string | undefined => {
  const n = lengthOf(o, 'zNorm');
  for (const k of ['yNorm', 'zMax', 'yMax', 'cellsDiffer'])
    if (lengthOf(o, k) !== n) return `${p}.${k}: length ${lengthOf(o, k)} differs from zNorm length ${n}`;
  return n === 0 ? `${p}.zNorm: empty` : undefined;
};
export const trmDivergenceSchema = c.object(divergenceFields(json), divergenceRefine, true);
export const divergenceSchema = c.object(divergenceFields(typed), divergenceRefine);
export type TrmDivergence = Infer<typeof trmDivergenceSchema>;
export type Divergence = Infer<typeof divergenceSchema>;

// ---------------------------------------------------------------- per-cell provenance
const pointSchema = c.object({ step: c.int(0), ordinal: c.int(-1) }, undefined, true);
const changeSchema = c.object({ step: c.int(1), ordinal: c.int(0), from: c.int(), to: c.int() }, undefined, true);
/**
 * Per answer cell over the episode (src/engine/analysis/provenance.ts): its final decoded token, the
 * label, the update from which it is correct for good, every change of its decoded value, its
 * confidence at t = 0 and after every y revision (`samples`), and the last flip. Plain JSON in both
 * encodings (small: S cells × a few dozen samples).
 */
export const provenanceSchema = c.object(
  {
    steps: c.int(1),
    samples: c.array(pointSchema, 1 << 16),
    cells: c.array(
      c.object(
        {
          cell: c.int(0),
          final: c.int(),
          label: c.optional(c.int()),
          initial: c.int(),
          stableFrom: pointSchema,
          firstCorrect: c.optional(pointSchema),
          lastFlip: c.optional(changeSchema),
          changes: c.array(changeSchema, 1 << 16),
          confidence: c.numbers('float', 1 << 16),
        },
        (o, p) => ((o.confidence as unknown[]).length === 0 ? `${p}.confidence: empty` : undefined),
        true,
      ),
      1 << 20,
    ),
  },
  undefined,
  true,
);
export type Provenance = Infer<typeof provenanceSchema>;
