// Shared CLI plumbing: start the compute backend (always reported), load a checkpoint, and open the
// inference path of a model (the native ONNX Runtime path when it loads, see src/engine/native/).

import * as path from 'node:path';
import { BackendInfo, selectBackend } from '../engine/backend';
import { BACKEND_NAMES } from '../engine/backend/names';

export { BACKEND_NAMES };
import { loadCheckpoint, LoadedCheckpoint } from '../engine/checkpoint';
import type { TrmModel } from '../engine/model/trm';
import {
  BACKEND_CHOICES,
  type BackendChoice,
  DTYPE_CHOICES,
  type DtypeChoice,
  type InferencePath,
  NATIVE_BACKEND,
  dtypeNote,
  openInference,
  splitBackendChoice,
  withDtype,
} from '../engine/native/select';
import { OptionSpec, ParsedArgs, str, UsageError } from './args';

/** What --backend accepts where a model runs inference: the TF.js backends, the native path, tfjs (TF.js only). */
export const INFERENCE_BACKEND_NAMES: readonly BackendChoice[] = BACKEND_CHOICES;

export const BACKEND_OPTION: OptionSpec = {
  value: true,
  valueName: BACKEND_NAMES.join('|'),
  description: 'force a compute backend (default: the fastest that loads)',
};
/** --backend of the commands that run inference: also `onnxruntime`, the native CPU path. */
export const INFERENCE_BACKEND_OPTION: OptionSpec = {
  value: true,
  valueName: INFERENCE_BACKEND_NAMES.join('|'),
  description: `force a compute backend (default: the fastest that loads; ${NATIVE_BACKEND} = the native CPU path; tfjs = TF.js on its best backend, or name a TF.js backend)`,
};
export const DTYPE_OPTION: OptionSpec = {
  value: true,
  valueName: DTYPE_CHOICES.join('|'),
  description: "compute dtype (default checkpoint: the checkpoint's forward_dtype, official checkpoints bfloat16)",
};
export const CHECKPOINT_OPTIONS: Record<string, OptionSpec> = {
  checkpoint: {
    value: true,
    required: true,
    valueName: 'step_N|file.safetensors',
    description: 'official torch checkpoint or safetensors weights',
  },
  config: {
    value: true,
    valueName: 'all_config.yaml|config.json',
    description: 'configuration (default: found beside the checkpoint)',
  },
};

function backendChoice(args: ParsedArgs, allowed: readonly string[]): BackendChoice | undefined {
  const prefer = str(args, 'backend');
  if (prefer !== undefined && !allowed.includes(prefer)) {
    throw new UsageError(`--backend must be one of ${allowed.join(', ')} (got ${JSON.stringify(prefer)})`);
  }
  return prefer as BackendChoice | undefined;
}

/**
 * Starts the TF.js backend. Commands that run inference pass `inference`: their --backend may name
 * the native path, and the report waits for openModelInference(), which knows what computes.
 */
export async function startBackend(args: ParsedArgs, quiet = false, inference = false): Promise<BackendInfo> {
  const choice = backendChoice(args, inference ? INFERENCE_BACKEND_NAMES : BACKEND_NAMES);
  const { tf } = splitBackendChoice(choice);
  // The wasm binaries are copied next to the bundle (dist/).
  const info = await selectBackend({ prefer: tf, wasmDir: __dirname + path.sep });
  if (!quiet && !inference) console.error(`backend: ${info.description}`);
  return info;
}

/** --dtype as given (undefined = the checkpoint's forward_dtype). */
export function dtypeFromArgs(args: ParsedArgs): DtypeChoice | undefined {
  const v = str(args, 'dtype');
  if (v !== undefined && !DTYPE_CHOICES.includes(v as DtypeChoice))
    throw new UsageError(`--dtype must be one of ${DTYPE_CHOICES.join(', ')} (got ${JSON.stringify(v)})`);
  return v as DtypeChoice | undefined;
}

/** The checkpoint's config with --dtype applied; says so on stderr when it differs from the checkpoint. */
export function configWithDtype(args: ParsedArgs, loaded: LoadedCheckpoint, quiet = false): LoadedCheckpoint['config'] {
  const config = withDtype(loaded.config, dtypeFromArgs(args));
  const note = dtypeNote(loaded.config.forward_dtype, config.forward_dtype);
  if (note && !quiet) console.error(`note: ${note}`);
  return config;
}

/** Opens the model's inference path (native when it loads, per --backend) and reports it on stderr. */
export async function openModelInference(
  args: ParsedArgs,
  model: TrmModel,
  backend: BackendInfo,
  quiet = false,
): Promise<InferencePath> {
  const { native } = splitBackendChoice(backendChoice(args, INFERENCE_BACKEND_NAMES));
  const p = await openInference(model, { mode: native, backend });
  // In auto mode, say why the native path was skipped (a choice of TF.js backend needs no explanation).
  const why = native === 'auto' && p.skipped.length ? ` (${p.skipped.join('; ')})` : '';
  if (!quiet) console.error(`backend: ${p.description}${why}`);
  return p;
}

export function loadCheckpointFromArgs(args: ParsedArgs, seqLen?: number): LoadedCheckpoint {
  const file = str(args, 'checkpoint')!;
  const loaded = loadCheckpoint(file, { configPath: str(args, 'config'), seqLen });
  for (const w of loaded.warnings) console.error(`warning: ${w}`);
  return loaded;
}
