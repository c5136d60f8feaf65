// The recursion "runtime" behind a `trm` debug session: where we are (step › cycle › update ›
// layer), how stepping and continuing move through the recursion in both directions, and which
// breakpoints fire where. It speaks in domain terms (positions, stop results); the session maps
// them to DAP. Every state comes from the deterministic tracer, so moving back returns exactly
// the values seen before.

import {
  UpdateRef,
  StepOutputs,
  RecursionState,
  describeUpdate,
  updateAt,
  type PuzzleTrace,
} from '../engine/trace/types';
import { Condition, ExpressionError, Value, checkTypes } from './conditions';
import { LABEL_NAMES, PositionValues, prepare, typeScope } from './traceExpressions';
import { divergenceOf } from '../engine/compare/divergence';
import { ProvenanceTable, provenance, timeOf } from '../engine/analysis/provenance';
import { decodeLogits } from '../engine/trace/decode';
import { SettlingLabel, StepSummary, settlingLabel, stepSummaries } from '../engine/analysis/settling';
import type { DecodedCells } from '../engine/trace/decode';
import { rmsPerPosition } from '../engine/trace/decode';
import {
  FunctionTarget,
  RecursionShape,
  describeTarget,
  parseFunctionBreakpoint,
  placeMatches,
} from './breakpointSpec';
import { HaltingFilterId, haltingFilter } from './haltingFilters';
import { HaltPolicy, describeHaltPolicy } from './launchConfig';
import type { DebugEngine } from './engineTypes';
import { DecodedState, changedCells, judgeAnswer } from '../engine/trace/decode';
import { cellLabel, cellValue } from './gridText';
import { DIVERGENCE_FILTER, DIVERGENCE_FILTER_ID, type CompareRun, parseThreshold } from './compareRun';

export interface Position {
  step: number;
  ordinal: number;
  layer?: number;
}

export type StopReason =
  'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'goto';

export interface Stop {
  kind: 'stop';
  position: Position;
  reason: StopReason;
  /** One line for the Call Stack ("Paused on halting decision"). */
  description: string;
  /** The full human explanation. */
  text: string;
  hitBreakpointIds?: number[];
  exception?: { filterId: HaltingFilterId | typeof DIVERGENCE_FILTER_ID; label: string };
  /** The episode ends here (halt policy or the step limit). */
  atEnd: boolean;
}
export type RunResult = Stop | { kind: 'terminated'; text: string };

/** Everything known at one position: the state, the decoded answer and the halting head. */
export interface PositionEnv {
  pos: Position;
  ref: UpdateRef;
  state: RecursionState;
  preds: Int32Array;
  confidence: Float32Array;
  qHalt: number;
  qContinue: number;
  haltProbability: number;
  /** Cells whose decoded answer differs from the answer at the end of the previous step (step 1: all non-PAD cells). */
  changedCells: number[];
  correct?: boolean;
  accuracy?: number;
  wrongCells?: number[];
  /** The tracer's outputs when the position is a step's last update. */
  stepOutputs?: StepOutputs;
  /** y decoded per cell, with margin and entropy (engine/trace/decode.ts). */
  decoded: DecodedCells;
}

export interface BreakpointResult {
  id: number;
  verified: boolean;
  message?: string;
}

interface FunctionBp {
  id: number;
  name: string;
  target: FunctionTarget;
  condition?: Condition;
}
interface DataBp {
  id: number;
  cell: number;
  condition?: Condition;
}

/** Names a condition may read, besides cell names like r4c7. */
export const CONDITION_NAMES = [
  'q_halt',
  'q_continue',
  'p_halt',
  'step',
  'cycle',
  'update',
  'ordinal',
  'layer',
  'changed',
  'correct',
  'accuracy',
  'wrong',
  't',
  'residual',
  'quick_success',
  'delayed_success',
  'settled_wrong',
  'wandering',
];

// A few positions are enough (the stop being inspected, the previous y update for cell watches);
// anything else is recomputed, deterministically, by the tracer.
const ENV_CACHE_ENTRIES = 8;
const ENV_CACHE_BYTES = 64 * 1024 * 1024;

export class TrmRuntime {
  readonly shape: RecursionShape;
  readonly U: number;
  readonly layers: number;
  private pos: Position = { step: 1, ordinal: 0 };
  private pauseRequested = false;
  private nextBpId = 1;
  private functionBps: FunctionBp[] = [];
  private dataBps: DataBp[] = [];
  private filters = new Map<HaltingFilterId, Condition | undefined>();
  /** Run B of a `compare` launch (read at this runtime's position: lock-step), and the first-divergence breakpoint. */
  compare: CompareRun | undefined;
  private divergenceThreshold: number | undefined;
  private policyHalt = new Map<number, boolean>();
  private envCache = new Map<string, { env: PositionEnv; bytes: number }>();
  private envBytes = 0;
  private initialDecoded: Promise<DecodedState> | undefined;
  private provenanceTable: Promise<ProvenanceTable> | undefined;
  private summaries: StepSummary[] = [];
  private lock: Promise<unknown> = Promise.resolve();
  /** Cells with a label (labels of 0 are ignored, as in the official loss). */
  private readonly labelled: number;

  constructor(
    readonly engine: DebugEngine,
    readonly maxSteps: number,
    readonly haltPolicy: HaltPolicy,
  ) {
    const c = engine.config;
    this.shape = { hCycles: c.H_cycles, lCycles: c.L_cycles, maxSteps };
    this.U = engine.derived.updatesPerStep;
    this.layers = c.L_layers;
    this.labelled = engine.puzzle.labels ? engine.puzzle.labels.filter((v) => v !== 0).length : 0;
  }

  get position(): Position {
    return { ...this.pos };
  }

  // ---- branches (trajectory clouds, src/debug/cloudRequests.ts) ------------------------------

  private adopted: { trace: PuzzleTrace; name: string; fork: Position } | undefined;

  /** The trace the session walks: the engine's, or an adopted cloud branch (whose trunk it is). */
  get trace(): PuzzleTrace {
    return this.adopted?.trace ?? this.engine.trace;
  }

  /** Walks `trace` from now on (a branch forked at `fork`), or the engine's trace again (undefined). */
  adoptTrace(adopted: { trace: PuzzleTrace; name: string; fork: Position } | undefined): void {
    this.adopted = adopted;
    // Run B is compared with the run the session walks now.
    this.compare?.readA(() => this.trace);
    this.envCache.clear();
    this.envBytes = 0;
    this.policyHalt.clear();
    // Analyses of the walked trace: recomputed for the branch.
    this.provenanceTable = undefined;
    this.summaries = [];
  }

  /** The adopted branch (undefined while the engine's own trace is walked). */
  get adoptedTrace(): { trace: PuzzleTrace; name: string; fork: Position } | undefined {
    return this.adopted;
  }

  /** The adopted branch's name at a position after its fork point (undefined on the trunk). */
  branchAt(pos: Position): string | undefined {
    const a = this.adopted;
    if (!a) return undefined;
    const after = pos.step > a.fork.step || (pos.step === a.fork.step && pos.ordinal > a.fork.ordinal);
    return after ? a.name : undefined;
  }

  /** Names of the function breakpoints in force (for trace bundles). */
  functionBreakpoints(): { name: string; condition?: string }[] {
    return this.functionBps.map((b) => ({ name: b.name, ...(b.condition ? { condition: b.condition.source } : {}) }));
  }
  get hasLabels(): boolean {
    return this.engine.puzzle.labels !== undefined;
  }

  /** Runs engine work one call at a time: TF.js state and the trace are not re-entrant. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.lock.then(work, work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  requestPause(): void {
    this.pauseRequested = true;
  }

  // ---- breakpoints -------------------------------------------------------------------------

  private parseCondition(src: string | undefined): { condition?: Condition; message?: string } {
    if (src === undefined || src.trim() === '') return {};
    let condition: Condition;
    try {
      condition = new Condition(src);
    } catch (e) {
      return { message: `invalid condition '${src}': ${(e as Error).message}` };
    }
    for (const name of condition.names) {
      if (!CONDITION_NAMES.includes(name) && this.cellIndex(name) === undefined) {
        return {
          message: `invalid condition '${src}': unknown name '${name}'; known names: ${CONDITION_NAMES.join(', ')} and cells like r1c1`,
        };
      }
      if (LABEL_NAMES.has(name) && !this.hasLabels) {
        return {
          message: `condition '${src}' uses '${name}', but this puzzle has no labels (give a dataset with labels or a 'solution')`,
        };
      }
    }
    try {
      const type = checkTypes(condition.expr, this.typeScope());
      if (type !== 'boolean')
        return {
          message: `invalid condition '${src}': it gives a ${type === 'grid' ? 'per-cell grid' : type}, not true/false (compare it, e.g. '${src} > 0')`,
        };
    } catch (e) {
      if (e instanceof ExpressionError) return { message: `invalid condition '${src}': ${e.message}` };
      throw e;
    }
    return { condition };
  }

  setFunctionBreakpoints(bps: { name: string; condition?: string }[]): BreakpointResult[] {
    this.functionBps = [];
    return bps.map((bp) => {
      const id = this.nextBpId++;
      const parsed = parseFunctionBreakpoint(bp.name, this.shape);
      if (!parsed.ok) return { id, verified: false, message: parsed.message };
      const cond = this.parseCondition(bp.condition);
      if (cond.message) return { id, verified: false, message: cond.message };
      this.functionBps.push({ id, name: parsed.canonical, target: parsed.target, condition: cond.condition });
      return { id, verified: true };
    });
  }

  /** Filters with optional conditions; unknown ids or bad conditions come back unverified. */
  setExceptionFilters(filters: { filterId: string; condition?: string }[]): BreakpointResult[] {
    this.filters.clear();
    this.divergenceThreshold = undefined;
    return filters.map((f) => {
      const id = this.nextBpId++;
      if (f.filterId === DIVERGENCE_FILTER_ID) {
        if (!this.compare)
          return { id, verified: false, message: `'${DIVERGENCE_FILTER.label}' needs a 'compare' run in the launch` };
        const t = parseThreshold(f.condition);
        if ('message' in t) return { id, verified: false, message: t.message };
        this.divergenceThreshold = t.threshold;
        return { id, verified: true };
      }
      const def = haltingFilter(f.filterId);
      if (!def) return { id, verified: false, message: `unknown exception filter '${f.filterId}'` };
      if (def.needsLabels && !this.hasLabels)
        return { id, verified: false, message: `'${def.label}' needs labels, and this puzzle has none` };
      const cond = this.parseCondition(f.condition);
      if (cond.message) return { id, verified: false, message: cond.message };
      this.filters.set(def.id, cond.condition);
      return { id, verified: true };
    });
  }

  setDataBreakpoints(bps: { dataId: string; condition?: string }[]): BreakpointResult[] {
    this.dataBps = [];
    return bps.map((bp) => {
      const id = this.nextBpId++;
      const cell = parseCellDataId(bp.dataId, this.engine.config.seq_len);
      if (cell === undefined)
        return {
          id,
          verified: false,
          message: `unknown data breakpoint id '${bp.dataId}': expected 'y-cell:<index>' from the Variables view`,
        };
      const cond = this.parseCondition(bp.condition);
      if (cond.message) return { id, verified: false, message: cond.message };
      this.dataBps.push({ id, cell, condition: cond.condition });
      return { id, verified: true };
    });
  }

  /** Cell index of a name like r4c7 in the puzzle's display grid, if it is one. */
  cellIndex(name: string): number | undefined {
    const m = /^r(\d+)c(\d+)$/.exec(name);
    if (!m) return undefined;
    const { gridHeight: h, gridWidth: w } = this.engine.puzzle;
    const r = Number(m[1]);
    const c = Number(m[2]);
    if (r < 1 || r > h || c < 1 || c > w) return undefined;
    const i = (r - 1) * w + (c - 1);
    return i < this.engine.config.seq_len ? i : undefined;
  }

  // ---- positions and states ----------------------------------------------------------------

  refOf(pos: Position): UpdateRef {
    const ref = updateAt(this.engine.config, pos.step, pos.ordinal);
    return pos.layer === undefined ? ref : { ...ref, layer: pos.layer };
  }

  describe(pos: Position): string {
    return describeUpdate(this.refOf(pos));
  }

  private key(pos: Position): string {
    return `${pos.step}:${pos.ordinal}:${pos.layer ?? 0}`;
  }

  async stepOutputs(step: number): Promise<StepOutputs> {
    if (!Number.isInteger(step) || step < 1 || step > this.maxSteps) {
      throw new Error(`step ${step} is out of range: this session runs steps 1..${this.maxSteps}`);
    }
    return this.trace.stepOutputs(step);
  }

  /** Whether the session's halt policy ends the episode after `step`. */
  async haltsAfter(step: number): Promise<boolean> {
    if (step >= this.maxSteps) return true;
    const known = this.policyHalt.get(step);
    if (known !== undefined) return known;
    const o = await this.stepOutputs(step);
    const p = this.haltPolicy;
    const halts = p === 'all' ? false : p === 'first' ? o.wouldHalt : o.haltProbability >= p.threshold;
    this.policyHalt.set(step, halts);
    return halts;
  }

  /** The first step at which the policy halts among steps 1..upTo, if any. */
  async haltStepUpTo(upTo: number): Promise<number | undefined> {
    for (let s = 1; s <= Math.min(upTo, this.maxSteps); s++) if (await this.haltsAfter(s)) return s;
    return undefined;
  }

  async isEnd(pos: Position): Promise<boolean> {
    return pos.layer === undefined && pos.ordinal === this.U - 1 && this.haltsAfter(pos.step);
  }

  private async decodedInitial(): Promise<DecodedState> {
    this.initialDecoded ??= this.trace.initialState().then((s) => this.trace.decode(s.y));
    return this.initialDecoded;
  }

  /** State, decoded answer and halting values at a position (cached; recomputation is deterministic). */
  async envAt(pos: Position): Promise<PositionEnv> {
    const k = this.key(pos);
    const hit = this.envCache.get(k);
    if (hit) {
      this.envCache.delete(k);
      this.envCache.set(k, hit);
      return hit.env;
    }
    const env = await this.computeEnv(pos);
    const bytes = env.state.y.byteLength + env.state.z.byteLength + env.preds.byteLength * 2;
    this.envCache.set(k, { env, bytes });
    this.envBytes += bytes;
    for (const [key, v] of this.envCache) {
      if ((this.envBytes <= ENV_CACHE_BYTES && this.envCache.size <= ENV_CACHE_ENTRIES) || key === k) break;
      this.envCache.delete(key);
      this.envBytes -= v.bytes;
    }
    return env;
  }

  private async computeEnv(pos: Position): Promise<PositionEnv> {
    const trace = this.trace;
    const ref = this.refOf(pos);
    const labels = this.engine.puzzle.labels;
    if (pos.layer === undefined && pos.ordinal === this.U - 1) {
      const o = await this.stepOutputs(pos.step);
      const state = await trace.stepState(pos.step);
      return {
        pos,
        ref,
        state,
        preds: o.preds,
        confidence: o.confidence,
        qHalt: o.qHalt,
        qContinue: o.qContinue,
        haltProbability: o.haltProbability,
        changedCells: o.changedCells,
        correct: o.correct,
        accuracy: o.accuracy,
        wrongCells: o.wrongCells,
        stepOutputs: o,
        decoded: decodeLogits(o.logits, this.engine.config.vocab_size),
      };
    }
    const state = await trace.stateAfter(ref);
    const d = await trace.decode(state.y);
    const previous = pos.step > 1 ? (await this.stepOutputs(pos.step - 1)).preds : undefined;
    const judged = labels ? judgeAnswer(d.preds, labels) : undefined;
    return {
      pos,
      ref,
      state,
      preds: d.preds,
      confidence: d.confidence,
      qHalt: d.qHalt,
      qContinue: d.qContinue,
      haltProbability: sigmoid(d.qHalt),
      changedCells: changedCells(d.preds, previous, this.engine.puzzle.inputs),
      ...judged,
      decoded: d,
    };
  }

  /** Decoded answer before the y update at `pos` (the previous y update, or the initial y). */
  private async predsBeforeY(pos: Position): Promise<Int32Array> {
    const per = this.engine.config.L_cycles + 1;
    if (pos.ordinal - per >= 0) return (await this.envAt({ step: pos.step, ordinal: pos.ordinal - per })).preds;
    if (pos.step > 1) return (await this.stepOutputs(pos.step - 1)).preds;
    return (await this.decodedInitial()).preds;
  }

  /** Values for conditions, watches and hovers at a position. */
  resolver(env: PositionEnv): (name: string) => Value | undefined {
    return (name) => {
      switch (name) {
        case 'q_halt':
          return env.qHalt;
        case 'q_continue':
          return env.qContinue;
        case 'p_halt':
          return env.haltProbability;
        case 'step':
          return env.pos.step;
        case 'cycle':
          return env.ref.cycle;
        case 'update':
          return env.ref.kind === 'z' ? env.ref.index : this.engine.config.L_cycles + 1;
        case 'ordinal':
          return env.pos.ordinal;
        case 'layer':
          return env.pos.layer ?? 0;
        case 'changed':
          return env.changedCells.length;
        case 'correct':
          return env.correct;
        case 'accuracy':
          return env.accuracy;
        case 'wrong':
          return env.wrongCells?.length;
        default: {
          const cell = this.cellIndex(name);
          return cell === undefined ? undefined : cellValue(this.engine.puzzle.kind, env.preds[cell]);
        }
      }
    };
  }

  // ---- watch expressions over recursion time (traceExpressions.ts) -------------------------------

  typeScope(): ReturnType<typeof typeScope> {
    return typeScope((n) => this.cellIndex(n) !== undefined, this.hasLabels, {}, this.compare !== undefined);
  }

  /** Recursion time of a position: t = (step − 1)·U + ordinal + 1. */
  timeOf(pos: Position): number {
    return timeOf(this.U, pos.step, pos.ordinal);
  }

  /** The state right before the update at `pos` (layers share their update's input). */
  async stateBefore(pos: Position): Promise<RecursionState> {
    if (pos.ordinal > 0) return (await this.envAt({ step: pos.step, ordinal: pos.ordinal - 1 })).state;
    return pos.step > 1 ? this.trace.stepState(pos.step - 1) : this.trace.initialState();
  }

  /** Per-cell provenance over the whole episode (up to the step its halt policy stops at), computed once. */
  episodeProvenance(): Promise<ProvenanceTable> {
    this.provenanceTable ??= (async () => {
      const end = (await this.haltStepUpTo(this.maxSteps)) ?? this.maxSteps;
      return provenance(this.trace, end);
    })();
    const p = this.provenanceTable;
    p.catch(() => {
      if (this.provenanceTable === p) this.provenanceTable = undefined;
    });
    return p;
  }

  /** Step summaries of steps 1..`step` (cached; the trace recomputes nothing it already holds). */
  async summariesUpTo(step: number): Promise<StepSummary[]> {
    if (this.summaries.length < step) this.summaries = await stepSummaries(this.trace, step);
    return this.summaries.slice(0, step);
  }

  /** The settling label of the run if it ended after `step` (needs labels). */
  async settlingAt(step: number): Promise<SettlingLabel> {
    return settlingLabel(await this.summariesUpTo(step));
  }

  /** What expressions may read at a position. */
  async valuesAt(pos: Position): Promise<PositionValues> {
    const env = await this.envAt(pos);
    const trace = this.trace;
    const kind = this.engine.puzzle.kind;
    let z: Promise<DecodedCells> | undefined;
    return {
      name: this.resolver(env),
      cell: (n) => this.cellIndex(n),
      t: this.timeOf(pos),
      positions: this.engine.derived.totalSeqLen,
      display: (id) => cellValue(kind, id),
      state: async () => env.state,
      before: () => this.stateBefore(pos),
      decodedY: async () => env.decoded,
      decodedZ: () => (z ??= trace.decode(env.state.z)),
      residual: async () => rmsPerPosition(await trace.zNet(env.state), env.state.z, this.engine.derived.totalSeqLen),
      provenance: () => this.episodeProvenance(),
      settling: () => this.settlingAt(pos.step),
      divergence: this.compare
        ? async () => divergenceOf((await this.compare!.at(pos.step, pos.ordinal)).d)
        : undefined,
    };
  }

  // ---- breakpoint evaluation -----------------------------------------------------------------

  private async conditionHolds(cond: Condition | undefined, pos: Position): Promise<{ ok: boolean; error?: string }> {
    if (!cond) return { ok: true };
    try {
      return { ok: cond.test(await prepare(cond.expr, this.typeScope(), await this.valuesAt(pos))) };
    } catch (e) {
      if (e instanceof ExpressionError)
        return { ok: true, error: `condition '${cond.source}' could not be evaluated: ${e.message}` };
      throw e;
    }
  }

  /** Breakpoints that fire at an update-level position; undefined when none. */
  private async breakpointsAt(pos: Position): Promise<Stop | undefined> {
    const ref = this.refOf(pos);
    const stepEnd = pos.ordinal === this.U - 1;
    const texts: string[] = [];
    const ids: number[] = [];
    let reason: StopReason | undefined;
    let haltFirst = false;
    let exception: Stop['exception'];
    const answer = async (): Promise<string> => answerText(await this.envAt(pos), this.labelled);

    if (stepEnd && this.filters.size > 0) {
      const o = await this.stepOutputs(pos.step);
      for (const [id, cond] of this.filters) {
        const def = haltingFilter(id)!;
        if (!def.test(o, def.needsSettling ? await this.settlingAt(pos.step) : undefined)) continue;
        const c = await this.conditionHolds(cond, pos);
        if (!c.ok) continue;
        // A halting checkbox is a breakpoint, not an error: 'breakpoint' keeps VS Code from
        // showing its red "Exception has occurred" widget (the filter mechanism stays for the checkboxes).
        reason ??= 'breakpoint';
        exception ??= { filterId: id, label: def.label };
        texts.push(c.error ?? filterText(id, o, pos.step, this.engine.puzzle.gridWidth, await answer()));
      }
    }
    if (this.compare && this.divergenceThreshold !== undefined && pos.layer === undefined) {
      if (await this.compare.partsAt(pos.step, pos.ordinal, this.divergenceThreshold, this.U)) {
        reason ??= 'exception';
        exception ??= { filterId: DIVERGENCE_FILTER_ID, label: DIVERGENCE_FILTER.label! };
        texts.push(await this.compare.describe(pos.step, pos.ordinal, this.divergenceThreshold));
      }
    }
    if (this.dataBps.length > 0 && ref.kind === 'y' && pos.layer === undefined) {
      const before = await this.predsBeforeY(pos);
      const env = await this.envAt(pos);
      for (const bp of this.dataBps) {
        if (before[bp.cell] === env.preds[bp.cell]) continue;
        const c = await this.conditionHolds(bp.condition, pos);
        if (!c.ok) continue;
        reason ??= 'data breakpoint';
        ids.push(bp.id);
        const kind = this.engine.puzzle.kind;
        const name = cellLabel(bp.cell, this.engine.puzzle.gridWidth);
        texts.push(
          c.error ??
            `Paused: cell ${name} changed ${cellValue(kind, before[bp.cell])} → ${cellValue(kind, env.preds[bp.cell])} at ${this.describe(pos)}`,
        );
      }
    }
    for (const bp of this.functionBps) {
      if (bp.target.kind === 'halt') {
        if (!stepEnd || !(await this.stepOutputs(pos.step)).wouldHalt) continue;
      } else if (!placeMatches(bp.target, this.shape, pos.step, pos.ordinal)) continue;
      const c = await this.conditionHolds(bp.condition, pos);
      if (!c.ok) continue;
      if (!reason) {
        reason = 'function breakpoint';
        haltFirst = bp.target.kind === 'halt';
      }
      ids.push(bp.id);
      if (c.error) texts.push(c.error);
      else if (bp.target.kind === 'halt') {
        const o = await this.stepOutputs(pos.step);
        texts.push(`Paused on halting decision: q_halt = ${fmtQ(o.qHalt)} > 0 at step ${pos.step}${await answer()}`);
      } else texts.push(`Paused on function breakpoint '${describeTarget(bp.target)}' at ${this.describe(pos)}`);
    }
    if (!reason) return undefined;
    const description = exception
      ? `Paused on ${exception.label.toLowerCase()}`
      : reason === 'data breakpoint'
        ? 'Paused on cell change'
        : haltFirst
          ? 'Paused on halting decision'
          : 'Paused on breakpoint';
    return {
      kind: 'stop',
      position: pos,
      reason,
      description,
      text: texts.join('\n'),
      hitBreakpointIds: ids.length ? ids : undefined,
      exception,
      atEnd: await this.isEnd(pos),
    };
  }

  private async stopAt(pos: Position, reason: StopReason, prefix?: string): Promise<Stop> {
    const atEnd = await this.isEnd(pos);
    let text = prefix ?? this.describe(pos);
    if (atEnd) text = `${prefix ? `${prefix}. ` : ''}${await this.endText(pos.step)}`;
    this.pos = pos;
    return {
      kind: 'stop',
      position: pos,
      reason,
      // Short: VS Code prints it in the Call Stack's header; `text` has the whole story.
      description: atEnd
        ? 'End of the episode'
        : prefix?.startsWith('Already')
          ? prefix
          : reason === 'entry'
            ? prefix?.startsWith('Reached')
              ? 'Reached the start of the episode'
              : 'Paused on entry'
            : reason === 'pause'
              ? 'Paused'
              : reason === 'goto'
                ? 'Moved from the timeline'
                : 'Paused on step',
      text,
      atEnd,
    };
  }

  private async endText(step: number): Promise<string> {
    const o = await this.stepOutputs(step);
    const why =
      this.policyHalt.get(step) === true
        ? `the halt policy (${describeHaltPolicy(this.haltPolicy)})`
        : `the step limit (${this.maxSteps} steps)`;
    return `End of the episode: halted after step ${step} by ${why}; q_halt = ${fmtQ(o.qHalt)}${answerText(await this.envAt({ step, ordinal: this.U - 1 }), this.labelled)}`;
  }

  private async yieldToEvents(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  // ---- motion ----------------------------------------------------------------------------------

  private nextUpdate(pos: Position): Position {
    return pos.ordinal < this.U - 1 ? { step: pos.step, ordinal: pos.ordinal + 1 } : { step: pos.step + 1, ordinal: 0 };
  }
  private prevUpdate(pos: Position): Position | undefined {
    if (pos.ordinal > 0) return { step: pos.step, ordinal: pos.ordinal - 1 };
    return pos.step > 1 ? { step: pos.step - 1, ordinal: this.U - 1 } : undefined;
  }

  /** First stop of the session: the first update, or the first breakpoint from there on. */
  start(stopOnEntry: boolean): Promise<RunResult> {
    return this.exclusive(async () => {
      const first: Position = { step: 1, ordinal: 0 };
      if (stopOnEntry) return this.stopAt(first, 'entry', `Paused on entry at ${this.describe(first)}`);
      return this.runForward(first, undefined);
    });
  }

  continue(): Promise<RunResult> {
    return this.exclusive(async () => {
      const here: Position = { step: this.pos.step, ordinal: this.pos.ordinal };
      if (await this.isEnd(here)) return { kind: 'terminated', text: await this.endText(here.step) };
      return this.runForward(this.nextUpdate(here), undefined);
    });
  }

  /** Walks forward from `from` (inclusive) to the next breakpoint, `target`, a pause or the end. */
  private async runForward(from: Position, target: Position | undefined): Promise<RunResult> {
    this.pauseRequested = false;
    let pos = from;
    for (;;) {
      await this.yieldToEvents();
      if (this.pauseRequested) {
        this.pauseRequested = false;
        return this.stopAt(pos, 'pause', `Paused at ${this.describe(pos)}`);
      }
      const hit = await this.breakpointsAt(pos);
      if (hit) {
        this.pos = pos;
        return hit;
      }
      if (target && pos.step === target.step && pos.ordinal === target.ordinal) return this.stopAt(pos, 'step');
      if (await this.isEnd(pos)) return this.stopAt(pos, 'step');
      pos = this.nextUpdate(pos);
    }
  }

  next(): Promise<RunResult> {
    return this.exclusive(async () => {
      const p = this.pos;
      if (p.layer !== undefined && p.layer < this.layers) return this.stopAt({ ...p, layer: p.layer + 1 }, 'step');
      const here = { step: p.step, ordinal: p.ordinal };
      if (await this.isEnd(here)) return this.stopAt(here, 'step', 'Already at the end of the episode');
      return this.stopAt(this.nextUpdate(here), 'step');
    });
  }

  stepIn(): Promise<RunResult> {
    return this.exclusive(async () => {
      const p = this.pos;
      if (p.layer !== undefined && p.layer < this.layers) return this.stopAt({ ...p, layer: p.layer + 1 }, 'step');
      const here = { step: p.step, ordinal: p.ordinal };
      if (await this.isEnd(here)) return this.stopAt(here, 'step', 'Already at the end of the episode');
      return this.stopAt({ ...this.nextUpdate(here), layer: 1 }, 'step');
    });
  }

  /** Out of a layer: the update's output; out of an update: the end of its cycle; from a cycle end: the end of the step. */
  stepOut(): Promise<RunResult> {
    return this.exclusive(async () => {
      const p = this.pos;
      if (p.layer !== undefined) return this.stopAt({ step: p.step, ordinal: p.ordinal }, 'step');
      const here = { step: p.step, ordinal: p.ordinal };
      if (await this.isEnd(here)) return this.stopAt(here, 'step', 'Already at the end of the episode');
      const ref = this.refOf(here);
      const per = this.engine.config.L_cycles + 1;
      let target: Position;
      if (ref.kind === 'z') target = { step: p.step, ordinal: ref.cycle * per - 1 };
      else if (p.ordinal < this.U - 1) target = { step: p.step, ordinal: this.U - 1 };
      else target = { step: p.step + 1, ordinal: this.U - 1 };
      return this.runForward(this.nextUpdate(here), target);
    });
  }

  stepBack(): Promise<RunResult> {
    return this.exclusive(async () => {
      const p = this.pos;
      if (p.layer !== undefined && p.layer > 1) return this.stopAt({ ...p, layer: p.layer - 1 }, 'step');
      const prev = this.prevUpdate({ step: p.step, ordinal: p.ordinal });
      if (!prev) return this.stopAt({ step: 1, ordinal: 0 }, 'step', 'Already at the start of the episode');
      return this.stopAt(prev, 'step');
    });
  }

  reverseContinue(): Promise<RunResult> {
    return this.exclusive(async () => {
      this.pauseRequested = false;
      let pos = this.prevUpdate({ step: this.pos.step, ordinal: this.pos.ordinal });
      if (!pos) return this.stopAt({ step: 1, ordinal: 0 }, 'entry', 'Already at the start of the episode');
      for (;;) {
        await this.yieldToEvents();
        if (this.pauseRequested) {
          this.pauseRequested = false;
          return this.stopAt(pos, 'pause', `Paused at ${this.describe(pos)}`);
        }
        const hit = await this.breakpointsAt(pos);
        if (hit) {
          this.pos = pos;
          return hit;
        }
        const prev = this.prevUpdate(pos);
        if (!prev) return this.stopAt(pos, 'entry', `Reached the start of the episode at ${this.describe(pos)}`);
        pos = prev;
      }
    });
  }

  /** Checks a position against the model shape and the episode; returns a message when it is not reachable. */
  async validatePosition(pos: Position): Promise<string | undefined> {
    if (pos.step > this.maxSteps)
      return `step ${pos.step} is out of range: this session runs steps 1..${this.maxSteps}`;
    if (pos.ordinal >= this.U)
      return `ordinal ${pos.ordinal} is out of range: a step has ${this.U} updates (0..${this.U - 1})`;
    if (pos.layer !== undefined && pos.layer > this.layers)
      return `layer ${pos.layer} is out of range: the network has L_layers = ${this.layers} (1..${this.layers})`;
    const halted = await this.haltStepUpTo(pos.step - 1);
    if (halted !== undefined)
      return `step ${pos.step} is after the end of the episode: the halt policy (${describeHaltPolicy(this.haltPolicy)}) halts after step ${halted}`;
    return undefined;
  }

  seek(pos: Position): Promise<Stop> {
    return this.exclusive(async () => {
      const problem = await this.validatePosition(pos);
      if (problem) throw new Error(problem);
      return this.stopAt(pos, 'goto', `Moved to ${this.describe(pos)}`);
    });
  }

  /** Runs to the end of the episode without stopping (noDebug). */
  runToEnd(): Promise<string> {
    return this.exclusive(async () => {
      let s = 1;
      while (!(await this.haltsAfter(s))) s++;
      this.pos = { step: s, ordinal: this.U - 1 };
      return this.endText(s);
    });
  }
}

// ---- helpers -------------------------------------------------------------------------------------

export function parseCellDataId(dataId: string, seqLen: number): number | undefined {
  const m = /^y-cell:(\d+)$/.exec(dataId);
  if (!m) return undefined;
  const i = Number(m[1]);
  return i < seqLen ? i : undefined;
}

export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** q_halt / q_continue as people read them: 3 decimals ("2.451", "-0.037"). */
export function fmtQ(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const s = x.toFixed(3);
  return s === '-0.000' ? '0.000' : s;
}

/** A number for watches and hovers: integers exactly, others to 4 decimals (tiny ones in exponent form). */
export function fmtNumber(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  return Math.abs(x) < 1e-3 ? x.toExponential(3) : String(Number(x.toFixed(4)));
}

/** A probability as a percentage: "92.4 %", "< 0.1 %", "> 99.9 %". */
export function fmtPercent(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p > 0 && p < 0.001) return '< 0.1 %';
  if (p < 1 && p > 0.999) return '> 99.9 %';
  return `${(p * 100).toFixed(1)} %`;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(2) : x.toFixed(2);
}

/** ", answer 79/81 correct" (empty without labels). */
function answerText(env: PositionEnv, labelled: number): string {
  if (env.wrongCells === undefined) return '';
  return `, answer ${labelled - env.wrongCells.length}/${labelled} correct`;
}

function filterText(id: HaltingFilterId, o: StepOutputs, step: number, width: number, answer: string): string {
  switch (id) {
    case 'halt':
      return `Paused on halting decision: q_halt = ${fmtQ(o.qHalt)} > 0 at step ${step}${answer}`;
    case 'haltWrong':
      return `Paused: halts with a wrong answer at step ${step}: q_halt = ${fmtQ(o.qHalt)} > 0${answer}`;
    case 'continueCorrect':
      return `Paused: keeps going although correct at step ${step}: q_halt = ${fmtQ(o.qHalt)} <= 0${answer}`;
    case 'answerChanged': {
      const cells = o.changedCells
        .slice(0, 8)
        .map((i) => cellLabel(i, width))
        .join(', ');
      return `Paused: answer changed at step ${step}: ${o.changedCells.length} cell${o.changedCells.length === 1 ? '' : 's'} (${cells}${o.changedCells.length > 8 ? ', …' : ''})${answer}`;
    }
    case 'nonFinite':
      return `Paused on non-finite value at step ${step}: NaN or Inf in y, z, the logits or q`;
    case 'settledWrong':
      return `Paused: settled while wrong at step ${step}: z and y have stopped moving on a wrong answer${answer}`;
    case 'wandering':
      return `Paused: still wandering at step ${step}: the answer is wrong and z, y or the answer still move${answer}`;
  }
}
