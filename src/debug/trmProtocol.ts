// Custom DAP requests and events of the `trm` debug type, on top of standard DAP. Shared by the
// adapter (src/debug), the VS Code glue and tests. JSON-only payloads; the glue turns number arrays
// into typed arrays for the webview. Every payload has a runtime validator.

export const TRM_EVENT_POSITION = 'trm/position';
export const TRM_EVENT_TRACE_INFO = 'trm/traceInfo';
/** The GPU could not run the session (memory, lost device): the client may offer `fallbackBackend`. */
export const TRM_EVENT_GPU_ERROR = 'trm/gpuError';
export const TRM_REQUEST_SEEK = 'trm/seek';
export const TRM_REQUEST_STEP_SUMMARY = 'trm/stepSummary';
export const TRM_REQUEST_HEATMAP = 'trm/heatmap';
export const TRM_REQUEST_TRAJECTORY = 'trm/trajectory';

export type TrmUpdateKind = 'z' | 'y';

/** Where the session is stopped. `ordinal` is the 0-based update index inside the step (0..H*(n+1)-1). */
export interface TrmPosition {
  step: number; // 1-based supervision step
  cycle: number; // 1-based
  kind: TrmUpdateKind;
  index: number; // z: 1..n, y: 0
  ordinal: number;
  layer?: number; // 1..L_layers when stopped inside an update (step into)
  description: string; // "step 3 › cycle 2 › z 5 (z_L)"
  reason: string; // human text of why it stopped
}

export interface TrmTraceInfo {
  puzzleId: string;
  taskKind: 'sudoku' | 'maze' | 'arc' | 'generic';
  gridHeight: number;
  gridWidth: number;
  seqLen: number; // S
  puzzleEmbLen: number; // P
  hiddenSize: number; // D
  vocabSize: number; // V
  hCycles: number; // T (paper) = H_cycles
  lCycles: number; // n = L_cycles
  lLayers: number;
  maxSteps: number; // steps this session may run
  inputs: number[]; // [S] token ids
  labels?: number[]; // [S] (0 = ignored)
  checkpoint: string;
  backend: string;
  /** Where the puzzle comes from, for people: "sudoku/sample.csv · puzzle 1 (line 2)". */
  origin?: string;
  /** The model for people: "sudoku (bundled)", a workspace-relative path. */
  modelName?: string;
  /** Why faster backends were skipped: details for a tooltip. */
  backendSkipped?: string[];
}

export interface TrmSeekArgs {
  step: number;
  ordinal: number;
  layer?: number;
}

export interface TrmStepSummaryArgs {
  step: number;
}
export interface TrmStepSummary {
  step: number;
  preds: number[];
  confidence: number[];
  qHalt: number;
  qContinue: number;
  haltProbability: number;
  wouldHalt: boolean;
  halted: boolean; // the session's halt policy halted here
  changedCells: number[];
  correct?: boolean;
  accuracy?: number;
  wrongCells?: number[];
  nonFinite: boolean;
}

/** 'delta': per position, the L2 norm of the change made by this update (or layer): ‖s_t − s_{t−1}‖. */
export type TrmHeatmapView = 'norm' | 'channel' | 'pca' | 'delta';
export interface TrmHeatmapArgs {
  step: number;
  ordinal: number;
  layer?: number;
  tensor: 'y' | 'z';
  view: TrmHeatmapView;
  channel?: number;
}
/** One value per sequence position (length T = P + S); the glue/webview drop or show the prefix. */
export interface TrmHeatmap {
  values: number[];
  min: number;
  max: number;
}

export interface TrmTrajectoryArgs {
  tensor: 'y' | 'z';
  steps: number;
}
/** 2-D PCA projection of the mean state of every update of steps 1..steps (row-major by step then ordinal). */
export interface TrmTrajectory {
  points: { step: number; ordinal: number; x: number; y: number }[];
}

const isInt = (v: unknown): v is number => Number.isInteger(v);
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function isTrmSeekArgs(v: unknown): v is TrmSeekArgs {
  return (
    isObj(v) &&
    isInt(v.step) &&
    v.step >= 1 &&
    isInt(v.ordinal) &&
    v.ordinal >= 0 &&
    (v.layer === undefined || (isInt(v.layer) && v.layer >= 1))
  );
}
export function isTrmStepSummaryArgs(v: unknown): v is TrmStepSummaryArgs {
  return isObj(v) && isInt(v.step) && v.step >= 1;
}
export function isTrmHeatmapArgs(v: unknown): v is TrmHeatmapArgs {
  return (
    isObj(v) &&
    isInt(v.step) &&
    v.step >= 1 &&
    isInt(v.ordinal) &&
    v.ordinal >= 0 &&
    (v.tensor === 'y' || v.tensor === 'z') &&
    (v.view === 'norm' || v.view === 'channel' || v.view === 'pca' || v.view === 'delta') &&
    (v.channel === undefined || (isInt(v.channel) && v.channel >= 0)) &&
    (v.layer === undefined || (isInt(v.layer) && v.layer >= 1))
  );
}
export function isTrmTrajectoryArgs(v: unknown): v is TrmTrajectoryArgs {
  return isObj(v) && (v.tensor === 'y' || v.tensor === 'z') && isInt(v.steps) && v.steps >= 1;
}
export function isTrmPosition(v: unknown): v is TrmPosition {
  return (
    isObj(v) &&
    isInt(v.step) &&
    isInt(v.cycle) &&
    (v.kind === 'z' || v.kind === 'y') &&
    isInt(v.index) &&
    isInt(v.ordinal) &&
    typeof v.description === 'string'
  );
}
export function isTrmTraceInfo(v: unknown): v is TrmTraceInfo {
  return (
    isObj(v) &&
    typeof v.puzzleId === 'string' &&
    isInt(v.gridWidth) &&
    isInt(v.gridHeight) &&
    isInt(v.seqLen) &&
    isInt(v.maxSteps) &&
    Array.isArray(v.inputs)
  );
}

export interface TrmGpuError {
  message: string;
  /** A backend that does not use the GPU, to restart the session with. */
  fallbackBackend: string;
}

export function isTrmGpuError(v: unknown): v is TrmGpuError {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as TrmGpuError).message === 'string' &&
    typeof (v as TrmGpuError).fallbackBackend === 'string'
  );
}
