// Plain-words reasons for @tensorflow/tfjs-node-gpu failing on a machine. Its libtensorflow 2.9
// needs exactly CUDA 11.2 and cuDNN 8.1 (the .so.11 / .so.8 libraries); most GPU machines today
// have CUDA 12, where loading fails with "libcudart.so.11.0: cannot open shared object file" or,
// when the libraries are looked up lazily, TensorFlow quietly runs on the CPU. We name the library
// that is missing, what the package needs, and which CUDA runtime the machine does have.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const TFJS_NODE_GPU_NEEDS = 'CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9)';

/** Shared libraries libtensorflow 2.9's GPU build opens (from tensorflow's cuda_config for 11.2 / cuDNN 8). */
export const CUDA_LIBRARIES: readonly string[] = [
  'libcudart.so.11.0',
  'libcublas.so.11',
  'libcublasLt.so.11',
  'libcufft.so.10',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.11',
  'libcudnn.so.8',
];

/** Finds shared libraries the way the dynamic linker would: LD_LIBRARY_PATH, its cache, the CUDA toolkit folders. */
export interface LibraryLookup {
  /** Names of the libraries matching `prefix` (e.g. "libcudart.so.") that the linker can find. */
  find(prefix: string): string[];
}

export function systemLibraryLookup(env: NodeJS.ProcessEnv = process.env): LibraryLookup {
  let cache: string | undefined;
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/local/cuda/lib64',
    '/usr/local/cuda/targets/x86_64-linux/lib',
  ];
  return {
    find(prefix: string): string[] {
      cache ??= readText('/etc/ld.so.cache');
      const found = new Set<string>();
      // ld.so.cache stores NUL-separated names and paths: scan for the prefix.
      for (const m of cache.matchAll(new RegExp(`${prefix.replace(/\./g, '\\.')}[0-9.]*`, 'g'))) found.add(m[0]);
      for (const d of dirs) for (const f of readDir(d)) if (f.startsWith(prefix)) found.add(f);
      return [...found].sort();
    },
  };
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(path.resolve(dir));
  } catch {
    return [];
  }
}

/** "this machine has CUDA runtime libcudart.so.12, cuDNN libcudnn.so.9" or "no CUDA runtime found". */
export function installedCuda(lookup: LibraryLookup): string {
  const rt = lookup.find('libcudart.so.').filter((n) => /\.so\.\d+/.test(n));
  const dnn = lookup.find('libcudnn.so.').filter((n) => /\.so\.\d+/.test(n));
  const parts: string[] = [];
  if (rt.length) parts.push(`CUDA runtime ${shortest(rt)}`);
  if (dnn.length) parts.push(`cuDNN ${shortest(dnn)}`);
  return parts.length
    ? `this machine has ${parts.join(', ')}`
    : 'no CUDA runtime (libcudart) was found on this machine';
}

function shortest(names: string[]): string {
  return [...names].sort((a, b) => a.length - b.length || a.localeCompare(b))[0];
}

/** The CUDA libraries tfjs-node-gpu needs that the linker cannot find. */
export function missingCudaLibraries(lookup: LibraryLookup): string[] {
  return CUDA_LIBRARIES.filter((lib) => !lookup.find(lib).includes(lib));
}

/**
 * Rewrites a tfjs-node-gpu load failure ("installed at … but failed to load: libcudart.so.11.0:
 * cannot open shared object file") into what is missing, what is needed and what is installed.
 */
export function explainNativeGpuFailure(firstLine: string, lookup: LibraryLookup = systemLibraryLookup()): string {
  const m = /(lib[\w+-]+\.so(?:\.[\d.]+)?): cannot open shared object file/.exec(firstLine);
  if (!m) return firstLine;
  const lib = m[1];
  if (/^lib(cuda|cublas|cufft|curand|cusolver|cusparse|cudnn|nvinfer)/.test(lib)) {
    return `the CUDA library ${lib} is missing: tfjs-node-gpu needs ${TFJS_NODE_GPU_NEEDS}; ${installedCuda(lookup)}`;
  }
  if (/^libtensorflow/.test(lib)) {
    return `${lib} is missing: tfjs-node-gpu downloads libtensorflow when it is installed (was npm run with --ignore-scripts, or offline?)`;
  }
  return firstLine;
}

/** Why TensorFlow found no GPU after tfjs-node-gpu loaded: the missing CUDA libraries, if any. */
export function explainNoCudaDevice(lookup: LibraryLookup = systemLibraryLookup()): string {
  const missing = missingCudaLibraries(lookup);
  if (missing.length === 0)
    return 'the CUDA libraries are present, but TensorFlow saw no CUDA device (driver too old?)';
  return `missing ${missing.join(', ')}: tfjs-node-gpu needs ${TFJS_NODE_GPU_NEEDS}; ${installedCuda(lookup)}`;
}
