// `trm trace` / `trm predict` with the native path, as users run them (node dist/cli.js): chosen by
// default and reported, forced with --backend onnxruntime, disabled with --backend tfjs (or a TF.js
// backend name), the two paths' trace files agreeing at step 1 (the free-running recursion parts
// later, see the fixture README); --dtype applied, written to the manifest and explained; bad values
// rejected with one clear message.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../../../src/engine/formats/npy';
import { FIXTURE, tmpDir } from '../formats/builders';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function trm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function trace(out: string, ...extra: string[]) {
  return trm(
    'trace',
    ...['--checkpoint', path.join(FIXTURE, 'step_150'), '--inputs', path.join(FIXTURE, 'inputs.npy')],
    ...['--labels', path.join(FIXTURE, 'labels.npy'), '--steps', '2', '--trace-rows', '0,2', '--out', out],
    ...extra,
  );
}

test('trm trace: the native path by default, forced or disabled by --backend; both write the same step 1', () => {
  const dirs = { auto: tmpDir('trace-auto'), onnxruntime: tmpDir('trace-ort'), tfjs: tmpDir('trace-tfjs') };
  const auto = trace(dirs.auto);
  const forced = trace(dirs.onnxruntime, '--backend', 'onnxruntime');
  const off = trace(dirs.tfjs, '--backend', 'tfjs');
  for (const r of [auto, forced, off]) assert.equal(r.code, 0, r.stderr);
  assert.match(auto.stderr, /^backend: ONNX Runtime \d+\.\d+\.\d+ on the CPU \(\d+ threads?, float32\)/m);
  assert.match(forced.stderr, /^backend: ONNX Runtime/m);
  assert.match(off.stderr, /^backend: (WebAssembly|plain JavaScript|native TensorFlow)/m);
  const manifest = (d: string) => JSON.parse(fs.readFileSync(path.join(d, 'manifest.json'), 'utf8'));
  assert.equal(manifest(dirs.auto).backend, 'onnxruntime');
  assert.equal(manifest(dirs.tfjs).backend, 'wasm');
  assert.equal(manifest(dirs.auto).dtype, 'float32');
  for (const f of [
    'logits_steps.npy',
    'y_steps.npy',
    'z_steps.npy',
    'q_halt_steps.npy',
    'trace_z.npy',
    'trace_y.npy',
  ]) {
    const a = readNpy(path.join(dirs.auto, f)),
      b = readNpy(path.join(dirs.tfjs, f));
    assert.deepEqual(a.shape, b.shape, f);
    const per = a.data.length / 2; // step 1 of 2
    let m = 0;
    for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(Number(a.data[i]) - Number(b.data[i])));
    assert.ok(m <= 1e-3, `${f}: step-1 difference ${m}`);
  }
  for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
});

test('trm trace --dtype: applied, in the manifest, explained; bad --backend / --dtype values are usage errors', () => {
  const out = tmpDir('trace-bf16');
  const r = trace(out, '--dtype', 'bfloat16');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /note: computing in bfloat16 although the checkpoint was trained in float32/);
  assert.match(r.stderr, /backend: ONNX Runtime .*bfloat16/);
  assert.equal(JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')).dtype, 'bfloat16');
  fs.rmSync(out, { recursive: true, force: true });
  const never = path.join(out, 'never-written');
  const bad = trace(never, '--dtype', 'fp16');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--dtype must be one of checkpoint, float32, bfloat16 \(got "fp16"\)/);
  const badBackend = trace(never, '--backend', 'onnx');
  assert.equal(fs.existsSync(never), false, 'nothing written on a usage error');
  assert.notEqual(badBackend.code, 0);
  assert.match(
    badBackend.stderr,
    /--backend must be one of onnxruntime, tfjs, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu/,
  );
  assert.doesNotMatch(bad.stderr + badBackend.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
});

test('trm predict --backend onnxruntime --json names the path and dtype', () => {
  const puzzle = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
  const r = trm(
    'predict',
    ...['--checkpoint', path.join(FIXTURE, 'model.safetensors'), '--sudoku', puzzle, '--steps', '2', '--json'],
    ...['--backend', 'onnxruntime'],
  );
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.backend, 'onnxruntime');
  assert.equal(out.dtype, 'float32');
  assert.equal(out.steps.length, 2);
});
