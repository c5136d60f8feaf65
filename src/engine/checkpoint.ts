// Public checkpoint loader used by the CLI, the debugger and the trainer. Accepts an official
// torch.save checkpoint (step_<N>, zip) or a safetensors file, detected by magic bytes, resolves
// its configuration (explicit file > safetensors metadata > all_config.yaml / config.json next to
// it), fills in the sizes only the weights know (V, N, T), and validates every weight.

import * as fs from 'node:fs';
import { TrmConfig, configFromArch, derive, validateConfig } from './config';
import { HostTensor, toFloat32 } from './hostTensor';
import { Limits, MemoryBudget, limitsOf, raiseHint } from './limits';
import { ConfigSource, parseConfigText, readConfigFile, siblingConfigFiles } from './formats/configFile';
import { readSafetensors, writeSafetensors } from './formats/safetensors';
import {
  LEGACY_TORCH_MESSAGE,
  classifyTorchHead,
  readTorchCheckpoint,
  rejectBarePickle,
} from './formats/torchCheckpoint';
import {
  canonicalizeStateDict,
  expectedWeightShapes,
  inferSizes,
  trainableParameterCount,
  validateWeights,
} from './weights';

export interface LoadedCheckpoint {
  path: string;
  format: 'torch' | 'safetensors';
  /**
   * Complete config. `seq_len` is 0 when nothing determines it yet: attention models with RoPE (or
   * no positions) have no sequence-length-dependent weights, so it comes from opts.seqLen (the
   * inputs' length) or stays 0 until the caller knows the inputs.
   */
  config: TrmConfig;
  /** Where the config came from, plus the fields taken from the weights. */
  configSource: string;
  /** Canonical names (official module names without prefixes), float32, state_dict order. */
  weights: Map<string, HostTensor>;
  /** Original dtype per key, e.g. H_init -> bfloat16. */
  sourceDtypes: Map<string, string>;
  /** Trainable parameters (excludes the H_init, L_init, puzzle_emb.weights buffers), as the official script logs. */
  parameterCount: number;
  warnings: string[];
}

export interface LoadCheckpointOptions {
  /** all_config.yaml or a JSON config; overrides everything else. */
  configPath?: string;
  /** Sequence length of the inputs (S, without the puzzle prefix); needed for attention models. */
  seqLen?: number;
  /** Load weights with NaN/Inf (a warning instead of an error). */
  allowNonFinite?: boolean;
  /**
   * Puzzle identifiers of the data the model will run on. When the stored puzzle-embedding table has a
   * different number of rows, it is replaced by its mean row repeated to the new shape, exactly as the
   * official script does when fine-tuning on new identifiers (with a warning).
   */
  numPuzzleIdentifiers?: number;
  /** Limits over the process-wide ones (memory budget, header sizes, config ranges). */
  limits?: Partial<Limits>;
}

/** The official load-time rule for a puzzle table of the wrong size: the mean row, repeated. */
export function resizePuzzleTable(table: HostTensor, rows: number): HostTensor {
  const [n, dim] = table.shape;
  const src = toFloat32(table);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let d = 0; d < dim; d++) mean[d] += src[r * dim + d];
  const row = Float32Array.from(mean, (v) => v / n);
  const data = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) data.set(row, r * dim);
  return { dtype: 'float32', shape: [rows, dim], data };
}

/** Metadata key under which saveSafetensorsCheckpoint stores the config as JSON. */
export const TRM_CONFIG_METADATA_KEY = 'trm_config';

export type CheckpointFormat = 'torch' | 'safetensors';

/** Detects the format from the first bytes; throws a specific error for formats that cannot be loaded. */
export function detectCheckpointFormat(file: string): CheckpointFormat {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`cannot open checkpoint ${file}: ${(e as Error).message}`, { cause: e });
  }
  let head: Uint8Array;
  let size: number;
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory())
      throw new Error(`${file} is a directory; pass a checkpoint file (e.g. step_<N> or *.safetensors)`);
    size = st.size;
    head = new Uint8Array(Math.min(size, 512));
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (size === 0) throw new Error(`${file} is empty`);
  const kind = classifyTorchHead(head);
  if (kind === 'zip') return 'torch';
  if (kind === 'legacy') throw new Error(`${file} ${LEGACY_TORCH_MESSAGE}`);
  if (kind === 'pickle') rejectBarePickle(file);
  // safetensors: u64 header length, then a JSON object.
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return 'safetensors';
  const hex = Array.from(head.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(
    `${file}: unrecognised checkpoint format (first bytes ${hex}): expected a torch.save zip archive (step_<N>) or a .safetensors file`,
  );
}

function resolveConfigSource(
  file: string,
  opts: LoadCheckpointOptions,
  metadata: Record<string, string>,
): ConfigSource {
  if (opts.configPath) return readConfigFile(opts.configPath);
  const embedded = metadata[TRM_CONFIG_METADATA_KEY];
  if (embedded !== undefined) return parseConfigText(embedded, `${file} (metadata ${TRM_CONFIG_METADATA_KEY})`);
  for (const candidate of siblingConfigFiles(file)) if (fs.existsSync(candidate)) return readConfigFile(candidate);
  throw new Error(`no configuration found for ${file}: pass --config <all_config.yaml|config.json>`);
}

/** Merges the file's config with what the weights say; explicit config values always win (and are then checked against the weights). */
function buildConfig(
  cfg: ConfigSource,
  weights: Map<string, HostTensor>,
  seqLen: number | undefined,
  file: string,
  limits: Partial<Limits> | undefined,
): { config: TrmConfig; fromWeights: string[] } {
  const inferred = inferSizes(weights);
  const arch: Record<string, unknown> = { ...cfg.arch };
  const fromWeights: string[] = [];
  const fill = (key: string, value: unknown): void => {
    if (arch[key] === undefined && value !== undefined) {
      arch[key] = value;
      fromWeights.push(key);
    }
  };
  fill('hidden_size', inferred.hidden_size);
  fill('L_layers', inferred.L_layers);
  fill('mlp_t', inferred.mlp_t);
  fill('puzzle_emb_ndim', inferred.puzzle_emb_ndim);
  if (arch.puzzle_emb_ndim === 0) fill('puzzle_emb_len', 0);
  if (inferred.learned_pos) fill('pos_encodings', 'learned');
  const sizes = { ...cfg.sizes };
  for (const key of ['vocab_size', 'num_puzzle_identifiers'] as const) {
    if (sizes[key] === undefined && inferred[key] !== undefined) {
      sizes[key] = inferred[key];
      fromWeights.push(key);
    }
  }
  if (sizes.num_puzzle_identifiers === undefined && arch.puzzle_emb_ndim === 0) sizes.num_puzzle_identifiers = 1;
  const config = configFromArch(arch, sizes);
  if (!sizes.seq_len && inferred.total_seq_len !== undefined) {
    const s = inferred.total_seq_len - derive(config).puzzleEmbLen;
    if (s > 0) {
      config.seq_len = s;
      fromWeights.push('seq_len');
    }
  }
  if (seqLen !== undefined) {
    if (!Number.isInteger(seqLen) || seqLen <= 0)
      throw new Error(`${file}: seqLen must be a positive integer (got ${seqLen})`);
    if (config.seq_len === 0) config.seq_len = seqLen;
    else if (config.seq_len !== seqLen) {
      const origin = sizes.seq_len ? cfg.source : 'the weights';
      throw new Error(
        `${file}: the inputs have sequence length ${seqLen}, but the checkpoint's seq_len is ${config.seq_len} (from ${origin})`,
      );
    }
  }
  try {
    // seq_len 0 means "not known yet" (see LoadedCheckpoint.config). V and N are 0 only when their
    // weights are missing, which validateWeights reports more usefully as missing keys.
    validateConfig(
      {
        ...config,
        seq_len: config.seq_len || 1,
        vocab_size: config.vocab_size || 1,
        num_puzzle_identifiers: config.num_puzzle_identifiers || 1,
      },
      limits,
    );
  } catch (e) {
    throw new Error(`${file}: configuration from ${cfg.source}: ${(e as Error).message}`, { cause: e });
  }
  return { config, fromWeights };
}

/** Loads, normalises and validates a checkpoint. */
export function loadCheckpoint(path: string, opts: LoadCheckpointOptions = {}): LoadedCheckpoint {
  const format = detectCheckpointFormat(path);
  const budget = new MemoryBudget(limitsOf(opts.limits).memory, path);
  let raw: Map<string, HostTensor>;
  let metadata: Record<string, string> = {};
  if (format === 'torch') raw = readTorchCheckpoint(path, { limits: opts.limits, budget });
  else ({ tensors: raw, metadata } = readSafetensors(path, { limits: opts.limits, budget }));
  const cfg = resolveConfigSource(path, opts, metadata);
  const { weights: canonical, sourceDtypes } = canonicalizeStateDict(raw, path);
  raw.clear(); // drop the raw bf16 buffers now that they are decoded
  const resizeWarnings: string[] = [];
  const table = canonical.get('puzzle_emb.weights');
  const wanted = opts.numPuzzleIdentifiers;
  if (wanted !== undefined && table && table.shape.length === 2 && table.shape[0] !== wanted) {
    if (!Number.isInteger(wanted) || wanted < 1)
      throw new Error(`numPuzzleIdentifiers must be a positive integer, got ${wanted}`);
    const maxRows = limitsOf(opts.limits).num_puzzle_identifiers;
    if (wanted > maxRows)
      throw new Error(
        `${path}: the data has ${wanted} puzzle identifiers, more than the limit num_puzzle_identifiers = ${maxRows} (${raiseHint('num_puzzle_identifiers')})`,
      );
    budget.take(wanted * (table.shape[1] ?? 0) * 4, `the resized puzzle-embedding table`);
    canonical.set('puzzle_emb.weights', resizePuzzleTable(table, wanted));
    resizeWarnings.push(
      `${path}: the puzzle-embedding table has ${table.shape[0]} rows but the data has ${wanted} puzzle identifiers; ` +
        'using the mean row for every identifier (the official fine-tuning rule), so per-puzzle embeddings are lost',
    );
  }
  const { config, fromWeights } = buildConfig(cfg, canonical, opts.seqLen, path, opts.limits);
  if (resizeWarnings.length && wanted !== undefined) config.num_puzzle_identifiers = wanted;
  const configSource = fromWeights.length ? `${cfg.source} (+ ${fromWeights.join(', ')} from the weights)` : cfg.source;
  const { weights, warnings } = validateWeights(canonical, config, {
    source: path,
    configSource,
    allowNonFinite: opts.allowNonFinite,
  });
  for (const k of [...sourceDtypes.keys()]) if (!weights.has(k)) sourceDtypes.delete(k);
  return {
    path,
    format,
    config,
    configSource,
    weights,
    sourceDtypes,
    parameterCount: trainableParameterCount(weights),
    warnings: [...resizeWarnings, ...warnings],
  };
}

/**
 * Writes float32 weights under their canonical names with the config embedded as JSON metadata
 * (`trm_config`), so the file loads without a config next to it. Shapes are checked first.
 */
export function saveSafetensorsCheckpoint(
  path: string,
  config: TrmConfig,
  weights: Map<string, HostTensor>,
  extraMetadata: Record<string, string> = {},
): void {
  const expected = expectedWeightShapes(config);
  const problems: string[] = [];
  for (const [key, shape] of expected) {
    const t = weights.get(key);
    if (!t) problems.push(`missing ${key}`);
    else if (t.shape.join(',') !== shape.join(','))
      problems.push(`${key}: has [${t.shape.join(', ')}], config expects [${shape.join(', ')}]`);
  }
  if (problems.length) throw new Error(`cannot save ${path}: weights do not match the config: ${problems.join('; ')}`);
  for (const [k, v] of Object.entries(extraMetadata)) {
    if (typeof v !== 'string') throw new Error(`cannot save ${path}: metadata value for "${k}" must be a string`);
    if (k === TRM_CONFIG_METADATA_KEY)
      throw new Error(`cannot save ${path}: metadata key "${k}" is reserved for the config`);
  }
  const ordered: [string, HostTensor][] = [...expected.keys()].map((k) => [k, weights.get(k) as HostTensor]);
  writeSafetensors(path, ordered, {
    format: 'pt',
    ...extraMetadata,
    [TRM_CONFIG_METADATA_KEY]: JSON.stringify(config),
  });
}
