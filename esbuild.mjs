// One build script for every bundle: extension, CLI, standalone debug adapter, training worker,
// webview, benchmarks and both test suites, plus the run-time files the bundles load: TF.js's wasm
// binaries, Dawn's dawn.node for this platform (dist/dawn/) and ONNX Runtime's Node binding (dist/ort/).
// `node esbuild.mjs [--watch]`.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.dirname(new URL(import.meta.url).pathname);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** Files under `dir` (recursively) whose names end with `suffix`. */
function find(dir, suffix) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f));
}
const exists = (f) => fs.existsSync(path.join(root, f));

// Native TF.js bindings are optional at run time and cannot be bundled. Dawn's binding (the `webgpu`
// package) is never imported: src/engine/backend/dawn.ts requires dist/dawn/<platform>/dawn.node
// through createRequire, which esbuild does not follow; listed so that an import could not bundle it.
const nativeExternals = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'];
const nodeCommon = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  // playwright-core: test-only, reads its own package.json at run time, so it cannot be bundled.
  minify: production,
  logLevel: 'warning',
  external: ['vscode', ...nativeExternals, 'playwright-core'],
  absWorkingDir: root,
};

const builds = [];
const nodeEntries = {
  'dist/extension': 'src/extension/extension.ts',
  'dist/cli': 'src/cli/main.ts',
  'dist/debugAdapter': 'src/debug/adapterMain.ts',
  'dist/trainWorker': 'src/engine/train/worker.ts',
  'dist/predictWorker': 'src/engine/predictWorker.ts',
  'dist/locateWorker': 'src/engine/authoring/locateWorker.ts',
  'dist/followWorker': 'src/engine/follow/worker.ts',
  'dist/evalWorker': 'src/engine/eval/worker.ts',
};
for (const [out, entry] of Object.entries(nodeEntries)) {
  if (!exists(entry)) continue;
  builds.push({
    ...nodeCommon,
    entryPoints: { [path.basename(out)]: entry },
    outdir: 'dist',
    banner: out === 'dist/cli' ? { js: '#!/usr/bin/env node' } : undefined,
  });
}
const benches = find('bench', '.ts');
if (benches.length) builds.push({ ...nodeCommon, entryPoints: benches, outdir: 'dist/bench', outbase: 'bench' });
// The webview pages (browser bundles), one per panel: bundle name -> entry.
const pageEntries = {
  webview: 'webview/main.ts', // the timeline
  dashboard: 'webview/dashboard/main.ts',
  followDashboard: 'webview/dashboard/follow/main.ts',
  cloudView: 'webview/cloud/main.ts',
  evalBrowser: 'webview/evalBrowser/main.ts',
  votesView: 'webview/votes/main.ts',
  sweepView: 'webview/sweep/main.ts',
};
for (const [name, entry] of Object.entries(pageEntries)) {
  if (!exists(entry)) continue;
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: { [name]: entry },
    outdir: 'dist',
  });
}
const unitTests = find('test/unit', '.test.ts');
if (unitTests.length)
  builds.push({
    ...nodeCommon,
    sourcemap: 'inline',
    // Dev tools the tests drive are used from node_modules, not bundled.
    external: [...nodeCommon.external, 'eslint', 'typescript-eslint'],
    entryPoints: unitTests,
    outdir: 'out/test/unit',
    outbase: 'test/unit',
  });
const e2eTests = find('test/e2e/suite', '.ts');
if (e2eTests.length)
  builds.push({
    ...nodeCommon,
    sourcemap: 'inline',
    external: [...nodeCommon.external, 'mocha'],
    entryPoints: e2eTests,
    outdir: 'out/test/e2e/suite',
    outbase: 'test/e2e/suite',
  });

/** TF.js wasm binaries and the pthread worker files that the threaded backend loads at run time. */
function copyWasmAssets() {
  const wasmDir = path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm');
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  for (const f of fs.readdirSync(path.join(wasmDir, 'dist')).filter((f) => f.endsWith('.wasm'))) {
    fs.copyFileSync(path.join(wasmDir, 'dist', f), path.join(root, 'dist', f));
  }
  const glue = path.join(wasmDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.js');
  if (fs.existsSync(glue)) fs.copyFileSync(glue, path.join(root, 'dist/tfjs-backend-wasm-threaded-simd.js'));
  const workerModule = path.join(wasmDir, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
  if (fs.existsSync(workerModule)) {
    const contents = createRequire(import.meta.url)(workerModule).wasmWorkerContents;
    fs.writeFileSync(path.join(root, 'dist/tfjs-pthread-worker.js'), contents.replace(/\n/g, '\\n'));
  }
}

/** vsce target (or process platform-arch) -> the folder of the `webgpu` package that holds its dawn.node. */
export function dawnDirFor(target) {
  const [platform, arch] = target.split('-');
  if (platform === 'darwin') return 'darwin-universal';
  if ((platform === 'linux' || platform === 'win32') && (arch === 'x64' || arch === 'arm64')) return target;
  return undefined;
}

/**
 * Dawn's Node binding (dawn.node, ~21 MB, plus the D3D compilers on Windows) for the webgpu backend,
 * copied from the `webgpu` package to dist/dawn/<platform>/: this machine's platform on every build,
 * another one when scripts/package-vsix.mjs stages a platform-specific package. Skips unchanged files.
 */
export function copyDawn(target = `${process.platform}-${process.arch}`) {
  const dir = dawnDirFor(target);
  if (!dir) return undefined;
  const src = path.join(root, 'node_modules/webgpu/dist', dir);
  if (!fs.existsSync(src)) return undefined;
  const dest = path.join(root, 'dist/dawn', dir);
  fs.mkdirSync(dest, { recursive: true });
  for (const f of fs.readdirSync(src)) {
    const from = path.join(src, f),
      to = path.join(dest, f);
    const a = fs.statSync(from);
    if (fs.existsSync(to) && fs.statSync(to).size === a.size && fs.statSync(to).mtimeMs >= a.mtimeMs) continue;
    fs.copyFileSync(from, to);
  }
  return dir;
}

/**
 * ONNX Runtime's Node binding for the native inference path (src/engine/native/ortLoader.ts looks in
 * dist/ort/ first): onnxruntime-node's JavaScript and its prebuilt binaries for this platform (or the
 * platforms in TRM_ORT_PLATFORMS, e.g. "linux-x64,darwin-arm64,win32-x64"), and onnxruntime-common,
 * laid out as a node_modules tree so the package resolves its own dependency. Only changed files are
 * copied (the library is ~50 MB per platform).
 */
function copyOrtRuntime() {
  const src = path.join(root, 'node_modules');
  const dest = path.join(root, 'dist/ort/node_modules');
  if (!fs.existsSync(path.join(src, 'onnxruntime-node/package.json'))) return;
  const platforms = (process.env.TRM_ORT_PLATFORMS || `${process.platform}-${process.arch}`)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p && p !== 'none'); // 'none': a package for a platform onnxruntime-node has no binaries for
  const files = [
    'onnxruntime-node/package.json',
    'onnxruntime-common/package.json',
    'onnxruntime-common/dist/cjs/package.json',
  ];
  const jsIn = (dir) =>
    fs
      .readdirSync(path.join(src, dir))
      .filter((f) => f.endsWith('.js'))
      .map((f) => `${dir}/${f}`);
  files.push(...jsIn('onnxruntime-node/dist'), ...jsIn('onnxruntime-common/dist/cjs'));
  for (const p of platforms) {
    const [platform, arch] = p.split('-');
    const bin = `onnxruntime-node/bin/napi-v6/${platform}/${arch}`;
    if (!fs.existsSync(path.join(src, bin))) throw new Error(`onnxruntime-node ships no binaries for ${p} (${bin})`);
    files.push(...fs.readdirSync(path.join(src, bin)).map((f) => `${bin}/${f}`));
  }
  // Binaries of platforms no longer asked for must not ship.
  const binRoot = path.join(dest, 'onnxruntime-node/bin/napi-v6');
  for (const platform of fs.existsSync(binRoot) ? fs.readdirSync(binRoot) : []) {
    for (const arch of fs.readdirSync(path.join(binRoot, platform)))
      if (!platforms.includes(`${platform}-${arch}`))
        fs.rmSync(path.join(binRoot, platform, arch), { recursive: true });
    if (fs.readdirSync(path.join(binRoot, platform)).length === 0) fs.rmdirSync(path.join(binRoot, platform));
  }
  for (const f of files) {
    const from = path.join(src, f);
    const to = path.join(dest, f);
    const a = fs.statSync(from);
    const b = fs.existsSync(to) ? fs.statSync(to) : undefined;
    if (b && b.size === a.size && b.mtimeMs >= a.mtimeMs) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.join(root, 'esbuild.mjs');
const t0 = Date.now();
if (!isMain) {
  // imported for copyDawn() / dawnDirFor() (scripts/package-vsix.mjs): build nothing
} else if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  copyWasmAssets();
  copyDawn();
  copyOrtRuntime();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyWasmAssets();
  copyDawn();
  copyOrtRuntime();
  console.log(`esbuild: ${builds.length} bundles in ${Date.now() - t0} ms`);
}
