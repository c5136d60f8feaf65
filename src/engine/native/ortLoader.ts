// Loads onnxruntime-node (ONNX Runtime's Node binding: prebuilt CPU binaries for linux x64/arm64,
// darwin arm64 and win32 inside its npm package) at run time. It is not bundled: its JavaScript
// requires a platform-specific `.node` file next to itself, so esbuild leaves it external and this
// module resolves it first from the copy the build places beside the bundles (dist/ort/, what the
// .vsix ships) and then from node_modules (a development checkout, the CLI from npm). A missing
// package, a platform without binaries and a binary that fails to load each get their own reason.

import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-common';

export type OrtModule = typeof Ort;

export type OrtLoad =
  { ok: true; ort: OrtModule; resolvedPath: string; version: string } | { ok: false; reason: string };

const PACKAGE = 'onnxruntime-node';

/** Folders the package is resolved from, in order: the copy beside the bundle, the bundle's node_modules, the cwd. */
export function ortSearchBases(bundleDir = __dirname): string[] {
  const bases = [path.join(bundleDir, 'ort'), bundleDir, process.cwd()];
  return [...new Set(bases.map((b) => path.resolve(b)))];
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

let cached: OrtLoad | undefined;

/** Resolves and loads onnxruntime-node once per process (later calls return the first answer). */
export function loadOrt(bases = ortSearchBases()): OrtLoad {
  if (cached) return cached;
  cached = load(bases);
  return cached;
}

function load(bases: string[]): OrtLoad {
  let resolved: string | undefined;
  let req: NodeJS.Require | undefined;
  for (const base of bases) {
    const r = createRequire(path.join(base, '__trm_lens_resolve__.js'));
    try {
      resolved = r.resolve(PACKAGE);
      req = r;
      break;
    } catch (e) {
      if (errorCode(e) !== 'MODULE_NOT_FOUND')
        return { ok: false, reason: `cannot resolve ${PACKAGE}: ${firstLine(e)}` };
    }
  }
  if (!resolved || !req) return { ok: false, reason: `${PACKAGE} is not installed (looked from ${bases.join(', ')})` };
  const pkgDir = path.dirname(path.dirname(resolved)); // <pkg>/dist/index.js
  const binDir = path.join(pkgDir, 'bin', 'napi-v6', process.platform, process.arch);
  if (!fs.existsSync(path.join(binDir, 'onnxruntime_binding.node')))
    return {
      ok: false,
      reason: `${PACKAGE} has no binary for ${process.platform}-${process.arch} (looked in ${binDir})`,
    };
  try {
    const ort = req(resolved) as OrtModule;
    let version = 'unknown';
    try {
      version =
        (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version?: string }).version ??
        version;
    } catch {
      // the version is only reported
    }
    return { ok: true, ort, resolvedPath: resolved, version };
  } catch (e) {
    return { ok: false, reason: `${PACKAGE} at ${pkgDir} failed to load: ${firstLine(e)}` };
  }
}
