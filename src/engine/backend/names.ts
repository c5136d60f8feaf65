// The compute backends by name, in start-up order (GPU paths first, then the CPU paths from the
// fastest to the one that always works). A dependency-free module, so that launch-configuration and
// CLI validation can list the names without loading any backend.

export const BACKEND_NAMES = ['tfjs-node-gpu', 'webgpu', 'tfjs-node', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(v: unknown): v is BackendName {
  return typeof v === 'string' && (BACKEND_NAMES as readonly string[]).includes(v);
}
