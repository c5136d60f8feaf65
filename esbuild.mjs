// One build script for every bundle: extension, CLI, standalone debug adapter, training worker,
// webview, benchmarks and both test suites. `node esbuild.mjs [--watch]`.
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

// Native TF.js bindings are optional at run time and cannot be bundled.
const nativeExternals = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];
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
  'dist/followWorker': 'src/engine/follow/worker.ts',
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
if (exists('webview/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
  });
}
if (exists('webview/dashboard/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: { dashboard: 'webview/dashboard/main.ts' },
    outdir: 'dist',
  });
}
if (exists('webview/dashboard/follow/main.ts')) {
  builds.push({
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    absWorkingDir: root,
    entryPoints: { followDashboard: 'webview/dashboard/follow/main.ts' },
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

const t0 = Date.now();
if (watch) {
  for (const b of builds) (await esbuild.context(b)).watch();
  copyWasmAssets();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
  copyWasmAssets();
  console.log(`esbuild: ${builds.length} bundles in ${Date.now() - t0} ms`);
}
