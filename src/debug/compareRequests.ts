// The timeline's view of a comparison session (launch attribute `compare`): run B's heatmaps beside
// run A's, and the divergence strip (per update ‖zA − zB‖, ‖yA − yB‖, max differences, cells whose
// decoded answer differs). Bodies of the trm/heatmap {run: 'B'} and trm/divergence requests
// (src/protocol/debugger.ts); the differences themselves come from CompareRun (one definition for
// the Variables view, the first-divergence breakpoint and these requests). Call inside
// runtime.exclusive().
import { stateView } from '../engine/trace/views';
import type { TrmDivergence, TrmHeatmap, TrmHeatmapArgs } from '../protocol/debugger';
import type { CompareRun } from './compareRun';

/** A request the session cannot answer for reasons of its arguments or launch (an ERR.args failure). */
export class CompareRequestError extends Error {}

const NO_B = 'this session has no comparison run B: add "compare": {"checkpoint": …} or {"trace": …} to the launch';

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** trm/divergence {step}: runs A and B after each of the step's U updates. */
export async function divergenceBody(compare: CompareRun | undefined, step: number, U: number): Promise<TrmDivergence> {
  if (!compare) throw new CompareRequestError(NO_B);
  const series = await compare.stepSeries(step, U);
  const last = series[series.length - 1];
  return {
    step,
    label: compare.label,
    zNorm: series.map((a) => finiteOrNull(a.d.zNorm)),
    yNorm: series.map((a) => finiteOrNull(a.d.yNorm)),
    zMax: series.map((a) => finiteOrNull(a.d.zMax)),
    yMax: series.map((a) => finiteOrNull(a.d.yMax)),
    cellsDiffer: series.map((a) => (a.d.cellsDiffer ? a.d.cellsDiffer.length : -1)),
    ...(last.predsB ? { predsB: Array.from(last.predsB) } : {}),
  };
}

/** trm/heatmap {run: 'B'}: run B's y or z after an update, in the same views as run A's. */
export async function heatmapBBody(
  compare: CompareRun | undefined,
  args: TrmHeatmapArgs,
  U: number,
  D: number,
): Promise<TrmHeatmap> {
  if (!compare) throw new CompareRequestError(NO_B);
  if (args.layer !== undefined)
    throw new CompareRequestError('run B is compared per update: ask without `layer` (update granularity)');
  if (args.view === 'zlens') throw new CompareRequestError('the z-lens view is drawn for run A only');
  const { after, before } = await compare.statesB(args.step, args.ordinal, U);
  const state = args.tensor === 'y' ? after.y : after.z;
  if (state.length === 0 || state.length % D !== 0)
    throw new CompareRequestError(
      `run B has no ${args.tensor} after step ${args.step}, update ${args.ordinal + 1} (${compare.label})`,
    );
  let values: Float32Array;
  if (args.view === 'delta') {
    const prev = before ? (args.tensor === 'y' ? before.y : before.z) : undefined;
    if (!prev || prev.length !== state.length)
      throw new CompareRequestError(
        `run B does not record the state before step ${args.step}, update ${args.ordinal + 1}: pick another view than the change`,
      );
    values = new Float32Array(state.length);
    for (let i = 0; i < values.length; i++) values[i] = state[i] - prev[i];
    const v = stateView(values, values.length / D, D, 'norm');
    return { values: Array.from(v.values), min: v.min, max: v.max };
  }
  const v = stateView(state, state.length / D, D, args.view, args.channel);
  return { values: Array.from(v.values), min: v.min, max: v.max };
}
