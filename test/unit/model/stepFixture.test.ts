// Parity ladder rung 3: whole ACT steps of all 4 fixture rows, each started from the reference carry
// of the previous step (teacher forcing, since the free-running recursion is chaotic): y, z, logits
// and q_halt within 1e-3, predictions equal except where the reference top-2 logits nearly tie.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { argmaxRows } from '../../../src/engine/model/losses';
import { f32, fixtureModel, i32, maxAbsDiff, report, useCpu } from './fixture';

before(useCpu);

// A step of 4 rows is 84 network calls (~2.5 G multiply-adds on the pure-JS cpu backend): by default
// the last step only (step 1 from the initial carry is the free-running check in
// test/unit/trace/episode.test.ts, which also runs step 2); TRM_PARITY_FULL=1 checks every step.
const FULL = process.env.TRM_PARITY_FULL === '1';

test(`rung 3: teacher-forced ACT steps (${FULL ? 'all 16' : 'step 16'}), 4 rows`, () => {
  const model = fixtureModel();
  const c = model.config;
  const B = 4,
    S = 81,
    V = 11,
    T = 97,
    D = 64,
    TD = T * D,
    K = c.halt_max_steps;
  const inputs = i32('inputs'),
    ids = i32('puzzle_identifiers');
  const ys = f32('y_steps'),
    zs = f32('z_steps'),
    logitsRef = f32('logits_steps'),
    qRef = f32('q_halt_steps'),
    qcRef = f32('q_continue_steps');
  const x = tf.tidy(() => model.embed(tf.tensor2d(inputs, [B, S], 'int32'), tf.tensor1d(ids, 'int32')));
  const steps = FULL ? Array.from({ length: K }, (_, s) => s + 1) : [K];
  const err = { y: 0, z: 0, logits: 0, q: 0 };
  let predsCompared = 0,
    nearTies = 0;
  try {
    for (const step of steps) {
      const prev = step - 2; // index of the carry the step starts from
      const start =
        prev < 0
          ? model.initialState(B)
          : {
              y: tf.tensor3d(ys.slice(prev * B * TD, (prev + 1) * B * TD), [B, T, D]),
              z: tf.tensor3d(zs.slice(prev * B * TD, (prev + 1) * B * TD), [B, T, D]),
            };
      const out = model.step(start, x);
      const k = step - 1;
      const y = out.state.y.dataSync(),
        z = out.state.z.dataSync(),
        logits = out.logits.dataSync() as Float32Array;
      const q = out.qHalt.dataSync(),
        qc = out.qContinue.dataSync();
      tf.dispose([start.y, start.z, out.state.y, out.state.z, out.logits, out.qHalt, out.qContinue]);
      const lref = logitsRef.subarray(k * B * S * V, (k + 1) * B * S * V);
      err.y = Math.max(err.y, maxAbsDiff(y, ys.subarray(k * B * TD, (k + 1) * B * TD)));
      err.z = Math.max(err.z, maxAbsDiff(z, zs.subarray(k * B * TD, (k + 1) * B * TD)));
      err.logits = Math.max(err.logits, maxAbsDiff(logits, lref));
      err.q = Math.max(
        err.q,
        maxAbsDiff(q, qRef.subarray(k * B, (k + 1) * B)),
        maxAbsDiff(qc, qcRef.subarray(k * B, (k + 1) * B)),
      );
      const preds = argmaxRows(logits, V),
        predsRef = argmaxRows(lref, V);
      for (let i = 0; i < B * S; i++) {
        const row = Array.from(lref.subarray(i * V, (i + 1) * V)).sort((a, b) => b - a);
        if (row[0] - row[1] < 1e-3) {
          nearTies++;
          continue;
        }
        predsCompared++;
        assert.equal(preds[i], predsRef[i], `step ${step}, example ${Math.floor(i / S)}, cell ${i % S}`);
      }
    }
  } finally {
    x.dispose();
    model.dispose();
  }
  report(
    `rung 3 teacher-forced step max abs error y / z / logits / q over steps ${steps.join(',')}`,
    `${err.y.toExponential(2)} / ${err.z.toExponential(2)} / ${err.logits.toExponential(2)} / ${err.q.toExponential(2)}`,
  );
  report('rung 3 predictions compared / skipped as near ties', `${predsCompared} / ${nearTies}`);
  assert.ok(err.y <= 1e-3 && err.z <= 1e-3, `state error y ${err.y}, z ${err.z}`);
  assert.ok(err.logits <= 1e-3 && err.q <= 1e-3, `logits ${err.logits}, q ${err.q}`);
});
