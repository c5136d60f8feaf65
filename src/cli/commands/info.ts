// `trm info`: configuration, derived sizes, parameter count and the compute backend of a checkpoint.

import { formatBytes } from '../../engine/backend/common';
import { derive } from '../../engine/config';
import { flag, parseArgs, usage } from '../args';
import { BACKEND_OPTION, CHECKPOINT_OPTIONS, loadCheckpointFromArgs, startBackend } from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  backend: BACKEND_OPTION,
  json: { value: false, description: 'print JSON' },
  help: { value: false, description: 'show this help' },
};

export async function runInfo(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'info --checkpoint <file> [options]',
        "Show a checkpoint's configuration, parameter count and the compute backend.",
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'info');
  const loaded = loadCheckpointFromArgs(args);
  const backend = await startBackend(args, true);
  const c = loaded.config;
  const d = c.seq_len > 0 ? derive(c) : undefined;
  const info = {
    checkpoint: loaded.path,
    format: loaded.format,
    configSource: loaded.configSource,
    parameters: loaded.parameterCount,
    config: c,
    derived: d ?? 'seq_len unknown until inputs are given (attention models do not fix it)',
    backend: {
      name: backend.name,
      description: backend.description,
      threads: backend.threads,
      gpu: backend.gpu,
      adapter: backend.adapter,
      fallbackReasons: backend.fallbackReasons,
    },
    sourceDtypes: Object.fromEntries([...loaded.sourceDtypes.entries()].filter(([, v]) => v !== 'float32')),
  };
  if (flag(args, 'json')) {
    console.log(JSON.stringify(info, null, 2));
    return 0;
  }
  const variant = c.mlp_t
    ? 'MLP-T (token-mixing MLP)'
    : `attention, ${c.num_heads} heads, ${c.pos_encodings} positions`;
  const lines = [
    `checkpoint   ${loaded.path} (${loaded.format})`,
    `config       ${loaded.configSource}`,
    `parameters   ${loaded.parameterCount.toLocaleString('en-US')} trainable`,
    `model        hidden_size ${c.hidden_size}, L_layers ${c.L_layers}, ${variant}, expansion ${c.expansion}`,
    `recursion    H_cycles (T) ${c.H_cycles} x (L_cycles (n) ${c.L_cycles} z updates + 1 y update)` +
      (d ? ` = ${d.updatesPerStep} updates, ${d.layerApplicationsPerStep} layer applications per step` : ''),
    `halting      halt_max_steps (N_sup) ${c.halt_max_steps}, exploration ${c.halt_exploration_prob}`,
    `task         vocab_size ${c.vocab_size}, seq_len ${c.seq_len || '(from inputs)'}, puzzle identifiers ${c.num_puzzle_identifiers} (puzzle_emb_ndim ${c.puzzle_emb_ndim}, puzzle_emb_len ${c.puzzle_emb_len})`,
    `dtype        forward_dtype ${c.forward_dtype}${
      Object.keys(info.sourceDtypes).length
        ? `; stored non-f32: ${Object.entries(info.sourceDtypes)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')}`
        : ''
    }`,
    `backend      ${backend.description}`,
  ];
  const a = backend.adapter;
  if (a) {
    lines.push(
      `adapter      ${a.description || a.device} (vendor ${a.vendor || '?'}, architecture ${a.architecture || '?'}): ` +
        `${a.software ? 'a software adapter, not a GPU' : 'GPU'}; largest buffer ${formatBytes(a.maxBufferSize)}, ` +
        `largest storage binding ${formatBytes(a.maxStorageBufferBindingSize)}`,
    );
  }
  if (backend.fallbackReasons.length) lines.push(`             (skipped: ${backend.fallbackReasons.join('; ')})`);
  console.log(lines.join('\n'));
  return 0;
}
