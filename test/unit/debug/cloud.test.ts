// Trajectory clouds over the wire (DebugClient + the real adapter, bundled Sudoku demo model): fork
// N = 4 branches from a stop, adopt one (the Call Stack names it), step back to the fork point and
// get the trunk's state bit for bit (every channel of y and z, and the Variables view).

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { CloudView } from '../../../src/protocol/cloud';
import { Session } from './dapHarness';

const CHECKPOINT = path.resolve('media/models/sudoku-demo/model.safetensors');
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
  assert.ok(bad instanceof Error && /'n' must be an integer in 1..256/.test(bad.message), String(bad));

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
  assert.ok(bad2 instanceof Error && /out of range: the cloud has branches 0..3/.test(bad2.message), String(bad2));
});
