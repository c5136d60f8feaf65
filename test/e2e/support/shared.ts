// Helpers every in-editor suite needs: where the shared reference files are (tests may read
// ../shared; the product never does) and polling until the extension reaches a state.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The shared folder (fixtures, datasets): $TRM_SHARED, ../shared from the working folder or from the repo. */
export function sharedDir(): string {
  // Bundled suites run from out/test/e2e/suite/: five levels up is the folder beside the repository.
  const candidates = [
    process.env.TRM_SHARED,
    path.resolve(process.cwd(), '..', 'shared'),
    path.resolve(__dirname, '../../../../../shared'),
  ].filter((p): p is string => !!p);
  const found = candidates.find((p) => fs.existsSync(path.join(p, 'fixtures/trm-sudoku-mlp-small/model.safetensors')));
  assert.ok(found, `shared fixtures not found in ${candidates.join(', ')}; set TRM_SHARED`);
  return found;
}

/** The official-code Sudoku fixture folder (weights, config, reference outputs). */
export function fixtureDir(): string {
  return path.join(sharedDir(), 'fixtures/trm-sudoku-mlp-small');
}

/**
 * Polls `probe` every `intervalMs` until it returns a value; on timeout the error names what was
 * awaited and, when given, what `describe` reports (e.g. the feature's state command).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  const detail = opts.describe ? `; ${JSON.stringify(await opts.describe()).slice(0, 3000)}` : '';
  throw new Error(`timed out waiting for ${what}${detail}`);
}
