// The plain-words reasons selection gives for a skipped GPU candidate, on made-up machines: the
// Vulkan loader or driver missing (webgpu on Linux), a CUDA library missing or the wrong CUDA
// version (tfjs-node-gpu), and which dawn.node folder each platform uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CUDA_LIBRARIES,
  LibraryLookup,
  explainNativeGpuFailure,
  explainNoCudaDevice,
  installedCuda,
  missingCudaLibraries,
} from '../../../src/engine/backend/cuda';
import { dawnPlatformDir, linuxVulkanProblem, vulkanIcdDirs } from '../../../src/engine/backend/dawn';
import { GpuMemoryError, isGpuError } from '../../../src/engine/backend/gpuErrors';
import { adapterName, adapterShortName, summariseAdapter } from '../../../src/engine/backend/webgpu';

const noFiles = () => false;
const cacheWith =
  (...libs: string[]) =>
  () =>
    Buffer.from(`\0${libs.join('\0/usr/lib/x86_64-linux-gnu/')}\0`);

test('Vulkan: a missing loader, a missing driver and a bad VK_ICD_FILENAMES each get their own reason', () => {
  const env = { HOME: '/home/u' };
  assert.match(
    linuxVulkanProblem(env, noFiles, cacheWith('libc.so.6'), () => []) ?? '',
    /^the Vulkan loader \(libvulkan\.so\.1\) is not installed.*Debian\/Ubuntu: libvulkan1/,
  );
  assert.match(
    linuxVulkanProblem(env, noFiles, cacheWith('libvulkan.so.1'), () => []) ?? '',
    /^no Vulkan driver is installed \(no driver manifest in \/usr\/share\/vulkan\/icd\.d.*mesa-vulkan-drivers/,
  );
  const nvidia = (d: string) => (d === '/usr/share/vulkan/icd.d' ? ['nvidia_icd.json'] : []);
  assert.equal(linuxVulkanProblem(env, noFiles, cacheWith('libvulkan.so.1'), nvidia), undefined);
  // The loader found through LD_LIBRARY_PATH counts even when the linker cache lacks it.
  assert.equal(
    linuxVulkanProblem(
      { LD_LIBRARY_PATH: '/opt/vk/lib' },
      (p) => p === '/opt/vk/lib/libvulkan.so.1',
      cacheWith(),
      nvidia,
    ),
    undefined,
  );
  assert.equal(
    linuxVulkanProblem({ VK_ICD_FILENAMES: '/nope.json' }, noFiles, cacheWith('libvulkan.so.1'), nvidia),
    'VK_ICD_FILENAMES names no existing Vulkan driver manifest (/nope.json)',
  );
  assert.equal(
    linuxVulkanProblem(
      { VK_ICD_FILENAMES: '/sw.json' },
      (p) => p === '/sw.json',
      cacheWith('libvulkan.so.1'),
      () => [],
    ),
    undefined,
  );
  // Without a linker cache (not glibc, or unreadable) the loader check is left to Dawn.
  assert.equal(
    linuxVulkanProblem(env, noFiles, () => undefined, nvidia),
    undefined,
  );
  assert.ok(vulkanIcdDirs({ XDG_DATA_DIRS: '/nix/share' }, '/home/u').includes('/nix/share/vulkan/icd.d'));
});

function lookup(...names: string[]): LibraryLookup {
  return { find: (prefix) => names.filter((n) => n.startsWith(prefix)) };
}

test('tfjs-node-gpu: the missing CUDA library, the versions it needs and what the machine has', () => {
  const cuda12 = lookup('libcudart.so.12', 'libcudart.so.12.4.127', 'libcudnn.so.9');
  assert.equal(
    explainNativeGpuFailure('libcudart.so.11.0: cannot open shared object file: No such file or directory', cuda12),
    'the CUDA library libcudart.so.11.0 is missing: tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1 (libtensorflow 2.9); this machine has CUDA runtime libcudart.so.12, cuDNN libcudnn.so.9',
  );
  assert.match(
    explainNativeGpuFailure('libcudnn.so.8: cannot open shared object file: No such file or directory', lookup()),
    /^the CUDA library libcudnn\.so\.8 is missing: .*; no CUDA runtime \(libcudart\) was found on this machine$/,
  );
  assert.match(
    explainNativeGpuFailure('libtensorflow.so.2: cannot open shared object file', lookup()),
    /^libtensorflow\.so\.2 is missing: tfjs-node-gpu downloads libtensorflow when it is installed/,
  );
  assert.equal(explainNativeGpuFailure('some other failure', lookup()), 'some other failure');
  assert.deepEqual(missingCudaLibraries(lookup(...CUDA_LIBRARIES)), []);
  assert.deepEqual(missingCudaLibraries(lookup('libcudart.so.11.0')), CUDA_LIBRARIES.slice(1));
  assert.match(
    explainNoCudaDevice(cuda12),
    /^missing libcudart\.so\.11\.0, libcublas\.so\.11, .*this machine has CUDA runtime libcudart\.so\.12/,
  );
  assert.match(explainNoCudaDevice(lookup(...CUDA_LIBRARIES)), /present, but TensorFlow saw no CUDA device/);
  assert.equal(installedCuda(lookup()), 'no CUDA runtime (libcudart) was found on this machine');
});

test('adapters: software ones are recognised by flag or by name, and named for people', () => {
  const adapter = (info: Record<string, unknown>, isFallbackAdapter?: boolean) =>
    summariseAdapter({
      info: { vendor: '', architecture: '', device: '', description: '', ...info },
      isFallbackAdapter,
      limits: { maxBufferSize: 4e9, maxStorageBufferBindingSize: 2e9 },
      features: { has: () => false },
      requestDevice: () => Promise.reject(new Error('unused')),
    } as never);
  const nvidia = adapter({ vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4090' });
  assert.equal(nvidia.software, false);
  assert.equal(adapterName(nvidia), 'NVIDIA GeForce RTX 4090 (nvidia ada)');
  assert.equal(adapterShortName(nvidia), 'nvidia ada');
  assert.equal(adapter({ description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software, true);
  assert.equal(adapter({ vendor: 'mesa', description: 'lavapipe' }).software, true);
  assert.equal(adapter({ description: 'Microsoft Basic Render Driver' }).software, true);
  assert.equal(
    adapter({ vendor: 'intel', description: 'any' }, true).software,
    true,
    'older Dawn: flag on the adapter',
  );
  assert.equal(adapter({ vendor: 'intel', isFallbackAdapter: true }).software, true);
  assert.equal(adapterName(adapter({ vendor: 'apple', architecture: 'metal-3' })), 'apple metal-3');
});

test('dawn.node folders per platform; GPU errors carry a code that survives a worker boundary', () => {
  assert.equal(dawnPlatformDir('linux', 'x64'), 'linux-x64');
  assert.equal(dawnPlatformDir('linux', 'arm64'), 'linux-arm64');
  assert.equal(dawnPlatformDir('darwin', 'arm64'), 'darwin-universal');
  assert.equal(dawnPlatformDir('darwin', 'x64'), 'darwin-universal');
  assert.equal(dawnPlatformDir('win32', 'x64'), 'win32-x64');
  assert.equal(dawnPlatformDir('linux', 'ia32'), undefined);
  assert.equal(dawnPlatformDir('freebsd', 'x64'), undefined);
  const e = GpuMemoryError.forTensor([768, 97, 1536], 'float32', 768 * 97 * 1536 * 4, {
    maxBufferSize: 268435456,
    maxStorageBufferBindingSize: 134217728,
    adapter: 'Some GPU',
  });
  assert.equal(
    e.message,
    'GPU memory: a float32 tensor of shape [768, 97, 1536] needs 458 MB in one GPU buffer, but Some GPU allows at most 134 MB per buffer (maxBufferSize 268 MB, maxStorageBufferBindingSize 134 MB). Use a smaller batch, or the CPU backend ("wasm": --backend wasm on the command line, "backend": "wasm" in a launch configuration).',
  );
  assert.equal(isGpuError(e), true);
  assert.equal(isGpuError({ code: 'TRM_GPU_MEMORY', message: 'from a worker' }), true);
  assert.equal(isGpuError(new Error('other')), false);
});
