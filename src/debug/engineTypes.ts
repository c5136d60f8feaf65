// What the debug session needs from the engine, as plain types: a loaded model's trace of one
// puzzle plus the output heads to decode an intermediate y. engineFacade.ts builds it from the
// real engine; nothing else in src/debug imports engine implementation modules.

import type { DerivedSizes, TrmConfig } from '../engine/config';
import type { PuzzleTrace } from '../engine/trace/types';
import type { DebugPuzzle } from './inlinePuzzle';

/** lm_head and q_head applied to a y state (argmax on the first maximal index, like the tracer). */
export interface Decoded {
  preds: Int32Array; // [S]
  confidence: Float32Array; // [S] softmax probability of the predicted id
  qHalt: number;
  qContinue: number;
}

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
  decode(y: Float32Array): Promise<Decoded>;
  dispose(): void;
}
