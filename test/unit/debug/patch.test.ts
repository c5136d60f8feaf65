// Patching and ablation over the wire (DebugClient + the real adapter, bundled Sudoku demo model):
// setVariable on a z row, continue on the patched run, step back past the patch (the unpatched
// trunk, bit for bit), step forward again (the patched states, bit for bit); copy from run B (the
// unpatched baseline), skip, freeze, one channel by setExpression, clearing; the marks a patched
// session shows (Call Stack, stop description, Variables, trm/patches); bad input; and a trace
// bundle of a patched session that reopens at the same update with identical variables and states.

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { Session, named } from './dapHarness';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';

const CHECKPOINT = path.resolve('media/models/sudoku-small/model.safetensors');
const DATASET = path.resolve('sample-workspace/sudoku/generated-moderate.csv');
const D = 64;
const P = 1; // puzzle_emb_len of the demo model
const LAUNCH = { checkpoint: CHECKPOINT, dataset: DATASET, index: 0, stopOnEntry: true, backend: 'cpu' };

let s: Session;
const patchEvents: DebugProtocol.Event[] = [];
before(async () => {
  s = new Session();
  await s.start();
  s.dc.on('trm/patches', (e: DebugProtocol.Event) => patchEvents.push(e));
});
after(() => s.stop());

/** Every channel of y and z at a position, as the adapter serves them (float32 values, exact in JSON). */
async function fullState(session: Session, step: number, ordinal: number): Promise<{ y: number[][]; z: number[][] }> {
  const out = { y: [] as number[][], z: [] as number[][] };
  for (const tensor of ['y', 'z'] as const)
    for (let channel = 0; channel < D; channel++)
      out[tensor].push(
        (await session.dc.customRequest('trm/heatmap', { step, ordinal, tensor, view: 'channel', channel })).body
          .values,
      );
  return out;
}
/** The D channels of one sequence position. */
const at = (t: number[][], position: number) => t.map((ch) => ch[position]);

async function variablesText(session: Session): Promise<string> {
  const parts: string[] = [];
  for (const scope of ['y', 'halting']) for (const v of await session.scope(scope)) parts.push(`${v.name}=${v.value}`);
  return parts.join('\n');
}

async function scopeNames(session: Session): Promise<string[]> {
  const [top] = await session.frames();
  return (await session.dc.scopesRequest({ frameId: top.id })).body.scopes.map((x) => x.name);
}

const repl = (session: Session, expression: string) =>
  session.motion(() => session.dc.evaluateRequest({ expression, context: 'repl' }));
const seek = (session: Session, step: number, ordinal: number) =>
  session.motion(() => session.dc.customRequest('trm/seek', { step, ordinal }));
const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => new Error('no error'),
    (e: Error) => e,
  );

let bundleFile = '';
let saved: { state: { y: number[][]; z: number[][] }; vars: string; frames: string[]; patches: string } | undefined;

test('setVariable patches z at a cell; continue; step back returns the trunk bit for bit, forward the patched run', async () => {
  await s.launch(LAUNCH);
  const trunk11 = await fullState(s, 1, 1);
  const trunk12 = await fullState(s, 1, 2);
  const trunk13 = await fullState(s, 1, 3);
  const trunk14 = await fullState(s, 1, 4);
  await s.nextUpdate();
  const trunkVars11 = await variablesText(s);
  await s.nextUpdate();
  assert.deepEqual([s.position().step, s.position().ordinal], [1, 2]);

  const zState = named(await s.scope('z'), 'z (state)');
  const [row] = await s.children(zState, { filter: 'indexed', start: P, count: 1 });
  assert.equal(row.name, '[1] r1c1');
  const stopped = await s.motion(() =>
    s.dc.setVariableRequest({ variablesReference: zState.variablesReference, name: row.name, value: '0' }),
  );
  assert.match(stopped.body.description ?? '', /Patched \(1\)/);
  assert.deepEqual([s.position().step, s.position().ordinal], [1, 2]);
  const patched12 = await fullState(s, 1, 2);
  assert.deepEqual(at(patched12.z, P), new Array(D).fill(0), 'z at r1c1 is zero');
  assert.deepEqual(at(patched12.z, P + 1), at(trunk12.z, P + 1), 'other cells untouched');
  assert.deepEqual(patched12.y, trunk12.y);
  // Marked everywhere: Call Stack, Variables, the trm/patches event.
  assert.ok((await s.frames()).some((f) => /^step 1 · patched ×1$/.test(f.name)));
  const scopes = await scopeNames(s);
  assert.ok(scopes.includes('patches (1)'), scopes.join(', '));
  assert.ok(scopes.includes('A (patched) vs B'), scopes.join(', '));
  const list = await s.scope('patches');
  assert.match(list[0].value, /step 1 › cycle 1 › y \(z_H\): zero z at r1c1/);
  assert.match(named(list, 'B').value, /baseline/);
  const cmp = await s.scope('A (patched)');
  assert.ok(Number(named(cmp, '‖zA − zB‖').value) > 0);
  assert.equal(patchEvents.at(-1)?.body.count, 1);
  // The timeline re-reads the run: a fresh trm/traceInfo with the patch count (its header shows "patched: 1").
  assert.equal(s.events.filter((e) => e.event === 'trm/traceInfo').at(-1)?.body.patches, 1);

  // Forward: the run is recomputed from the patched state.
  const next = await s.nextUpdate();
  assert.match(next.body.description ?? '', /patched/);
  const patched13 = await fullState(s, 1, 3);
  assert.notDeepEqual(patched13.z, trunk13.z);
  // Back past the patch: the trunk, bit for bit, and no mark.
  await s.stepBack();
  assert.deepEqual(await fullState(s, 1, 2), patched12, 'at the patch: the patched state');
  await s.stepBack();
  assert.deepEqual([s.position().step, s.position().ordinal], [1, 1]);
  assert.deepEqual(await fullState(s, 1, 1), trunk11, 'before the patch: the trunk bit for bit');
  assert.equal(await variablesText(s), trunkVars11);
  assert.ok(!(await s.frames()).some((f) => /patched/.test(f.name)));
  // Forward again: the recorded patched states.
  await s.nextUpdate();
  await s.nextUpdate();
  assert.deepEqual(await fullState(s, 1, 3), patched13, 'forward again: the patched run bit for bit');

  // Copy y and z from B (the unpatched baseline) at every cell: the run is the trunk again from here.
  await repl(s, 'z = B');
  await repl(s, 'y = B');
  assert.deepEqual(await fullState(s, 1, 3), trunk13);
  await s.nextUpdate();
  assert.deepEqual(await fullState(s, 1, 4), trunk14, 'recomputed after the copy: the trunk bit for bit');
  assert.equal((await s.scope('patches')).filter((v) => v.name.startsWith('#')).length, 3);
});

test('skip, freeze, one channel by setExpression, decoded cells, clearing', async () => {
  await seek(s, 1, 3);
  const before3 = await fullState(s, 1, 3);
  await repl(s, 'freeze z'); // z keeps its value for the rest of step 1
  await s.nextUpdate(); // ordinal 4: a z update, frozen
  const frozen = await fullState(s, 1, 4);
  assert.deepEqual(frozen.z, before3.z, 'frozen z does not move');
  await s.nextUpdate(); // ordinal 5: y update (runs, from the frozen z)
  const y5 = await fullState(s, 1, 5);
  await repl(s, 'skip'); // the y update at ordinal 5 leaves the state as it was
  assert.deepEqual((await fullState(s, 1, 5)).y, frozen.y, 'a skipped update keeps the state before it');
  assert.notDeepEqual(y5.y, frozen.y);

  const set = await s.motion(() => s.dc.customRequest('setExpression', { expression: 'y[r2c3][5]', value: '0.5' }));
  assert.match(set.body.description ?? '', /Patched/);
  assert.equal((await fullState(s, 1, 5)).y[5][P + 9 + 2], 0.5);

  // The decoded answer grid takes zero or B only.
  const yRows = await s.scope('y');
  const [r1] = await s.children(named(yRows, 'row 1'));
  const bad = await errorOf(
    s.dc.setVariableRequest({
      variablesReference: named(yRows, 'row 1').variablesReference,
      name: r1.name,
      value: '7',
    }),
  );
  assert.match(bad.message, /shows the decoded answer, which is not a state: set it to zero or B/);

  await repl(s, 'patches = none');
  assert.ok(!(await scopeNames(s)).some((n) => /patches|vs B/.test(n)), 'no patches, no baseline run B');
  assert.ok(!(await s.frames()).some((f) => /patched/.test(f.name)));
  assert.equal(patchEvents.at(-1)?.body.count, 0);
});

test('bad patches: clear errors, nothing changes', async () => {
  const before = await fullState(s, 1, 5);
  const cases: [() => Promise<unknown>, RegExp][] = [
    [() => s.dc.customRequest('trm/patch', { op: 'zero', tensor: 'z', cells: [81] }), /cell 81 is outside 0\.\.80/],
    [
      () => s.dc.customRequest('trm/patch', { op: 'set', tensor: 'q', cells: [1], value: 1 }),
      /tensor: expected one of "y", "z", "both"/,
    ],
    [() => s.dc.customRequest('trm/patch', { op: 'set', tensor: 'y', cells: [1] }), /set needs 'value'/],
    [
      () => s.dc.customRequest('trm/patch', { op: 'zero', tensor: 'z', step: 9, ordinal: 0 }),
      /step 9 is outside 1\.\.8/,
    ],
    [
      () => s.dc.customRequest('trm/patch', { op: 'zero', tensor: 'z', step: 1, ordinal: 6 }),
      /ordinal 6 is outside 0\.\.5/,
    ],
    [() => s.dc.customRequest('trm/patch', { op: 'copy', tensor: 'z' }), /copy needs run B/],
    [
      () => s.dc.customRequest('trm/patch', { op: 'embedding', swap: 'puzzle:3' }),
      /identifier 3 is outside the embedding table 0\.\.0/,
    ],
    [
      () => s.dc.customRequest('setExpression', { expression: 'y[r10c1]', value: '0' }),
      /'r10c1' is not a cell of this puzzle/,
    ],
    [() => s.dc.customRequest('setExpression', { expression: 'y[r1c1]', value: 'NaN' }), /must be a finite number/],
    [() => s.dc.customRequest('setExpression', { expression: 'q_halt', value: '1' }), /cannot patch 'q_halt'/],
  ];
  for (const [run, re] of cases) assert.match((await errorOf(run())).message, re);
  assert.deepEqual(await fullState(s, 1, 5), before);
  assert.ok(!(await scopeNames(s)).some((n) => /patches/.test(n)));
  // While running: refused (the continue and the patch go out together).
  const from = s.events.length;
  const [, running] = await Promise.all([
    s.dc.continueRequest({ threadId: 1 }),
    errorOf(s.dc.customRequest('trm/patch', { op: 'skip' })),
  ]);
  assert.match(running.message, /the session is running/);
  await s.next('stopped', from);
});

test('trace bundle of a patched session: reopening re-applies the patches, same update, identical variables', async () => {
  await seek(s, 1, 2);
  await s.motion(() => s.dc.customRequest('trm/patch', { op: 'zero', tensor: 'z', cells: [0, 40] }));
  await s.motion(() => s.dc.customRequest('trm/patch', { op: 'embedding', swap: 'blank', step: 2, ordinal: 0 }));
  await seek(s, 2, 3);
  saved = {
    state: await fullState(s, 2, 3),
    vars: await variablesText(s),
    frames: (await s.frames()).map((f) => f.name),
    patches: (await s.scope('patches')).map((v) => `${v.name}=${v.value}`).join('\n'),
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-patch-bundle-'));
  bundleFile = path.join(dir, 'patched.trmbundle.json');
  await s.dc.customRequest('trm/bundleSave', { file: bundleFile });
  const onDisk = JSON.parse(fs.readFileSync(bundleFile, 'utf8'));
  assert.deepEqual(
    onDisk.patches.map((p: { op: string }) => p.op),
    ['zero', 'embedding'],
  );

  const r = new Session();
  await r.start();
  try {
    const stopped = await r.launch({ bundle: bundleFile, cwd: os.tmpdir() });
    assert.match(stopped.body.text ?? '', /Restored trace bundle/);
    assert.match(stopped.body.description ?? '', /patched/);
    assert.deepEqual([r.position().step, r.position().ordinal], [2, 3]);
    assert.deepEqual(
      (await r.frames()).map((f) => f.name),
      saved.frames,
    );
    assert.equal(await variablesText(r), saved.vars);
    assert.equal((await r.scope('patches')).map((v) => `${v.name}=${v.value}`).join('\n'), saved.patches);
    assert.deepEqual(await fullState(r, 2, 3), saved.state, 'recomputed states equal the saved session bit for bit');
  } finally {
    await r.stop();
  }
  // A bundle whose patches do not fit the model is refused, naming the patch.
  const bad = path.join(dir, 'bad.trmbundle.json');
  fs.writeFileSync(bad, JSON.stringify({ ...onDisk, patches: [{ ...onDisk.patches[0], cells: [99] }] }));
  const b = new Session();
  await b.start();
  try {
    await b.launch({ bundle: bad, cwd: os.tmpdir() });
    const err = b.events.find((e) => e.event === 'output' && /does not apply/.test(e.body.output));
    assert.ok(err, 'an output names the refused patch');
    assert.match(err.body.output, /patch 1 of the bundle does not apply: cell 99 is outside 0\.\.80/);
  } finally {
    await b.stop();
  }
});

test('launch with puzzleEmbedding: blank swaps the row from the start and marks the session', async () => {
  const r = new Session();
  await r.start();
  try {
    const stopped = await r.launch({ ...LAUNCH, puzzleEmbedding: 'blank' });
    assert.match(stopped.body.description ?? '', /patched/);
    assert.equal((await r.next('trm/traceInfo', 0)).body.patches, 1, 'the first trace info says patched');
    const blank = await fullState(r, 1, 0);
    assert.ok(r.events.some((e) => e.event === 'output' && /puzzle-embedding row = blank/.test(e.body.output)));
    await r.motion(() => r.dc.evaluateRequest({ expression: 'patches = none', context: 'repl' }));
    const own = await fullState(r, 1, 0);
    assert.notDeepEqual(blank.z, own.z, 'the blank row changes the first z update');
  } finally {
    await r.stop();
  }
});

/** The demo model with one matrix and the puzzle-embedding table scaled (another checkpoint of the same shape). */
function perturbedDemo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-patch-b-'));
  const file = readSafetensors(CHECKPOINT);
  for (const [suffix, factor] of [
    ['mlp.down_proj.weight', 1.02],
    ['puzzle_emb.weights', 0.5],
  ] as const) {
    const key = [...file.tensors.keys()].find((k) => k.endsWith(suffix))!;
    const t = file.tensors.get(key)!;
    file.tensors.set(key, { ...t, data: Float32Array.from(toFloat32(t), (v) => v * factor) });
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), file.tensors, file.metadata);
  fs.copyFileSync(path.join(path.dirname(CHECKPOINT), 'config.json'), path.join(dir, 'config.json'));
  return path.join(dir, 'model.safetensors');
}

test("copy from a compare run B: z = B and y = B make run A equal to B at the update; puzzle_emb = B takes B's row", async () => {
  const r = new Session();
  await r.start();
  try {
    await r.launch({ ...LAUNCH, compare: { checkpoint: perturbedDemo() } });
    await r.nextUpdate();
    await r.nextUpdate();
    const maxDiff = (vars: DebugProtocol.Variable[]) =>
      Math.max(Number(named(vars, 'max |zA − zB|').value), Number(named(vars, 'max |yA − yB|').value));
    assert.ok(maxDiff(await r.scope('A vs B')) > 0, 'the runs differ before the copy');
    await repl(r, 'z = B');
    await repl(r, 'y = B');
    assert.equal(maxDiff(await r.scope('A (patched) vs B')), 0, 'after copying both tensors A is B at this update');
    assert.match(named(await r.scope('patches'), 'B').value, /model\.safetensors/);
    await repl(r, 'puzzle_emb = B');
    const list = await r.scope('patches');
    assert.match(list[2].value, /puzzle-embedding row = copy \(run B: .*model\.safetensors\) from here on/);
  } finally {
    await r.stop();
  }
});
