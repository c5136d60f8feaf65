// Config values are range-checked before any work: H_cycles, L_cycles, halt_max_steps, L_layers,
// hidden_size … from a config file or from safetensors metadata are refused with the key, the allowed
// range and how to raise it (options object, `trm --limits`, TRM_LIMITS), instead of running for hours.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { DEFAULT_LIMITS, parseLimits } from '../../../src/engine/limits';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { FIXTURE, tmpDir } from './builders';
import { CLI, ROOT, describeRun, runNode } from '../fuzz/childRun';

const MODEL = path.join(FIXTURE, 'model.safetensors');
const YAML = fs.readFileSync(path.join(FIXTURE, 'all_config.yaml'), 'utf8');
const PUZZLE = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';

function configWith(dir: string, key: string, value: number): string {
  const file = path.join(dir, `${key}-${value}.yaml`);
  fs.writeFileSync(file, YAML.replace(new RegExp(`^  ${key}: .*$`, 'm'), `  ${key}: ${value}`));
  return file;
}

test('config values outside their range are refused with the key, the range and how to raise it', () => {
  const dir = tmpDir('cfg-range');
  for (const [key, value, range] of [
    ['H_cycles', 1_000_000, '1..16'],
    ['L_cycles', 5000, '1..32'],
    ['halt_max_steps', 1_000_000_000, '1..64'],
    ['L_layers', 1_000_000_000, '1..16'],
    ['hidden_size', 1_000_000, '1..8192'],
  ] as const) {
    assert.throws(
      () => loadCheckpoint(MODEL, { configPath: configWith(dir, key, value) }),
      new RegExp(
        `invalid TRM config: ${key} = ${value} is outside the allowed range ${range.replace(/\./g, '\\.')} \\(raise it with TRM_LIMITS=${key}=<value> or trm --limits ${key}=<value>\\)`,
      ),
      key,
    );
  }
  // An options object raises a limit for one load.
  const ok = loadCheckpoint(MODEL, { configPath: configWith(dir, 'H_cycles', 40), limits: { H_cycles: 64 } });
  assert.equal(ok.config.H_cycles, 40);
});

test('the same ranges apply to a config embedded in safetensors metadata', () => {
  const dir = tmpDir('cfg-meta');
  const src = readSafetensors(path.join(ROOT, 'media', 'models', 'sudoku-small', 'model.safetensors'));
  const config = JSON.parse(src.metadata.trm_config ?? 'null') as Record<string, unknown> | null;
  assert.ok(config, 'the demo model embeds its config');
  const file = path.join(dir, 'model.safetensors');
  writeSafetensors(file, src.tensors, {
    ...src.metadata,
    trm_config: JSON.stringify({ ...config, halt_max_steps: 100_000 }),
  });
  assert.throws(() => loadCheckpoint(file), /halt_max_steps = 100000 is outside the allowed range 1\.\.64/);
});

test('limits parse with units and name bad entries', () => {
  assert.deepEqual(parseLimits('memory=512MiB, H_cycles=32', 'x'), { memory: 512 * 1024 * 1024, H_cycles: 32 });
  assert.deepEqual(parseLimits('memory=1.5GiB', 'x'), { memory: 1.5 * 1024 ** 3 });
  assert.throws(
    () => parseLimits('H_cycle=3', 'TRM_LIMITS'),
    /TRM_LIMITS: unknown limit 'H_cycle'; limits are memory, header/,
  );
  assert.throws(() => parseLimits('H_cycles=3GiB', 'x'), /limit 'H_cycles' needs a positive integer \(got "3GiB"\)/);
  assert.throws(() => parseLimits('memory=lots', 'x'), /limit 'memory' needs a size such as 512MiB or 8GiB/);
  assert.equal(DEFAULT_LIMITS.halt_max_steps, 64);
});

test('CLI: trm predict with a config asking for 10^9 steps stops at once; --limits and TRM_LIMITS raise the limit', async () => {
  const dir = tmpDir('cfg-cli');
  fs.copyFileSync(MODEL, path.join(dir, 'model.safetensors'));
  const cfg = configWith(dir, 'halt_max_steps', 1_000_000_000);
  let r = await runNode(
    [CLI, 'predict', '--checkpoint', MODEL, '--config', cfg, '--sudoku', PUZZLE, '--backend', 'cpu'],
    {
      timeoutMs: 60_000,
      rssCapMiB: 1024,
    },
  );
  assert.equal(r.code, 1, describeRun(r));
  assert.match(r.stderr, /halt_max_steps = 1000000000 is outside the allowed range 1\.\.64/);
  const layers = configWith(dir, 'L_layers', 1_000_000_000);
  r = await runNode([CLI, 'info', '--checkpoint', MODEL, '--config', layers], { timeoutMs: 60_000, rssCapMiB: 1024 });
  assert.equal(r.code, 1, describeRun(r));
  assert.match(r.stderr, /L_layers = 1000000000 is outside the allowed range 1\.\.16/);

  const twenty = configWith(dir, 'H_cycles', 20);
  r = await runNode([CLI, 'info', '--checkpoint', MODEL, '--config', twenty, '--json', '--backend', 'cpu'], {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 1, describeRun(r));
  r = await runNode(
    [CLI, '--limits', 'H_cycles=20', 'info', '--checkpoint', MODEL, '--config', twenty, '--json', '--backend', 'cpu'],
    {
      timeoutMs: 60_000,
    },
  );
  assert.equal(r.code, 0, describeRun(r));
  assert.equal((JSON.parse(r.stdout) as { config: { H_cycles: number } }).config.H_cycles, 20);
  r = await runNode([CLI, 'info', '--checkpoint', MODEL, '--config', twenty, '--json', '--backend', 'cpu'], {
    timeoutMs: 60_000,
    env: { TRM_LIMITS: 'H_cycles=20' },
  });
  assert.equal(r.code, 0, describeRun(r));
  r = await runNode([CLI, 'limits'], { env: { TRM_LIMITS: 'memory=2GiB' } });
  assert.equal(r.code, 0, describeRun(r));
  assert.match(r.stdout, /^memory\s+2 GiB\s+bytes one checkpoint or dataset load may allocate .*\(default 8 GiB\)$/m);
  assert.match(r.stdout, /^halt_max_steps\s+64\s/m);
  r = await runNode([CLI, '--limits', 'H_cycle=3', 'limits']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /trm: --limits: unknown limit 'H_cycle'/);
});
