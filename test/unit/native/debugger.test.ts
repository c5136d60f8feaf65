// The debugger over the wire (node dist/debugAdapter.js under DebugClient) on the fixture checkpoint,
// once with `backend: 'onnxruntime'` (the native path) and once with `backend: 'tfjs'`: the same
// stops, frames and positions for a walk through step 1 and into layers, the same halting decision,
// q_halt within 1e-3; the traceInfo names the path that computes; `dtype` and bad values of
// `backend` / `dtype` in a launch configuration.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CHECKPOINT, Session, fixtureRow, named } from '../debug/dapHarness';

const row0 = fixtureRow(0);

interface Walk {
  stops: string[];
  qHalt: number;
  decision: string;
  backend: string;
}

async function walk(backend: string): Promise<Walk> {
  const s = new Session();
  await s.start();
  try {
    await s.launch({
      checkpoint: CHECKPOINT,
      puzzle: row0.puzzle,
      solution: row0.solution,
      stopOnEntry: true,
      steps: 2,
      backend,
    });
    const info = (await s.next('trm/traceInfo', 0)).body as { backend: string };
    const stops: string[] = [];
    const record = async () =>
      stops.push(`${s.position().description} | ${(await s.frames()).map((f) => f.name).join(' < ')}`);
    await record();
    for (let i = 0; i < 3; i++) {
      await s.nextUpdate();
      await record();
    }
    await s.stepIn();
    await record();
    await s.stepIn();
    await record();
    await s.stepOut();
    await record();
    await s.stepOut();
    await record();
    await s.stepOut();
    await record(); // end of step 1
    const halting = await s.scope('halting');
    const qHalt = Number(named(halting, 'q_halt').value);
    const decision = named(halting, 'decision').value;
    await s.stepBack();
    await record();
    await s.nextUpdate();
    await s.nextUpdate();
    await record(); // into step 2
    return { stops, qHalt, decision, backend: info.backend };
  } finally {
    await s.stop();
  }
}

test('the debugger shows identical step boundaries on the native path and on TF.js', async () => {
  const native = await walk('onnxruntime');
  const tfjs = await walk('tfjs');
  assert.match(native.backend, /^ONNX Runtime \d+\.\d+\.\d+ on the CPU/);
  assert.doesNotMatch(tfjs.backend, /ONNX Runtime/);
  assert.deepEqual(native.stops, tfjs.stops);
  assert.equal(native.decision, tfjs.decision);
  assert.ok(Math.abs(native.qHalt - tfjs.qHalt) <= 1e-3, `q_halt ${native.qHalt} vs ${tfjs.qHalt}`);
  assert.ok(
    native.stops.some((x) => x.startsWith('step 2 ›')),
    native.stops.join('\n'),
  );
});

test('launch: dtype is applied and reported; bad backend / dtype values get one clear error each', async () => {
  const s = new Session();
  await s.start();
  try {
    const from = s.events.length;
    await s.launch({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, stopOnEntry: true, steps: 1, dtype: 'bfloat16' });
    const info = (await s.next('trm/traceInfo', from)).body as { backend: string };
    assert.match(info.backend, /bfloat16/);
    const out = s.events
      .filter((e) => e.event === 'output')
      .map((e) => (e.body as { output: string }).output)
      .join('');
    assert.match(out, /warning: computing in bfloat16 although the checkpoint was trained in float32/);
  } finally {
    await s.stop();
  }
  const probe = new Session();
  await probe.start();
  try {
    await probe.dc.initializeRequest({ adapterID: 'trm', pathFormat: 'path' });
    await assert.rejects(
      probe.dc.launchRequest({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, backend: 'onnx' } as never),
      /'backend' must be one of onnxruntime, tfjs, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu \(got "onnx"\)/,
    );
    await assert.rejects(
      probe.dc.launchRequest({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, dtype: 'fp16' } as never),
      /'dtype' must be one of checkpoint, float32, bfloat16 \(got "fp16"\)/,
    );
  } finally {
    await probe.stop();
  }
});
