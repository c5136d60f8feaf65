// In-editor, when the driver runs the unzipped .vsix (E2E_PACKAGED=1, as `npm test` does): the
// package holds the bundles, the wasm binaries, this platform's dawn.node (and no other platform's)
// and every file the manifest points at, and nothing from the development tree (sources, source
// maps, node_modules, tests).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

function listFiles(root: string): string[] {
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) =>
      path
        .relative(root, path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
        .split(path.sep)
        .join('/'),
    );
}

/** Relative paths ("./x", "x/y.json") in string values of a manifest subtree. */
function manifestPaths(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') {
    if (/^\.{0,2}\/?[\w.-]+(\/[\w.-]+)+$/.test(value) && !/^https?:/.test(value) && /\.\w+$/.test(value))
      out.push(value);
  } else if (Array.isArray(value)) value.forEach((v) => manifestPaths(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => manifestPaths(v, out));
  return out;
}

suite('packaging', () => {
  test('the unzipped .vsix ships what runs and nothing from the development tree', function () {
    if (process.env.E2E_PACKAGED !== '1') this.skip();
    const ext = vscode.extensions.getExtension('trm-lens.trm-lens');
    assert.ok(ext);
    const files = listFiles(ext.extensionPath);
    // The package is built for this platform (vsce package --target): its Dawn binding only.
    const dawnDir = process.platform === 'darwin' ? 'darwin-universal' : `${process.platform}-${process.arch}`;
    for (const f of [
      `dist/dawn/${dawnDir}/dawn.node`,
      'package.json',
      'readme.md',
      'LICENSE.txt',
      'dist/extension.js',
      'dist/tfjs-backend-wasm.wasm',
      'dist/tfjs-backend-wasm-simd.wasm',
      'dist/tfjs-backend-wasm-threaded-simd.wasm',
      'dist/tfjs-pthread-worker.js',
      // ONNX Runtime's Node binding for the native inference path, with this platform's binaries
      'dist/ort/node_modules/onnxruntime-node/dist/index.js',
      'dist/ort/node_modules/onnxruntime-common/dist/cjs/index.js',
      `dist/ort/node_modules/onnxruntime-node/bin/napi-v6/${process.platform}/${process.arch}/onnxruntime_binding.node`,
    ]) {
      assert.ok(files.includes(f), `${f} is not in the package`);
    }
    const forbidden = files.filter((f) =>
      /\.map$|\.ts$|^(node_modules|src|test|out|webview|scripts|sample-workspace|bench)\//.test(f),
    );
    assert.deepEqual(forbidden, [], 'development files in the package');
    // Only the manifest, docs, the run-time bundles and wasm binaries, ONNX Runtime's binding, media, JSON schemas and grammars.
    const unexpected = files.filter(
      (f) =>
        !/^(package\.json|readme\.md|changelog\.md|LICENSE\.txt|\[Content_Types\]\.xml|extension\.vsixmanifest)$/i.test(
          f,
        ) &&
        !/^dist\/[\w.-]+\.(js|wasm)$/.test(f) &&
        !f.startsWith(`dist/dawn/${dawnDir}/`) &&
        !/^dist\/ort\/node_modules\/onnxruntime-(node|common)\/(package\.json|dist\/[\w/.-]+\.(js|json)|bin\/)/.test(
          f,
        ) &&
        !/^(media|schemas|syntaxes)\//.test(f),
    );
    assert.deepEqual(unexpected, [], 'unexpected files in the package');
    // The command line stays out; benchmarks are in dist/bench/ and excluded by the pattern above.
    assert.ok(!files.includes('dist/cli.js'), 'the command line (dist/cli.js) is in the package');
    // The production build: minified, without source-map references (the maps do not ship).
    const main = fs.readFileSync(path.join(ext.extensionPath, 'dist/extension.js'), 'utf8');
    assert.doesNotMatch(
      main,
      /sourceMappingURL=/,
      'dist/extension.js refers to a source map: not the production build',
    );
    const manifest = ext.packageJSON as { main: string; contributes?: unknown };
    const referenced = [manifest.main, ...manifestPaths(manifest.contributes)];
    const missing = referenced.filter((p) => !fs.existsSync(path.resolve(ext.extensionPath, p)));
    assert.deepEqual(missing, [], 'files named in package.json but not packaged');
  });
});
