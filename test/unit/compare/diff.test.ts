// Two runs in lock-step on the shared fixture: TRM Lens against the official reference arrays finds
// no divergence above 1e-3 (teacher-forced over all 16 steps, free-running over step 1, where
// free-running agreement holds: see the fixture's tolerance_measurements), and two checkpoints
// (the fixture weights and a perturbed copy) part at the very first update. Also `trm diff` as
// users run it (a real `node dist/cli.js` process on real files).

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { diffRuns, headDecoder, teacherForcedDiff } from '../../../src/engine/compare/divergence';
import { ReferenceRun, liveRun } from '../../../src/engine/compare/referenceRun';
import { writeSafetensors } from '../../../src/engine/formats/safetensors';
import type { HostTensor } from '../../../src/engine/hostTensor';
import { TrmModel } from '../../../src/engine/model/trm';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { FIXTURE_DIR, fixtureConfig, fixtureModel, fixtureWeights, i32, npy, report, useCpu } from '../model/fixture';
import { tmpDir } from '../formats/builders';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PERTURBED_KEY = 'L_level.layers.0.mlp.down_proj.weight';

function perturbed(): Map<string, HostTensor> {
  const w = fixtureWeights();
  const t = w.get(PERTURBED_KEY)!;
  const data = Float32Array.from(t.data as Float32Array, (v) => v * 1.01);
  w.set(PERTURBED_KEY, { ...t, data });
  return w;
}

const puzzle = () => ({ inputs: i32('inputs').slice(0, 81), puzzleIdentifier: 0 });

test('TRM Lens vs the official reference arrays: no divergence above 1e-3 (teacher-forced, 16 steps; free, step 1)', async () => {
  await useCpu();
  const model = fixtureModel();
  const trace = createPuzzleTrace(model, puzzle());
  try {
    const c = model.config;
    const ref = new ReferenceRun(FIXTURE_DIR, c, model.derived.totalSeqLen, 0, 'official', await trace.initialState());
    assert.equal(ref.steps, 16);
    const tf = await teacherForcedDiff(model, ref, { steps: 16, initial: await trace.initialState() });
    report('teacher-forced TRM Lens vs official, largest per-update difference over 16 x 21 updates', tf.maxDivergence);
    assert.equal(tf.updates.length, 16 * 21);
    assert.equal(tf.first, undefined, `diverged at step ${tf.first?.step} update ${tf.first?.ordinal}`);
    assert.ok(tf.maxDivergence > 0 && tf.maxDivergence <= 1e-3);

    const free = await diffRuns(liveRun(trace, 'TRM Lens', 1), ref, {
      steps: 1,
      decode: headDecoder(model),
      H_cycles: c.H_cycles,
      L_cycles: c.L_cycles,
    });
    report('free-running TRM Lens vs official, step 1, largest difference', free.maxDivergence);
    assert.equal(free.first, undefined);
    assert.equal(free.updates.length, 21);
    for (const d of free.updates) {
      assert.ok(Number.isFinite(d.zNorm) && Number.isFinite(d.yNorm), 'both states known at every update');
      assert.deepEqual(d.cellsDiffer, [], 'same decoded answer');
    }
  } finally {
    trace.dispose();
    model.dispose();
  }
});

test('two checkpoints (fixture vs perturbed copy) part at the first update; a threshold above every difference finds none', async () => {
  await useCpu();
  const a = fixtureModel();
  const b = TrmModel.fromWeights(fixtureConfig(), perturbed());
  const ta = createPuzzleTrace(a, puzzle());
  const tb = createPuzzleTrace(b, puzzle());
  try {
    const opts = { steps: 2, decode: headDecoder(a), H_cycles: 3, L_cycles: 6 };
    const r = await diffRuns(liveRun(ta, 'A', 2), liveRun(tb, 'B', 2), opts);
    assert.ok(r.first, 'a divergence is found');
    assert.deepEqual([r.first.step, r.first.ordinal, r.first.ref.kind, r.first.ref.index], [1, 0, 'z', 1]);
    assert.ok(r.first.zMax > 1e-3 && r.first.yMax === 0, 'the first z update differs, y not yet');
    assert.equal(r.updates.length, 42);
    // y differs from the first y update on: the difference is reported per update.
    assert.ok(r.updates[6].yNorm > 0 && r.updates[5].yNorm === 0);
    const none = await diffRuns(liveRun(ta, 'A', 2), liveRun(tb, 'B', 2), { ...opts, threshold: 1e9 });
    assert.equal(none.first, undefined);
    // the same runs on both sides never diverge (bit-identical lazy recomputation)
    const self = await diffRuns(liveRun(ta, 'A', 2), liveRun(ta, 'A', 2), { ...opts, threshold: 0 });
    assert.equal(self.first, undefined);
    assert.equal(self.maxDivergence, 0);
  } finally {
    ta.dispose();
    tb.dispose();
    a.dispose();
    b.dispose();
  }
});

function trm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRM_DEBUG: '' },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test('trm diff: against the official arrays (teacher-forced) no divergence; against a perturbed checkpoint the first update', () => {
  const ckpt = path.join(FIXTURE_DIR, 'model.safetensors');
  const cfg = path.join(FIXTURE_DIR, 'all_config.yaml');
  const inputs = path.join(FIXTURE_DIR, 'inputs.npy');
  const same = trm(
    'diff',
    '--a',
    ckpt,
    '--config-a',
    cfg,
    '--b',
    FIXTURE_DIR,
    '--inputs',
    inputs,
    '--teacher-forced',
    '--steps',
    '4',
  );
  assert.equal(same.code, 0, same.stderr + same.stdout);
  assert.match(same.stdout, /no divergence above 0\.001 in 4 steps/);
  assert.equal(same.stdout.split('\n').filter((l) => l.startsWith('step ')).length, 4 * 21);

  const dir = tmpDir('diff');
  const other = path.join(dir, 'perturbed.safetensors');
  const w = perturbed();
  const prefixed = new Map([...w].map(([k, t]) => [`_orig_mod.model.inner.${k}`, t]));
  writeSafetensors(other, prefixed);
  fs.copyFileSync(cfg, path.join(dir, 'all_config.yaml'));
  const r = trm('diff', '--a', ckpt, '--config-a', cfg, '--b', other, '--inputs', inputs, '--steps', '1', '--json');
  assert.equal(r.code, 1, 'diverging runs exit 1, like diff');
  const out = JSON.parse(r.stdout) as { first: { step: number; ordinal: number }; updates: unknown[] };
  assert.deepEqual([out.first.step, out.first.ordinal], [1, 0]);
  assert.equal(out.updates.length, 21);

  const bad = trm('diff', '--a', ckpt, '--config-a', cfg, '--b', other, '--inputs', inputs, '--teacher-forced');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--teacher-forced needs --b to be a recorded run/);
});

test('trm diff --dataset: a per-puzzle x checkpoint table of who solves what', () => {
  const dir = tmpDir('diff-dataset');
  const inputs = i32('inputs');
  const labels = i32('labels');
  const str = (ids: Int32Array) => Array.from(ids, (v) => (v <= 1 ? '.' : String(v - 1))).join('');
  const lines = ['source,question,answer,rating'];
  for (let r = 0; r < 4; r++)
    lines.push(`fixture,${str(inputs.subarray(r * 81, r * 81 + 81))},${str(labels.subarray(r * 81, r * 81 + 81))},0`);
  const csv = path.join(dir, 'test.csv');
  fs.writeFileSync(csv, lines.join('\n') + '\n');
  const other = path.join(dir, 'perturbed.safetensors');
  writeSafetensors(other, new Map([...perturbed()].map(([k, t]) => [`_orig_mod.model.inner.${k}`, t])));
  const cfg = path.join(FIXTURE_DIR, 'all_config.yaml');
  const ckpt = path.join(FIXTURE_DIR, 'model.safetensors');
  const r = trm('diff', '--a', ckpt, '--config-a', cfg, '--b', other, '--config-b', cfg, '--dataset', csv, '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout) as { rows: { id: string; solved: boolean[] }[]; solvedCount: number[]; steps: number };
  assert.equal(t.rows.length, 4);
  assert.equal(t.steps, 16);
  // A is the fixture model: what it solves is what the official evaluation says (seq_is_correct at the last step)
  const ref = npy('seq_is_correct_steps').data as Uint8Array;
  assert.deepEqual(
    t.rows.map((row) => row.solved[0]),
    [0, 1, 2, 3].map((b) => ref[15 * 4 + b] === 1),
  );
  assert.equal(t.solvedCount[0], t.rows.filter((row) => row.solved[0]).length);
  const text = trm('diff', '--a', ckpt, '--config-a', cfg, '--b', other, '--config-b', cfg, '--dataset', csv);
  assert.match(text.stdout, /A = .*: solves \d\/4 after 16 steps/);
  assert.match(text.stdout, /only A: \d+.*; only B: \d+.*; both: \d+; neither: \d+/);
});
