// The `patches` list of a trace bundle: the interventions of a patched session (engine/intervene/
// patch.ts), stored with every value resolved, so reopening the bundle re-applies them without run B
// and restores the same states bit for bit. Each entry is checked against the model before anything
// is applied: a bundle whose patches do not fit is refused with a message naming the entry.

import { type Patch, patchProblem } from '../engine/intervene/patch';
import type { TrmConfig } from '../engine/config';

const OPS = new Set(['set', 'zero', 'copy', 'skip', 'freeze', 'embedding']);
const MODES = new Set(['blank', 'mean', 'random', 'puzzle', 'copy']);

/** The bundle's patches as engine patches; throws with the index of the first one that does not apply. */
export function patchesFromBundle(
  raw: readonly Record<string, unknown>[],
  config: TrmConfig,
  maxSteps: number,
): Patch[] {
  return raw.map((r, i) => {
    const bad = (why: string): never => {
      throw new Error(`patch ${i + 1} of the bundle does not apply: ${why}; the session was not restored`);
    };
    if (typeof r.op !== 'string' || !OPS.has(r.op)) bad(`unknown op ${JSON.stringify(r.op)}`);
    if (r.op === 'embedding' && (typeof r.mode !== 'string' || !MODES.has(r.mode)))
      bad(`unknown embedding mode ${JSON.stringify(r.mode)}`);
    const p = r as unknown as Patch;
    const problem = patchProblem(config, p, maxSteps);
    if (problem) bad(problem);
    return p;
  });
}
