// What the debug session needs from the engine, as plain types: a loaded model's trace of one
// puzzle (whose decode() applies the output heads to an intermediate state). engineFacade.ts builds it from the
// real engine; nothing else in src/debug imports engine implementation modules.

import type { DerivedSizes, TrmConfig } from '../engine/config';
import type { PuzzleTrace, RecursionState } from '../engine/trace/types';
import type { CloudOptions, CloudResult, ForkPoint } from '../engine/cloud/cloud';
import type { BranchSpec } from '../engine/cloud/branchTrace';
import type { DebugPuzzle } from './inlinePuzzle';
import type { Patch } from '../engine/intervene/patch';
import type { RowSwap } from '../engine/intervene/puzzleProbe';
import type { StepSweep, StepSweepOptions } from '../engine/intervene/sweepStep';

export interface DebugEngine {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: DebugPuzzle;
  readonly trace: PuzzleTrace;
  /** Absolute checkpoint path. */
  readonly checkpoint: string;
  /** Compute backend in words. */
  readonly backend: string;
  /** Why faster backends were skipped (module not installed, …): details, not warnings. */
  readonly backendSkipped?: readonly string[];
  /** Loader warnings worth showing in the Debug Console. */
  readonly warnings: readonly string[];
  /** Trajectory clouds on the TF.js model (absent for engines that cannot run them). */
  readonly cloud?: CloudSupport;
  /** Patching and ablation on the TF.js model (absent for engines that cannot recompute a run). */
  readonly patching?: PatchSupport;
  /** A patch sweep of one step of `trace` on the session's TF.js model (engine/intervene/sweepStep.ts); `backend` says what computed it. */
  readonly sweep?: (
    trace: PuzzleTrace,
    step: number,
    opts: StepSweepOptions,
  ) => Promise<StepSweep & { backend: string }>;
  dispose(): void;
}

/** Patched runs (engine/intervene/patchedTrace.ts) and puzzle-embedding rows (engine/intervene/puzzleProbe.ts). */
export interface PatchSupport {
  /** `trunk` with `patches` applied, recomputed from the first patch on. */
  patched(trunk: PuzzleTrace, patches: readonly Patch[], maxSteps: number): PuzzleTrace;
  /** A replacement puzzle-embedding row; throws one clear message when the model has none. */
  puzzleRow(swap: RowSwap): Promise<Float32Array>;
}

/** Clouds and their branches, computed on the session's TF.js model with a host-side loop per update. */
export interface CloudSupport {
  run(x: Float32Array, start: RecursionState, fork: ForkPoint, opts: CloudOptions): Promise<CloudResult>;
  /** One branch as a trace whose positions up to the fork are `trunk`'s. */
  branch(trunk: PuzzleTrace, spec: BranchSpec): PuzzleTrace;
  /** puzzleKey of the session's puzzle (keys the noise). */
  readonly puzzleKey: number;
}
