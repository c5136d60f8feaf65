// Trace bundles in the debug session: a launch with `bundle: "<file>.trmbundle.json"` becomes the
// launch the bundle saved (checkpoint, puzzle, policy, …), checked against the weights hash, then
// replays the adopted cloud branches and the patches, and stops at the saved cursor, recomputing
// every state; trm/bundleSave writes the current state as a bundle.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  BUNDLE_FORMAT,
  BUNDLE_VERSION,
  BundleError,
  TraceBundle,
  checkWeights,
  readBundle,
  weightsHash,
  writeBundle,
} from '../engine/bundle/bundle';
import type { CloudController } from './cloudRequests';
import type { DebugEngine } from './engineTypes';
import type { TrmLaunchArgs } from './launchConfig';
import type { Stop, TrmRuntime } from './runtime';
import { patchesFromBundle } from './bundlePatches';
import type { PatchController } from './patchRequests';

const LAUNCH_KEYS = [
  'checkpoint',
  'config',
  'dataset',
  'puzzle',
  'index',
  'puzzleId',
  'solution',
  'steps',
  'haltPolicy',
  'backend',
  'dtype',
] as const;

/** A launch that names a bundle: the bundle and the launch attributes it saved. */
export function bundleLaunch(raw: unknown): { bundle: TraceBundle; raw: Record<string, unknown> } | undefined {
  if (typeof raw !== 'object' || raw === null || !('bundle' in raw)) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.bundle !== 'string' || r.bundle === '')
    throw new BundleError(`'bundle' must be the path of a ${'.trmbundle.json'} file`);
  const file = path.resolve(typeof r.cwd === 'string' ? r.cwd : process.cwd(), r.bundle);
  const bundle = readBundle(file);
  const launch: Record<string, unknown> = { ...bundle.launch, stopOnEntry: true };
  // The restoring launch's cwd (the workspace it is opened in) is where paths are shown from; the
  // saved paths are absolute, so it changes no file, only how the Variables name them.
  for (const [k, v] of Object.entries(r)) if (k.startsWith('__') || k === 'noDebug' || k === 'cwd') launch[k] = v;
  return { bundle, raw: launch };
}

export { checkWeights };

/** Replays the bundle's forks, breakpoints and patches, then stops at its cursor. */
export async function restoreBundle(
  runtime: TrmRuntime,
  cloud: CloudController,
  patches: PatchController,
  bundle: TraceBundle,
): Promise<Stop> {
  await runtime.exclusive(async () => {
    const saved = patchesFromBundle(bundle.patches, runtime.engine.config, runtime.maxSteps);
    cloud.restoreChain(bundle.forks);
    if (saved.length > 0) patches.apply(saved);
    if (runtime.functionBreakpoints().length === 0 && bundle.breakpoints.length > 0) {
      const results = runtime.setFunctionBreakpoints(bundle.breakpoints);
      const badOne = results.find((x) => !x.verified);
      if (badOne) throw new BundleError(`a breakpoint of the bundle does not apply: ${badOne.message}`);
    }
  });
  const c = bundle.cursor;
  const stop = await runtime.seek({
    step: c.step,
    ordinal: c.ordinal,
    ...(c.layer !== undefined ? { layer: c.layer } : {}),
  });
  const text = `Restored trace bundle at ${stop.text.replace(/^Moved to /, '')}${bundle.notes ? `\nNotes: ${bundle.notes}` : ''}`;
  return { ...stop, text, description: 'Restored from trace bundle' };
}

/** The session's current state as a bundle (writes it when `file` is given). */
export function saveBundle(
  args: TrmLaunchArgs,
  engine: DebugEngine,
  runtime: TrmRuntime,
  cloud: CloudController,
  patches: PatchController,
  opts: { file?: string; notes?: string; breakpoints?: { name: string; condition?: string }[] },
): { bundle: TraceBundle; file?: string } {
  const launch: Record<string, unknown> = {};
  for (const k of LAUNCH_KEYS) if (args[k] !== undefined) launch[k] = args[k];
  launch.checkpoint = args.checkpoint;
  const pos = runtime.position;
  const p = engine.puzzle;
  const bundle: TraceBundle = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    createdAt: new Date().toISOString(),
    weights: { path: args.checkpoint, sha256: weightsHash(args.checkpoint) },
    launch,
    config: { ...engine.config },
    puzzle: {
      id: p.id,
      origin: p.origin,
      kind: p.kind,
      inputs: Array.from(p.inputs),
      ...(p.labels ? { labels: Array.from(p.labels) } : {}),
    },
    haltPolicy: args.haltPolicy,
    forks: cloud.chain.map((l) => ({ fork: { ...l.fork }, noise: { ...l.noise }, n: l.n, branch: l.branch })),
    cursor: {
      step: pos.step,
      ordinal: pos.ordinal,
      ...(pos.layer !== undefined ? { layer: pos.layer } : {}),
      description: runtime.describe(pos),
    },
    breakpoints: opts.breakpoints ?? runtime.functionBreakpoints(),
    notes: opts.notes ?? '',
    patches: patches.forBundle() as unknown as Record<string, unknown>[],
  };
  if (opts.file) {
    const file = path.resolve(opts.file);
    if (!file.endsWith('.json')) throw new BundleError(`${file}: a trace bundle is a .trmbundle.json file`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeBundle(file, bundle);
    return { bundle, file };
  }
  return { bundle };
}

/** Checks that the recomputed puzzle is the saved one (a dataset file may have changed since). */
export function checkPuzzle(bundle: TraceBundle, engine: DebugEngine): void {
  const a = bundle.puzzle.inputs;
  const b = engine.puzzle.inputs;
  if (a.length !== b.length || a.some((v, i) => v !== b[i]))
    throw new BundleError(
      `the puzzle differs from the bundle's: ${engine.puzzle.origin} is not the puzzle ${bundle.puzzle.id} the bundle was saved with (has the dataset file changed?)`,
    );
}
