// Packages the extension: production build (minified, no source maps), then `vsce package` offline
// into dist/trm-lens.vsix, then a check of what was shipped (.vscodeignore is an allow-list), then the
// development build again so dist/ keeps its source maps for debugging.
// The package is platform-specific (`vsce package --target`), the way VS Code extensions ship native
// parts: it holds Dawn's dawn.node (the webgpu backend) for one platform only, and the Marketplace
// hands each user the package of their platform. Default target: this machine's.
// `node scripts/package-vsix.mjs [--target <t>|--all-targets] [--out <file.vsix>] [--keep-production]`,
// t = linux-x64, linux-arm64, darwin-x64, darwin-arm64, win32-x64, win32-arm64, or `universal` (no
// dawn.node: every platform, webgpu unavailable). --all-targets writes dist/trm-lens-<t>.vsix for each.
// The package also carries ONNX Runtime's native binaries (the native inference path, dist/ort/) for
// the same platform, where onnxruntime-node ships them (not darwin-x64, not universal).
// The three steps hold /tmp/trm-build.lock (the project's build lock; `flock`, when installed) so that
// no other build on a shared machine rewrites dist/ between the production build and `vsce package`.
// Do not wrap this script in that lock yourself: it would wait for itself (it gives up after 15 min).
// Also a module: vsixEntries() and unzipVsix() (used by scripts/test-all.mjs, no unzip binary needed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { copyDawn, dawnDirFor } from '../esbuild.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_VSIX = path.join(ROOT, 'dist/trm-lens.vsix');

/** Platforms with a dawn.node in the `webgpu` package, as vsce names them. */
export const DAWN_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

/** The vsce target of this machine, or `universal` where Dawn has no build. */
export function hostTarget() {
  const t = `${process.platform}-${process.arch}`;
  return DAWN_TARGETS.includes(t) ? t : 'universal';
}

/** Platforms onnxruntime-node ships binaries for, as vsce names targets. */
export const ORT_TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];

/** The native binding a package for `target` must contain. */
function ortBinding(target) {
  const [platform, arch] = target.split('-');
  return `dist/ort/node_modules/onnxruntime-node/bin/napi-v6/${platform}/${arch}/onnxruntime_binding.node`;
}

/** Files a working package must contain (inside extension/; vsce stores README.md as readme.md, LICENSE as LICENSE.txt). */
const REQUIRED = [
  'package.json',
  'readme.md',
  'LICENSE.txt',
  'dist/extension.js',
  'dist/tfjs-backend-wasm.wasm',
  'dist/tfjs-backend-wasm-simd.wasm',
  'dist/tfjs-backend-wasm-threaded-simd.wasm',
  'dist/tfjs-pthread-worker.js',
  'dist/tfjs-backend-wasm-threaded-simd.js',
  'dist/locateWorker.js',
  'dist/webview.js',
  // following a run: the evaluation worker and the followed-run dashboard page
  'dist/followWorker.js',
  'dist/followDashboard.js',
  'media/follow.css',
  // the evaluation browser (its worker and page) and the trajectory-cloud panel
  'dist/evalWorker.js',
  'dist/evalBrowser.js',
  'dist/cloudView.js',
  'media/evalBrowser.css',
  'media/cloud.css',
  // the ARC vote explorer's page
  'dist/votesView.js',
  'media/votes.css',
  // the bundled models (src/extension/bundledModels.ts): the default one, with the paper's recursion,
  // used by the debugger and inline predictions, and the small fast second choice
  'media/models/sudoku/model.safetensors',
  'media/models/sudoku/config.json',
  'media/models/sudoku-small/model.safetensors',
  'media/models/sudoku-small/config.json',
  // ONNX Runtime's Node binding (the native inference path) and the library it loads, for this platform
  'dist/ort/node_modules/onnxruntime-node/package.json',
  'dist/ort/node_modules/onnxruntime-node/dist/index.js',
  'dist/ort/node_modules/onnxruntime-common/dist/cjs/index.js',
];
/** Bundles the build writes that stay out of the package on purpose (standalone tools, see .vscodeignore). */
const NOT_SHIPPED = ['dist/cli.js'];
/** Files that must never ship: sources, maps, dependencies, tests, local state. */
const FORBIDDEN = [
  /\.map$/,
  /^node_modules\//,
  /^dist\/ort\/.*\.(map|ts)$/,
  /^src\//,
  /^test\//,
  /^out\//,
  /^webview\//,
  /^bench\//,
  /^scripts\//,
  /^sample-workspace\//,
  /^\.e2e-out\//,
  /^\.ci\//,
  /^\.git/,
  /\.ts$/,
  /\.vsix$/,
  /^dist\/bench\//,
];

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (r.status !== 0)
    throw new Error(`${[path.basename(cmd), ...args].join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** Central-directory entries of a zip file: name, method, sizes, offset of the local header. */
function readCentralDirectory(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end-of-central-directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`corrupt zip: bad central directory entry ${i}`);
    const nameLen = buf.readUInt16LE(p + 28),
      extraLen = buf.readUInt16LE(p + 30),
      commentLen = buf.readUInt16LE(p + 32);
    entries.push({
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
      method: buf.readUInt16LE(p + 10),
      compressedSize: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Names of the files in a .vsix (zip), e.g. "extension/dist/extension.js". */
export function vsixEntries(vsixPath) {
  return readCentralDirectory(fs.readFileSync(vsixPath)).map((e) => e.name);
}

/** Extracts the `extension/` folder of a .vsix into destDir (which is replaced). Returns the file count. */
export function unzipVsix(vsixPath, destDir) {
  const buf = fs.readFileSync(vsixPath);
  fs.rmSync(destDir, { recursive: true, force: true });
  let n = 0;
  for (const e of readCentralDirectory(buf)) {
    if (!e.name.startsWith('extension/') || e.name.endsWith('/')) continue;
    const rel = e.name.slice('extension/'.length);
    const target = path.resolve(destDir, rel);
    if (!target.startsWith(path.resolve(destDir) + path.sep)) throw new Error(`unsafe path in ${vsixPath}: ${e.name}`);
    if (buf.readUInt32LE(e.localOffset) !== 0x04034b50) throw new Error(`corrupt zip: bad local header for ${e.name}`);
    const start = e.localOffset + 30 + buf.readUInt16LE(e.localOffset + 26) + buf.readUInt16LE(e.localOffset + 28);
    const raw = buf.subarray(start, start + e.compressedSize);
    let data;
    if (e.method === 0) data = raw;
    else if (e.method === 8) data = zlib.inflateRawSync(raw);
    else throw new Error(`unsupported zip compression method ${e.method} for ${e.name}`);
    if (data.length !== e.size) throw new Error(`corrupt zip: ${e.name} has ${data.length} bytes, expected ${e.size}`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    n++;
  }
  return n;
}

/** Files the manifest points at: `main` and each debugger's `program`, relative to the package root. */
function manifestFiles(manifest) {
  const progs = (manifest.contributes?.debuggers ?? []).map((d) => d.program).filter((p) => typeof p === 'string');
  return [manifest.main, ...progs].filter(Boolean).map((p) => path.posix.normalize(p).replace(/^\.\//, ''));
}

/**
 * Problems with the shipped file list (empty when the package is fine). `target`: the package holds
 * exactly that platform's dawn.node (none for `universal`).
 */
export function checkVsixContents(
  entryNames,
  manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')),
  target = hostTarget(),
) {
  const files = entryNames.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length));
  const dawnDir = dawnDirFor(target);
  const dawnRequired = dawnDir ? [`dist/dawn/${dawnDir}/dawn.node`] : [];
  const ortRequired = ORT_TARGETS.includes(target) ? [ortBinding(target)] : [];
  const required = [...new Set([...REQUIRED, ...dawnRequired, ...ortRequired, ...manifestFiles(manifest)])];
  const problems = required.filter((f) => !files.includes(f)).map((f) => `missing ${f}`);
  for (const f of files) if (FORBIDDEN.some((re) => re.test(f))) problems.push(`must not ship ${f}`);
  for (const f of files) {
    const m = /^dist\/dawn\/([^/]+)\//.exec(f);
    if (m && m[1] !== dawnDir)
      problems.push(`must not ship ${f} (a package for ${target} holds ${dawnDir ?? 'no'} dawn.node)`);
  }
  return problems;
}

/** The build lock: shared with `flock /tmp/trm-build.lock node esbuild.mjs` runs of other developers. */
export const BUILD_LOCK = '/tmp/trm-build.lock';
const LOCK_HELD_ENV = 'TRM_BUILD_LOCK_HELD';

/** argv that runs `cmd args` holding the build lock (unchanged when flock is missing or the lock is held). */
export function underBuildLock(cmd, args) {
  if (process.env[LOCK_HELD_ENV] === '1') return [cmd, args];
  const hasFlock = (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((d) => d && fs.existsSync(path.join(d, 'flock')));
  if (!hasFlock) return [cmd, args];
  return ['flock', ['-w', '900', '-E', '75', BUILD_LOCK, 'env', `${LOCK_HELD_ENV}=1`, cmd, ...args]];
}

/** dist/dawn/ holds exactly `target`'s dawn.node folder (none for `universal`), so vsce ships only that. */
function stageDawn(target) {
  const dawnRoot = path.join(ROOT, 'dist/dawn');
  const keep = dawnDirFor(target);
  if (fs.existsSync(dawnRoot))
    for (const d of fs.readdirSync(dawnRoot)) if (d !== keep) fs.rmSync(path.join(dawnRoot, d), { recursive: true });
  if (keep && copyDawn(target) !== keep)
    throw new Error(`no dawn.node for ${target} in node_modules/webgpu (run npm ci)`);
}

export function packageVsix({ out = DEFAULT_VSIX, keepProduction = false, target = hostTarget() } = {}) {
  if (target !== 'universal' && !DAWN_TARGETS.includes(target))
    throw new Error(`unknown target ${target}; expected one of ${[...DAWN_TARGETS, 'universal'].join(', ')}`);
  const t0 = Date.now();
  const buildStart = Date.now() - 2000; // mtime granularity / clock slack
  // ONNX Runtime's binaries for the target only (none where onnxruntime-node ships none).
  const buildEnv = { ...process.env, TRM_ORT_PLATFORMS: ORT_TARGETS.includes(target) ? target : 'none' };
  run(process.execPath, ['esbuild.mjs', '--production'], buildEnv);
  stageDawn(target);
  // What this build wrote into dist/ (not stray files someone left there): each must ship or be known.
  const built = fs
    .readdirSync(path.join(ROOT, 'dist'))
    .filter((f) => /\.(js|wasm)$/.test(f) && fs.statSync(path.join(ROOT, 'dist', f)).mtimeMs >= buildStart)
    .map((f) => `dist/${f}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  try {
    // --no-dependencies: everything is bundled. --no-rewrite-relative-links: the README's relative links
    // stay relative (the manifest's repository is a placeholder, so there is nothing to rewrite them to).
    run(process.execPath, [
      path.join(ROOT, 'node_modules/@vscode/vsce/vsce'),
      'package',
      '--no-dependencies',
      '--no-rewrite-relative-links',
      ...(target === 'universal' ? [] : ['--target', target]),
      '-o',
      out,
    ]);
  } finally {
    // dist/ back to the debuggable build, with this machine's dawn.node
    stageDawn(hostTarget());
    if (!keepProduction) run(process.execPath, ['esbuild.mjs']);
  }
  const entries = vsixEntries(out);
  const problems = checkVsixContents(entries, undefined, target);
  if (problems.length) throw new Error(`package ${out} is wrong:\n  ${problems.join('\n  ')}`);
  const shipped = new Set(entries.map((e) => e.replace(/^extension\//, '')));
  const left = built.filter((f) => !shipped.has(f) && !NOT_SHIPPED.includes(f));
  if (left.length) {
    console.warn(
      `package-vsix: WARNING built but not shipped: ${left.join(', ')}; if the extension loads it, add \`!${left[0]}\` to .vscodeignore`,
    );
  }
  const size = (fs.statSync(out).size / 1e6).toFixed(2);
  console.log(
    `package-vsix: ${path.relative(ROOT, out)} for ${target} (${entries.length} entries, ${size} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const [lockCmd, lockArgs] = underBuildLock(process.execPath, [fileURLToPath(import.meta.url), ...args]);
  if (lockCmd !== process.execPath) {
    // Run this same script again, holding the build lock for the whole production build + package.
    const r = spawnSync(lockCmd, lockArgs, { stdio: 'inherit' });
    if (r.status === 75)
      console.error(
        `package-vsix: could not take ${BUILD_LOCK} within 15 min (is this run wrapped in flock ${BUILD_LOCK}? It takes the lock itself)`,
      );
    process.exit(r.status ?? 1);
  }
  const outIdx = args.indexOf('--out');
  const targetIdx = args.indexOf('--target');
  const all = args.includes('--all-targets');
  const unknown = args.filter(
    (a, i) =>
      !['--keep-production', '--out', '--target', '--all-targets'].includes(a) &&
      !(outIdx >= 0 && i === outIdx + 1) &&
      !(targetIdx >= 0 && i === targetIdx + 1),
  );
  if (
    unknown.length ||
    (outIdx >= 0 && !args[outIdx + 1]) ||
    (targetIdx >= 0 && !args[targetIdx + 1]) ||
    (all && (outIdx >= 0 || targetIdx >= 0))
  ) {
    console.error(
      `package-vsix: usage: node scripts/package-vsix.mjs [--target <${[...DAWN_TARGETS, 'universal'].join('|')}> | --all-targets] [--out <file.vsix>] [--keep-production]`,
    );
    process.exit(2);
  }
  try {
    if (all) {
      for (const target of DAWN_TARGETS)
        packageVsix({ out: path.join(ROOT, 'dist', `trm-lens-${target}.vsix`), target });
    } else {
      packageVsix({
        out: outIdx >= 0 ? path.resolve(args[outIdx + 1]) : DEFAULT_VSIX,
        keepProduction: args.includes('--keep-production'),
        target: targetIdx >= 0 ? args[targetIdx + 1] : hostTarget(),
      });
    }
  } catch (e) {
    console.error(`package-vsix: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
