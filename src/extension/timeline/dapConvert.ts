// Converts the `trm` debug adapter's JSON payloads (src/debug/trmProtocol.ts) into timeline protocol
// values: validates every field (a malformed body becomes one specific error, never a broken
// picture), turns number arrays into typed arrays, and restores NaN that JSON carried as null.
// Pure: no `vscode` import, unit-tested.
import type { TrmHeatmapArgs, TrmSeekArgs, TrmStepSummaryArgs, TrmTrajectoryArgs } from '../../debug/trmProtocol';
import {
  checks as c,
  isRecord,
  type Check,
  type Position,
  type RequestHeatmapMessage,
  type RequestStepSummaryMessage,
  type RequestTrajectoryMessage,
  type SeekMessage,
  type StepSummary,
  type TraceInfo,
  type TrajectoryMessage,
} from '../../protocol/timeline';

/** A JSON number array; `nullable` admits null (JSON's spelling of NaN/Infinity) where floats may diverge. */
function numbers(kind: 'int' | 'float', maxLen = 1 << 24): Check {
  return (v, p) => {
    if (!Array.isArray(v)) return `${p}: expected an array of numbers, got ${v === undefined ? 'nothing' : typeof v}`;
    if (v.length > maxLen) return `${p}: ${v.length} entries, at most ${maxLen}`;
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (kind === 'int' ? !Number.isInteger(x) : !(typeof x === 'number' || x === null)) {
        return `${p}[${i}]: expected ${kind === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(x) ?? String(x)}`;
      }
    }
    return undefined;
  };
}
const floatOrNull: Check = (v, p) =>
  typeof v === 'number' || v === null ? undefined : `${p}: expected a number, got ${JSON.stringify(v) ?? 'nothing'}`;
const toFloat32 = (v: unknown): Float32Array =>
  Float32Array.from(v as (number | null)[], (x) => (x === null ? NaN : x));
const toInt32 = (v: unknown): Int32Array => Int32Array.from(v as number[]);
const num = (v: unknown): number => (v === null ? NaN : (v as number));

function validated(check: Check, body: unknown, what: string): Record<string, unknown> {
  const problem = check(body, what);
  if (problem) throw new Error(`invalid ${what} from the TRM debug adapter: ${problem}`);
  return body as Record<string, unknown>;
}

const traceInfoDap = c.object(
  {
    puzzleId: c.str(1000),
    taskKind: c.literal('sudoku', 'maze', 'arc', 'generic'),
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
    inputs: numbers('int'),
    labels: c.optional(numbers('int')),
    checkpoint: c.str(),
    backend: c.str(1000),
    origin: c.optional(c.str(2000)),
    modelName: c.optional(c.str(2000)),
    backendSkipped: c.optional(c.strings(16, 2000)),
  },
  (o, p) => {
    const s = o.seqLen as number;
    if ((o.gridHeight as number) * (o.gridWidth as number) !== s)
      return `${p}: gridHeight × gridWidth must equal seqLen ${s}`;
    if ((o.inputs as unknown[]).length !== s)
      return `${p}.inputs: ${(o.inputs as unknown[]).length} ids, expected seqLen ${s}`;
    if (o.labels !== undefined && (o.labels as unknown[]).length !== s)
      return `${p}.labels: ${(o.labels as unknown[]).length} ids, expected seqLen ${s}`;
    return undefined;
  },
  true,
);

export function traceInfoFromDap(body: unknown, session: { id: string; name: string }): TraceInfo {
  const o = validated(traceInfoDap, body, 'trm/traceInfo');
  const info: TraceInfo = {
    sessionId: session.id,
    sessionName: session.name,
    puzzleId: o.puzzleId as string,
    taskKind: o.taskKind as TraceInfo['taskKind'],
    gridHeight: o.gridHeight as number,
    gridWidth: o.gridWidth as number,
    seqLen: o.seqLen as number,
    puzzleEmbLen: o.puzzleEmbLen as number,
    hiddenSize: o.hiddenSize as number,
    vocabSize: o.vocabSize as number,
    hCycles: o.hCycles as number,
    lCycles: o.lCycles as number,
    lLayers: o.lLayers as number,
    maxSteps: o.maxSteps as number,
    inputs: toInt32(o.inputs),
    checkpoint: o.checkpoint as string,
    backend: o.backend as string,
  };
  if (o.labels !== undefined) info.labels = toInt32(o.labels);
  if (o.origin !== undefined) info.origin = o.origin as string;
  if (o.modelName !== undefined) info.modelName = o.modelName as string;
  if (o.backendSkipped !== undefined) info.backendSkipped = o.backendSkipped as string[];
  return info;
}

const positionDap = c.object(
  {
    step: c.int(1),
    cycle: c.int(1),
    kind: c.literal('z', 'y'),
    index: c.int(0),
    ordinal: c.int(0),
    layer: c.optional(c.int(1)),
    description: c.str(),
    reason: c.str(),
  },
  undefined,
  true,
);
/** The adapter's stop text can be long (it may quote an engine error); the protocol carries the start of it. */
const clip = (s: string): string => (s.length > 10_000 ? `${s.slice(0, 9_999)}…` : s);

export function positionFromDap(body: unknown): Position {
  const o = validated(positionDap, body, 'trm/position');
  const p: Position = {
    step: o.step as number,
    cycle: o.cycle as number,
    kind: o.kind as Position['kind'],
    index: o.index as number,
    ordinal: o.ordinal as number,
    description: clip(o.description as string),
    reason: clip(o.reason as string),
  };
  if (o.layer !== undefined) p.layer = o.layer as number;
  return p;
}

const heatmapDap = c.object(
  { values: numbers('float'), min: floatOrNull, max: floatOrNull },
  (o, p) => ((o.values as unknown[]).length === 0 ? `${p}.values: empty` : undefined),
  true,
);

export function heatmapFromDap(body: unknown): { values: Float32Array; min: number; max: number } {
  const o = validated(heatmapDap, body, 'trm/heatmap response');
  return { values: toFloat32(o.values), min: num(o.min), max: num(o.max) };
}

const summaryDap = c.object(
  {
    step: c.int(1),
    preds: numbers('int'),
    confidence: numbers('float'),
    qHalt: floatOrNull,
    qContinue: floatOrNull,
    haltProbability: floatOrNull,
    wouldHalt: c.bool(),
    halted: c.bool(),
    changedCells: numbers('int'),
    correct: c.optional(c.bool()),
    accuracy: c.optional(c.finite(0, 1)),
    wrongCells: c.optional(numbers('int')),
    nonFinite: c.bool(),
  },
  (o, p) =>
    (o.confidence as unknown[]).length !== (o.preds as unknown[]).length
      ? `${p}.confidence: ${(o.confidence as unknown[]).length} values for ${(o.preds as unknown[]).length} predictions`
      : undefined,
  true,
);

export function stepSummaryFromDap(body: unknown, expectedStep: number): StepSummary {
  const o = validated(summaryDap, body, 'trm/stepSummary response');
  if (o.step !== expectedStep)
    throw new Error(`invalid trm/stepSummary response: asked for step ${expectedStep}, got step ${String(o.step)}`);
  const s: StepSummary = {
    step: o.step,
    preds: toInt32(o.preds),
    confidence: toFloat32(o.confidence),
    qHalt: num(o.qHalt),
    qContinue: num(o.qContinue),
    haltProbability: num(o.haltProbability),
    wouldHalt: o.wouldHalt as boolean,
    halted: o.halted as boolean,
    changedCells: toInt32(o.changedCells),
    nonFinite: o.nonFinite as boolean,
  };
  if (o.correct !== undefined) s.correct = o.correct as boolean;
  if (o.accuracy !== undefined) s.accuracy = o.accuracy as number;
  if (o.wrongCells !== undefined) s.wrongCells = toInt32(o.wrongCells);
  return s;
}

const pointDap = c.object({ step: c.int(1), ordinal: c.int(0), x: floatOrNull, y: floatOrNull }, undefined, true);
const trajectoryDap: Check = (v, p) => {
  if (!isRecord(v)) return `${p}: expected an object`;
  if (!Array.isArray(v.points)) return `${p}.points: expected an array of {step, ordinal, x, y}`;
  for (let i = 0; i < v.points.length; i++) {
    const problem = pointDap(v.points[i], `${p}.points[${i}]`);
    if (problem) return problem;
  }
  return undefined;
};

export function trajectoryFromDap(body: unknown): Pick<TrajectoryMessage, 'steps' | 'ordinals' | 'xs' | 'ys'> {
  const o = validated(trajectoryDap, body, 'trm/trajectory response');
  const pts = o.points as { step: number; ordinal: number; x: number | null; y: number | null }[];
  return {
    steps: Int32Array.from(pts, (q) => q.step),
    ordinals: Int32Array.from(pts, (q) => q.ordinal),
    xs: Float32Array.from(pts, (q) => num(q.x)),
    ys: Float32Array.from(pts, (q) => num(q.y)),
  };
}

// Webview requests -> DAP arguments (field by field: nothing from the webview is forwarded blindly).
export function heatmapArgs(m: RequestHeatmapMessage): TrmHeatmapArgs {
  const a: TrmHeatmapArgs = { step: m.step, ordinal: m.ordinal, tensor: m.tensor, view: m.view };
  if (m.layer !== undefined) a.layer = m.layer;
  if (m.channel !== undefined) a.channel = m.channel;
  return a;
}
export const stepSummaryArgs = (m: RequestStepSummaryMessage): TrmStepSummaryArgs => ({ step: m.step });
export const trajectoryArgs = (m: RequestTrajectoryMessage): TrmTrajectoryArgs => ({
  tensor: m.tensor,
  steps: m.steps,
});
export function seekArgs(m: SeekMessage): TrmSeekArgs {
  return m.layer !== undefined
    ? { step: m.step, ordinal: m.ordinal, layer: m.layer }
    : { step: m.step, ordinal: m.ordinal };
}
