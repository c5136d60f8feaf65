// Parity ladder rungs 0-2 against the official fixture: config and weights, x_embed, and every
// single z / y update of batch row 0 computed teacher-forced from the reference inputs of that update.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { derive } from '../../../src/engine/config';
import { TrmModel } from '../../../src/engine/model/trm';
import {
  FIXTURE_DIR,
  f32,
  fixtureConfig,
  fixtureModel,
  fixtureWeights,
  i32,
  maxAbsDiff,
  report,
  useCpu,
} from './fixture';

before(useCpu);

test('the sudoku-mlp-small preset equals the fixture model config', () => {
  const ref = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'config.json'), 'utf8')) as {
    model_config: Record<string, unknown>;
    derived: Record<string, number>;
  };
  const c = fixtureConfig();
  for (const [k, v] of Object.entries(ref.model_config)) {
    if (k === 'batch_size') continue; // sizes only the official sparse-embedding buffers
    assert.deepEqual((c as unknown as Record<string, unknown>)[k], v, `config field ${k}`);
  }
  const d = derive(c);
  assert.equal(d.totalSeqLen, ref.derived.total_seq_len);
  assert.equal(d.channelIntermediate, ref.derived.swiglu_intermediate_channel_mlp);
  assert.equal(d.tokenIntermediate, ref.derived.swiglu_intermediate_token_mlp_t);
  assert.equal(d.embedScale, ref.derived.embed_scale);
});

test('weights load into variables, count parameters like the official log, and round-trip', async () => {
  const weights = fixtureWeights();
  const model = TrmModel.fromWeights(fixtureConfig(), weights);
  try {
    assert.equal(model.parameterCount(), 397826);
    const trainable = model.trainableVariables();
    assert.equal(trainable.length, weights.size - 3, 'H_init, L_init and puzzle_emb.weights are buffers');
    assert.ok(trainable.every((v) => v.trainable));
    assert.equal(model.params.get('H_init').trainable, false);
    assert.equal(model.params.get('puzzle_emb.weights').trainable, false);
    const back = await model.getWeights();
    assert.deepEqual([...back.keys()].sort(), [...weights.keys()].sort());
    for (const [k, t] of weights) {
      assert.deepEqual(back.get(k)?.shape, t.shape, k);
      assert.equal(maxAbsDiff(back.get(k)?.data as Float32Array, t.data as Float32Array), 0, k);
    }
  } finally {
    model.dispose();
  }
});

test('fromWeights names a missing key and a wrong shape', () => {
  const weights = fixtureWeights();
  weights.delete('lm_head.weight');
  const gu = weights.get('L_level.layers.1.mlp.gate_up_proj.weight');
  assert.ok(gu);
  weights.set('L_level.layers.1.mlp.gate_up_proj.weight', { ...gu, shape: [256, 128] });
  assert.throws(
    () => TrmModel.fromWeights(fixtureConfig(), weights),
    (e: Error) =>
      /missing keys: lm_head\.weight/.test(e.message) &&
      /L_level\.layers\.1\.mlp\.gate_up_proj\.weight: checkpoint has \[256, 128\]/.test(e.message),
  );
});

test('rung 1: x_embed within 1e-5', () => {
  const model = fixtureModel();
  try {
    const S = 81;
    const inputs = i32('inputs');
    const ids = i32('puzzle_identifiers');
    const rows = i32('trace_batch_indices');
    const x = tf.tidy(() =>
      model.embed(
        tf.tensor2d(inputs.slice(rows[0] * S, (rows[0] + 1) * S), [1, S], 'int32'),
        tf.tensor1d([ids[rows[0]]], 'int32'),
      ),
    );
    assert.deepEqual(x.shape, [1, 97, 64]);
    const err = maxAbsDiff(x.dataSync(), f32('x_embed'));
    x.dispose();
    report('rung 1 x_embed max abs error', err);
    assert.ok(err <= 1e-5, `x_embed error ${err}`);
  } finally {
    model.dispose();
  }
});

// Every update of every step costs ~30 M multiply-adds on the pure-JS cpu backend; by default the
// rung checks all 21 updates of the first and the last step, TRM_PARITY_FULL=1 checks all 16 steps.
const FULL = process.env.TRM_PARITY_FULL === '1';

test(`rung 2: every z / y update of row 0, teacher-forced, within 1e-4 (${FULL ? 'all 16' : 'steps 1 and 16'} x 21 updates)`, () => {
  const model = fixtureModel();
  const c = model.config;
  const T = 97,
    D = 64,
    TD = T * D,
    H = c.H_cycles,
    n = c.L_cycles,
    B = 4;
  const K = c.halt_max_steps;
  const traceZ = f32('trace_z'); // [K, H, n, 1, T, D]
  const traceY = f32('trace_y'); // [K, H, 1, T, D]
  const ysteps = f32('y_steps'); // [K, B, T, D]
  const zsteps = f32('z_steps');
  const xEmbed = f32('x_embed');
  const row = i32('trace_batch_indices')[0];
  const weights = fixtureWeights();
  const hInit = weights.get('H_init')?.data as Float32Array;
  const lInit = weights.get('L_init')?.data as Float32Array;
  const broadcast = (v: Float32Array) => {
    const o = new Float32Array(TD);
    for (let t = 0; t < T; t++) o.set(v, t * D);
    return o;
  };
  const zAt = (s: number, cyc: number, j: number) =>
    traceZ.subarray(((s * H + cyc) * n + j) * TD, ((s * H + cyc) * n + j + 1) * TD);
  const yAt = (s: number, cyc: number) => traceY.subarray((s * H + cyc) * TD, (s * H + cyc + 1) * TD);
  const boundary = (s: number) =>
    s === 0
      ? { y: broadcast(hInit), z: broadcast(lInit) }
      : {
          y: ysteps.subarray(((s - 1) * B + row) * TD, ((s - 1) * B + row + 1) * TD),
          z: zsteps.subarray(((s - 1) * B + row) * TD, ((s - 1) * B + row + 1) * TD),
        };

  let maxZ = 0,
    maxY = 0;
  const steps = FULL ? Array.from({ length: K }, (_, s) => s) : [0, K - 1];
  const STEPS_PER_CALL = 4; // batches teacher-forced updates: the network is row-independent
  try {
    for (let g = 0; g < steps.length; g += STEPS_PER_CALL) {
      const zIn: Float32Array[] = [],
        yForZ: Float32Array[] = [],
        zRef: Float32Array[] = [];
      const yIn: Float32Array[] = [],
        zForY: Float32Array[] = [],
        yRef: Float32Array[] = [];
      for (const s of steps.slice(g, g + STEPS_PER_CALL)) {
        const b = boundary(s);
        for (let cyc = 0; cyc < H; cyc++) {
          const yCur = cyc === 0 ? b.y : yAt(s, cyc - 1);
          for (let j = 0; j < n; j++) {
            zIn.push(j > 0 ? zAt(s, cyc, j - 1) : cyc > 0 ? zAt(s, cyc - 1, n - 1) : b.z);
            yForZ.push(yCur);
            zRef.push(zAt(s, cyc, j));
          }
          yIn.push(yCur);
          zForY.push(zAt(s, cyc, n - 1));
          yRef.push(yAt(s, cyc));
        }
      }
      const stack = (arrs: Float32Array[]) => {
        const o = new Float32Array(arrs.length * TD);
        arrs.forEach((a, i) => o.set(a, i * TD));
        return tf.tensor3d(o, [arrs.length, T, D]);
      };
      const outs = tf.tidy(() => {
        const x = tf.tile(tf.tensor3d(xEmbed, [1, T, D]), [zIn.length, 1, 1]) as tf.Tensor3D;
        return [model.zUpdate(stack(zIn), stack(yForZ), x), model.yUpdate(stack(yIn), stack(zForY))];
      });
      const [zOut, yOut] = outs.map((t) => t.dataSync());
      tf.dispose(outs);
      zRef.forEach((r, i) => {
        maxZ = Math.max(maxZ, maxAbsDiff(zOut.subarray(i * TD, (i + 1) * TD), r));
      });
      yRef.forEach((r, i) => {
        maxY = Math.max(maxY, maxAbsDiff(yOut.subarray(i * TD, (i + 1) * TD), r));
      });
    }
  } finally {
    model.dispose();
  }
  report(`rung 2 teacher-forced z update max abs error over ${steps.length} steps`, maxZ);
  report(`rung 2 teacher-forced y update max abs error over ${steps.length} steps`, maxY);
  assert.ok(maxZ <= 1e-4, `z update error ${maxZ}`);
  assert.ok(maxY <= 1e-4, `y update error ${maxY}`);
});
