// Reads a model configuration for a checkpoint: the official all_config.yaml (what pretrain.py
// writes next to step_<N>: training fields plus `arch`), the parity fixture's config.json
// (`model_config`), or a flat JSON/YAML mapping of arch fields (what TRM Lens writes). The result is
// the `arch` mapping for configFromArch() plus whatever task sizes the file happens to carry.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { ARCH_DEFAULTS, TrmConfig } from '../config';
import { formatBytes, getLimits, raiseHint } from '../limits';

export type TaskSizes = Partial<Pick<TrmConfig, 'seq_len' | 'vocab_size' | 'num_puzzle_identifiers'>>;

export interface ConfigSource {
  /** Official arch fields found in the file (plus `loss` when present); absent fields take defaults or come from the weights. */
  arch: Record<string, unknown>;
  /** Task sizes present in the file (all_config.yaml has none of them). */
  sizes: TaskSizes;
  /** Human-readable origin, used in error messages and shown to the user. */
  source: string;
}

const SIZE_FIELDS = ['seq_len', 'vocab_size', 'num_puzzle_identifiers'] as const;
const ARCH_HINT_FIELDS = ['hidden_size', 'H_cycles', 'L_cycles', 'L_layers', 'mlp_t', 'puzzle_emb_ndim'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Picks the mapping that holds the model fields out of the known file layouts. */
function selectArch(root: Record<string, unknown>, source: string): { arch: Record<string, unknown>; where: string } {
  if (isRecord(root.model_config)) return { arch: root.model_config, where: 'model_config' };
  if (isRecord(root.arch)) return { arch: root.arch, where: 'arch' };
  if (isRecord(root.trm_config)) return { arch: root.trm_config, where: 'trm_config' };
  if (isRecord(root.config) && ARCH_HINT_FIELDS.some((k) => k in (root.config as Record<string, unknown>))) {
    return { arch: root.config, where: 'config' };
  }
  if (ARCH_HINT_FIELDS.some((k) => k in root)) return { arch: root, where: '' };
  throw new Error(
    `${source}: no model configuration found: expected an \`arch\` mapping (all_config.yaml), a \`model_config\` object, or flat arch fields such as hidden_size`,
  );
}

/** Checks the type of every known arch field so that a bad value is reported with its file and key. */
function checkTypes(arch: Record<string, unknown>, source: string, where: string): void {
  const problems: string[] = [];
  const at = (k: string): string => (where ? `${where}.${k}` : k);
  for (const [key, def] of Object.entries(ARCH_DEFAULTS)) {
    const v = arch[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== typeof def) problems.push(`${at(key)} must be a ${typeof def} (got ${JSON.stringify(v)})`);
    else if (typeof v === 'number' && !Number.isFinite(v)) problems.push(`${at(key)} must be finite (got ${v})`);
  }
  for (const key of SIZE_FIELDS) {
    const v = arch[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      problems.push(`${at(key)} must be a non-negative integer (got ${JSON.stringify(v)})`);
  }
  if (problems.length) throw new Error(`${source}: ${problems.join('; ')}`);
}

/** Interprets an already parsed configuration object. `source` names it in messages. */
export function parseConfigObject(root: unknown, source: string): ConfigSource {
  if (!isRecord(root)) throw new Error(`${source}: expected a mapping at the top level`);
  const { arch, where } = selectArch(root, source);
  checkTypes(arch, source, where);
  const sizes: TaskSizes = {};
  // Zero means "unknown" in TrmConfig (our own files may store it for attention models before the inputs are known).
  for (const key of SIZE_FIELDS) if (typeof arch[key] === 'number' && arch[key] > 0) sizes[key] = arch[key];
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(ARCH_DEFAULTS))
    if (arch[key] !== undefined && arch[key] !== null) picked[key] = arch[key];
  if (arch.loss !== undefined) picked.loss = arch.loss;
  return { arch: picked, sizes, source };
}

/** Parses configuration text; JSON when it looks like JSON or the name ends in .json, YAML otherwise. */
export function parseConfigText(text: string, source: string): ConfigSource {
  let root: unknown;
  const asJson = source.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  if (asJson) {
    try {
      root = JSON.parse(text);
    } catch (e) {
      throw new Error(`${source}: invalid JSON (${(e as Error).message})`, { cause: e });
    }
  } else {
    // PyYAML writes YAML 1.1 (yes/no booleans, 1.0e-05 floats): parse with the same rules.
    const doc = YAML.parseDocument(text, { version: '1.1', prettyErrors: false });
    if (doc.errors.length) throw new Error(`${source}: invalid YAML (${doc.errors[0].message})`);
    root = doc.toJS({ maxAliasCount: 100 });
  }
  return parseConfigObject(root, source);
}

export function readConfigFile(file: string): ConfigSource {
  let text: string;
  try {
    const size = fs.statSync(file).size;
    const max = getLimits().header;
    if (size > max)
      throw new Error(
        `the file is ${formatBytes(size)}, more than the limit of ${formatBytes(max)} (${raiseHint('header')})`,
      );
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config ${file}: ${(e as Error).message}`, { cause: e });
  }
  return parseConfigText(text, file);
}

/** The config files pretrain.py / the fixture place next to a checkpoint, in lookup order. */
export function siblingConfigFiles(checkpoint: string): string[] {
  const dir = path.dirname(checkpoint);
  return ['all_config.yaml', 'config.json'].map((f) => path.join(dir, f));
}
