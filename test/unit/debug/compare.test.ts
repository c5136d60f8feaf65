// Two runs in lock-step over the wire (DebugClient + the real adapter): a launch with `compare`
// shows "A vs B" in the Variables view at every stop, stepping forward and back moves both runs,
// and the first-divergence breakpoint stops exactly where the runs part (above the threshold here,
// not at the update before). B is a perturbed copy of the fixture checkpoint, or the official
// recorded arrays of the fixture (which agree with TRM Lens in step 1).
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKPOINT, FIXTURE, Session, fixtureRow } from './dapHarness';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';

const row0 = fixtureRow(0);

/** The fixture weights with one matrix scaled by `factor`, beside the fixture's all_config.yaml. */
function perturbedCheckpoint(factor: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-debug-compare-'));
  const file = readSafetensors(path.join(FIXTURE, 'model.safetensors'));
  const key = [...file.tensors.keys()].find((k) => k.endsWith('L_level.layers.0.mlp.down_proj.weight'))!;
  const t = file.tensors.get(key)!;
  file.tensors.set(key, { ...t, data: Float32Array.from(toFloat32(t), (v) => v * factor) });
  writeSafetensors(path.join(dir, 'model.safetensors'), file.tensors, file.metadata);
  fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  return path.join(dir, 'model.safetensors');
}

const sessions: Session[] = [];
async function open(): Promise<Session> {
  const s = new Session();
  sessions.push(s);
  await s.start();
  return s;
}
after(async () => {
  for (const s of sessions) await s.stop();
});

const num = (vars: { name: string; value: string }[], name: string): number => {
  const v = vars.find((x) => x.name === name);
  assert.ok(v, `variable ${name} missing: ${vars.map((x) => x.name).join(', ')}`);
  return Number(v.value);
};
const maxDiff = (vars: { name: string; value: string }[]) =>
  Math.max(num(vars, 'max |zA − zB|'), num(vars, 'max |yA − yB|'));

test('lock-step stepping with a perturbed checkpoint; the first-divergence breakpoint stops where the runs part', async () => {
  const s = await open();
  const THRESHOLD = 0.05;
  let filters: { verified: boolean; message?: string }[] = [];
  await s.launch(
    {
      checkpoint: CHECKPOINT,
      puzzle: row0.puzzle,
      solution: row0.solution,
      steps: 3,
      stopOnEntry: false,
      compare: { checkpoint: perturbedCheckpoint(1.0005) },
    },
    async () => {
      const r = await s.dc.setExceptionBreakpointsRequest({
        filters: [],
        filterOptions: [{ filterId: 'diverged', condition: String(THRESHOLD) }],
      });
      filters = r.body?.breakpoints ?? [];
    },
  );
  assert.deepEqual(
    filters.map((f) => f.verified),
    [true],
  );
  const stop = s.position();
  const at = { step: stop.step, ordinal: stop.ordinal };
  assert.match(stop.reason, /runs A and B diverge here/);
  const here = await s.scope('A vs B');
  assert.ok(maxDiff(here) > THRESHOLD, `above the threshold at the stop (${maxDiff(here)})`);
  assert.match(here.find((v) => v.name === 'B')!.value, /model\.safetensors/);

  if (at.step > 1 || at.ordinal > 0) {
    // lock-step back: both runs move; the update before was still below the threshold
    await s.stepBack();
    const before = await s.scope('A vs B');
    assert.ok(maxDiff(before) <= THRESHOLD, `not above the threshold one update earlier (${maxDiff(before)})`);
    await s.nextUpdate();
    assert.deepEqual([s.position().step, s.position().ordinal], [at.step, at.ordinal]);
    const again = await s.scope('A vs B');
    assert.deepEqual(again, here, 'stepping back and forth gives identical comparisons');
  }
  console.log(`# first divergence above ${THRESHOLD} at step ${at.step} update ${at.ordinal}`);
  assert.ok(at.step > 1 || at.ordinal > 0, 'a small perturbation parts the runs after the first update');
});

test('against the official recorded arrays, step 1 agrees update by update; bad compare specs are refused', async () => {
  const s = await open();
  await s.launch({
    checkpoint: CHECKPOINT,
    puzzle: row0.puzzle,
    solution: row0.solution,
    steps: 2,
    compare: { trace: FIXTURE },
  });
  for (let k = 0; k < 8; k++) {
    const vars = await s.scope('A vs B');
    assert.ok(maxDiff(vars) < 1e-3, `update ${s.position().ordinal}: ${maxDiff(vars)}`);
    assert.equal(vars.find((v) => v.name === 'cells A ≠ B')!.value, 'none');
    await s.nextUpdate();
  }
  const info = s.events.find((e) => e.event === 'trm/traceInfo');
  assert.match(String(info?.body?.compare), /recorded/);

  const bad = await open();
  await bad.dc.initializeRequest({ adapterID: 'trm', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await assert.rejects(
    bad.dc.launchRequest({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, compare: { trace: os.tmpdir() } } as never),
    /'compare' \.trace .* is not a recorded run/,
  );
});
