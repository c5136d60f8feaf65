import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint, saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { readConfigFile } from '../../../src/engine/formats/configFile';
import { readNpy } from '../../../src/engine/formats/npy';
import { TrmConfig, getPreset } from '../../../src/engine/config';
import { HostTensor, numel } from '../../../src/engine/hostTensor';
import { expectedWeightShapes } from '../../../src/engine/weights';
import { FIXTURE, tmpDir } from './builders';

const STEP = path.join(FIXTURE, 'step_150');
const ST = path.join(FIXTURE, 'model.safetensors');

function syntheticWeights(config: TrmConfig): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  let seed = 1;
  for (const [k, shape] of expectedWeightShapes(config)) {
    const data = new Float32Array(numel(shape));
    for (let i = 0; i < data.length; i++) {
      seed = (seed * 16807) % 2147483647;
      data[i] = seed / 2147483647 - 0.5;
    }
    out.set(k, { dtype: 'float32', shape, data });
  }
  return out;
}

/** Copies the fixture safetensors into a fresh folder (optionally edited), without a config next to it. */
function copyFixture(edit?: (t: Map<string, HostTensor>) => void): string {
  const dir = tmpDir('ckpt');
  const { tensors } = readSafetensors(ST);
  edit?.(tensors);
  const file = path.join(dir, 'model.safetensors');
  writeSafetensors(file, tensors);
  return file;
}

test('step_150 and model.safetensors load identically, with canonical names', () => {
  const a = loadCheckpoint(STEP);
  const b = loadCheckpoint(ST);
  assert.equal(a.format, 'torch');
  assert.equal(b.format, 'safetensors');
  assert.deepEqual(
    [...a.weights.keys()],
    [
      'H_init',
      'L_init',
      'embed_tokens.embedding_weight',
      'lm_head.weight',
      'q_head.weight',
      'q_head.bias',
      'puzzle_emb.weights',
      'L_level.layers.0.mlp_t.gate_up_proj.weight',
      'L_level.layers.0.mlp_t.down_proj.weight',
      'L_level.layers.0.mlp.gate_up_proj.weight',
      'L_level.layers.0.mlp.down_proj.weight',
      'L_level.layers.1.mlp_t.gate_up_proj.weight',
      'L_level.layers.1.mlp_t.down_proj.weight',
      'L_level.layers.1.mlp.gate_up_proj.weight',
      'L_level.layers.1.mlp.down_proj.weight',
    ],
  );
  assert.deepEqual([...a.weights.keys()], [...b.weights.keys()]);
  for (const [k, t] of a.weights) {
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.shape, b.weights.get(k)!.shape, k);
    assert.deepEqual(t.data, b.weights.get(k)!.data, k);
    assert.equal(a.sourceDtypes.get(k), 'float32');
  }
  assert.deepEqual(a.config, b.config);
  assert.equal(a.parameterCount, 397826);
  assert.equal(b.parameterCount, 397826);
  assert.deepEqual(a.warnings, []);
  assert.match(a.configSource, /all_config\.yaml \(\+ vocab_size, num_puzzle_identifiers, seq_len from the weights\)/);
});

test('loaded embeddings reproduce the fixture x_embed (values land on the right keys)', () => {
  const { weights } = loadCheckpoint(STEP);
  const x = readNpy(path.join(FIXTURE, 'x_embed.npy')).data as Float32Array; // [1, 97, 64]
  const inputs = readNpy(path.join(FIXTURE, 'inputs.npy')).data as Int32Array; // [4, 81]
  const embed = weights.get('embed_tokens.embedding_weight')!.data as Float32Array;
  const puzzle = weights.get('puzzle_emb.weights')!.data as Float32Array;
  let maxErr = 0;
  for (let d = 0; d < 64; d++) {
    maxErr = Math.max(maxErr, Math.abs(x[d] - 8 * puzzle[d]));
    for (let p = 1; p < 16; p++) maxErr = Math.max(maxErr, Math.abs(x[p * 64 + d]));
    for (let i = 0; i < 81; i++)
      maxErr = Math.max(maxErr, Math.abs(x[(16 + i) * 64 + d] - 8 * embed[inputs[i] * 64 + d]));
  }
  assert.ok(maxErr < 1e-5, `max error ${maxErr}`);
});

test('config from all_config.yaml (+ weights) equals config.json model_config', () => {
  const fromYaml = loadCheckpoint(STEP).config;
  const fromJson = loadCheckpoint(STEP, { configPath: path.join(FIXTURE, 'config.json') });
  assert.deepEqual(fromYaml, fromJson.config);
  assert.equal(fromJson.configSource, path.join(FIXTURE, 'config.json'));
  const model = (
    JSON.parse(fs.readFileSync(path.join(FIXTURE, 'config.json'), 'utf8')) as { model_config: Record<string, unknown> }
  ).model_config;
  for (const [k, v] of Object.entries(fromYaml)) if (k in model) assert.equal(v, model[k], k);
  assert.deepEqual(fromYaml, { ...getPreset('sudoku-mlp-small') });
  const yaml = readConfigFile(path.join(FIXTURE, 'all_config.yaml'));
  assert.deepEqual(yaml.sizes, {});
  assert.equal(yaml.arch.loss && (yaml.arch.loss as Record<string, unknown>).loss_type, 'stablemax_cross_entropy');
});

test('a config with the wrong hidden_size names every mismatching key with both shapes', () => {
  const dir = tmpDir('ckpt');
  const cfg = path.join(dir, 'all_config.yaml');
  fs.writeFileSync(
    cfg,
    fs.readFileSync(path.join(FIXTURE, 'all_config.yaml'), 'utf8').replace('hidden_size: 64', 'hidden_size: 128'),
  );
  assert.throws(
    () => loadCheckpoint(STEP, { configPath: cfg }),
    (e: Error) => {
      assert.ok(
        e.message.includes(
          'L_level.layers.0.mlp.gate_up_proj.weight: checkpoint has [512, 64], config expects [1024, 128]',
        ),
        e.message,
      );
      assert.ok(e.message.includes('H_init: checkpoint has [64], config expects [128]'), e.message);
      assert.ok(e.message.includes('looks like hidden_size 64'), e.message);
      assert.ok(e.message.includes(cfg), e.message);
      return true;
    },
  );
});

test('NaN / Inf weights are an error naming the key; allowNonFinite loads with a warning', () => {
  const file = copyFixture((t) => {
    const w = t.get('_orig_mod.model.inner.lm_head.weight')!.data as Float32Array;
    w[3] = NaN;
    w[7] = Infinity;
  });
  const configPath = path.join(FIXTURE, 'all_config.yaml');
  assert.throws(() => loadCheckpoint(file, { configPath }), /lm_head\.weight: 2 of 704 values are NaN or infinite/);
  const loaded = loadCheckpoint(file, { configPath, allowNonFinite: true });
  assert.equal(loaded.warnings.length, 1);
  assert.match(loaded.warnings[0], /lm_head\.weight: 2 of 704 values are NaN or infinite/);
  assert.ok(Number.isNaN((loaded.weights.get('lm_head.weight')!.data as Float32Array)[3]));
});

test('no config anywhere is a clear error; unexpected keys are warnings; prefixes are stripped', () => {
  const bare = copyFixture();
  assert.throws(() => loadCheckpoint(bare), {
    message: `no configuration found for ${bare}: pass --config <all_config.yaml|config.json>`,
  });
  const renamed = copyFixture((t) => {
    for (const [k, v] of [...t]) {
      t.delete(k);
      t.set(k.replace('_orig_mod.model.inner.', 'model.inner.'), v);
    }
    t.set('model.inner.extra_buffer', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
  });
  const loaded = loadCheckpoint(renamed, { configPath: path.join(FIXTURE, 'all_config.yaml') });
  assert.equal(loaded.weights.size, 15);
  assert.equal(loaded.weights.has('extra_buffer'), false);
  assert.match(loaded.warnings.join('\n'), /unexpected keys not used by this configuration: extra_buffer/);
  const missing = copyFixture((t) => t.delete('_orig_mod.model.inner.q_head.bias'));
  assert.throws(
    () => loadCheckpoint(missing, { configPath: path.join(FIXTURE, 'config.json') }),
    /missing keys: q_head\.bias/,
  );
});

test('seqLen must agree with the weights of an MLP-T model', () => {
  assert.equal(loadCheckpoint(STEP, { seqLen: 81 }).config.seq_len, 81);
  assert.throws(
    () => loadCheckpoint(STEP, { seqLen: 80 }),
    /inputs have sequence length 80, but the checkpoint's seq_len is 81 \(from the weights\)/,
  );
});

test('saveSafetensorsCheckpoint round-trips weights and embeds the config', () => {
  const src = loadCheckpoint(STEP);
  const dir = tmpDir('ckpt');
  const file = path.join(dir, 'trained.safetensors');
  saveSafetensorsCheckpoint(file, src.config, src.weights, { step: '150' });
  const meta = readSafetensors(file).metadata;
  assert.equal(meta.step, '150');
  assert.deepEqual(JSON.parse(meta.trm_config), src.config);
  const back = loadCheckpoint(file);
  assert.deepEqual(back.config, src.config);
  assert.match(back.configSource, /metadata trm_config/);
  assert.deepEqual([...back.weights.keys()], [...src.weights.keys()]);
  for (const [k, t] of src.weights) assert.deepEqual(back.weights.get(k), t, k);
  const bad = new Map(src.weights);
  bad.set('q_head.bias', { dtype: 'float32', shape: [3], data: new Float32Array(3) });
  assert.throws(
    () => saveSafetensorsCheckpoint(file, src.config, bad),
    /q_head\.bias: has \[3\], config expects \[2\]/,
  );
});

test('attention models: seq_len stays 0 until the inputs give it; learned positions infer it', () => {
  const dir = tmpDir('ckpt');
  const rope: TrmConfig = {
    ...getPreset('sudoku-att-small'),
    hidden_size: 16,
    puzzle_emb_ndim: 16,
    L_layers: 1,
    seq_len: 0,
  };
  const file = path.join(dir, 'att.safetensors');
  saveSafetensorsCheckpoint(file, rope, syntheticWeights({ ...rope, seq_len: 81 }));
  const unknown = loadCheckpoint(file);
  assert.equal(unknown.config.seq_len, 0);
  assert.equal(unknown.config.mlp_t, false);
  assert.ok(unknown.weights.has('L_level.layers.0.self_attn.qkv_proj.weight'));
  assert.equal(loadCheckpoint(file, { seqLen: 81 }).config.seq_len, 81);
  // Learned positions carry T = S + P rows: a flat JSON without seq_len still resolves it.
  const learned: TrmConfig = { ...rope, pos_encodings: 'learned', seq_len: 30 };
  const w = syntheticWeights(learned);
  const lfile = path.join(dir, 'learned.safetensors');
  writeSafetensors(lfile, w);
  const cfg = path.join(dir, 'flat.json');
  const flat: Record<string, unknown> = { ...learned };
  delete flat.seq_len;
  delete flat.vocab_size;
  delete flat.num_puzzle_identifiers;
  fs.writeFileSync(cfg, JSON.stringify(flat));
  const l = loadCheckpoint(lfile, { configPath: cfg });
  assert.equal(l.config.seq_len, 30);
  assert.deepEqual(l.weights.get('embed_pos.embedding_weight')!.shape, [46, 16]);
});

test('config files with bad values name the file and the key', () => {
  const dir = tmpDir('ckpt');
  const cfg = path.join(dir, 'all_config.yaml');
  fs.writeFileSync(cfg, 'arch:\n  hidden_size: sixty-four\n  L_layers: 2\n');
  assert.throws(
    () => readConfigFile(cfg),
    new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: arch\\.hidden_size must be a number`),
  );
  fs.writeFileSync(cfg, 'arch: [1, 2\n');
  assert.throws(() => readConfigFile(cfg), /invalid YAML/);
  fs.writeFileSync(cfg, 'lr: 0.1\n');
  assert.throws(() => readConfigFile(cfg), /no model configuration found/);
  const json = path.join(dir, 'c.json');
  fs.writeFileSync(json, '{"hidden_size": 64,');
  assert.throws(() => readConfigFile(json), /c\.json: invalid JSON/);
  fs.writeFileSync(
    cfg,
    fs
      .readFileSync(path.join(FIXTURE, 'all_config.yaml'), 'utf8')
      .replace('num_heads: 2', 'num_heads: 0')
      .replace('mlp_t: true', 'mlp_t: false'),
  );
  assert.throws(
    () => loadCheckpoint(STEP, { configPath: cfg }),
    /configuration from .*all_config\.yaml: invalid TRM config: hidden_size 64 must be divisible by num_heads 0/,
  );
});

test('a puzzle table of another size is replaced by its mean row, as the official loader does', () => {
  const file = copyFixture((t) => {
    const rows = 3,
      dim = 64;
    const data = new Float32Array(rows * dim);
    for (let r = 0; r < rows; r++) for (let d = 0; d < dim; d++) data[r * dim + d] = r + d / 100;
    t.set('_orig_mod.model.inner.puzzle_emb.weights', { dtype: 'float32', shape: [rows, dim], data });
  });
  const cfgPath = path.join(FIXTURE, 'all_config.yaml');
  const same = loadCheckpoint(file, { configPath: cfgPath, numPuzzleIdentifiers: 3 });
  assert.equal(same.config.num_puzzle_identifiers, 3);
  assert.equal(same.warnings.length, 0);
  const loaded = loadCheckpoint(file, { configPath: cfgPath, numPuzzleIdentifiers: 5 });
  assert.equal(loaded.config.num_puzzle_identifiers, 5);
  const table = loaded.weights.get('puzzle_emb.weights')!;
  assert.deepEqual(table.shape, [5, 64]);
  const data = table.data as Float32Array;
  for (let r = 0; r < 5; r++) {
    assert.ok(Math.abs(data[r * 64] - 1) < 1e-6, 'mean of rows 0, 1, 2 at column 0 is 1');
    assert.ok(Math.abs(data[r * 64 + 10] - 1.1) < 1e-6);
  }
  assert.match(loaded.warnings.join('\n'), /3 rows but the data has 5 puzzle identifiers; using the mean row/);
});
