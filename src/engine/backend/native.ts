// Optional native TensorFlow backends (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node). They are
// not dependencies (their installers download libtensorflow) and are loaded at run time with a
// require created by `createRequire`, which esbuild does not follow: the bundle stays free of them.
// Every tfjs-core copy shares one engine through globalThis, so the backend that the package
// registers is visible to the bundled tfjs-core as 'tensorflow'.

import { createRequire } from 'node:module';
import * as path from 'node:path';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

export type NativeLoad =
  | { ok: true; resolvedPath: string }
  | {
      ok: false;
      reason: string;
      /** When the package was found but did not load: where, and the first line of the error. */
      failed?: { resolvedPath: string; error: string };
    };

/** Where the package is looked for: next to the running bundle (extension/CLI install), then the cwd. */
export function nativeSearchBases(): string[] {
  const bases = [__dirname, process.cwd()];
  return [...new Set(bases.map((b) => path.resolve(b)))];
}

function errorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
}

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/** Resolves and requires `pkg`; a missing package and a package that fails to load get different reasons. */
export function loadNativePackage(pkg: NativePackage, bases = nativeSearchBases()): NativeLoad {
  let resolved: string | undefined;
  let req: NodeRequire | undefined;
  for (const base of bases) {
    const r = createRequire(path.join(base, '__trm_lens_resolve__.js'));
    try {
      resolved = r.resolve(pkg);
      req = r;
      break;
    } catch (e) {
      if (errorCode(e) !== 'MODULE_NOT_FOUND') return { ok: false, reason: `cannot resolve ${pkg}: ${firstLine(e)}` };
    }
  }
  if (!resolved || !req) {
    return { ok: false, reason: `module not installed (looked from ${bases.join(', ')})` };
  }
  try {
    req(resolved);
    return { ok: true, resolvedPath: resolved };
  } catch (e) {
    // Typical: libtensorflow or CUDA shared libraries missing, or a binding built for another node ABI.
    const error = firstLine(e);
    return {
      ok: false,
      reason: `installed at ${resolved} but failed to load: ${error}`,
      failed: { resolvedPath: resolved, error },
    };
  }
}
