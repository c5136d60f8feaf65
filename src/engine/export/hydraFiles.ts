// The official config as files: config/cfg_pretrain.yaml (hydra's primary config: a defaults list that
// selects arch/trm.yaml, then the PretrainConfig fields), config/arch/trm.yaml, and all_config.yaml
// (pretrain.py `save_code_and_config`: yaml.dump of the whole config, keys sorted). Also reads such a
// config folder back the way hydra composes it, and turns a config into command-line overrides of the
// official repository's own config (hydra's `key=value` / `+key=value` grammar).
//
// Values are written so that both PyYAML (YAML 1.1, what OmegaConf uses) and our reader parse them to
// the same thing: floats always carry a decimal point and a signed exponent (`1.0e-05`), booleans are
// `True`/`False`, strings are quoted whenever they could read as anything but a string.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  ARCH_FIELDS,
  FLOAT_FIELDS,
  OFFICIAL_DEFAULTS,
  PRETRAIN_FIELDS,
  type OfficialArch,
  type OfficialConfig,
  parseOfficialConfig,
  withOfficialDefaults,
} from './officialConfig';

/** A float the way PyYAML writes one: `0.0001`, `1.0`, `1.0e-05`, `1.0e+20`. */
export function yamlFloat(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`cannot write ${x} to a config file`);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = x.toExponential().split('e');
    const mant = m.includes('.') ? m : `${m}.0`;
    const sign = e.startsWith('-') ? '-' : '+';
    return `${mant}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') ? s : `${s}.0`;
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@-]*$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|~)$/i;

export function yamlString(s: string): string {
  return PLAIN.test(s) && !RESERVED.test(s) ? s : JSON.stringify(s);
}

/** One scalar; `float` marks numbers Python holds as floats. */
export function yamlScalar(v: unknown, float = false): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} to a config file`);
    return float ? yamlFloat(v) : String(v);
  }
  if (typeof v === 'string') return yamlString(v);
  throw new Error(`not a scalar: ${JSON.stringify(v)}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Block-style YAML of a mapping, keys sorted like yaml.dump (pretrain.py's all_config.yaml). */
export function yamlDumpSorted(v: Record<string, unknown>, indent = ''): string {
  const lines: string[] = [];
  for (const k of Object.keys(v).sort()) {
    const x = v[k];
    if (isRecord(x)) {
      lines.push(`${indent}${yamlString(k)}:`, yamlDumpSorted(x, `${indent}  `));
    } else if (Array.isArray(x)) {
      if (x.length === 0) lines.push(`${indent}${yamlString(k)}: []`);
      else {
        lines.push(`${indent}${yamlString(k)}:`);
        for (const item of x) {
          if (isRecord(item)) {
            const body = yamlDumpSorted(item, `${indent}  `).split('\n');
            lines.push(`${indent}- ${body[0].trimStart()}`, ...body.slice(1));
          } else lines.push(`${indent}- ${yamlScalar(item)}`);
        }
      }
    } else lines.push(`${indent}${yamlString(k)}: ${yamlScalar(x, FLOAT_FIELDS.has(k))}`);
  }
  return lines.join('\n');
}

const flowList = (xs: string[]): string => `[${xs.map(yamlString).join(', ')}]`;

/** config/arch/trm.yaml with this run's values (every field written out, no interpolation). */
export function archYaml(a: OfficialArch, header: string[]): string {
  const line = (k: keyof OfficialArch, comment?: string): string =>
    `${k}: ${yamlScalar(a[k], FLOAT_FIELDS.has(k))}${comment ? `  # ${comment}` : ''}`;
  return [
    ...header.map((h) => (h ? `# ${h}` : '')),
    `name: ${yamlString(a.name)}`,
    'loss:',
    `  name: ${yamlString(a.loss.name)}`,
    `  loss_type: ${yamlString(a.loss.loss_type)}`,
    '',
    line('halt_exploration_prob'),
    line('halt_max_steps', 'N_sup: supervision steps'),
    '',
    line('H_cycles', 'T: cycles per supervision step'),
    line('L_cycles', 'n: z updates per cycle'),
    '',
    line('H_layers', 'ignored by TRM'),
    line('L_layers'),
    '',
    line('hidden_size'),
    line('num_heads'),
    line('expansion'),
    '',
    line('puzzle_emb_ndim'),
    '',
    line('pos_encodings'),
    line('forward_dtype'),
    '',
    line('mlp_t', 'MLP over positions instead of attention'),
    line('puzzle_emb_len'),
    line('no_ACT_continue'),
    '',
    '# TinyRecursiveReasoningModel_ACTV1Config defaults, written out so every value is in this file',
    line('rms_norm_eps'),
    line('rope_theta'),
    '',
  ].join('\n');
}

/** config/cfg_pretrain.yaml: the defaults list, hydra settings, then every PretrainConfig field but arch. */
export function cfgPretrainYaml(
  c: OfficialConfig,
  header: string[],
  comments: Partial<Record<string, string>>,
): string {
  const f = (k: Exclude<keyof OfficialConfig, 'arch'>): string => {
    const v = c[k];
    let text: string;
    if (k === 'evaluators')
      text = c.evaluators.length
        ? `evaluators:\n${c.evaluators.map((e) => `  - name: ${yamlString(e.name)}`).join('\n')}`
        : 'evaluators: []';
    else if (Array.isArray(v)) text = `${k}: ${flowList(v as string[])}`;
    else text = `${k}: ${yamlScalar(v, FLOAT_FIELDS.has(k))}`;
    const comment = comments[k];
    return comment && !text.includes('\n') ? `${text}  # ${comment}` : comment ? `# ${comment}\n${text}` : text;
  };
  return [
    ...header.map((h) => (h ? `# ${h}` : '')),
    'defaults:',
    '  - arch: trm',
    '  - _self_',
    '',
    'hydra:',
    '  output_subdir: null',
    '',
    '# Data path (relative to the folder pretrain.py runs in: launch.sh runs it in the export folder)',
    f('data_paths'),
    f('data_paths_test'),
    '',
    f('evaluators'),
    '',
    '# Hyperparams - Training',
    f('global_batch_size'),
    '',
    f('epochs'),
    f('eval_interval'),
    f('checkpoint_every_eval'),
    f('min_eval_interval'),
    '',
    f('lr'),
    f('lr_min_ratio'),
    f('lr_warmup_steps'),
    '',
    '# Standard hyperparameter settings for LM, as used in Llama',
    f('beta1'),
    f('beta2'),
    f('weight_decay'),
    f('puzzle_emb_weight_decay'),
    '',
    '# Hyperparams - Puzzle embeddings training',
    f('puzzle_emb_lr'),
    '',
    f('seed'),
    '',
    f('ema'),
    f('ema_rate'),
    f('freeze_weights'),
    '',
    '# Names and outputs (not in the official file; PretrainConfig fields with defaults)',
    f('project_name'),
    f('run_name'),
    f('checkpoint_path'),
    f('load_checkpoint'),
    f('eval_save_outputs'),
    '',
  ].join('\n');
}

/** all_config.yaml as pretrain.py dumps it (PretrainConfig.model_dump(), keys sorted). */
export function allConfigYaml(c: OfficialConfig): string {
  const ordered: Record<string, unknown> = {};
  for (const k of PRETRAIN_FIELDS) ordered[k] = c[k];
  const arch: Record<string, unknown> = {};
  for (const k of ARCH_FIELDS) arch[k] = c.arch[k];
  ordered.arch = arch;
  return yamlDumpSorted(ordered) + '\n';
}

// ---------------------------------------------------------------------------------------------
// Reading

function parseYamlFile(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  const doc = YAML.parseDocument(text, { version: '1.1', prettyErrors: false });
  if (doc.errors.length) throw new Error(`${file}: invalid YAML (${doc.errors[0].message})`);
  return omegaNumbers(doc.toJS({ maxAliasCount: 100 }));
}

const NUMBER_TEXT = /^[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?$/;

/**
 * OmegaConf reads YAML 1.1 with one extension: `1e-4` (no decimal point, which plain YAML 1.1 leaves a
 * string) is a float. The official cfg_pretrain.yaml relies on it (`lr: 1e-4`).
 */
function omegaNumbers(v: unknown): unknown {
  if (typeof v === 'string' && /\d/.test(v) && /[eE.]/.test(v) && NUMBER_TEXT.test(v))
    return Number(v.replace(/_/g, ''));
  if (Array.isArray(v)) return v.map(omegaNumbers);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, omegaNumbers(x)]));
  return v;
}

/** Resolves OmegaConf's relative `${.key}` interpolation (trm.yaml's `puzzle_emb_ndim: ${.hidden_size}`). */
function resolveSiblings(m: Record<string, unknown>, file: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'string' && v.includes('${')) {
      const sib = /^\$\{\.(\w+)\}$/.exec(v);
      if (!sib || !(sib[1] in m) || typeof m[sib[1]] === 'string')
        throw new Error(`${file}: ${k}: cannot resolve the interpolation ${v} (write the value out)`);
      out[k] = m[sib[1]];
    } else out[k] = v;
  }
  return out;
}

/**
 * Composes a hydra config folder the way pretrain.py's `@hydra.main(config_name="cfg_pretrain")` does
 * for this layout: the primary file's `defaults` list names the arch file (`- arch: trm` →
 * arch/trm.yaml), `_self_` orders the primary file's own values against it. Returns the typed config.
 */
export function readHydraConfig(configDir: string, configName = 'cfg_pretrain'): OfficialConfig {
  const primaryFile = path.join(configDir, `${configName}.yaml`);
  const primary = parseYamlFile(primaryFile);
  if (!isRecord(primary)) throw new Error(`${primaryFile}: expected a mapping`);
  const defaults = primary.defaults ?? [];
  if (!Array.isArray(defaults)) throw new Error(`${primaryFile}: defaults must be a list`);
  let archName: string | undefined;
  let selfFirst = false;
  defaults.forEach((d, i) => {
    if (d === '_self_') selfFirst = i === 0;
    else if (isRecord(d) && typeof d.arch === 'string') archName = d.arch;
    else throw new Error(`${primaryFile}: unsupported defaults entry ${JSON.stringify(d)} (expected "- arch: <name>")`);
  });
  const { defaults: _d, hydra: _h, ...own } = primary;
  let arch: Record<string, unknown> = {};
  const archFile = archName ? path.join(configDir, 'arch', `${archName}.yaml`) : undefined;
  if (archFile) {
    const a = parseYamlFile(archFile);
    if (!isRecord(a)) throw new Error(`${archFile}: expected a mapping`);
    arch = resolveSiblings(a, archFile);
  }
  const ownArch = isRecord(own.arch) ? own.arch : {};
  const composedArch = selfFirst ? { ...ownArch, ...arch } : { ...arch, ...ownArch };
  const source = archFile ? `${primaryFile} + ${archFile}` : primaryFile;
  return parseOfficialConfig(withOfficialDefaults({ ...own, arch: composedArch }), source);
}

/** An all_config.yaml (what pretrain.py writes next to its checkpoints). */
export function readAllConfig(file: string): OfficialConfig {
  const root = parseYamlFile(file);
  if (!isRecord(root)) throw new Error(`${file}: expected a mapping`);
  return parseOfficialConfig(withOfficialDefaults(root), file);
}

// ---------------------------------------------------------------------------------------------
// Command-line overrides

/** A value in hydra's override grammar. */
function overrideValue(v: unknown, float: boolean): string {
  if (Array.isArray(v))
    return `[${v
      .map((x) =>
        isRecord(x)
          ? `{${Object.entries(x)
              .map(([k, y]) => `${k}:${overrideValue(y, false)}`)
              .join(',')}}`
          : overrideValue(x, false),
      )
      .join(',')}]`;
  if (typeof v === 'string')
    return /^[A-Za-z0-9_./@-]+$/.test(v) && !RESERVED.test(v) ? v : `'${v.replace(/'/g, "\\'")}'`;
  return yamlScalar(v, float);
}

/** Quotes one shell word when it needs it (double quotes like the official README where possible). */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_./@=:+,-]+$/.test(s)) return s;
  if (!/["$`\\!]/.test(s)) return `"${s}"`;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Overrides that turn the official repository's own config/cfg_pretrain.yaml + arch/trm.yaml into `c`:
 * every field that differs, `+key=` for fields those files do not have (hydra refuses to set a key a
 * struct config lacks without it).
 */
export function officialOverrides(c: OfficialConfig, base: OfficialConfig = OFFICIAL_DEFAULTS): string[] {
  const out = ['arch=trm'];
  const notInFile = new Set(['project_name', 'run_name', 'checkpoint_path', 'load_checkpoint', 'eval_save_outputs']);
  const archNotInFile = new Set(['rms_norm_eps', 'rope_theta']);
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  for (const k of PRETRAIN_FIELDS) {
    if (k === 'arch') continue;
    if (same(c[k], base[k])) continue;
    if (c[k] === null && notInFile.has(k)) continue;
    out.push(`${notInFile.has(k) ? '+' : ''}${k}=${overrideValue(c[k], FLOAT_FIELDS.has(k))}`);
  }
  for (const k of ARCH_FIELDS) {
    if (k === 'loss') {
      if (c.arch.loss.loss_type !== base.arch.loss.loss_type) out.push(`arch.loss.loss_type=${c.arch.loss.loss_type}`);
      continue;
    }
    if (same(c.arch[k], base.arch[k])) continue;
    out.push(`${archNotInFile.has(k) ? '+' : ''}arch.${k}=${overrideValue(c.arch[k], FLOAT_FIELDS.has(k))}`);
  }
  return out.map((o) => {
    const eq = o.indexOf('=');
    const value = o.slice(eq + 1);
    // key="value" like the official README (the shell removes the quotes; hydra sees key=value).
    return shellWord(value) === value ? o : `${o.slice(0, eq + 1)}${shellWord(value)}`;
  });
}
