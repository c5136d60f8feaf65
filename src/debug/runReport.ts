// A run report of one puzzle from launch-like arguments (checkpoint, dataset/index or inline
// puzzle, halting policy): shared by `trm report` and the "TRM: Write HTML Report" command.

import { runReportHtml } from '../engine/report/html';
import { openEngine } from './engineFacade';
import { cellValue } from './gridText';
import { describeHaltPolicy, validateLaunchArgs } from './launchConfig';

export async function runReportFromLaunch(
  raw: Record<string, unknown>,
  opts: { steps?: number; title?: string } = {},
): Promise<string> {
  const launch = validateLaunchArgs({ ...raw, haltPolicy: raw.haltPolicy ?? 'first' });
  const engine = await openEngine(launch);
  try {
    const N = Math.max(engine.config.halt_max_steps, launch.steps ?? 0);
    if (opts.steps !== undefined && opts.steps > N)
      throw new Error(`steps ${opts.steps} exceeds the session's ${N} steps`);
    let haltStep: number | undefined;
    const p = launch.haltPolicy;
    for (let s = 1; s <= N && p !== 'all'; s++) {
      const o = await engine.trace.stepOutputs(s);
      if (p === 'first' ? o.wouldHalt : o.haltProbability >= p.threshold) {
        haltStep = s;
        break;
      }
    }
    const steps = opts.steps ?? haltStep ?? N;
    const pz = engine.puzzle;
    return await runReportHtml(engine.trace, {
      title: opts.title ?? `TRM run: ${pz.id}`,
      puzzle: pz,
      checkpoint: engine.checkpoint,
      backend: engine.backend,
      steps,
      haltStep: haltStep !== undefined && haltStep <= steps ? haltStep : undefined,
      haltPolicy: describeHaltPolicy(p),
      cellText: (id) => {
        const v = cellValue(pz.kind, id);
        return pz.kind === 'sudoku' && v === 0 ? '·' : String(v);
      },
    });
  } finally {
    engine.dispose();
  }
}
