// The timeline's requests of a comparison session over the wire (DebugClient + the real adapter):
// trm/divergence answers per update the same differences as the "A vs B" Variables scope, and
// trm/heatmap {run: 'B'} answers run B's heatmap (equal to A's when B is the same checkpoint, and
// different when B is perturbed); without a `compare` run, or with a layer, both are refused with a
// message that says why.
import { test, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKPOINT, FIXTURE, Session, fixtureRow } from './dapHarness';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';
import { TRM_REQUESTS } from '../../../src/protocol/debugger';
import type { TrmDivergence, TrmHeatmap } from '../../../src/protocol/debugger';

const row0 = fixtureRow(0);

function perturbedCheckpoint(factor: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-compare-timeline-'));
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

const launchArgs = (compare?: Record<string, unknown>) => ({
  checkpoint: CHECKPOINT,
  puzzle: row0.puzzle,
  solution: row0.solution,
  steps: 2,
  stopOnEntry: true,
  ...(compare ? { compare } : {}),
});

async function divergence(s: Session, step: number): Promise<TrmDivergence> {
  const body = (await s.dc.customRequest(TRM_REQUESTS.divergence.command, { step })).body as unknown;
  assert.equal(TRM_REQUESTS.divergence.body(body, 'body'), undefined, 'the body fits its schema');
  return body as TrmDivergence;
}
async function heatmap(s: Session, args: Record<string, unknown>): Promise<TrmHeatmap> {
  const body = (await s.dc.customRequest(TRM_REQUESTS.heatmap.command, args)).body as unknown;
  assert.equal(TRM_REQUESTS.heatmap.body(body, 'body'), undefined);
  return body as TrmHeatmap;
}

test('a perturbed run B: trm/divergence per update matches the A vs B scope; B heatmaps differ from A', async () => {
  const s = await open();
  await s.launch(launchArgs({ checkpoint: perturbedCheckpoint(1.01) }));
  const traceInfo = s.events.find((e) => e.event === 'trm/traceInfo')!.body as { compare?: string };
  assert.match(traceInfo.compare ?? '', /model\.safetensors/, 'trace info names run B');
  const d1 = await divergence(s, 1);
  assert.equal(d1.step, 1);
  assert.equal(d1.zNorm.length, 21, 'U = T·(n+1) = 21 updates');
  assert.equal(d1.predsB?.length, 81);
  assert.ok(
    d1.zNorm.every((v) => v !== null && v > 0),
    'a perturbed checkpoint differs at every update',
  );
  assert.ok(d1.zNorm[20]! > d1.zNorm[0]!, 'the difference grows over the step');
  // The same numbers as the Variables view at a stop (step 1 › update 3).
  for (let i = 0; i < 3; i++) await s.nextUpdate();
  const at = s.position();
  assert.equal(at.step, 1);
  const vars = await s.scope('A vs B');
  const v = (name: string) => Number(vars.find((x) => x.name === name)!.value);
  assert.ok(Math.abs(v('‖zA − zB‖') - d1.zNorm[at.ordinal]!) <= 1e-3 * v('‖zA − zB‖') + 1e-9);
  assert.ok(Math.abs(v('max |yA − yB|') - d1.yMax[at.ordinal]!) <= 1e-3 * v('max |yA − yB|') + 1e-9);

  const args = { step: 1, ordinal: 5, tensor: 'z', view: 'norm' };
  const a = await heatmap(s, args);
  const b = await heatmap(s, { ...args, run: 'B' });
  assert.equal(b.values.length, a.values.length);
  const maxAbs = Math.max(...a.values.map((x, i) => Math.abs(x! - b.values[i]!)));
  assert.ok(maxAbs > 0, 'run B is another run');
  const delta = await heatmap(s, { ...args, view: 'delta', run: 'B' });
  assert.ok(delta.values.every((x) => x !== null && x >= 0));

  await assert.rejects(
    s.dc.customRequest(TRM_REQUESTS.heatmap.command, { ...args, layer: 1, run: 'B' }),
    /run B is compared per update/,
  );
  await assert.rejects(s.dc.customRequest(TRM_REQUESTS.divergence.command, { step: 0 }), /invalid arguments/);
});

test('run B = the same checkpoint: zero divergence and identical heatmaps; no compare run: refused', async () => {
  const s = await open();
  await s.launch(launchArgs({ checkpoint: CHECKPOINT }));
  const d1 = await divergence(s, 1);
  assert.ok(d1.zMax.every((v) => v === 0) && d1.yMax.every((v) => v === 0));
  assert.ok(d1.cellsDiffer.every((n) => n === 0));
  const args = { step: 1, ordinal: 6, tensor: 'y', view: 'pca' };
  assert.deepEqual((await heatmap(s, { ...args, run: 'B' })).values, (await heatmap(s, args)).values);

  const plain = await open();
  await plain.launch(launchArgs());
  await assert.rejects(plain.dc.customRequest(TRM_REQUESTS.divergence.command, { step: 1 }), /no comparison run B/);
  await assert.rejects(
    plain.dc.customRequest(TRM_REQUESTS.heatmap.command, { ...args, run: 'B' }),
    /no comparison run B/,
  );
});
