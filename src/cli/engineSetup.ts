// Shared CLI plumbing: start the compute backend (always reported) and load a checkpoint.

import * as path from 'node:path';
import { BackendInfo, BackendName, selectBackend } from '../engine/backend';
import { BACKEND_NAMES } from '../engine/backend/names';

export { BACKEND_NAMES };
import { loadCheckpoint, LoadedCheckpoint } from '../engine/checkpoint';
import { OptionSpec, ParsedArgs, str, UsageError } from './args';

export const BACKEND_OPTION: OptionSpec = {
  value: true,
  valueName: BACKEND_NAMES.join('|'),
  description: 'force a compute backend (default: the fastest that loads)',
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

export async function startBackend(args: ParsedArgs, quiet = false): Promise<BackendInfo> {
  const prefer = str(args, 'backend');
  if (prefer !== undefined && !BACKEND_NAMES.includes(prefer as BackendName)) {
    throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')} (got ${JSON.stringify(prefer)})`);
  }
  // The wasm binaries are copied next to the bundle (dist/).
  const info = await selectBackend({ prefer: prefer as BackendName | undefined, wasmDir: __dirname + path.sep });
  if (!quiet) console.error(`backend: ${info.description}`);
  return info;
}

export function loadCheckpointFromArgs(args: ParsedArgs, seqLen?: number): LoadedCheckpoint {
  const file = str(args, 'checkpoint')!;
  const loaded = loadCheckpoint(file, { configPath: str(args, 'config'), seqLen });
  for (const w of loaded.warnings) console.error(`warning: ${w}`);
  return loaded;
}
