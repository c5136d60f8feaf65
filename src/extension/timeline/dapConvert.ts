// Converts the `trm` debug adapter's JSON payloads (src/protocol/debugger.ts) into timeline protocol
// values: validates every field with the payload's one schema (src/protocol/trace.ts; a malformed
// body becomes one specific error, never a broken picture), turns number arrays into typed arrays,
// and restores NaN that JSON carried as null. Pure: no `vscode` import, unit-tested.
import {
  TRM_EVENTS,
  TRM_REQUESTS,
  type TrmDivergenceArgs,
  type TrmHeatmapArgs,
  type TrmPatchArgs,
  type TrmSeekArgs,
  type TrmStepSummaryArgs,
  type TrmTrajectoryArgs,
} from '../../protocol/debugger';
import { trmCloudEventSchema, type TrmCloudEvent } from '../../protocol/cloud';
import type { Check } from '../../protocol/schema';
import type {
  CloudMessage,
  Divergence,
  Provenance,
  PatchMessage,
  Position,
  RequestDivergenceMessage,
  RequestHeatmapMessage,
  RequestStepSummaryMessage,
  RequestTrajectoryMessage,
  SeekMessage,
  StepSummary,
  TraceInfo,
  TrajectoryMessage,
} from '../../protocol/timeline';

const toFloat32 = (v: unknown): Float32Array =>
  Float32Array.from(v as (number | null)[], (x) => (x === null ? NaN : x));
const toInt32 = (v: unknown): Int32Array => Int32Array.from(v as number[]);
const num = (v: unknown): number => (v === null ? NaN : (v as number));

function validated(check: Check, body: unknown, what: string): Record<string, unknown> {
  const problem = check(body, what);
  if (problem) throw new Error(`invalid ${what} from the TRM debug adapter: ${problem}`);
  return body as Record<string, unknown>;
}

export function traceInfoFromDap(body: unknown, session: { id: string; name: string }): TraceInfo {
  const o = validated(TRM_EVENTS.traceInfo.body, body, 'trm/traceInfo');
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
  if (o.patches !== undefined) info.patches = o.patches as number;
  if (o.compare !== undefined) info.compare = o.compare as string;
  return info;
}

/** The adapter's stop text can be long (it may quote an engine error); the protocol carries the start of it. */
const clip = (s: string): string => (s.length > 10_000 ? `${s.slice(0, 9_999)}…` : s);

export function positionFromDap(body: unknown): Position {
  const o = validated(TRM_EVENTS.position.body, body, 'trm/position');
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

export function heatmapFromDap(body: unknown): {
  values: Float32Array;
  min: number;
  max: number;
  ahead?: Int32Array;
} {
  const o = validated(TRM_REQUESTS.heatmap.body, body, 'trm/heatmap response');
  return {
    values: toFloat32(o.values),
    min: num(o.min),
    max: num(o.max),
    ...(o.ahead !== undefined ? { ahead: toInt32(o.ahead) } : {}),
  };
}

/** The trm/series body, validated, as the webview's `series` fields (null → NaN). */
export function seriesFromDap(
  body: unknown,
  expression: string,
): { expression: string; valueType: 'number' | 'boolean'; steps: number; values: Float32Array } {
  const o = validated(TRM_REQUESTS.series.body, body, 'trm/series response');
  if (o.expression !== expression)
    throw new Error(`invalid trm/series response: asked for '${expression}', got '${String(o.expression)}'`);
  return {
    expression,
    valueType: o.type as 'number' | 'boolean',
    steps: o.steps as number,
    values: toFloat32(o.values),
  };
}

/** The trm/provenance body, validated; confidence nulls (NaN on the wire) become NaN again. */
export function provenanceFromDap(body: unknown): Provenance {
  const o = validated(TRM_REQUESTS.provenance.body, body, 'trm/provenance response') as unknown as Provenance;
  return {
    steps: o.steps,
    samples: o.samples.map((p) => ({ step: p.step, ordinal: p.ordinal })),
    cells: o.cells.map((c) => ({
      cell: c.cell,
      final: c.final,
      ...(c.label !== undefined ? { label: c.label } : {}),
      initial: c.initial,
      stableFrom: { step: c.stableFrom.step, ordinal: c.stableFrom.ordinal },
      ...(c.firstCorrect ? { firstCorrect: { step: c.firstCorrect.step, ordinal: c.firstCorrect.ordinal } } : {}),
      ...(c.lastFlip
        ? { lastFlip: { step: c.lastFlip.step, ordinal: c.lastFlip.ordinal, from: c.lastFlip.from, to: c.lastFlip.to } }
        : {}),
      changes: c.changes.map((ch) => ({ step: ch.step, ordinal: ch.ordinal, from: ch.from, to: ch.to })),
      confidence: c.confidence.map((x) => (x === null ? NaN : x)),
    })),
  };
}

export function stepSummaryFromDap(body: unknown, expectedStep: number): StepSummary {
  const o = validated(TRM_REQUESTS.stepSummary.body, body, 'trm/stepSummary response');
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
  if (o.dz !== undefined) s.dz = num(o.dz);
  if (o.dy !== undefined) s.dy = num(o.dy);
  return s;
}

export function trajectoryFromDap(body: unknown): Pick<TrajectoryMessage, 'steps' | 'ordinals' | 'xs' | 'ys'> {
  const o = validated(TRM_REQUESTS.trajectory.body, body, 'trm/trajectory response');
  const pts = o.points as { step: number; ordinal: number; x: number | null; y: number | null }[];
  return {
    steps: Int32Array.from(pts, (q) => q.step),
    ordinals: Int32Array.from(pts, (q) => q.ordinal),
    xs: Float32Array.from(pts, (q) => num(q.x)),
    ys: Float32Array.from(pts, (q) => num(q.y)),
  };
}

export function divergenceFromDap(body: unknown, expectedStep: number): Divergence {
  const o = validated(TRM_REQUESTS.divergence.body, body, 'trm/divergence response');
  if (o.step !== expectedStep)
    throw new Error(`invalid trm/divergence response: asked for step ${expectedStep}, got step ${String(o.step)}`);
  const d: Divergence = {
    step: o.step,
    label: o.label as string,
    zNorm: toFloat32(o.zNorm),
    yNorm: toFloat32(o.yNorm),
    zMax: toFloat32(o.zMax),
    yMax: toFloat32(o.yMax),
    cellsDiffer: toInt32(o.cellsDiffer),
  };
  if (o.predsB !== undefined) d.predsB = toInt32(o.predsB);
  return d;
}

/** The trm/cloud event body (a CloudView) as the timeline's fan: trunk and branch paths as typed arrays. */
export function cloudFromDap(body: unknown, sessionId: string): CloudMessage {
  const o = validated(trmCloudEventSchema, body, 'trm/cloud') as unknown as TrmCloudEvent;
  const f = o.fan;
  return {
    type: 'cloud',
    sessionId,
    forkId: o.forkId,
    description: clip(o.fork.description),
    tensor: f.tensor,
    select: o.select,
    selected: o.selected ?? -1,
    trunkSteps: toInt32(f.trunk.steps),
    trunkOrdinals: toInt32(f.trunk.ordinals),
    trunkXs: toFloat32(f.trunk.xs),
    trunkYs: toFloat32(f.trunk.ys),
    forkIndex: Math.min(f.forkIndex, Math.max(0, f.trunk.steps.length - 1)),
    branches: o.branches.map((b, i) => ({
      branch: b.branch,
      haltStep: b.haltStep,
      qHalt: num(b.qHalt),
      ...(b.correct !== undefined ? { correct: b.correct } : {}),
      xs: toFloat32(f.branches[i].xs),
      ys: toFloat32(f.branches[i].ys),
    })),
  };
}

// Webview requests -> DAP arguments (field by field: nothing from the webview is forwarded blindly).
export function heatmapArgs(m: RequestHeatmapMessage): TrmHeatmapArgs {
  const a: TrmHeatmapArgs = { step: m.step, ordinal: m.ordinal, tensor: m.tensor, view: m.view };
  if (m.layer !== undefined) a.layer = m.layer;
  if (m.channel !== undefined) a.channel = m.channel;
  if (m.run !== undefined) a.run = m.run;
  return a;
}
export const divergenceArgs = (m: RequestDivergenceMessage): TrmDivergenceArgs => ({ step: m.step });
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

/** trm/patch arguments of the answer panel's patch bar: always at the debugger's current stop. */
export function patchArgs(m: PatchMessage): TrmPatchArgs {
  switch (m.op) {
    case 'zero':
    case 'copy':
      return {
        op: m.op,
        tensor: m.tensor,
        cells: m.cell === undefined ? undefined : [m.cell],
        ...(m.op === 'copy' ? { source: 'B' as const } : {}),
      };
    case 'freeze':
      return { op: 'freeze', tensor: m.tensor };
    default:
      return { op: m.op };
  }
}
