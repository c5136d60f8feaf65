// Ladder rung 8: the paths the MLP-T fixture does not exercise (attention + RoPE, learned positions,
// puzzle embeddings wider than one position, the mlp_t block on a different shape), checked against the
// plain float64 implementation in reference.ts on tiny random models; plus initialisation, bf16
// emulation and error messages.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { ARCH_DEFAULTS, TrmConfig } from '../../../src/engine/config';
import { HostTensor, roundToBf16 } from '../../../src/engine/hostTensor';
import { erfinv, initialWeights } from '../../../src/engine/model/init';
import { actLossTf } from '../../../src/engine/model/losses';
import { roundToBf16Tensor } from '../../../src/engine/model/precision';
import { createRng } from '../../../src/engine/model/rng';
import { TrmModel } from '../../../src/engine/model/trm';
import { maxAbsDiff, report, useCpu } from './fixture';
import { Mat, maxDiffMat, refEmbed, refHeads, refNet } from './reference';

before(useCpu);

function tiny(over: Partial<TrmConfig>): TrmConfig {
  return {
    ...ARCH_DEFAULTS,
    seq_len: 3,
    vocab_size: 5,
    num_puzzle_identifiers: 3,
    hidden_size: 8,
    num_heads: 2,
    expansion: 2,
    puzzle_emb_ndim: 12,
    puzzle_emb_len: 2,
    L_layers: 2,
    H_cycles: 2,
    L_cycles: 2,
    halt_max_steps: 3,
    forward_dtype: 'float32',
    ...over,
  };
}

/** Initial weights with the zero-initialised tensors (q_head weight, puzzle table) made random too. */
function randomWeights(c: TrmConfig, seed: number): Map<string, HostTensor> {
  const w = initialWeights(c, seed);
  const rng = createRng(seed + 1000);
  for (const k of ['q_head.weight', 'q_head.bias', 'puzzle_emb.weights']) {
    const t = w.get(k);
    if (t)
      (t.data as Float32Array).forEach((_, i, a) => {
        a[i] = rng() * 2 - 1;
      });
  }
  return w;
}

function randMat(rows: number, cols: number, rng: () => number): Mat {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng() * 4 - 2));
}

for (const variant of [
  { name: 'attention + RoPE', over: { pos_encodings: 'rope' as const } },
  { name: 'attention + learned positions', over: { pos_encodings: 'learned' as const } },
  { name: 'attention without positions', over: { pos_encodings: 'none' as const, puzzle_emb_ndim: 8 } },
  { name: 'mlp_t (token MLP over T)', over: { mlp_t: true, pos_encodings: 'none' as const } },
]) {
  test(`rung 8: ${variant.name} matches a plain float64 implementation (embed, every layer, heads)`, () => {
    const c = tiny(variant.over);
    const w = randomWeights(c, 11);
    const model = TrmModel.fromWeights(c, w);
    const rng = createRng(5);
    const T = model.derived.totalSeqLen,
      D = c.hidden_size,
      S = c.seq_len,
      V = c.vocab_size;
    try {
      // Embedding of two examples with different puzzle ids.
      const tokens = Int32Array.of(1, 4, 0, 2, 3, 3);
      const ids = Int32Array.of(2, 1);
      const x = tf.tidy(() => model.embed(tf.tensor2d(tokens, [2, S], 'int32'), tf.tensor1d(ids, 'int32')));
      const xs = x.dataSync();
      let errX = 0;
      for (let b = 0; b < 2; b++)
        errX = Math.max(
          errX,
          maxDiffMat(xs.subarray(b * T * D, (b + 1) * T * D), refEmbed(c, w, tokens.subarray(b * S), ids[b])),
        );
      x.dispose();
      assert.ok(errX < 1e-5, `embed error ${errX}`);
      // One network call with per-layer states.
      const h = randMat(T, D, rng),
        u = randMat(T, D, rng);
      const ref = refNet(c, w, h, u);
      const layers: Float32Array[] = [];
      const out = tf.tidy(() =>
        model.net(tf.tensor3d([h], [1, T, D]), tf.tensor3d([u], [1, T, D]), (_l, t) => {
          layers.push(Float32Array.from(t.dataSync()));
        }),
      );
      const errOut = maxDiffMat(out.dataSync(), ref.out);
      const errLayers = Math.max(...layers.map((l, i) => maxDiffMat(l, ref.layers[i])));
      assert.equal(layers.length, c.L_layers);
      const heads = model.heads(out);
      const refH = refHeads(c, w, ref.out);
      const errLogits = maxDiffMat(heads.logits.dataSync(), refH.logits);
      assert.deepEqual(heads.logits.shape, [1, S, V]);
      const errQ = Math.max(
        Math.abs(heads.qHalt.dataSync()[0] - refH.q[0]),
        Math.abs(heads.qContinue.dataSync()[0] - refH.q[1]),
      );
      tf.dispose([out, heads.logits, heads.qHalt, heads.qContinue]);
      report(
        `${variant.name}: embed / net / layers / logits / q max abs error`,
        `${errX.toExponential(1)} / ${errOut.toExponential(1)} / ${errLayers.toExponential(1)} / ${errLogits.toExponential(1)} / ${errQ.toExponential(1)}`,
      );
      assert.ok(errOut < 1e-4 && errLayers < 1e-4, `net error ${errOut}, layers ${errLayers}`);
      assert.ok(errLogits < 1e-4 && errQ < 1e-4, `heads error ${errLogits} / ${errQ}`);
    } finally {
      model.dispose();
    }
  });
}

test('the puzzle prefix is the table row padded to P*D and reshaped row-major; puzzleRows override it', () => {
  const c = tiny({ pos_encodings: 'none' });
  const w = randomWeights(c, 3);
  const model = TrmModel.fromWeights(c, w);
  try {
    const table = w.get('puzzle_emb.weights')?.data as Float32Array;
    const x = tf
      .tidy(() => model.embed(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), tf.tensor1d([2], 'int32')))
      .dataSync();
    const scale = Math.sqrt(8);
    for (let i = 0; i < 16; i++) {
      const expected = i < 12 ? table[2 * 12 + i] * scale : 0;
      assert.ok(Math.abs(x[i] - expected) < 1e-6, `prefix value ${i}`);
    }
    const rows = tf.tensor2d([Array.from({ length: 12 }, (_, i) => i + 1)], [1, 12]);
    const x2 = tf
      .tidy(() =>
        model.embed(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), tf.tensor1d([2], 'int32'), { puzzleRows: rows }),
      )
      .dataSync();
    assert.ok(Math.abs(x2[11] - 12 * scale) < 1e-5 && x2[12] === 0);
    assert.throws(
      () =>
        model.embed(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), tf.tensor1d([0], 'int32'), {
          puzzleRows: tf.zeros([1, 5]) as tf.Tensor2D,
        }),
      /puzzleRows must be \[1, 12\], got \[1, 5\]/,
    );
    assert.throws(
      () => model.embed(tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor1d([0], 'int32')),
      /2 positions, the model expects seq_len 3/,
    );
    rows.dispose();
  } finally {
    model.dispose();
  }
});

test('gradients flow to every trainable variable and to substituted puzzle rows through the last cycle', () => {
  const c = tiny({ pos_encodings: 'rope' });
  const model = TrmModel.fromWeights(c, randomWeights(c, 9));
  try {
    const inputs = tf.tensor2d(
      [
        [1, 2, 3],
        [4, 0, 1],
      ],
      [2, 3],
      'int32',
    );
    const ids = tf.tensor1d([0, 2], 'int32');
    const labels = tf.tensor2d(
      [
        [2, 3, 4],
        [1, -100, 1],
      ],
      [2, 3],
      'int32',
    );
    // Cycles 1..H-1 outside the gradient scope, like the official torch.no_grad split.
    const warmState = tf.tidy(() => {
      const x = model.embed(inputs, ids);
      const st = model.cycle(model.initialState(2), x, 1);
      return { y: st.y, z: st.z };
    });
    const warm = warmState;
    const rows = tf.variable(
      tf.randomNormal([2, c.puzzle_emb_ndim], 0, 1, 'float32', 1),
      true,
    ) as tf.Variable<tf.Rank.R2>;
    const { value, grads } = tf.variableGrads(
      () =>
        tf.tidy(() => {
          const x = model.embed(inputs, ids, { puzzleRows: rows });
          const s = model.cycle(warm, x, 2);
          const h = model.heads(s.y);
          return actLossTf(h.logits, h.qHalt, labels, 'stablemax_cross_entropy').total;
        }),
      [...model.trainableVariables(), rows],
    );
    assert.ok(Number.isFinite(value.dataSync()[0]));
    const names = new Map(model.params.names().map((n) => [model.params.get(n).name, n]));
    const trainableNames = model.trainableVariables().map((v) => v.name);
    for (const vn of [...trainableNames, rows.name]) {
      const g = grads[vn];
      assert.ok(g, `gradient for ${names.get(vn) ?? 'puzzle rows'}`);
      const gd = g.dataSync();
      assert.ok(gd.every(Number.isFinite), `finite gradient for ${names.get(vn) ?? 'puzzle rows'}`);
      assert.ok(
        gd.some((v) => v !== 0),
        `non-zero gradient for ${names.get(vn) ?? 'puzzle rows'}`,
      );
    }
    tf.dispose([value, ...Object.values(grads), rows, inputs, ids, labels, warm.y, warm.z]);
  } finally {
    model.dispose();
  }
});

test('initialisation: truncated normal with exact std, q_head zeros / bias -5, zero puzzle table, seeded', () => {
  for (const x of [-1.3, -0.2, 0, 0.7, 1.9]) {
    // erf by a different route (A&S 7.1.26 would be too coarse): numeric integration.
    let s = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const t = (x * (i + 0.5)) / n;
      s += Math.exp(-t * t);
    }
    const erfx = (2 / Math.sqrt(Math.PI)) * s * (x / n);
    assert.ok(Math.abs(erfinv(erfx) - x) < 1e-7, `erfinv(erf(${x}))`);
  }
  const c = {
    ...tiny({ mlp_t: true, pos_encodings: 'none' }),
    hidden_size: 64,
    seq_len: 200,
    puzzle_emb_ndim: 64,
    puzzle_emb_len: 1,
  };
  const w = initialWeights(c, 1);
  const gu = w.get('L_level.layers.0.mlp.gate_up_proj.weight') as HostTensor;
  const data = gu.data as Float32Array;
  const std = 1 / Math.sqrt(64);
  const mean = data.reduce((a, v) => a + v, 0) / data.length;
  const sd = Math.sqrt(data.reduce((a, v) => a + (v - mean) ** 2, 0) / data.length);
  report('init gate_up sample std / target', sd / std);
  assert.ok(Math.abs(sd / std - 1) < 0.03, `sample std ${sd} vs ${std}`);
  const bound = Math.max(...data.map(Math.abs));
  assert.ok(bound <= 2.2737 * std * 1.0001 && bound > 2.0 * std, `max |w| = ${bound / std} std`);
  const tok = w.get('L_level.layers.0.mlp_t.gate_up_proj.weight') as HostTensor;
  assert.deepEqual(tok.shape, [2 * 512, 201], 'expansion 2: round(2 * 201 * 2 / 3) = 268 -> 512');
  assert.deepEqual(
    [...(w.get('q_head.weight')?.data as Float32Array)].every((v) => v === 0),
    true,
  );
  assert.deepEqual([...(w.get('q_head.bias')?.data as Float32Array)], [-5, -5]);
  assert.ok((w.get('puzzle_emb.weights')?.data as Float32Array).every((v) => v === 0));
  assert.deepEqual(initialWeights(c, 1).get('H_init')?.data, w.get('H_init')?.data);
  assert.notDeepEqual(initialWeights(c, 2).get('H_init')?.data, w.get('H_init')?.data);
  const bf = initialWeights({ ...c, forward_dtype: 'bfloat16' }, 1).get('L_init')?.data as Float32Array;
  assert.deepEqual(bf, roundToBf16(Float32Array.from(bf)), 'H_init / L_init are created in bf16');
  const model = TrmModel.initialise(c, 1);
  try {
    // Official count for this shape: every tensor but H_init, L_init and the puzzle table.
    let expected = 0;
    for (const [k, t] of w)
      if (!['H_init', 'L_init', 'puzzle_emb.weights'].includes(k)) expected += t.shape.reduce((a, b) => a * b, 1);
    assert.equal(model.parameterCount(), expected);
  } finally {
    model.dispose();
  }
});

test('bf16 emulation: the rounding op equals bit-level round-to-nearest-even; a bf16 model keeps bf16 states', () => {
  const rng = createRng(1);
  const n = 20000;
  const vals = new Float32Array(n);
  const bits = new Uint32Array(vals.buffer);
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0)
      bits[i] = ((Math.floor(rng() * 0x7f00) + 0x0080) << 16) | 0x8000 | (rng() < 0.5 ? 0x80000000 : 0); // exact ties
    else vals[i] = (rng() - 0.5) * Math.exp((rng() - 0.5) * 60);
  }
  const got = tf.tidy(() => roundToBf16Tensor(tf.tensor1d(vals)).dataSync());
  const want = roundToBf16(Float32Array.from(vals));
  let bad = 0;
  for (let i = 0; i < n; i++) if (got[i] !== want[i] && Math.abs(vals[i]) >= 2 ** -94) bad++;
  assert.equal(bad, 0, 'bf16 rounding mismatches');

  const c32 = tiny({ pos_encodings: 'rope' });
  const w = randomWeights(c32, 4);
  const m32 = TrmModel.fromWeights(c32, w);
  const m16 = TrmModel.fromWeights({ ...c32, forward_dtype: 'bfloat16' }, w);
  try {
    const run = (m: TrmModel) =>
      tf.tidy(() => {
        const x = m.embed(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), tf.tensor1d([1], 'int32'));
        const out = m.step(m.initialState(1), x);
        return [out.state.y.dataSync(), out.state.z.dataSync(), out.logits.dataSync()].map((a) => Float32Array.from(a));
      });
    const [y16, z16, l16] = run(m16);
    const [y32, , l32] = run(m32);
    assert.deepEqual(y16, roundToBf16(Float32Array.from(y16)), 'y is bf16-representable');
    assert.deepEqual(z16, roundToBf16(Float32Array.from(z16)), 'z is bf16-representable');
    assert.deepEqual(l16, roundToBf16(Float32Array.from(l16)), 'logits are bf16-representable');
    const gap = maxAbsDiff(y16, y32);
    report('bf16 vs float32 y gap after one step (tiny model)', gap);
    assert.ok(gap > 0 && gap < 0.25, `bf16 run should be close to, not equal to, float32 (gap ${gap})`);
    assert.ok(maxAbsDiff(l16, l32) < 0.25);
  } finally {
    m32.dispose();
    m16.dispose();
  }
});

test('model calls do not leak tensors', () => {
  const c = tiny({ pos_encodings: 'rope' });
  const model = TrmModel.fromWeights(c, randomWeights(c, 2));
  try {
    const inputs = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const ids = tf.tensor1d([1], 'int32');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const x = model.embed(inputs, ids);
      const s0 = model.initialState(1);
      let layerCalls = 0,
        updateCalls = 0;
      const out = model.step(s0, x, {
        onLayer: () => {
          layerCalls++;
        },
        onUpdate: () => {
          updateCalls++;
        },
      });
      assert.equal(updateCalls, c.H_cycles * (c.L_cycles + 1));
      assert.equal(layerCalls, updateCalls * c.L_layers);
      tf.dispose([x, s0.y, s0.z, out.state.y, out.state.z, out.logits, out.qHalt, out.qContinue]);
      assert.equal(tf.memory().numTensors, before, `tensor count after call ${i + 1}`);
    }
    tf.dispose([inputs, ids]);
  } finally {
    model.dispose();
  }
});
