// Trajectory clouds over the wire (DebugClient + the real adapter, bundled Sudoku demo model): fork
// N = 4 branches from a stop, adopt one (the Call Stack names it), step back to the fork point and
// get the trunk's state bit for bit (every channel of y and z, and the Variables view).

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CloudView } from '../../../src/protocol/cloud';
import { Session } from './dapHarness';
import { bundleLaunch } from '../../../src/debug/bundleSession';

const CHECKPOINT = path.resolve('media/models/sudoku-small/model.safetensors');
const DATASET = path.resolve('sample-workspace/sudoku/generated-moderate.csv');
const D = 64;

let s: Session;
before(async () => {
  s = new Session();
  await s.start();
});
after(() => s.stop());

/** Every channel of y and z at a position, as the adapter serves them (float32 values, exact in JSON). */
async function fullState(step: number, ordinal: number): Promise<number[][]> {
  const out: number[][] = [];
  for (const tensor of ['y', 'z'])
    for (let channel = 0; channel < D; channel++)
      out.push(
        (await s.dc.customRequest('trm/heatmap', { step, ordinal, tensor, view: 'channel', channel })).body.values,
      );
  return out;
}

async function variablesText(): Promise<string> {
  const parts: string[] = [];
  for (const scope of ['y', 'halting']) for (const v of await s.scope(scope)) parts.push(`${v.name}=${v.value}`);
  return parts.join('\n');
}

test('cloud over DAP: fork N = 4 from a stop, adopt a branch, step back to the fork returns the trunk bit for bit', async () => {
  await s.launch({ checkpoint: CHECKPOINT, dataset: DATASET, index: 0, stopOnEntry: true, backend: 'cpu' });
  await s.nextUpdate();
  await s.nextUpdate(); // step 1, ordinal 2 (the y update of cycle 1)
  assert.equal(s.position().ordinal, 2);
  const trunkState = await fullState(1, 2);
  const trunkVars = await variablesText();
  const trunkNext = await fullState(1, 3);

  const bad = await s.dc.customRequest('trm/cloudFork', { n: 0, scale: 0.3 }).catch((e: Error) => e);
  assert.ok(bad instanceof Error && /'n' must be an integer in 1..256/.test((bad as Error).message));

  const view = (await s.dc.customRequest('trm/cloudFork', { n: 4, scale: 0.5, seed: 3, target: 'both' }))
    .body as CloudView;
  assert.equal(view.branches.length, 4);
  assert.deepEqual(view.fork.step, 1);
  assert.equal(view.fork.ordinal, 2);
  assert.equal(view.fan.branches.length, 4);
  assert.ok(view.fan.branches.every((b) => b.xs.length > 0 && b.xs.every(Number.isFinite)));
  assert.equal(view.votes.entropy.length, 81);
  const maxQ = Math.max(...view.branches.map((b) => b.qHalt));
  assert.equal(view.branches[view.selected!].qHalt, maxQ, 'Q selection picks the highest q_halt at halt');
  // The same request gives the same cloud (seeded).
  const again = (await s.dc.customRequest('trm/cloudFork', { n: 4, scale: 0.5, seed: 3, target: 'both' }))
    .body as CloudView;
  assert.deepEqual(
    again.branches.map((b) => b.qHalt),
    view.branches.map((b) => b.qHalt),
  );

  const stopped = await s.motion(() => s.dc.customRequest('trm/cloudAdopt', { forkId: view.forkId, branch: 2 }));
  assert.match(stopped.body.description ?? '', /Adopted branch 2\/4/);
  assert.deepEqual([s.position().step, s.position().ordinal], [1, 3]);
  const frames = await s.frames();
  assert.ok(
    frames.some((f) => /^step 1 · branch 2\/4 from step 1 › cycle 1 › y/.test(f.name)),
    frames.map((f) => f.name).join(' | '),
  );
  const branchNext = await fullState(1, 3);
  assert.notDeepEqual(branchNext, trunkNext, 'the adopted branch moved away from the trunk after the fork');

  await s.stepBack();
  assert.deepEqual([s.position().step, s.position().ordinal], [1, 2]);
  const backFrames = await s.frames();
  assert.ok(!backFrames.some((f) => /branch/.test(f.name)), 'at the fork point the Call Stack shows the trunk');
  assert.deepEqual(await fullState(1, 2), trunkState, 'trunk state at the fork, bit for bit');
  assert.equal(await variablesText(), trunkVars);

  // Forward again along the branch, then back to the trunk explicitly.
  await s.nextUpdate();
  assert.deepEqual(await fullState(1, 3), branchNext, 'the branch recomputes the same states');
  await s.motion(() => s.dc.customRequest('trm/cloudAdopt', { forkId: view.forkId, branch: -1 }));
  assert.deepEqual(await fullState(1, 3), trunkNext);
  const bad2 = await s.dc.customRequest('trm/cloudAdopt', { forkId: view.forkId, branch: 9 }).catch((e: Error) => e);
  assert.ok(bad2 instanceof Error && /out of range: the cloud has branches 0..3/.test((bad2 as Error).message));

  // A trace bundle of a state on a branch, at a layer inside an update.
  await s.motion(() => s.dc.customRequest('trm/cloudAdopt', { forkId: view.forkId, branch: 1 }));
  await s.nextUpdate();
  await s.stepIn(); // step 1, ordinal 5, layer 1 (on branch 1)
  const pos = s.position();
  assert.deepEqual([pos.step, pos.ordinal, pos.layer], [1, 5, 1]);
  savedState = await fullState(1, 5);
  savedVars = await variablesText();
  savedFrames = (await s.frames()).map((f) => f.name);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-bundle-'));
  bundleFile = path.join(dir, 'branch.trmbundle.json');
  const saved = (await s.dc.customRequest('trm/bundleSave', { file: bundleFile, notes: 'branch 1 fixes r1c1' })).body;
  assert.equal(saved.file, bundleFile);
  const onDisk = JSON.parse(fs.readFileSync(bundleFile, 'utf8'));
  assert.equal(onDisk.forks.length, 1);
  assert.equal(onDisk.forks[0].branch, 1);
  assert.deepEqual(onDisk.cursor.layer, 1);
  assert.ok(fs.statSync(bundleFile).size < 16_000, 'a bundle stores no states');
});

let bundleFile = '';
let savedState: number[][] = [];
let savedVars = '';
let savedFrames: string[] = [];

test('trace bundle: reopening restores the same update on the same branch with identical variables', async () => {
  assert.ok(bundleFile, 'the previous test saved a bundle');
  const r = new Session();
  await r.start();
  const prev = s;
  s = r;
  try {
    const stopped = await r.launch({ bundle: bundleFile, cwd: os.tmpdir() });
    assert.match(stopped.body.text ?? '', /Restored trace bundle/);
    assert.match(stopped.body.text ?? '', /Notes: branch 1 fixes r1c1/);
    const pos = r.position();
    assert.deepEqual([pos.step, pos.ordinal, pos.layer], [1, 5, 1]);
    assert.deepEqual(
      (await r.frames()).map((f) => f.name),
      savedFrames,
    );
    assert.equal(await variablesText(), savedVars);
    assert.deepEqual(await fullState(1, 5), savedState, 'recomputed states equal the saved session bit for bit');
    // The launch that restores keeps its own cwd (the workspace it is opened in), from which the
    // Variables name the dataset file: without it a restored session showed paths from the process's
    // working folder, so its Variables differed from the saved session's (found in the in-editor test).
    assert.equal(bundleLaunch({ bundle: bundleFile, cwd: os.tmpdir() })?.raw.cwd, os.tmpdir());
    assert.equal(bundleLaunch({ bundle: bundleFile })?.raw.cwd, undefined);
  } finally {
    s = prev;
    await r.stop();
  }
});

test('trace bundle: other weights, a broken file or patches are refused with a clear error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-bundle-bad-'));
  const b = JSON.parse(fs.readFileSync(bundleFile, 'utf8'));
  const write = (name: string, v: unknown) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, typeof v === 'string' ? v : JSON.stringify(v));
    return f;
  };
  const cases: [string, RegExp][] = [
    [
      write('hash.trmbundle.json', { ...b, weights: { ...b.weights, sha256: 'a'.repeat(64) } }),
      /the weights differ from the bundle's/,
    ],
    [write('junk.trmbundle.json', '{"format": '), /not valid JSON/],
    [write('patch.trmbundle.json', { ...b, patches: [3] }), /patches\[0\] must be an object/],
    [
      write('patches.trmbundle.json', { ...b, patches: [{ kind: 'zero', cells: [1] }] }),
      /patch 1 of the bundle does not apply: unknown op undefined/,
    ],
    [write('fork.trmbundle.json', { ...b, forks: [{ ...b.forks[0], branch: 7 }] }), /forks\[0\] must be/],
  ];
  for (const [file, re] of cases) {
    const r = new Session();
    await r.start();
    try {
      if (/patches\.trm/.test(file)) {
        // Launch succeeds; the restore refuses and says why.
        await r.launch({ bundle: file });
        const err = r.events.find((e) => e.event === 'output' && /does not apply/.test(e.body.output));
        assert.ok(err, 'an output names the refused patches');
        assert.match(err.body.output, re);
      } else {
        const e = await r.launch({ bundle: file }).catch((x: Error) => x);
        assert.ok(e instanceof Error, `${path.basename(file)} should fail`);
        assert.match(e.message, re);
      }
    } finally {
      await r.stop();
    }
  }
});
