// `trm` on the webgpu backend (SwiftShader, see softwareAdapter.ts), as a user runs it: `trm info
// --backend webgpu` names the adapter and says it is no GPU, `trm predict` on webgpu answers what the
// cpu backend answers and the process exits on its own (a live Dawn device would keep it running),
// and forcing webgpu where no adapter can exist is one clear line. Needs `node esbuild.mjs` (dist/cli.js).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { getPreset, type TrmConfig } from '../../../src/engine/config';
import { initialWeights } from '../../../src/engine/model/init';
import { FIXTURE_DIR } from '../model/fixture';
import { SWIFTSHADER_ICD, useSoftwareAdapter } from './softwareAdapter';

const CLI = path.resolve('dist/cli.js');
const SUDOKU = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';

function trm(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 240_000,
  });
}

before(() => useSoftwareAdapter());

test('trm info --backend webgpu names the adapter and calls it a software adapter, not a GPU', () => {
  const base = [
    'info',
    '--checkpoint',
    path.join(FIXTURE_DIR, 'model.safetensors'),
    '--config',
    path.join(FIXTURE_DIR, 'config.json'),
  ];
  const r = trm([...base, '--backend', 'webgpu'], { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /^backend {6}WebGPU on a software adapter, SwiftShader driver [\d.]+ \(google swiftshader\): runs on the CPU, not a GPU \(Vulkan\)$/m,
  );
  assert.match(
    r.stdout,
    /^adapter {6}SwiftShader driver [\d.]+ \(vendor google, architecture swiftshader\): a software adapter, not a GPU; largest buffer 1\.07 GB, largest storage binding 1\.07 GB$/m,
  );
  const j = trm([...base, '--backend', 'webgpu', '--json'], { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
  assert.equal(j.status, 0, j.stderr);
  const info = JSON.parse(j.stdout) as { backend: { name: string; gpu: boolean; adapter: Record<string, unknown> } };
  assert.equal(info.backend.name, 'webgpu');
  assert.equal(info.backend.gpu, false);
  assert.equal(info.backend.adapter.software, true);
  assert.equal(info.backend.adapter.vendor, 'google');
});

test('trm predict on webgpu answers what the cpu backend answers, and the process exits by itself', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-webgpu-cli-'));
  try {
    const config: TrmConfig = {
      ...getPreset('sudoku-mlp-small'),
      hidden_size: 16,
      puzzle_emb_ndim: 16,
      expansion: 2,
      H_cycles: 1,
      L_cycles: 1,
      L_layers: 1,
      halt_max_steps: 2,
    };
    const checkpoint = path.join(dir, 'model.safetensors');
    saveSafetensorsCheckpoint(checkpoint, config, initialWeights(config, 8));
    const args = ['predict', '--checkpoint', checkpoint, '--sudoku', SUDOKU, '--json'];
    const cpu = trm([...args, '--backend', 'cpu']);
    assert.equal(cpu.status, 0, cpu.stderr);
    const gpu = trm([...args, '--backend', 'webgpu'], { VK_ICD_FILENAMES: SWIFTSHADER_ICD });
    assert.equal(gpu.signal, null, 'killed by the timeout: the process did not exit');
    assert.equal(gpu.status, 0, gpu.stderr);
    type Out = { backend: string; steps: { answer: string; qHalt: number }[] };
    const [c, g] = [JSON.parse(cpu.stdout) as Out, JSON.parse(gpu.stdout) as Out];
    assert.equal(g.backend, 'webgpu');
    assert.equal(g.steps.length, 2);
    assert.deepEqual(
      g.steps.map((s) => s.answer),
      c.steps.map((s) => s.answer),
    );
    g.steps.forEach((s, i) => assert.ok(Math.abs(s.qHalt - c.steps[i].qHalt) < 1e-4, `step ${i + 1} q_halt`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('forcing webgpu where no adapter can exist is one clear line', () => {
  const r = trm(
    [
      'info',
      '--checkpoint',
      path.join(FIXTURE_DIR, 'model.safetensors'),
      '--config',
      path.join(FIXTURE_DIR, 'config.json'),
      '--backend',
      'webgpu',
    ],
    {
      VK_ICD_FILENAMES: '/nonexistent/vk_icd.json',
    },
  );
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    "trm info: error: compute backend 'webgpu' cannot be used: webgpu: VK_ICD_FILENAMES names no existing Vulkan driver manifest (/nonexistent/vk_icd.json)\n",
  );
});
