// Finds and loads Dawn's Node binding (`dawn.node`, the `webgpu` npm package's prebuilt native
// module) without the package's ESM wrapper: the extension ships exactly one platform's binary in
// dist/dawn/<platform>/ (scripts/package-vsix.mjs), development runs take it from node_modules. The
// binary is required with a require made by `createRequire`, which esbuild does not follow, so no
// bundle embeds 21 MB of native code. On Linux, Dawn computes through Vulkan: when the Vulkan loader
// or every Vulkan driver is missing, we say so ourselves instead of loading Dawn, which would only
// print its own warnings and find no adapter.

import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The part of WebGPU's GPUAdapterInfo we read (vendor / architecture may be empty strings). */
export interface DawnAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Newer spelling of the flag; older Dawn builds put it on the adapter. */
  isFallbackAdapter?: boolean;
}

export interface DawnDevice {
  readonly limits: Readonly<Record<string, number>>;
  readonly lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((ev: { error: { message: string; constructor: { name: string } } }) => void) | null;
  destroy(): void;
}

export interface DawnAdapter {
  readonly info: DawnAdapterInfo;
  readonly isFallbackAdapter?: boolean;
  readonly limits: Readonly<Record<string, number>>;
  readonly features: { has(feature: string): boolean };
  requestDevice(desc?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<DawnDevice>;
}

/** navigator.gpu as Dawn implements it. */
export interface DawnGpu {
  requestAdapter(opts?: {
    powerPreference?: 'high-performance' | 'low-power';
    forceFallbackAdapter?: boolean;
  }): Promise<DawnAdapter | null>;
}

/** What dawn.node exports: `create(flags)` makes a GPU (navigator.gpu), `globals` holds the GPU* classes and constants. */
export interface DawnModule {
  create(flags: string[]): DawnGpu;
  globals: Record<string, unknown>;
}

export type DawnLoad = { ok: true; module: DawnModule; path: string } | { ok: false; reason: string };

/** Folder name of a platform's binary inside the `webgpu` package (and in dist/dawn/): macOS ships one universal build. */
export function dawnPlatformDir(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (platform === 'darwin') return 'darwin-universal';
  if ((platform === 'linux' || platform === 'win32') && (arch === 'x64' || arch === 'arm64'))
    return `${platform}-${arch}`;
  return undefined;
}

/**
 * Candidate locations of dawn.node, in order: next to the running bundle (dist/dawn/, or one folder
 * up for the bundles in dist/bench/), then the `webgpu` package.
 */
export function dawnCandidates(dir: string, bases = [__dirname, process.cwd()]): string[] {
  const out = [path.join(bases[0], 'dawn', dir, 'dawn.node'), path.join(bases[0], '..', 'dawn', dir, 'dawn.node')];
  for (const base of bases) {
    try {
      const pkg = createRequire(path.join(base, '__trm_lens_resolve__.js')).resolve('webgpu/package.json');
      out.push(path.join(path.dirname(pkg), 'dist', dir, 'dawn.node'));
    } catch {
      // not installed from this base
    }
  }
  return [...new Set(out.map((p) => path.resolve(p)))];
}

let loaded: DawnLoad | undefined;

/**
 * Loads dawn.node once per thread. The Vulkan check runs on every call (a test or a user may point
 * VK_ICD_FILENAMES at a driver later in the process's life); a binary that failed to load is not
 * retried, its cause does not change at run time.
 */
export function loadDawn(): DawnLoad {
  if (loaded && !loaded.ok) return loaded;
  const dir = dawnPlatformDir();
  if (!dir) return { ok: false, reason: `Dawn has no build for ${process.platform}-${process.arch}` };
  const candidates = dawnCandidates(dir);
  const file = candidates.find((f) => fs.existsSync(f));
  if (!file) {
    return {
      ok: false,
      reason: `dawn.node for ${dir} is not installed (looked in ${candidates.join(', ')}); this package was built for another platform`,
    };
  }
  const vulkan = process.platform === 'linux' ? linuxVulkanProblem() : undefined;
  if (vulkan) return { ok: false, reason: vulkan };
  loaded ??= requireDawn(file);
  return loaded;
}

function requireDawn(file: string): DawnLoad {
  try {
    const mod = createRequire(__filename)(file) as Partial<DawnModule>;
    if (typeof mod.create !== 'function' || typeof mod.globals !== 'object' || mod.globals === null) {
      return { ok: false, reason: `${file} is not Dawn's Node binding (no create() / globals)` };
    }
    return { ok: true, module: mod as DawnModule, path: file };
  } catch (e) {
    // Typical: a glibc older than the one dawn.node was built against.
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { ok: false, reason: `${file} failed to load: ${msg}` };
  }
}

/** Where the Vulkan loader looks for driver manifests (ICD .json files), per the loader's documentation. */
export function vulkanIcdDirs(env: NodeJS.ProcessEnv = process.env, homeDir?: string): string[] {
  const home = homeDir ?? os.homedir(); // remote-ok: the drivers of the machine that computes (the extension host's)
  const split = (v: string | undefined, dflt: string) => (v && v.trim() ? v : dflt).split(':').filter(Boolean);
  const dirs = [
    ...split(env.XDG_CONFIG_DIRS, '/etc/xdg').map((d) => path.join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    path.join(env.XDG_DATA_HOME || path.join(home, '.local/share'), 'vulkan/icd.d'),
    ...split(env.XDG_DATA_DIRS, '/usr/local/share:/usr/share').map((d) => path.join(d, 'vulkan/icd.d')),
    '/usr/local/share/vulkan/icd.d',
    '/usr/share/vulkan/icd.d',
    '/run/opengl-driver/share/vulkan/icd.d', // NixOS
  ];
  return [...new Set(dirs)];
}

const LOADER = 'libvulkan.so.1';

/**
 * Why Vulkan cannot work on this Linux machine, or undefined when it may (or when we cannot tell:
 * then Dawn decides). Looks for the loader in LD_LIBRARY_PATH and the dynamic linker's cache, and
 * for at least one driver manifest.
 */
export function linuxVulkanProblem(
  env: NodeJS.ProcessEnv = process.env,
  exists: (p: string) => boolean = fs.existsSync,
  readCache: () => Buffer | undefined = readLdCache,
  listDir: (d: string) => string[] = safeReaddir,
): string | undefined {
  const inLdPath = (env.LD_LIBRARY_PATH ?? '')
    .split(':')
    .filter(Boolean)
    .some((d) => exists(path.join(d, LOADER)));
  if (!inLdPath) {
    const cache = readCache();
    if (cache && !cache.includes(LOADER)) {
      return `the Vulkan loader (${LOADER}) is not installed, and Dawn computes through Vulkan on Linux: install your distribution's Vulkan loader (Debian/Ubuntu: libvulkan1) and your GPU driver's Vulkan driver`;
    }
  }
  const named = ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES'].find((k) => (env[k] ?? '') !== '');
  if (named) {
    // The loader uses only these manifests (VK_DRIVER_FILES wins over its older name VK_ICD_FILENAMES).
    const files = (env[named] ?? '').split(':').filter(Boolean);
    if (!files.some((f) => exists(f))) return `${named} names no existing Vulkan driver manifest (${files.join(', ')})`;
    return undefined;
  }
  if ((env.VK_ADD_DRIVER_FILES ?? '') !== '') return undefined;
  const dirs = vulkanIcdDirs(env);
  if (!dirs.some((d) => listDir(d).some((f) => f.endsWith('.json')))) {
    return `no Vulkan driver is installed (no driver manifest in /usr/share/vulkan/icd.d, /etc/vulkan/icd.d or the ${dirs.length - 2} other folders the Vulkan loader searches): install your GPU's Vulkan driver (NVIDIA: the proprietary driver's Vulkan part; AMD / Intel: mesa-vulkan-drivers)`;
  }
  return undefined;
}

function readLdCache(): Buffer | undefined {
  try {
    return fs.readFileSync('/etc/ld.so.cache');
  } catch {
    return undefined;
  }
}

function safeReaddir(d: string): string[] {
  try {
    return fs.readdirSync(d);
  } catch {
    return [];
  }
}
