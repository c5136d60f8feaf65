// Parity ladder rung 4 (free running from the initial carry, through the ACT wrapper in eval mode)
// and the episode helper's recording, halting, loss and bookkeeping contract.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ActBatch } from '../../../src/engine/model/act';
import { argmaxRows } from '../../../src/engine/model/losses';
import { runEpisode } from '../../../src/engine/trace/episode';
import { bools, f32, f64, firstBitDifference, fixtureModel, i32, maxAbsDiff, report, useCpu } from '../model/fixture';

before(useCpu);

const B = 4,
  S = 81,
  V = 11,
  T = 97,
  D = 64,
  TD = T * D,
  H = 3,
  n = 6,
  L = 2;

/** Fixture rows as a batch (row order as given). */
function rowsBatch(rows: number[]): ActBatch {
  const inputs = i32('inputs'),
    labels = i32('labels'),
    ids = i32('puzzle_identifiers');
  return {
    inputs: Int32Array.from(rows.flatMap((r) => [...inputs.subarray(r * S, (r + 1) * S)])),
    labels: Int32Array.from(rows.flatMap((r) => [...labels.subarray(r * S, (r + 1) * S)])),
    puzzleIdentifiers: Int32Array.from(rows.map((r) => ids[r])),
  };
}

test('rung 4: free-running steps 1 and 2 through the ACT wrapper (rows 0 and 3), with traces and losses', async () => {
  const before = tf.memory().numTensors;
  const model = fixtureModel();
  const rows = [0, 3];
  const R = rows.length;
  const ys = f32('y_steps'),
    zs = f32('z_steps'),
    lref = f32('logits_steps'),
    qref = f32('q_halt_steps');
  const perEx = f64('lm_loss_per_example_steps'),
    seqRef = bools('seq_is_correct_steps');
  const seen: number[] = [];
  let res;
  try {
    res = await runEpisode(model, rowsBatch(rows), {
      steps: 2,
      keepStates: true,
      traceRows: [0],
      traceLayers: true,
      onStep: (info) => {
        seen.push(info.step);
        assert.deepEqual(info.state?.y.shape, [R, T, D]);
      },
    });
  } finally {
    model.dispose();
  }
  assert.equal(tf.memory().numTensors, before, 'model and episode leave no tensors behind');
  assert.deepEqual(seen, [1, 2]);
  // README rule: compare free-running steps while the float32/float64 gap is small, at 10x that gap.
  const tol = [
    { y: 7.2e-4, z: 7.2e-4, logits: 5.9e-4, q: 9.5e-6 },
    { y: 1.7e-2, z: 2.1e-2, logits: 1.1e-2, q: 1.8e-4 },
  ];
  for (let k = 0; k < 2; k++) {
    const e = { y: 0, z: 0, logits: 0, q: 0 };
    rows.forEach((r, i) => {
      e.y = Math.max(
        e.y,
        maxAbsDiff(
          (res.yStates as Float32Array).subarray((k * R + i) * TD, (k * R + i + 1) * TD),
          ys.subarray((k * B + r) * TD, (k * B + r + 1) * TD),
        ),
      );
      e.z = Math.max(
        e.z,
        maxAbsDiff(
          (res.zStates as Float32Array).subarray((k * R + i) * TD, (k * R + i + 1) * TD),
          zs.subarray((k * B + r) * TD, (k * B + r + 1) * TD),
        ),
      );
      e.logits = Math.max(
        e.logits,
        maxAbsDiff(
          (res.logits as Float32Array).subarray((k * R + i) * S * V, (k * R + i + 1) * S * V),
          lref.subarray((k * B + r) * S * V, (k * B + r + 1) * S * V),
        ),
      );
      e.q = Math.max(e.q, Math.abs(res.qHalt[k * R + i] - qref[k * B + r]));
      assert.equal(res.seqIsCorrect?.[k * R + i], seqRef[k * B + r]);
      assert.ok(
        Math.abs((res.lmLossPerExample as Float64Array)[k * R + i] - perEx[k * B + r]) / perEx[k * B + r] <
          (k === 0 ? 1e-4 : 1e-2),
      );
    });
    report(
      `rung 4 free-running step ${k + 1} max abs error y / z / logits / q_halt`,
      `${e.y.toExponential(2)} / ${e.z.toExponential(2)} / ${e.logits.toExponential(2)} / ${e.q.toExponential(2)}`,
    );
    assert.ok(
      e.y <= tol[k].y && e.z <= tol[k].z && e.logits <= tol[k].logits && e.q <= tol[k].q,
      `step ${k + 1}: ${JSON.stringify(e)}`,
    );
  }
  // Step 1 predictions equal the reference except near ties.
  const p1 = argmaxRows(lref.subarray(0, B * S * V), V);
  rows.forEach((r, i) => {
    for (let cell = 0; cell < S; cell++) {
      const ref = Array.from(lref.subarray((r * S + cell) * V, (r * S + cell + 1) * V)).sort((a, b) => b - a);
      if (ref[0] - ref[1] >= 1e-3) assert.equal(res.preds[i * S + cell], p1[r * S + cell], `row ${r} cell ${cell}`);
    }
  });
  // Eval mode: nobody halts before N_sup; counters 1, 2.
  assert.deepEqual([...res.halted], [0, 0, 0, 0]);
  assert.deepEqual([...res.stepCounts], [1, 1, 2, 2]);
  // lm loss sum of this 2-row batch at step 1 = the fixture's per-example losses of those rows.
  const lm1 = rows.reduce((a, r) => a + perEx[r], 0);
  assert.ok(Math.abs((res.lossSums as Float64Array)[0] - lm1) / lm1 < 1e-4);
  // Traces: x, every update of step 1 (free running, still close), last entries equal the carry.
  assert.ok(maxAbsDiff(res.traceX as Float32Array, f32('x_embed')) <= 1e-5);
  const tz = res.traceZ as Float32Array,
    ty = res.traceY as Float32Array;
  assert.equal(tz.length, 2 * H * n * 1 * TD);
  assert.equal(ty.length, 2 * H * 1 * TD);
  const refZ = f32('trace_z'),
    refY = f32('trace_y');
  const errTraceZ = maxAbsDiff(tz.subarray(0, H * n * TD), refZ.subarray(0, H * n * TD));
  const errTraceY = maxAbsDiff(ty.subarray(0, H * TD), refY.subarray(0, H * TD));
  report(
    'rung 4 free-running step-1 trace_z / trace_y max abs error',
    `${errTraceZ.toExponential(2)} / ${errTraceY.toExponential(2)}`,
  );
  assert.ok(errTraceZ <= 7.2e-4 && errTraceY <= 7.2e-4);
  for (let k = 0; k < 2; k++) {
    const lastZ = tz.subarray(((k * H + H - 1) * n + n - 1) * TD, ((k * H + H - 1) * n + n) * TD);
    assert.equal(
      firstBitDifference(lastZ, (res.zStates as Float32Array).subarray(k * R * TD, (k * R + 1) * TD)),
      -1,
      'last z update == carried z',
    );
    assert.equal(
      firstBitDifference(
        ty.subarray((k * H + H - 1) * TD, (k * H + H) * TD),
        (res.yStates as Float32Array).subarray(k * R * TD, (k * R + 1) * TD),
      ),
      -1,
      'last y update == carried y',
    );
  }
  // Layer level: the last layer of every update is the update's output, bit for bit.
  const zl = res.traceZLayers as Float32Array,
    yl = res.traceYLayers as Float32Array;
  for (let u = 0; u < 2 * H * n; u++) {
    assert.equal(
      firstBitDifference(zl.subarray((u * L + L - 1) * TD, (u * L + L) * TD), tz.subarray(u * TD, (u + 1) * TD)),
      -1,
      `z update ${u}`,
    );
  }
  for (let u = 0; u < 2 * H; u++) {
    assert.equal(
      firstBitDifference(yl.subarray((u * L + L - 1) * TD, (u * L + L) * TD), ty.subarray(u * TD, (u + 1) * TD)),
      -1,
      `y update ${u}`,
    );
  }
});

test('episode: no tensor leak, eval halting at N_sup, input validation', async () => {
  // A tiny model keeps this fast; the fixture model is only needed for parity.
  const { TrmModel } = await import('../../../src/engine/model/trm');
  const { ARCH_DEFAULTS } = await import('../../../src/engine/config');
  const model = TrmModel.initialise(
    {
      ...ARCH_DEFAULTS,
      seq_len: 4,
      vocab_size: 5,
      num_puzzle_identifiers: 2,
      hidden_size: 8,
      num_heads: 2,
      puzzle_emb_ndim: 8,
      puzzle_emb_len: 1,
      H_cycles: 2,
      L_cycles: 2,
      halt_max_steps: 3,
      forward_dtype: 'float32',
    },
    3,
  );
  const batch: ActBatch = {
    inputs: Int32Array.of(1, 2, 3, 4, 4, 3, 2, 1, 0, 0, 1, 1),
    puzzleIdentifiers: Int32Array.of(0, 1, 1),
    labels: Int32Array.of(2, 2, 2, 2, 1, 1, 0, 0, 3, 3, 3, 3),
  };
  try {
    const before = tf.memory().numTensors;
    const res = await runEpisode(model, batch, { traceRows: [2, 0], traceLayers: true, keepStates: true });
    assert.equal(tf.memory().numTensors, before, 'episode leaves no tensors behind');
    assert.equal(res.steps, 3);
    assert.deepEqual([...res.halted], [0, 0, 0, 0, 0, 0, 1, 1, 1], 'eval halts everyone at the last step only');
    assert.deepEqual([...res.stepCounts], [1, 1, 1, 2, 2, 2, 3, 3, 3]);
    assert.equal(res.metrics?.[2].count, 3);
    assert.equal(res.metrics?.[0].count, 0);
    assert.equal(res.traceZ?.length, 3 * 2 * 2 * 2 * 5 * 8);
    // Trace rows follow the requested order: row 2 first.
    const last = res.traceY?.subarray(((2 * 2 + 1) * 2 + 0) * 40, ((2 * 2 + 1) * 2 + 1) * 40);
    assert.equal(
      firstBitDifference(
        last as Float32Array,
        (res.yStates as Float32Array).subarray((2 * 3 + 2) * 40, (2 * 3 + 3) * 40),
      ),
      -1,
    );
    await assert.rejects(runEpisode(model, batch, { steps: 4 }), /episode steps must be an integer in 1\.\.3/);
    await assert.rejects(runEpisode(model, batch, { traceRows: [3] }), /trace row 3 is outside the batch 0\.\.2/);
    await assert.rejects(
      runEpisode(model, { ...batch, inputs: Int32Array.of(1, 2, 3, 9, 4, 3, 2, 1, 0, 0, 1, 1) }),
      /inputs row 0, cell 3 is 9, outside 0\.\.4/,
    );
    await assert.rejects(
      runEpisode(model, { ...batch, puzzleIdentifiers: Int32Array.of(0, 2, 1) }),
      /puzzleIdentifiers row 1 is 2, outside 0\.\.1/,
    );
    const ac = new AbortController();
    await assert.rejects(
      runEpisode(model, batch, { signal: ac.signal, onStep: () => ac.abort(new Error('stop here')) }),
      /stop here/,
    );
    assert.equal(tf.memory().numTensors, before, 'failed and aborted episodes leave no tensors behind');
  } finally {
    model.dispose();
  }
});
