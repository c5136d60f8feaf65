// The real WebGPU adapter these tests compute on without a GPU: SwiftShader's Vulkan driver, which
// Debian's `chromium` package ships (scripts/setup-vscode-e2e.sh installs chromium and the Vulkan
// loader, libvulkan1). Pointing the Vulkan loader at its manifest before Dawn creates an instance is
// all it takes; Dawn then reports "SwiftShader driver 5.0.0", a fallback (software) adapter. It is
// slow (tfjs's matrix-product shaders synchronise workgroups, which SwiftShader emulates on the
// CPU): the tests that use it are few and small.
import * as fs from 'node:fs';
import * as os from 'node:os';

export const SWIFTSHADER_ICD = process.env.TRM_SWIFTSHADER_ICD ?? '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Makes Dawn (created after this call) find SwiftShader; fails with what to install when it is missing. */
export function useSoftwareAdapter(): void {
  if (!fs.existsSync(SWIFTSHADER_ICD)) {
    throw new Error(
      `${SWIFTSHADER_ICD} not found: the webgpu tests run on SwiftShader from Debian's chromium package (bash scripts/setup-vscode-e2e.sh installs it)`,
    );
  }
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  // The Vulkan loader and SwiftShader want a runtime folder; a non-login shell may have none.
  process.env.XDG_RUNTIME_DIR ??= os.tmpdir();
}
