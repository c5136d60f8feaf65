// A recorded run read from a folder in the official reference layout — what `trm trace` writes and
// what the official PyTorch code dumps for the fixtures (trace_z.npy [K, H, n, R, T, D], trace_y.npy
// [K, H, R, T, D], trace_batch_indices.npy [R], x_embed.npy [R, T, D], logits/q_halt per step) — seen
// through the same per-update addressing as a live trace, so either can be run B of a comparison.
// Files are read once and kept as views (no copies); a traced row picks one example of the batch.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TrmConfig } from '../config';
import { readNpy } from '../formats/npy';
import type { HostTensor } from '../hostTensor';
import type { PuzzleTrace, RecursionState, UpdateRef } from '../trace/types';

/** What a comparison reads from a run: the state after any update, and the embedded question. */
export interface RunSource {
  /** Shown in tables and the debugger: "A: step_150", "B: official trace". */
  readonly label: string;
  /** Supervision steps available. */
  readonly steps: number;
  /** State right after the addressed update (layer ignored by recorded runs). */
  stateAfter(ref: UpdateRef): Promise<RecursionState>;
  /** State at the end of a step (step 0: the initial state, when the source knows it). */
  stepState?(step: number): Promise<RecursionState>;
  /** The embedded question x [T, D], when recorded. */
  x?(): Promise<Float32Array>;
}

/** The files a folder must hold to be read as a recorded run. */
export const REFERENCE_FILES = ['trace_z.npy', 'trace_y.npy'] as const;

export function isReferenceFolder(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory() && REFERENCE_FILES.every((f) => fs.existsSync(path.join(dir, f)));
  } catch {
    return false;
  }
}

function f32(t: HostTensor, name: string): Float32Array {
  if (t.dtype !== 'float32') throw new Error(`${name}: expected float32, got ${t.dtype}`);
  return t.data as Float32Array;
}

export class ReferenceRun implements RunSource {
  readonly label: string;
  readonly steps: number;
  private readonly traceZ: Float32Array;
  private readonly traceY: Float32Array;
  private readonly xEmbed?: Float32Array;
  private readonly rows: number;
  private readonly r: number;
  private readonly TD: number;

  /**
   * @param dir folder in the official reference layout
   * @param config the model configuration the arrays were computed with (H_cycles, L_cycles, T, D)
   * @param batchRow the example (batch row) to read; it must be one of the traced rows
   */
  constructor(
    readonly dir: string,
    private readonly config: Pick<TrmConfig, 'H_cycles' | 'L_cycles' | 'hidden_size'>,
    totalSeqLen: number,
    batchRow = 0,
    label?: string,
    /** y = H_init, z = L_init of the recording model (not part of the layout); unknown y reads as empty. */
    private readonly initial?: RecursionState,
  ) {
    if (!isReferenceFolder(dir))
      throw new Error(`${dir}: not a recorded run (needs ${REFERENCE_FILES.join(' and ')}, as \`trm trace\` writes)`);
    const H = config.H_cycles,
      n = config.L_cycles,
      D = config.hidden_size,
      T = totalSeqLen;
    const z = readNpy(path.join(dir, 'trace_z.npy'));
    const y = readNpy(path.join(dir, 'trace_y.npy'));
    if (z.shape.length !== 6 || z.shape[1] !== H || z.shape[2] !== n || z.shape[4] !== T || z.shape[5] !== D)
      throw new Error(
        `${dir}/trace_z.npy: shape [${z.shape.join(', ')}] does not fit the model: expected [K, ${H}, ${n}, R, ${T}, ${D}]`,
      );
    const [K, , , R] = z.shape;
    if (y.shape.join(',') !== [K, H, R, T, D].join(','))
      throw new Error(`${dir}/trace_y.npy: shape [${y.shape.join(', ')}], expected [${K}, ${H}, ${R}, ${T}, ${D}]`);
    let tracedRows = Array.from({ length: R }, (_, i) => i);
    const idxFile = path.join(dir, 'trace_batch_indices.npy');
    if (fs.existsSync(idxFile)) tracedRows = Array.from(readNpy(idxFile).data as ArrayLike<number>, Number);
    const r = tracedRows.indexOf(batchRow);
    if (r < 0) throw new Error(`${dir}: batch row ${batchRow} was not traced (traced rows: ${tracedRows.join(', ')})`);
    this.traceZ = f32(z, 'trace_z.npy');
    this.traceY = f32(y, 'trace_y.npy');
    const xFile = path.join(dir, 'x_embed.npy');
    if (fs.existsSync(xFile)) this.xEmbed = f32(readNpy(xFile), 'x_embed.npy');
    this.steps = K;
    this.rows = R;
    this.r = r;
    this.TD = T * D;
    this.label = label ?? `recorded ${path.basename(path.resolve(dir))} row ${batchRow}`;
  }

  private zAt(step: number, cycle: number, j: number): Float32Array {
    const { H_cycles: H, L_cycles: n } = this.config;
    const o = ((((step - 1) * H + (cycle - 1)) * n + (j - 1)) * this.rows + this.r) * this.TD;
    return this.traceZ.subarray(o, o + this.TD);
  }
  private yAt(step: number, cycle: number): Float32Array {
    const H = this.config.H_cycles;
    const o = (((step - 1) * H + (cycle - 1)) * this.rows + this.r) * this.TD;
    return this.traceY.subarray(o, o + this.TD);
  }

  stateAfter(ref: UpdateRef): Promise<RecursionState> {
    const n = this.config.L_cycles;
    if (ref.step < 1 || ref.step > this.steps)
      return Promise.reject(new Error(`${this.label}: step ${ref.step} was not recorded (1..${this.steps})`));
    let z: Float32Array, y: Float32Array;
    if (ref.kind === 'z') {
      z = this.zAt(ref.step, ref.cycle, ref.index);
      y = ref.cycle > 1 ? this.yAt(ref.step, ref.cycle - 1) : this.boundaryY(ref.step - 1);
    } else {
      z = this.zAt(ref.step, ref.cycle, n);
      y = this.yAt(ref.step, ref.cycle);
    }
    return Promise.resolve({ y, z });
  }

  /** y at the end of `step` (step 0: the initial state, when given; the layout does not record it). */
  private boundaryY(step: number): Float32Array {
    if (step === 0) return this.initial?.y ?? new Float32Array(0);
    return this.yAt(step, this.config.H_cycles);
  }

  stepState(step: number): Promise<RecursionState> {
    if (step === 0) {
      if (this.initial) return Promise.resolve(this.initial);
      return Promise.reject(new Error(`${this.label}: the initial state is not recorded`));
    }
    const { H_cycles: H, L_cycles: n } = this.config;
    return Promise.resolve({ y: this.yAt(step, H), z: this.zAt(step, H, n) });
  }

  x(): Promise<Float32Array> {
    if (!this.xEmbed) return Promise.reject(new Error(`${this.dir}: x_embed.npy missing`));
    return Promise.resolve(this.xEmbed.subarray(this.r * this.TD, (this.r + 1) * this.TD));
  }
}

/** A live, lazily computed trace seen as a comparison source. */
export function liveRun(
  trace: Pick<PuzzleTrace, 'stateAfter' | 'stepState' | 'initialState' | 'x'>,
  label: string,
  steps: number,
): RunSource {
  return {
    label,
    steps,
    stateAfter: (ref) => trace.stateAfter(ref),
    stepState: (s) => (s === 0 ? trace.initialState() : trace.stepState(s)),
    x: () => trace.x(),
  };
}
