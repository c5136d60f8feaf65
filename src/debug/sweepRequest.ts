// trm/patchSweep for the debug session: sweeps one step of the trace the session walks (the engine's,
// or an adopted branch) on the session's TF.js model, reports progress, and stops when a cancel
// request arrives (checked between batches). The result is the report of src/protocol/sweep.ts.

import { SweepCancelled } from '../engine/intervene/patchSweep';
import { toSweepReport, type SweepReport } from '../protocol/sweep';
import type { DebugEngine } from './engineTypes';
import type { TrmRuntime } from './runtime';

export class SweepController {
  private running: { cancelled: boolean } | undefined;

  /** Asks the running sweep to stop; false when none runs. */
  cancel(): boolean {
    if (!this.running) return false;
    this.running.cancelled = true;
    return true;
  }

  /** The report, or null when cancelled. Throws with a message a person can act on. */
  async run(
    engine: DebugEngine,
    runtime: TrmRuntime,
    step: number,
    progress: (done: number, total: number) => void,
  ): Promise<SweepReport | null> {
    const sweep = engine.sweep;
    if (!sweep) throw new Error('this session cannot run a patch sweep (its engine has no TF.js model)');
    if (this.running) throw new Error('a patch sweep is already running in this session');
    const problem = await runtime.validatePosition({ step, ordinal: 0 });
    if (problem) throw new Error(problem);
    const flag = { cancelled: false };
    this.running = flag;
    try {
      const result = await runtime.exclusive(() =>
        sweep(runtime.trace, step, {
          kind: 'zero',
          onProgress: progress,
          cancelled: () => flag.cancelled,
        }),
      );
      const branch = runtime.adoptedTrace?.name;
      return toSweepReport(result, {
        checkpoint: engine.checkpoint,
        puzzle: branch ? `${engine.puzzle.origin} (branch ${branch})` : engine.puzzle.origin,
        source: null,
        backend: result.backend,
      });
    } catch (e) {
      if (e instanceof SweepCancelled) return null;
      throw e;
    } finally {
      this.running = undefined;
    }
  }
}
