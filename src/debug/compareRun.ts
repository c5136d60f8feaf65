// Run B of a `trm` session launched with `compare`: another checkpoint (opened like run A) or a
// recorded run in the official reference layout (`trm trace` output, official arrays). B is read at
// A's position, so every motion of the session moves both in lock-step. This module only
// translates: the differences come from src/engine/compare (one definition for the CLI and the
// debugger); here they become Variables, a first-divergence breakpoint and a description.

import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { divergenceOf, divergenceRow, type UpdateDivergence } from '../engine/compare/divergence';
import { ReferenceRun, isReferenceFolder, liveRun, type RunSource } from '../engine/compare/referenceRun';
import { type PuzzleTrace, type RecursionState, updateAt } from '../engine/trace/types';
import type { DebugEngine } from './engineTypes';
import { cellLabel, cellValue } from './gridText';
import { LaunchConfigError, type TrmLaunchArgs } from './launchConfig';

/** The `compare` launch attribute: exactly one of `checkpoint` and `trace`. */
export interface CompareSpec {
  checkpoint?: string;
  config?: string;
  trace?: string;
  /** Batch row of a recorded run (default 0). */
  row?: number;
  backend?: TrmLaunchArgs['backend'];
}

export const DIVERGENCE_FILTER_ID = 'diverged';
export const DEFAULT_DIVERGENCE_THRESHOLD = 1e-3;

/** The first-divergence breakpoint: a checkbox in the Breakpoints view whose condition is the threshold. */
export const DIVERGENCE_FILTER: DebugProtocol.ExceptionBreakpointsFilter = {
  filter: DIVERGENCE_FILTER_ID,
  label: 'Runs A and B diverge',
  description:
    "Stop at the update where run A and the launch's `compare` run B part: max |zA − zB| or |yA − yB| passes the threshold",
  default: false,
  supportsCondition: true,
  conditionDescription: `threshold on max |zA − zB|, |yA − yB| (default ${DEFAULT_DIVERGENCE_THRESHOLD}), e.g. 1e-2`,
};

const fail = (msg: string): never => {
  throw new LaunchConfigError(`launch configuration: 'compare' ${msg}`);
};

/** Validates the raw `compare` attribute; relative paths are resolved against `cwd`. */
export function parseCompareSpec(raw: unknown, cwd: string | undefined): CompareSpec | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    fail('must be an object: {"checkpoint": "<step_N|file.safetensors>"} or {"trace": "<folder of trm trace>"}');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!['checkpoint', 'config', 'trace', 'row', 'backend'].includes(k))
      fail(`has an unknown attribute '${k}' (known: checkpoint, config, trace, row, backend)`);
  const str = (k: string): string | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length === 0) return fail(`.${k} must be a non-empty string`);
    return k === 'backend' ? v : path.resolve(cwd ?? process.cwd(), v);
  };
  const spec: CompareSpec = { checkpoint: str('checkpoint'), config: str('config'), trace: str('trace') };
  if ((spec.checkpoint === undefined) === (spec.trace === undefined))
    fail('needs exactly one of "checkpoint" (another checkpoint) and "trace" (a recorded run folder)');
  if (r.row !== undefined) {
    if (!Number.isInteger(r.row) || (r.row as number) < 0) fail('.row must be an integer ≥ 0');
    spec.row = r.row as number;
  }
  const backend = str('backend');
  if (backend !== undefined) spec.backend = backend as CompareSpec['backend'];
  if (spec.trace !== undefined && !isReferenceFolder(spec.trace))
    fail(
      `.trace ${spec.trace} is not a recorded run (a folder with trace_z.npy and trace_y.npy, as \`trm trace\` writes)`,
    );
  return spec;
}

/** The threshold a first-divergence condition names ("1e-2"), or a message saying what is wrong. */
export function parseThreshold(condition: string | undefined): { threshold: number } | { message: string } {
  if (condition === undefined || condition.trim() === '') return { threshold: DEFAULT_DIVERGENCE_THRESHOLD };
  const x = Number(condition.trim());
  if (!Number.isFinite(x) || x < 0)
    return { message: `the divergence condition is a threshold ≥ 0 such as 1e-2, got '${condition}'` };
  return { threshold: x };
}

export interface CompareAt {
  d: UpdateDivergence;
  predsA: Int32Array;
  predsB?: Int32Array;
}

export class CompareRun {
  private cache = new Map<string, Promise<CompareAt>>();
  /** Run A as the session walks it (a cloud branch or a patched run), by default the engine's trace. */
  private aTrace: () => PuzzleTrace = () => this.a.trace;

  private constructor(
    readonly label: string,
    private readonly a: DebugEngine,
    private readonly b: RunSource,
    private readonly bEngine: DebugEngine | undefined,
  ) {}

  /** B = the unpatched baseline of a patched session (a trace of the same model). */
  static baseline(a: DebugEngine, base: PuzzleTrace, steps: number): CompareRun {
    const label = 'baseline (the run without patches)';
    return new CompareRun(label, a, liveRun(base, label, steps), undefined);
  }

  /** Reads run A from `trace` from now on (the runtime's walked trace). */
  readA(trace: () => PuzzleTrace): void {
    this.aTrace = trace;
    this.invalidate();
  }

  /** Forgets cached differences (run A changed: a patch, an adopted branch). */
  invalidate(): void {
    this.cache.clear();
  }

  /** Run B's state after the update at step › ordinal (the source of copy patches). */
  async bStateAfter(step: number, ordinal: number): Promise<RecursionState> {
    const s = await this.b.stateAfter(updateAt(this.a.config, step, ordinal));
    const n = this.a.derived.totalSeqLen * this.a.config.hidden_size;
    if (s.y.length !== n || s.z.length !== n)
      throw new Error(`run B (${this.label}) has no state of run A's shape at this update: nothing to copy`);
    return s;
  }

  /** Run B's own puzzle-embedding row (B must be a checkpoint with a puzzle embedding). */
  async bPuzzleRow(): Promise<Float32Array> {
    const b = this.bEngine;
    if (!b?.patching)
      throw new Error(
        `run B (${this.label}) is not a loaded checkpoint: it has no puzzle-embedding table to copy from`,
      );
    return b.patching.puzzleRow({ mode: 'puzzle', puzzleId: b.puzzle.puzzleIdentifier });
  }

  /** Opens run B: a checkpoint through the session's engine opener, or a recorded folder. */
  static async open(
    spec: CompareSpec,
    args: TrmLaunchArgs,
    a: DebugEngine,
    openEngine: (args: TrmLaunchArgs) => Promise<DebugEngine>,
  ): Promise<CompareRun> {
    const steps = args.steps ?? a.config.halt_max_steps;
    if (spec.trace !== undefined) {
      const rec = new ReferenceRun(
        spec.trace,
        a.config,
        a.derived.totalSeqLen,
        spec.row ?? 0,
        `recorded ${spec.trace}`,
        await a.trace.initialState(),
      );
      return new CompareRun(rec.label, a, rec, undefined);
    }
    const b = await openEngine({
      ...args,
      checkpoint: spec.checkpoint!,
      config: spec.config,
      backend: spec.backend ?? args.backend,
    });
    for (const k of ['H_cycles', 'L_cycles', 'hidden_size', 'seq_len'] as const)
      if (b.config[k] !== a.config[k]) {
        b.dispose();
        fail(
          `.checkpoint differs from run A in ${k} (${b.config[k]} vs ${a.config[k]}): no update-by-update comparison`,
        );
      }
    return new CompareRun(b.checkpoint, a, liveRun(b.trace, b.checkpoint, steps), b);
  }

  /** Differences after the update at step › ordinal (layer positions read the update's output). */
  at(step: number, ordinal: number): Promise<CompareAt> {
    const key = `${step}:${ordinal}`;
    let p = this.cache.get(key);
    if (!p) {
      p = this.compute(step, ordinal);
      p.catch(() => this.cache.delete(key));
      if (this.cache.size > 64) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, p);
    }
    return p;
  }

  private async compute(step: number, ordinal: number): Promise<CompareAt> {
    const ref = updateAt(this.a.config, step, ordinal);
    const a = this.aTrace();
    const [sa, sb] = await Promise.all([a.stateAfter(ref), this.b.stateAfter(ref)]);
    const d = divergenceRow(step, ordinal, ref, sa, sb);
    const predsA = (await a.decode(sa.y)).preds;
    let predsB: Int32Array | undefined;
    if (sb.y.length === sa.y.length) {
      predsB = (await a.decode(sb.y)).preds;
      d.cellsDiffer = [];
      for (let i = 0; i < predsA.length; i++) if (predsA[i] !== predsB[i]) d.cellsDiffer.push(i);
    }
    return { d, predsA, predsB };
  }

  /** Every update of one step, in order (the timeline's divergence strip; call inside runtime.exclusive). */
  async stepSeries(step: number, U: number): Promise<CompareAt[]> {
    const out: CompareAt[] = [];
    for (let o = 0; o < U; o++) out.push(await this.at(step, o));
    return out;
  }

  /**
   * Run B's state after the update at step › ordinal, and just before it (the previous update, the
   * previous step's end, or B's initial state); `before` is undefined where B does not know it.
   */
  async statesB(step: number, ordinal: number, U: number): Promise<{ after: RecursionState; before?: RecursionState }> {
    const cfg = this.a.config;
    const after = await this.b.stateAfter(updateAt(cfg, step, ordinal));
    let before: RecursionState | undefined;
    if (ordinal > 0) before = await this.b.stateAfter(updateAt(cfg, step, ordinal - 1));
    else if (step > 1) before = await this.b.stateAfter(updateAt(cfg, step - 1, U - 1));
    else before = this.b.stepState ? await this.b.stepState(0).catch(() => undefined) : undefined;
    return { after, before };
  }

  /** True where the runs part at this update: above the threshold here, not at the update before. */
  async partsAt(step: number, ordinal: number, threshold: number, U: number): Promise<boolean> {
    const here = divergenceOf((await this.at(step, ordinal)).d);
    if (!(here > threshold)) return false;
    if (step === 1 && ordinal === 0) return true;
    const prev = ordinal > 0 ? { step, ordinal: ordinal - 1 } : { step: step - 1, ordinal: U - 1 };
    return !(divergenceOf((await this.at(prev.step, prev.ordinal)).d) > threshold);
  }

  /** One line for the stop text. */
  async describe(step: number, ordinal: number, threshold: number): Promise<string> {
    const { d } = await this.at(step, ordinal);
    return `Paused: runs A and B diverge here: max |zA − zB| = ${d.zMax.toExponential(2)}, max |yA − yB| = ${d.yMax.toExponential(2)} (threshold ${threshold}); ${d.cellsDiffer?.length ?? '?'} cells decode differently (B: ${this.label})`;
  }

  /** The "A vs B" scope of the Variables view. */
  async variables(step: number, ordinal: number): Promise<DebugProtocol.Variable[]> {
    const { d, predsA, predsB } = await this.at(step, ordinal);
    const f = (v: number) => (Number.isNaN(v) ? 'unknown (not recorded)' : v.toExponential(3));
    const p = this.a.puzzle;
    const cells = d.cellsDiffer
      ? d.cellsDiffer.length === 0
        ? 'none'
        : `${d.cellsDiffer.length}: ${d.cellsDiffer
            .slice(0, 20)
            .map(
              (i) =>
                `${cellLabel(i, p.gridWidth)} A ${cellValue(p.kind, predsA[i])} / B ${cellValue(p.kind, predsB![i])}`,
            )
            .join(', ')}${d.cellsDiffer.length > 20 ? ', …' : ''}`
      : 'unknown (B has no y here)';
    const v = (name: string, value: string, type?: string): DebugProtocol.Variable => ({
      name,
      value,
      variablesReference: 0,
      ...(type ? { type } : {}),
    });
    return [
      v('B', this.label),
      v('‖zA − zB‖', f(d.zNorm), 'float'),
      v('‖yA − yB‖', f(d.yNorm), 'float'),
      v('max |zA − zB|', f(d.zMax), 'float'),
      v('max |yA − yB|', f(d.yMax), 'float'),
      v('cells A ≠ B', cells),
    ];
  }

  dispose(): void {
    this.bEngine?.dispose();
  }
}
