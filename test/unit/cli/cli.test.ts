// The `trm` CLI as users run it: a real `node dist/cli.js` process on real files. Checks the trace
// files have exactly the fixture's names, dtypes and layouts and agree with the official outputs at
// step 1 (free-running agreement only holds there; see the fixture README), plus info / predict output
// and that bad input always gives one clear message and a non-zero exit, never a stack trace.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../../../src/engine/formats/npy';
import { writeNpy } from '../../../src/engine/formats/npy';
import { decodeSudoku } from '../../../src/engine/tasks/sudoku';
import { FIXTURE, PickleAsm, tmpDir, torchZip } from '../formats/builders';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function trm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRM_DEBUG: '' },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertCleanFailure(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, 'must exit non-zero');
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

function maxDiff(a: ArrayLike<number | bigint>, b: ArrayLike<number | bigint>, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(Number(a[i]) - Number(b[i])));
  return m;
}

test('trm trace writes the fixture files with identical names, dtypes and layouts, matching step 1', () => {
  const out = tmpDir('trace');
  const K = 2;
  const r = trm(
    'trace',
    '--checkpoint',
    path.join(FIXTURE, 'step_150'),
    '--inputs',
    path.join(FIXTURE, 'inputs.npy'),
    '--labels',
    path.join(FIXTURE, 'labels.npy'),
    '--puzzle-identifiers',
    path.join(FIXTURE, 'puzzle_identifiers.npy'),
    '--steps',
    String(K),
    '--trace-rows',
    '0',
    '--out',
    out,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend: /, 'reports the backend');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.steps, K);
  const fixtureFiles = fs
    .readdirSync(FIXTURE)
    .filter((f) => f.endsWith('.npy'))
    .sort();
  for (const f of fixtureFiles) {
    assert.ok(fs.existsSync(path.join(out, f)), `${f} written`);
    const ref = readNpy(path.join(FIXTURE, f));
    const got = readNpy(path.join(out, f));
    assert.equal(got.dtype, ref.dtype, `${f} dtype`);
    assert.ok(manifest.files[f], `${f} listed in manifest.json`);
    const stepAxis = f.endsWith('_steps.npy') || (f.startsWith('trace_') && f !== 'trace_batch_indices.npy');
    const want = stepAxis ? [K, ...ref.shape.slice(1)] : ref.shape;
    assert.deepEqual(got.shape, want, `${f} shape`);
    // Step 1 (and the step-free arrays) agree with the official outputs; tolerance 10x the f32/f64 gap.
    const per = stepAxis ? got.data.length / K : got.data.length;
    const tol = f === 'x_embed.npy' ? 1e-5 : f.startsWith('lm_loss') || f.startsWith('loss_sums') ? 1e-4 : 1e-3;
    const d = maxDiff(got.data, ref.data, 0, per);
    assert.ok(d <= tol, `${f}: step-1 max difference ${d} > ${tol}`);
  }
  assert.ok(fs.existsSync(path.join(out, 'preds_steps.npy')), 'predictions written too');
});

test('trm info reports the configuration, parameter count and backend', () => {
  const r = trm(
    'info',
    '--checkpoint',
    path.join(FIXTURE, 'model.safetensors'),
    '--config',
    path.join(FIXTURE, 'all_config.yaml'),
    '--json',
  );
  assert.equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  assert.equal(info.parameters, 397826);
  assert.equal(info.config.hidden_size, 64);
  assert.equal(info.config.mlp_t, true);
  assert.ok(['wasm', 'cpu', 'tfjs-node', 'tfjs-node-gpu'].includes(info.backend.name));
});

test('trm predict prints the answer after every step and where the Q-head would halt', () => {
  const inputs = readNpy(path.join(FIXTURE, 'inputs.npy'));
  const labels = readNpy(path.join(FIXTURE, 'labels.npy'));
  const puzzle = decodeSudoku(Array.from((inputs.data as Int32Array).subarray(0, 81)));
  const solution = decodeSudoku(Array.from((labels.data as Int32Array).subarray(0, 81)));
  const r = trm(
    'predict',
    '--checkpoint',
    path.join(FIXTURE, 'step_150'),
    '--sudoku',
    puzzle,
    '--solution',
    solution,
    '--steps',
    '3',
  );
  assert.equal(r.code, 0, r.stderr);
  for (const s of [1, 2, 3]) assert.match(r.stdout, new RegExp(`^step ${s}: q_halt -?\\d+\\.\\d{3}`, 'm'));
  assert.match(r.stdout, /------\+-------\+------/, 'prints grids');
  assert.match(r.stdout, /Q-head (says halt first at step \d+|never says halt in 3 steps)/);
  const json = JSON.parse(
    trm('predict', '--checkpoint', path.join(FIXTURE, 'step_150'), '--sudoku', puzzle, '--steps', '2', '--json').stdout,
  );
  assert.equal(json.steps.length, 2);
  assert.equal(json.steps[0].answer.length, 81);
});

test('bad input: one clear message, non-zero exit, no stack trace', () => {
  const dir = tmpDir('cli-bad');
  assertCleanFailure(trm('frobnicate'), /unknown command "frobnicate"/);
  assertCleanFailure(trm('trace', '--inputs', 'x.npy', '--out', dir), /missing required option --checkpoint/);
  assertCleanFailure(trm('info', '--checkpoint', path.join(dir, 'nope.safetensors')), /nope\.safetensors/);
  assertCleanFailure(
    trm('info', '--checkpoint', path.join(FIXTURE, 'model.safetensors'), '--backend', 'tpu'),
    /--backend must be one of/,
  );
  assertCleanFailure(trm('predict', '--checkpoint', path.join(FIXTURE, 'step_150'), '--sudoku', '12x'), /81 cells/);
  // A torch checkpoint whose pickle would run a shell command: refused, naming the global; nothing runs.
  const marker = path.join(dir, 'pwned');
  const evil = new PickleAsm()
    .proto(2)
    .global('os', 'system')
    .str(`touch ${marker}`)
    .tuple1()
    .reduce()
    .stop()
    .toBytes();
  const evilFile = path.join(dir, 'step_1');
  fs.writeFileSync(evilFile, torchZip('step_1', evil, {}));
  assertCleanFailure(trm('info', '--checkpoint', evilFile), /os\.system/);
  assert.equal(fs.existsSync(marker), false, 'the hostile command never ran');
  // Truncated checkpoint.
  const truncated = path.join(dir, 'truncated.safetensors');
  fs.writeFileSync(truncated, fs.readFileSync(path.join(FIXTURE, 'model.safetensors')).subarray(0, 5000));
  assertCleanFailure(trm('info', '--checkpoint', truncated), /truncat|corrupt|too short|ends/i);
  // Inputs of the wrong width for the model.
  const wide = path.join(dir, 'wide.npy');
  writeNpy(wide, { dtype: 'int32', shape: [1, 80], data: new Int32Array(80).fill(1) });
  assertCleanFailure(
    trm('trace', '--checkpoint', path.join(FIXTURE, 'step_150'), '--inputs', wide, '--out', path.join(dir, 'trace')),
    /80|81|seq_len/,
  );
  // Token ids outside the vocabulary.
  const big = path.join(dir, 'big.npy');
  writeNpy(big, { dtype: 'int32', shape: [1, 81], data: new Int32Array(81).fill(40) });
  assertCleanFailure(
    trm('trace', '--checkpoint', path.join(FIXTURE, 'step_150'), '--inputs', big, '--out', path.join(dir, 'trace')),
    /outside/,
  );
});
