// `trm trace`: run a checkpoint on a batch of token ids exactly as the official evaluation does
// (fresh carry, N eval-mode ACT steps) and write every recorded array as a NumPy file with the names,
// dtypes and layouts of the reference fixtures, plus a manifest.json describing them.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy, writeNpy } from '../../engine/formats/npy';
import { HostTensor, toInt32 } from '../../engine/hostTensor';
import { TrmModel } from '../../engine/model/trm';
import { runEpisode } from '../../engine/trace/episode';
import { flag, int, intList, parseArgs, str, usage, UsageError } from '../args';
import {
  CHECKPOINT_OPTIONS,
  DTYPE_OPTION,
  INFERENCE_BACKEND_OPTION,
  configWithDtype,
  loadCheckpointFromArgs,
  openModelInference,
  startBackend,
} from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  inputs: { value: true, required: true, valueName: 'ids.npy', description: 'token ids [B, S] (any integer dtype)' },
  labels: { value: true, valueName: 'ids.npy', description: 'labels [B, S]: adds correctness and loss files' },
  'puzzle-identifiers': { value: true, valueName: 'ids.npy', description: 'puzzle identifiers [B] (default all 0)' },
  steps: { value: true, valueName: 'K', description: 'supervision steps (default halt_max_steps)' },
  'trace-rows': {
    value: true,
    valueName: 'i,j,…',
    description: 'batch rows whose every z / y update is recorded (default 0)',
  },
  'trace-layers': { value: false, description: 'also record every layer application of the traced rows' },
  backend: INFERENCE_BACKEND_OPTION,
  dtype: DTYPE_OPTION,
  out: { value: true, required: true, valueName: 'dir', description: 'output folder (created; must be new or empty)' },
  overwrite: { value: false, description: 'replace an earlier trace in --out (never other files)' },
  help: { value: false, description: 'show this help' },
};

const MANIFEST_TOOL = 'trm-lens trm trace';

/**
 * Fails before any work when --out holds files this command would overwrite: only an earlier trace
 * (its manifest and the arrays it lists, nothing else) may be replaced, and only with --overwrite.
 */
function checkOutDir(outDir: string, overwrite: boolean): void {
  if (!fs.existsSync(outDir)) return;
  if (!fs.statSync(outDir).isDirectory()) throw new UsageError(`--out ${outDir} exists and is not a folder`);
  const names = fs.readdirSync(outDir);
  if (names.length === 0) return;
  let listed: string[] | undefined;
  try {
    const m = JSON.parse(fs.readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as {
      tool?: unknown;
      files?: Record<string, unknown>;
    };
    if (m.tool === MANIFEST_TOOL && m.files && typeof m.files === 'object') listed = Object.keys(m.files);
  } catch {
    listed = undefined;
  }
  if (!listed)
    throw new UsageError(
      `--out ${outDir} already exists and is not empty (and holds no earlier trace); choose a new or empty folder`,
    );
  const foreign = names.filter((n) => n !== 'manifest.json' && !listed.includes(n));
  if (foreign.length)
    throw new UsageError(
      `--out ${outDir} holds an earlier trace and other files (${foreign.slice(0, 5).join(', ')}); choose a new or empty folder`,
    );
  if (!overwrite)
    throw new UsageError(
      `--out ${outDir} holds an earlier trace; pass --overwrite to replace it or choose another folder`,
    );
}

function readIds(file: string, what: string): HostTensor {
  if (!fs.existsSync(file)) throw new Error(`${what} file not found: ${file}`);
  return readNpy(file);
}

export async function runTrace(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'trace --checkpoint <file> --inputs <ids.npy> --out <dir> [options]',
        'Run the official evaluation episode on a batch and write every recursion as .npy files.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'trace');
  const inputsT = readIds(str(args, 'inputs')!, '--inputs');
  if (inputsT.shape.length !== 2)
    throw new UsageError(`--inputs must be a 2-D array [batch, seq_len], got shape [${inputsT.shape.join(', ')}]`);
  const [B, S] = inputsT.shape;
  const inputs = toInt32(inputsT, '--inputs');
  let labels: Int32Array | undefined;
  const labelsFile = str(args, 'labels');
  if (labelsFile) {
    const l = readIds(labelsFile, '--labels');
    if (l.shape.join(',') !== `${B},${S}`)
      throw new UsageError(`--labels has shape [${l.shape.join(', ')}], --inputs has [${B}, ${S}]`);
    labels = toInt32(l, '--labels');
  }
  let puzzleIdentifiers: Int32Array = new Int32Array(B);
  const pidFile = str(args, 'puzzle-identifiers');
  if (pidFile) {
    const p = readIds(pidFile, '--puzzle-identifiers');
    if (p.shape.length !== 1 || p.shape[0] !== B)
      throw new UsageError(`--puzzle-identifiers must have shape [${B}], got [${p.shape.join(', ')}]`);
    puzzleIdentifiers = toInt32(p, '--puzzle-identifiers');
  }
  const traceRows = intList(args, 'trace-rows') ?? [0];
  for (const r of traceRows) if (r >= B) throw new UsageError(`--trace-rows ${r} is outside the batch 0..${B - 1}`);
  const outDir = str(args, 'out')!;
  checkOutDir(outDir, flag(args, 'overwrite'));

  const loaded = loadCheckpointFromArgs(args, S);
  const config = configWithDtype(args, loaded);
  const steps = int(args, 'steps', 1) ?? config.halt_max_steps;
  if (steps > config.halt_max_steps)
    throw new UsageError(`--steps ${steps} exceeds halt_max_steps ${config.halt_max_steps}`);
  const backend = await startBackend(args, false, true);
  const model = TrmModel.fromWeights(config, loaded.weights);
  const started = Date.now();
  let inference;
  try {
    inference = await openModelInference(args, model, backend);
    const res = await runEpisode(
      model,
      { inputs, puzzleIdentifiers, labels },
      {
        steps,
        traceRows,
        traceLayers: flag(args, 'trace-layers'),
        keepStates: true,
        runner: inference.runner,
      },
    );
    const T = res.totalSeqLen,
      D = res.hiddenSize,
      V = res.vocabSize,
      K = res.steps,
      R = traceRows.length;
    const H = config.H_cycles,
      n = config.L_cycles,
      L = config.L_layers;
    fs.mkdirSync(outDir, { recursive: true });
    const files: Record<string, { dtype: string; shape: number[]; content: string }> = {};
    const put = (name: string, t: HostTensor, content: string) => {
      writeNpy(path.join(outDir, name), t);
      files[name] = { dtype: t.dtype, shape: [...t.shape], content };
    };
    put('inputs.npy', { dtype: 'int32', shape: [B, S], data: inputs }, 'token ids of the batch');
    put(
      'puzzle_identifiers.npy',
      { dtype: 'int32', shape: [B], data: puzzleIdentifiers },
      'puzzle identifier of each example',
    );
    if (labels) put('labels.npy', { dtype: 'int32', shape: [B, S], data: labels }, 'labels (0 = ignore)');
    put('y_steps.npy', { dtype: 'float32', shape: [K, B, T, D], data: res.yStates! }, 'y (z_H) after each ACT step');
    put('z_steps.npy', { dtype: 'float32', shape: [K, B, T, D], data: res.zStates! }, 'z (z_L) after each ACT step');
    put(
      'logits_steps.npy',
      { dtype: 'float32', shape: [K, B, S, V], data: res.logits! },
      'lm_head logits after each step (prefix removed)',
    );
    put(
      'preds_steps.npy',
      { dtype: 'int32', shape: [K, B, S], data: res.preds },
      'argmax of the logits (first index on ties)',
    );
    put('q_halt_steps.npy', { dtype: 'float32', shape: [K, B], data: res.qHalt }, 'q_head output 0 (halt logit)');
    put(
      'q_continue_steps.npy',
      { dtype: 'float32', shape: [K, B], data: res.qContinue },
      'q_head output 1 (continue logit)',
    );
    put(
      'halted_steps.npy',
      { dtype: 'bool', shape: [K, B], data: res.halted },
      'ACT halted flag after each step (eval: only the last step)',
    );
    put(
      'step_count_steps.npy',
      { dtype: 'int32', shape: [K, B], data: res.stepCounts },
      'ACT step counter after each step',
    );
    if (res.seqIsCorrect && res.lmLossPerExample && res.lossSums) {
      put(
        'seq_is_correct_steps.npy',
        { dtype: 'bool', shape: [K, B], data: res.seqIsCorrect },
        'every labelled cell right',
      );
      put(
        'lm_loss_per_example_steps.npy',
        { dtype: 'float64', shape: [K, B], data: res.lmLossPerExample },
        `${config.loss_type} averaged over labelled cells`,
      );
      put(
        'loss_sums_steps.npy',
        { dtype: 'float64', shape: [K, 3], data: res.lossSums },
        '[lm_loss, q_halt_loss, total] batch sums',
      );
    }
    put(
      'trace_batch_indices.npy',
      { dtype: 'int32', shape: [R], data: Int32Array.from(traceRows) },
      'batch rows in trace_*',
    );
    put(
      'x_embed.npy',
      { dtype: 'float32', shape: [R, T, D], data: res.traceX! },
      'input embedding x of the traced rows',
    );
    put(
      'trace_y.npy',
      { dtype: 'float32', shape: [K, H, R, T, D], data: res.traceY! },
      'every y update [step, cycle, row, T, D]',
    );
    put(
      'trace_z.npy',
      { dtype: 'float32', shape: [K, H, n, R, T, D], data: res.traceZ! },
      'every z update [step, cycle, update, row, T, D]',
    );
    if (res.traceYLayers && res.traceZLayers) {
      put(
        'trace_y_layers.npy',
        { dtype: 'float32', shape: [K, H, L, R, T, D], data: res.traceYLayers },
        'state after every layer of every y update',
      );
      put(
        'trace_z_layers.npy',
        { dtype: 'float32', shape: [K, H, n, L, R, T, D], data: res.traceZLayers },
        'state after every layer of every z update',
      );
    }
    const manifest = {
      tool: MANIFEST_TOOL,
      checkpoint: loaded.path,
      format: loaded.format,
      configSource: loaded.configSource,
      backend: inference.name,
      backendDescription: inference.description,
      dtype: config.forward_dtype,
      steps: K,
      batch: B,
      traceRows,
      mode: 'eval (fresh carry, no early halting)',
      config,
      sizes: { seq_len: S, total_seq_len: T, hidden_size: D, vocab_size: V, updates_per_step: H * (n + 1) },
      seconds: (Date.now() - started) / 1000,
      files,
    };
    fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
    console.error(
      `wrote ${Object.keys(files).length} arrays and manifest.json to ${outDir} (${K} steps, batch ${B}, ${manifest.seconds.toFixed(2)} s)`,
    );
    return 0;
  } finally {
    inference?.runner?.dispose();
    model.dispose();
  }
}
