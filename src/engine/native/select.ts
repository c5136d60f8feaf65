// Chooses how a loaded model's recursion is computed for inference (traces, the debugger,
// evaluation, inline predictions): the native ONNX Runtime CPU path when it loads, else TrmModel's
// TF.js ops on whatever TF.js backend src/engine/backend.ts selected. Auto mode leaves a GPU TF.js
// backend in charge (a GPU beats the CPU path), and every skip has a reason the UI and CLI show.
// Training always runs on TF.js. `--backend onnxruntime` (CLI, launch configuration, setting) forces
// the native path and fails with the reason when it cannot load; a TF.js backend name disables it.

import { type BackendInfo, type BackendName, defaultThreads } from '../backend';
import { BACKEND_NAMES } from '../backend/names';
import type { ForwardDType, TrmConfig } from '../config';
import type { TrmModel } from '../model/trm';
import { loadOrt } from './ortLoader';
import { OrtStepRunner, type OrtRunnerOptions } from './ortRunner';
import type { StepRunner } from './stepRunner';

/** The name users give the native path wherever they name a backend. */
export const NATIVE_BACKEND = 'onnxruntime';
export type NativeBackendName = typeof NATIVE_BACKEND;
/** TF.js only, on whatever TF.js backend loads best: the native path disabled without naming a TF.js backend. */
export const TFJS_ONLY = 'tfjs';

/** 'auto': native when it loads (and TF.js is not on a GPU); 'on': native or an error; 'off': TF.js only. */
export type NativeMode = 'auto' | 'on' | 'off';

/**
 * A user's backend choice where a model runs inference (CLI --backend, launch `backend`, the
 * trmLens.backend setting): a TF.js backend, the native path, TF.js on its best backend, or nothing (auto).
 */
export type BackendChoice = BackendName | NativeBackendName | typeof TFJS_ONLY;

/** Every backend choice, in the order users see them. */
export const BACKEND_CHOICES: readonly BackendChoice[] = [NATIVE_BACKEND, TFJS_ONLY, ...BACKEND_NAMES];

export function isBackendChoice(v: unknown): v is BackendChoice {
  return typeof v === 'string' && (BACKEND_CHOICES as readonly string[]).includes(v);
}

/** Splits a backend choice into the TF.js backend to prefer and the native mode. */
export function splitBackendChoice(choice: BackendChoice | undefined): { tf?: BackendName; native: NativeMode } {
  if (choice === undefined) return { native: 'auto' };
  if (choice === NATIVE_BACKEND) return { native: 'on' };
  if (choice === TFJS_ONLY) return { native: 'off' };
  return { tf: choice, native: 'off' };
}

/** The compute dtype a user asked for: the checkpoint's own forward_dtype, or an explicit one. */
export type DtypeChoice = 'checkpoint' | ForwardDType;
export const DTYPE_CHOICES: readonly DtypeChoice[] = ['checkpoint', 'float32', 'bfloat16'];

/** The config to build the model with: forward_dtype replaced when the user chose one. */
export function withDtype(config: TrmConfig, dtype: DtypeChoice | undefined): TrmConfig {
  return dtype === undefined || dtype === 'checkpoint' ? config : { ...config, forward_dtype: dtype };
}

/**
 * A note for users when the compute dtype differs from the checkpoint's: what it costs in agreement
 * with the official bf16 numbers, as measured on the parity fixture (test/unit/native/dtype.test.ts
 * re-measures these figures and fails when they drift; bench/RESULTS.md has the table).
 */
export function dtypeNote(checkpointDtype: ForwardDType, computeDtype: ForwardDType): string | undefined {
  if (checkpointDtype === computeDtype) return undefined;
  if (checkpointDtype === 'bfloat16')
    return (
      `computing in float32 although the checkpoint's forward_dtype is bfloat16: results diverge from the official ` +
      `bf16 numbers (measured on the parity fixture run in bf16: ${FLOAT32_VS_BF16.describe})`
    );
  return 'computing in bfloat16 although the checkpoint was trained in float32: results are rounded to bf16 after every operation';
}

/**
 * How far float32 compute of a bf16 model is from the bf16 reference (TrmModel in bf16), measured on
 * the parity fixture teacher-forced from a bf16 carry (test/unit/native/bf16.test.ts measures it and
 * fails when these figures are stale). Two bf16 implementations differ too (single-ulp flips that the
 * roundings spread): `bf16UpdateMean` is the native bf16 path's own mean difference, for scale.
 */
export const FLOAT32_VS_BF16 = {
  /** Mean and max |difference| of an update's output (z or y, RMS 1), over the 21 updates of a step. */
  updateMean: 6.4e-3,
  updateMax: 4.7e-2,
  /** Max |difference| of the logits after one step from the same carry. */
  stepLogitsMax: 0.54,
  bf16UpdateMean: 2.8e-3,
  get describe(): string {
    return (
      `one update's output differs by ${this.updateMean} on average (up to ${this.updateMax}; native bf16: ` +
      `${this.bf16UpdateMean}), a step's logits by up to ${this.stepLogitsMax}, and over many steps the differences grow`
    );
  },
};

/**
 * Whether the native path would be used for inference under `mode` next to TF.js backend `backend`,
 * without building a model (for "Show Compute Backend"): the line to show, and the short name.
 */
export function describeNativePath(
  mode: NativeMode,
  backend: BackendInfo,
  threads = defaultThreads(),
): { used: boolean; name: string; threads: number; line: string } {
  const tfjs = (line: string) => ({ used: false, name: backend.name, threads: backend.threads, line });
  if (mode === 'off') return tfjs(`${NATIVE_BACKEND}: not used (TF.js was chosen)`);
  if (mode === 'auto' && backend.gpu) return tfjs(`${NATIVE_BACKEND}: not used (TF.js computes on the GPU)`);
  const load = loadOrt();
  if (!load.ok) return tfjs(`${NATIVE_BACKEND}: ${load.reason}`);
  const t = `${threads} thread${threads === 1 ? '' : 's'}`;
  return {
    used: true,
    name: NATIVE_BACKEND,
    threads,
    line: `ONNX Runtime ${load.version} on the CPU (${t}) computes inference; TF.js (${backend.name}) embeds inputs and trains`,
  };
}

export interface InferencePath {
  /** The native runner, when it computes the recursion; absent = TrmModel's TF.js ops. */
  runner?: StepRunner;
  /** Short name: 'onnxruntime' or the TF.js backend's name. */
  name: string;
  /** One line: what computes inference (and, with the native path, what TF.js still does). */
  description: string;
  /** Why the native path is not used (auto mode), one line each; empty when it is used. */
  skipped: string[];
}

export interface OpenInferenceOptions extends OrtRunnerOptions {
  mode: NativeMode;
  /** The TF.js backend in use (auto mode leaves a GPU backend in charge). */
  backend: BackendInfo;
}

/** Opens the inference path for `model`; with mode 'on' a native path that cannot load is an error. */
export async function openInference(model: TrmModel, opts: OpenInferenceOptions): Promise<InferencePath> {
  const tfPath = (skipped: string[]): InferencePath => ({
    name: opts.backend.name,
    description: opts.backend.description,
    skipped,
  });
  if (opts.mode === 'off') return tfPath([`${NATIVE_BACKEND}: not used (TF.js was chosen)`]);
  if (opts.mode === 'auto' && opts.backend.gpu)
    return tfPath([`${NATIVE_BACKEND}: not used (TF.js computes on the GPU: ${opts.backend.description})`]);
  const fail = (reason: string): InferencePath => {
    if (opts.mode === 'on') throw new Error(`compute backend '${NATIVE_BACKEND}' cannot be used: ${reason}`);
    return tfPath([`${NATIVE_BACKEND}: ${reason}`]);
  };
  const load = loadOrt();
  if (!load.ok) return fail(load.reason);
  let runner: OrtStepRunner;
  try {
    runner = await OrtStepRunner.create(load.ort, load.version, model, opts);
  } catch (e) {
    return fail(`session creation failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return {
    runner,
    name: NATIVE_BACKEND,
    description: `${runner.description}; TF.js (${opts.backend.name}) embeds inputs and trains`,
    skipped: [],
  };
}
