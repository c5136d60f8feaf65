// What the debug session needs from the engine, as plain types: a loaded model's trace of one
// puzzle (whose decode() applies the output heads to an intermediate state). engineFacade.ts builds it from the
// real engine; nothing else in src/debug imports engine implementation modules.

import type { DerivedSizes, TrmConfig } from '../engine/config';
import type { PuzzleTrace } from '../engine/trace/types';
import type { DebugPuzzle } from './inlinePuzzle';

export interface DebugEngine {
  readonly config: TrmConfig;
  readonly derived: DerivedSizes;
  readonly puzzle: DebugPuzzle;
  readonly trace: PuzzleTrace;
  /** Absolute checkpoint path. */
  readonly checkpoint: string;
  /** Compute backend in words. */
  readonly backend: string;
  /** Loader warnings worth showing in the Debug Console. */
  readonly warnings: readonly string[];
  dispose(): void;
}
