// The Variables view of a `trm` session: scopes x (question), y (answer + confidence), z (latent)
// and halting, with big tensors paged through indexedVariables. Handles live only while the
// session is stopped: the session calls reset() on every resume, so a stale reference gets a
// clear error instead of a value from another position.

import type { DebugProtocol } from '@vscode/debugprotocol';
import type { PositionEnv } from './runtime';
import { fmt, fmtPercent, fmtQ } from './runtime';
import { cellLabel, cellValue, gridRows, rowText } from './gridText';
import type { DebugPuzzle } from './inlinePuzzle';

export type ScopeName = 'x' | 'y' | 'z' | 'halting';

type VarNode =
  | { kind: 'scope'; scope: ScopeName; env: PositionEnv }
  | { kind: 'gridRow'; which: 'x' | 'y'; row: number; env: PositionEnv }
  | {
      kind: 'matrix';
      data: Float32Array;
      rows: number;
      cols: number;
      rowName: (i: number) => string;
      tensor?: 'y' | 'z';
    }
  | { kind: 'vector'; data: ArrayLike<number>; itemName: (i: number) => string; tensor?: 'y' | 'z'; position?: number }
  | { kind: 'list'; vars: DebugProtocol.Variable[] };

export interface VariableContext {
  puzzle: DebugPuzzle;
  /** P: puzzle-prefix positions before the S grid cells. */
  prefix: number;
  hidden: number;
  x: Float32Array;
  /** Where the halting values at this position come from, and what the policy says. */
  haltingNote: (env: PositionEnv) => string;
}

export class StaleReferenceError extends Error {}

/** What a setVariable on the Variables view patches: y or z, at a grid cell (absent: every cell), one channel. */
export interface PatchTarget {
  tensor: 'y' | 'z';
  cell?: number;
  dim?: number;
  /** A cell of the decoded answer grid (it takes zero or B, not a number). */
  decoded?: boolean;
  /** A puzzle-prefix position (not a grid cell: not patchable this way). */
  prefix?: boolean;
}

/**
 * Like @vscode/debugadapter's Handles, but numbers keep growing across resets: a reference from an
 * earlier stop can then never alias a node of the current one, and is reported as stale.
 */
class Handles<T> {
  private next = 1000;
  private map = new Map<number, T>();
  reset(): void {
    this.map.clear();
  }
  create(value: T): number {
    const h = this.next++;
    this.map.set(h, value);
    return h;
  }
  get(handle: number): T | undefined {
    return this.map.get(handle);
  }
}

const SCOPE_TITLES: Record<ScopeName, string> = {
  x: 'x — question',
  y: 'y = z_H — answer',
  z: 'z = z_L — latent',
  halting: 'halting (q_head)',
};

export class VariableStore {
  private handles = new Handles<VarNode>();

  /** Forget every handle: called on each resume. */
  reset(): void {
    this.handles.reset();
  }

  scopes(env: PositionEnv): DebugProtocol.Scope[] {
    // The answer first (VS Code expands the first scope at every stop), then what decides halting.
    return (['y', 'halting', 'z', 'x'] as ScopeName[]).map((scope) => ({
      name: SCOPE_TITLES[scope],
      presentationHint: scope === 'halting' ? 'registers' : 'locals',
      variablesReference: this.handles.create({ kind: 'scope', scope, env }),
      expensive: false,
    }));
  }

  /** A scope whose variables are computed up front (run B of a comparison). */
  listScope(name: string, vars: DebugProtocol.Variable[]): DebugProtocol.Scope {
    return { name, variablesReference: this.handles.create({ kind: 'list', vars }), expensive: false };
  }

  /** Cell index when `ref` is a row of the y grid and `name` one of its cells. */
  dataCell(ref: number | undefined, name: string, puzzle: DebugPuzzle): number | undefined {
    const m = /^r(\d+)c(\d+)$/.exec(name);
    if (!m) return undefined;
    const r = Number(m[1]) - 1;
    const c = Number(m[2]) - 1;
    if (r < 0 || c < 0 || r >= puzzle.gridHeight || c >= puzzle.gridWidth) return undefined;
    if (ref !== undefined && ref > 0) {
      const node = this.lookup(ref);
      if (node.kind !== 'gridRow' || node.which !== 'y' || node.row !== r) return undefined;
    }
    const i = r * puzzle.gridWidth + c;
    return i < puzzle.inputs.length ? i : undefined;
  }

  /** The state a variable of the current stop stands for, when it is one a patch can set (undefined otherwise). */
  patchTarget(ref: number, name: string, ctx: Pick<VariableContext, 'prefix' | 'puzzle'>): PatchTarget | undefined {
    const node = this.lookup(ref);
    const position = /^\[(\d+)\]/.exec(name);
    switch (node.kind) {
      case 'scope': {
        const m = /^([yz]) \(state\)$/.exec(name);
        return m && node.scope === m[1] ? { tensor: m[1] as 'y' | 'z' } : undefined;
      }
      case 'gridRow': {
        if (node.which !== 'y') return undefined;
        const cell = this.dataCell(ref, name, ctx.puzzle);
        return cell === undefined ? undefined : { tensor: 'y', cell, decoded: true };
      }
      case 'matrix': {
        if (!node.tensor || !position) return undefined;
        const i = Number(position[1]);
        return i < ctx.prefix ? { tensor: node.tensor, prefix: true } : { tensor: node.tensor, cell: i - ctx.prefix };
      }
      case 'vector': {
        if (!node.tensor || node.position === undefined || !position) return undefined;
        if (node.position < ctx.prefix) return { tensor: node.tensor, prefix: true };
        return { tensor: node.tensor, cell: node.position - ctx.prefix, dim: Number(position[1]) };
      }
      default:
        return undefined;
    }
  }

  private lookup(ref: number): VarNode {
    const node = this.handles.get(ref);
    if (!node)
      throw new StaleReferenceError(
        `variable reference ${ref} is not valid at this stop (references are reset whenever execution resumes)`,
      );
    return node;
  }

  variables(args: DebugProtocol.VariablesArguments, ctx: VariableContext): DebugProtocol.Variable[] {
    const node = this.lookup(args.variablesReference);
    switch (node.kind) {
      case 'scope':
        return args.filter === 'indexed' ? [] : this.scopeVars(node.scope, node.env, ctx);
      case 'gridRow':
        return args.filter === 'indexed' ? [] : this.rowVars(node, ctx);
      case 'matrix': {
        if (args.filter === 'named') return [];
        const [start, end] = range(args, node.rows);
        const out: DebugProtocol.Variable[] = [];
        for (let i = start; i < end; i++) {
          const row = node.data.subarray(i * node.cols, (i + 1) * node.cols);
          out.push({
            name: node.rowName(i),
            value: vectorSummary(row),
            type: `float32[${node.cols}]`,
            variablesReference: this.handles.create({
              kind: 'vector',
              data: row,
              itemName: (j) => `[${j}]`,
              ...(node.tensor ? { tensor: node.tensor, position: i } : {}),
            }),
            indexedVariables: node.cols,
          });
        }
        return out;
      }
      case 'list':
        return args.filter === 'indexed' ? [] : node.vars;
      case 'vector': {
        if (args.filter === 'named') return [];
        const [start, end] = range(args, node.data.length);
        const out: DebugProtocol.Variable[] = [];
        for (let i = start; i < end; i++)
          out.push({ name: node.itemName(i), value: String(node.data[i]), variablesReference: 0 });
        return out;
      }
    }
  }

  private positionName(ctx: VariableContext): (i: number) => string {
    return (i) => (i < ctx.prefix ? `[${i}] prefix` : `[${i}] ${cellLabel(i - ctx.prefix, ctx.puzzle.gridWidth)}`);
  }

  private matrixVar(
    name: string,
    data: Float32Array,
    ctx: VariableContext,
    note: string,
    tensor?: 'y' | 'z',
  ): DebugProtocol.Variable {
    const rows = data.length / ctx.hidden;
    return {
      name,
      value: `float32[${rows}, ${ctx.hidden}] ${note}‖·‖ = ${fmt(norm(data))}`,
      type: `float32[${rows}, ${ctx.hidden}]`,
      variablesReference: this.handles.create({
        kind: 'matrix',
        data,
        rows,
        cols: ctx.hidden,
        rowName: this.positionName(ctx),
        ...(tensor ? { tensor } : {}),
      }),
      indexedVariables: rows,
    };
  }

  private normsVar(name: string, data: Float32Array, ctx: VariableContext): DebugProtocol.Variable {
    const rows = data.length / ctx.hidden;
    const norms = new Float32Array(rows);
    for (let t = 0; t < rows; t++) norms[t] = norm(data.subarray(t * ctx.hidden, (t + 1) * ctx.hidden));
    return {
      name,
      value: vectorSummary(norms),
      type: `float32[${rows}]`,
      variablesReference: this.handles.create({ kind: 'vector', data: norms, itemName: this.positionName(ctx) }),
      indexedVariables: rows,
    };
  }

  private rowsVars(which: 'x' | 'y', env: PositionEnv, ctx: VariableContext): DebugProtocol.Variable[] {
    const p = ctx.puzzle;
    const ids = which === 'x' ? p.inputs : env.preds;
    const shown = gridRows(p.kind, env.preds, p.gridHeight, p.gridWidth, p.inputs);
    const out: DebugProtocol.Variable[] = [];
    for (let r = 0; r < shown; r++) {
      const ref = this.handles.create({ kind: 'gridRow', which, row: r, env });
      out.push({
        name: `row ${r + 1}`,
        value: rowText(p.kind, ids, r, p.gridWidth),
        variablesReference: ref,
        namedVariables: p.gridWidth,
      });
    }
    return out;
  }

  private rowVars(node: Extract<VarNode, { kind: 'gridRow' }>, ctx: VariableContext): DebugProtocol.Variable[] {
    const p = ctx.puzzle;
    const env = node.env;
    const out: DebugProtocol.Variable[] = [];
    const wrong = new Set(env.wrongCells ?? []);
    const changed = new Set(env.changedCells);
    for (let c = 0; c < p.gridWidth; c++) {
      const i = node.row * p.gridWidth + c;
      if (i >= p.inputs.length) break;
      const name = cellLabel(i, p.gridWidth);
      if (node.which === 'x') {
        out.push({
          name,
          value: String(cellValue(p.kind, p.inputs[i])),
          type: p.inputs[i] === 1 && p.kind === 'sudoku' ? 'blank' : 'given',
          variablesReference: 0,
        });
        continue;
      }
      let value = `${cellValue(p.kind, env.preds[i])}  (${fmtPercent(env.confidence[i])} sure)`;
      if (changed.has(i)) value += '  (changed)';
      if (wrong.has(i) && p.labels) value += `  ✗ expected ${cellValue(p.kind, p.labels[i])}`;
      // Cells of y accept data breakpoints ("Break on Value Change").
      out.push({ name, value, variablesReference: 0, presentationHint: { kind: 'data' } });
    }
    return out;
  }

  private scopeVars(scope: ScopeName, env: PositionEnv, ctx: VariableContext): DebugProtocol.Variable[] {
    const p = ctx.puzzle;
    const leaf = (name: string, value: string, type?: string): DebugProtocol.Variable => ({
      name,
      value,
      type,
      variablesReference: 0,
    });
    const S = p.inputs.length;
    switch (scope) {
      case 'x':
        return [
          // Short values (the view cuts long ones); the hover shows each in full.
          leaf('puzzle', p.origin),
          leaf('kind', `${p.kind} ${p.gridHeight}×${p.gridWidth}, puzzle identifier ${p.puzzleIdentifier}`),
          ...this.rowsVars('x', env, ctx),
          {
            name: 'tokens',
            value: `int32[${S}]`,
            type: `int32[${S}]`,
            indexedVariables: S,
            variablesReference: this.handles.create({
              kind: 'vector',
              data: p.inputs,
              itemName: (i) => `[${i}] ${cellLabel(i, p.gridWidth)}`,
            }),
          },
          this.matrixVar('x (embedding)', ctx.x, ctx, ''),
        ];
      case 'y': {
        const conf = env.confidence;
        let minConf = 1;
        for (const v of conf) minConf = Math.min(minConf, v);
        const vars = [
          ...this.rowsVars('y', env, ctx),
          leaf(
            'changed',
            listCells(
              env.changedCells,
              p.gridWidth,
              env.pos.step === 1 ? 'vs the question (step 1)' : `vs the end of step ${env.pos.step - 1}`,
            ),
          ),
          {
            name: 'confidence',
            value: `min ${fmtPercent(minConf)}, mean ${fmtPercent(conf.reduce((a, b) => a + b, 0) / Math.max(1, conf.length))}`,
            type: `float32[${S}]`,
            indexedVariables: S,
            variablesReference: this.handles.create({
              kind: 'vector',
              data: conf,
              itemName: (i) => `[${i}] ${cellLabel(i, p.gridWidth)}`,
            }),
          },
          this.matrixVar('y (state)', env.state.y, ctx, '', 'y'),
          this.normsVar('position norms', env.state.y, ctx),
        ];
        if (env.wrongCells)
          vars.splice(vars.length - 3, 0, leaf('wrong', listCells(env.wrongCells, p.gridWidth, 'vs the labels')));
        return vars;
      }
      case 'z':
        return [
          leaf(
            'shape',
            `[${env.state.z.length / ctx.hidden}, ${ctx.hidden}]  (T = P + S = ${ctx.prefix} + ${S}, D = ${ctx.hidden})`,
          ),
          leaf('norm', fmt(norm(env.state.z))),
          this.normsVar('position norms', env.state.z, ctx),
          this.matrixVar('z (state)', env.state.z, ctx, '', 'z'),
        ];
      case 'halting': {
        const vars = [
          leaf('q_halt', fmtQ(env.qHalt), 'float32'),
          leaf('q_continue', fmtQ(env.qContinue), 'float32'),
          leaf('p_halt', `${fmtPercent(env.haltProbability)}  (sigmoid(q_halt))`),
          leaf('decision', env.qHalt > 0 ? 'halt (q_halt > 0)' : 'continue (q_halt <= 0)'),
          leaf('source', ctx.haltingNote(env)),
        ];
        if (env.correct !== undefined) {
          vars.push(leaf('correct', String(env.correct), 'boolean'));
          vars.push(leaf('accuracy', `${fmtPercent(env.accuracy ?? 0)} of labelled cells`));
          vars.push(leaf('wrong cells', String(env.wrongCells?.length ?? 0)));
        } else vars.push(leaf('correct', 'unknown (no labels)'));
        return vars;
      }
    }
  }
}

function range(args: DebugProtocol.VariablesArguments, length: number): [number, number] {
  const start = Math.max(0, Math.min(length, args.start ?? 0));
  const end = args.count === undefined || args.count === 0 ? length : Math.min(length, start + args.count);
  return [start, end];
}

export function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

function vectorSummary(v: ArrayLike<number>): string {
  const head = Array.from({ length: Math.min(4, v.length) }, (_, i) => fmt(v[i])).join(', ');
  return `[${head}${v.length > 4 ? ', …' : ''}]  ‖·‖ = ${fmt(norm(v))}`;
}

function listCells(cells: readonly number[], width: number, what: string): string {
  if (cells.length === 0) return `none ${what}`;
  const shown = cells
    .slice(0, 12)
    .map((i) => cellLabel(i, width))
    .join(', ');
  return `${cells.length} cell${cells.length === 1 ? '' : 's'} ${what}: ${shown}${cells.length > 12 ? ', …' : ''}`;
}
