// Watch expressions over recursion time: the names and functions the typed expression language
// (conditions.ts) offers a `trm` session, and their values at a position. The session only
// translates: every number comes from the engine's analyses (engine/analysis: settling drift and
// residual, z-lens decode, per-cell provenance) or the one decode module. Used by the Watch view,
// hovers and the REPL (DAP evaluate), by breakpoint conditions and by `trm eval --where`.

import { rmsPerPosition } from '../engine/trace/decode';
import type { DecodedCells } from '../engine/trace/decode';
import type { ProvenanceTable } from '../engine/analysis/provenance';
import type { PuzzleTrace, RecursionState } from '../engine/trace/types';
import type { SettlingLabel } from '../engine/analysis/settling';
import { settlingLabel, stepSummaries } from '../engine/analysis/settling';
import { provenance } from '../engine/analysis/provenance';
import { decodeLogits } from '../engine/trace/decode';
import {
  EvalEnv,
  Expr,
  ExpressionError,
  FunctionSignature,
  Grid,
  TypeScope,
  Value,
  ValueType,
  callsOf,
  checkTypes,
  isGrid,
  variablesOf,
} from './conditions';
import { cellLabel } from './gridText';
import { updateAt } from '../engine/trace/types';
import { timeOf } from '../engine/analysis/provenance';

/** Names every session offers, with their types (cells like r4c7 are numbers: the decoded y value). */
export const NAME_TYPES: Record<string, ValueType> = {
  q_halt: 'number',
  q_continue: 'number',
  p_halt: 'number',
  step: 'number',
  cycle: 'number',
  update: 'number',
  ordinal: 'number',
  layer: 'number',
  t: 'number',
  changed: 'number',
  correct: 'boolean',
  accuracy: 'number',
  wrong: 'number',
  residual: 'number',
  quick_success: 'boolean',
  delayed_success: 'boolean',
  settled_wrong: 'boolean',
  wandering: 'boolean',
};
/** Names that need labels. */
export const LABEL_NAMES = new Set([
  'correct',
  'accuracy',
  'wrong',
  'quick_success',
  'delayed_success',
  'settled_wrong',
  'wandering',
]);
/** The settling label of the run so far (engine/analysis/settling.ts), one boolean name per label. */
const SETTLING_NAMES: Record<string, SettlingLabel> = {
  quick_success: 'quick success',
  delayed_success: 'delayed success',
  settled_wrong: 'settled wrong',
  wandering: 'wandering',
};

export const DIV_UNAVAILABLE = 'div needs a comparison run: launch with a second run to compare against';

export const FUNCTIONS: Record<string, FunctionSignature & { doc: string; needsLabels?: boolean }> = {
  drift: { args: ['state'], result: 'number', doc: '‖Δ‖ of y or z at this update (RMS per position)' },
  conf: { args: ['state'], result: 'grid', doc: 'per-cell softmax probability of the decoded value of y or z' },
  margin: { args: ['state'], result: 'grid', doc: 'per-cell logit(top) − logit(runner-up) of y or z' },
  entropy: { args: ['state'], result: 'grid', doc: 'per-cell entropy (nats) of y or z decoded through lm_head' },
  pred: { args: ['state'], result: 'grid', doc: 'per-cell decoded value of y or z' },
  mean: { args: ['grid'], result: 'number', doc: 'mean over the cells' },
  min: { args: ['grid'], result: 'number', doc: 'minimum over the cells' },
  max: { args: ['grid'], result: 'number', doc: 'maximum over the cells' },
  first_correct: {
    args: ['cell'],
    result: 'number',
    doc: 'recursion time t at which the cell became correct and stayed so (−1: it ends wrong)',
    needsLabels: true,
  },
  last_flip: { args: ['cell'], result: 'number', doc: 'recursion time t of the cell’s last change (0: never changed)' },
  flips: { args: ['cell'], result: 'number', doc: 'how often the cell’s decoded value changed over the episode' },
  div: {
    args: ['run', 'run'],
    result: 'number',
    doc: 'divergence of runs A and B at this update: max |zA − zB|, |yA − yB| (the first-divergence criterion)',
  },
};

export const EXPRESSION_HELP =
  `names: ${Object.keys(NAME_TYPES).join(', ')}, cells like r4c7; functions: ` +
  Object.keys(FUNCTIONS)
    .map((f) => `${f}(${FUNCTIONS[f].args.map((a) => (a === 'state' ? 'y|z' : a === 'run' ? 'A|B' : a)).join(', ')})`)
    .join(', ');

/** The values a position offers; the analysis parts are asked for only when an expression needs them. */
export interface PositionValues {
  /** Plain names and cells (the runtime's resolver). */
  name(name: string): Value | undefined;
  cell(name: string): number | undefined;
  /** Recursion time of the position. */
  t: number;
  state(): Promise<RecursionState>;
  /** The state right before the update at this position. */
  before(): Promise<RecursionState>;
  decodedY(): Promise<DecodedCells>;
  decodedZ(): Promise<DecodedCells>;
  residual(): Promise<number>;
  provenance(): Promise<ProvenanceTable>;
  /** max |zA − zB|, |yA − yB| at this position; absent without a comparison run. */
  divergence?: () => Promise<number>;
  /** Settling label of the run if it ended at this position's step. */
  settling(): Promise<SettlingLabel>;
  positions: number; // T, for the RMS per position
  /** A token id as the grid shows it (a Sudoku digit, an ARC colour). */
  display: (id: number) => number;
}

export function typeScope(
  isCell: (name: string) => boolean,
  hasLabels: boolean,
  extra: Partial<TypeScope> = {},
  hasCompare = false,
): TypeScope {
  return {
    nameType: (n) => {
      if (LABEL_NAMES.has(n) && !hasLabels) return undefined;
      return NAME_TYPES[n] ?? (isCell(n) ? 'number' : undefined);
    },
    fn: (n) => {
      const f = FUNCTIONS[n];
      if (n === 'div' && !hasCompare) return { ...FUNCTIONS.div, unavailable: DIV_UNAVAILABLE };
      if (f?.needsLabels && !hasLabels)
        return {
          ...f,
          unavailable: `${n}(…) needs labels, and this puzzle has none (give a dataset with labels or a 'solution')`,
        };
      return f;
    },
    isCell,
    knownNames: `${Object.keys(NAME_TYPES).join(', ')}, cells like r4c7, functions ${Object.keys(FUNCTIONS).join(', ')}`,
    ...extra,
  };
}

/** Type-checks `expr`, then computes what its calls need and returns an environment to evaluate it in. */
export async function prepare(expr: Expr, scope: TypeScope, at: PositionValues): Promise<EvalEnv> {
  checkTypes(expr, scope);
  const values = new Map<string, Value>();
  const key = (e: Extract<Expr, { kind: 'call' }>): string =>
    `${e.name}(${e.args.map((a) => (a.kind === 'var' ? a.name : '?')).join(',')})`;
  for (const call of callsOf(expr)) {
    const k = key(call);
    if (values.has(k)) continue;
    const arg = call.args[0];
    const argName = arg?.kind === 'var' ? arg.name : '';
    switch (call.name) {
      case 'drift': {
        const [s, b] = [await at.state(), await at.before()];
        values.set(k, rmsPerPosition(argName === 'z' ? s.z : s.y, argName === 'z' ? b.z : b.y, at.positions));
        break;
      }
      case 'conf':
      case 'margin':
      case 'entropy':
      case 'pred': {
        const d = argName === 'z' ? await at.decodedZ() : await at.decodedY();
        const data =
          call.name === 'conf'
            ? d.confidence
            : call.name === 'margin'
              ? d.margin
              : call.name === 'entropy'
                ? d.entropy
                : Array.from(d.preds, at.display);
        values.set(k, { kind: 'grid', data });
        break;
      }
      case 'first_correct':
      case 'last_flip':
      case 'flips': {
        const cell = at.cell(argName);
        if (cell === undefined) throw new ExpressionError(`'${argName}' is not a cell of this puzzle`);
        const p = (await at.provenance()).cells[cell];
        values.set(
          k,
          call.name === 'flips'
            ? p.changes.length
            : call.name === 'last_flip'
              ? (p.lastFlip?.t ?? 0)
              : (p.firstCorrect?.t ?? -1),
        );
        break;
      }
      case 'div': {
        const other = call.args[1]?.kind === 'var' ? call.args[1].name : '';
        if (argName === other) values.set(k, 0);
        else {
          if (!at.divergence) throw new ExpressionError(DIV_UNAVAILABLE);
          values.set(k, await at.divergence());
        }
        break;
      }
      default:
        break; // mean/min/max reduce their argument at evaluation time
    }
  }
  const names = variablesOf(expr);
  const residual = names.includes('residual') ? await at.residual() : undefined;
  const settling = names.some((n) => n in SETTLING_NAMES) ? await at.settling() : undefined;
  return {
    name: (n) =>
      n === 't'
        ? at.t
        : n === 'residual'
          ? residual
          : n in SETTLING_NAMES
            ? settling === SETTLING_NAMES[n]
            : at.name(n),
    cell: (n) => at.cell(n),
    call: (e) => {
      if (e.name === 'mean' || e.name === 'min' || e.name === 'max') {
        const g = evaluateArg(e.args[0], values, key);
        return reduce(e.name, g);
      }
      const v = values.get(key(e));
      if (v === undefined)
        throw new ExpressionError(`${e.name}(…) at column ${e.at + 1} could not be computed`, e.at + 1);
      return v;
    },
  };
}

function evaluateArg(a: Expr, values: Map<string, Value>, key: (e: Extract<Expr, { kind: 'call' }>) => string): Grid {
  if (a.kind !== 'call') throw new ExpressionError('mean/min/max take a per-cell grid such as conf(y)');
  const v = values.get(key(a));
  if (v === undefined || !isGrid(v)) throw new ExpressionError(`${a.name}(…) is not a per-cell grid`);
  return v;
}

function reduce(op: 'mean' | 'min' | 'max', g: Grid): number {
  const d = g.data;
  if (d.length === 0) return NaN;
  let acc = op === 'mean' ? 0 : d[0];
  for (let i = 0; i < d.length; i++) {
    const x = d[i];
    if (op === 'mean') acc += x;
    else if (op === 'min' ? x < acc : x > acc) acc = x;
  }
  return op === 'mean' ? acc / d.length : acc;
}

/** How a value reads in the Watch view: grids as mean, min and max with their cells. */
export function formatValue(v: Value, width: number): { result: string; type: string } {
  if (typeof v === 'boolean') return { result: String(v), type: 'boolean' };
  if (typeof v === 'number') return { result: String(v), type: 'number' };
  const d = v.data;
  let lo = 0,
    hi = 0,
    sum = 0;
  for (let i = 0; i < d.length; i++) {
    sum += d[i];
    if (d[i] < d[lo]) lo = i;
    if (d[i] > d[hi]) hi = i;
  }
  const f = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(3));
  return {
    result: `mean ${f(sum / d.length)} · min ${f(d[lo])} at ${cellLabel(lo, width)} · max ${f(d[hi])} at ${cellLabel(hi, width)} (${d.length} cells)`,
    type: 'grid',
  };
}

/**
 * Values at the end of step `step` of a trace, outside a debug session (`trm eval --where`): the
 * same names and functions as the debugger's Watch view at that position.
 */
export function stepEndValues(
  trace: PuzzleTrace,
  step: number,
  grid: { width: number; height: number; display: (id: number) => number },
): { values: () => Promise<PositionValues>; scope: TypeScope } {
  const U = trace.derived.updatesPerStep;
  const S = trace.config.seq_len;
  const cell = (n: string): number | undefined => {
    const m = /^r(\d+)c(\d+)$/.exec(n);
    if (!m) return undefined;
    const r = Number(m[1]),
      c = Number(m[2]);
    if (r < 1 || r > grid.height || c < 1 || c > grid.width) return undefined;
    const i = (r - 1) * grid.width + (c - 1);
    return i < S ? i : undefined;
  };
  const scope = typeScope((n) => cell(n) !== undefined, trace.puzzle.labels !== undefined);
  const values = async (): Promise<PositionValues> => {
    const o = await trace.stepOutputs(step);
    const state = await trace.stepState(step);
    const last = updateAt(trace.config, step, U - 1);
    let z: Promise<DecodedCells> | undefined;
    const plain: Record<string, Value | undefined> = {
      q_halt: o.qHalt,
      q_continue: o.qContinue,
      p_halt: o.haltProbability,
      step,
      cycle: last.cycle,
      update: trace.config.L_cycles + 1,
      ordinal: U - 1,
      layer: 0,
      changed: o.changedCells.length,
      correct: o.correct,
      accuracy: o.accuracy,
      wrong: o.wrongCells?.length,
    };
    return {
      name: (n) => {
        if (n in plain) return plain[n];
        const i = cell(n);
        return i === undefined ? undefined : grid.display(o.preds[i]);
      },
      cell,
      t: timeOf(U, step, U - 1),
      positions: trace.derived.totalSeqLen,
      display: grid.display,
      state: async () => state,
      before: () => trace.stateAfter(updateAt(trace.config, step, U - 2)),
      decodedY: async () => decodeLogits(o.logits, trace.config.vocab_size),
      decodedZ: () => (z ??= trace.decode(state.z)),
      residual: async () => rmsPerPosition(await trace.zNet(state), state.z, trace.derived.totalSeqLen),
      provenance: () => provenance(trace, step),
      settling: async () => settlingLabel(await stepSummaries(trace, step)),
    };
  };
  return { values, scope };
}
