// Parity ladder rungs 5-6 on the fixture's reference outputs (no model run needed): halting in eval
// and training mode, the ACT loss sums, per-example stablemax losses and exact-correctness flags; plus
// the float32 TF.js training loss against the float64 host loss, and the metric conventions.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { haltingDecision } from '../../../src/engine/model/act';
import {
  IGNORE_LABEL_ID,
  actLossHost,
  actLossTf,
  argmaxRows,
  bceWithLogits,
  softmaxCrossEntropyHost,
  softmaxCrossEntropyTf,
  stablemaxCrossEntropyHost,
  toLossLabels,
} from '../../../src/engine/model/losses';
import { createRng } from '../../../src/engine/model/rng';
import { bools, f32, f64, fixtureConfig, i32, report, useCpu } from './fixture';

before(useCpu);

const K = 16,
  B = 4,
  S = 81,
  V = 11;

test('rung 5: eval mode halts only at the last step; step counters run 1..K', () => {
  const c = fixtureConfig();
  const qHalt = f32('q_halt_steps'),
    qCont = f32('q_continue_steps');
  const halted = bools('halted_steps'),
    counts = i32('step_count_steps');
  for (let s = 0; s < K; s++) {
    const steps = new Int32Array(B).fill(s + 1);
    const h = haltingDecision(c, steps, qHalt.subarray(s * B, (s + 1) * B), qCont.subarray(s * B, (s + 1) * B), 'eval');
    assert.deepEqual([...h], [...halted.subarray(s * B, (s + 1) * B)], `halted after step ${s + 1}`);
    assert.deepEqual([...steps], [...counts.subarray(s * B, (s + 1) * B)], `step counts after step ${s + 1}`);
  }
});

test('rung 5: training mode halts on q_halt > 0 (no_ACT_continue) or at N_sup, on the fixture q values', () => {
  const c = { ...fixtureConfig(), halt_exploration_prob: 0 };
  const qHalt = f32('q_halt_steps'),
    qCont = f32('q_continue_steps');
  let early = 0;
  for (let s = 0; s < K; s++) {
    const q = qHalt.subarray(s * B, (s + 1) * B);
    const h = haltingDecision(c, new Int32Array(B).fill(s + 1), q, qCont.subarray(s * B, (s + 1) * B), 'train');
    for (let b = 0; b < B; b++) {
      assert.equal(h[b], q[b] > 0 || s + 1 >= K ? 1 : 0, `step ${s + 1} row ${b} (q_halt ${q[b]})`);
      if (q[b] > 0 && s + 1 < K) early++;
    }
  }
  report('fixture (step, row) pairs that would halt early in training', early);
  // no_ACT_continue = false compares q_halt with q_continue instead.
  const h = haltingDecision(
    { ...c, no_ACT_continue: false },
    Int32Array.of(1, 1),
    Float32Array.of(-1, -3),
    Float32Array.of(-2, -2),
    'train',
  );
  assert.deepEqual([...h], [1, 0]);
  // A single supervision step (N_sup = 1) disables the rule: the last step halts anyway.
  assert.deepEqual(
    [
      ...haltingDecision(
        { ...c, halt_max_steps: 1 },
        Int32Array.of(1),
        Float32Array.of(-9),
        Float32Array.of(0),
        'train',
      ),
    ],
    [1],
  );
});

test('exploration delays halts to a minimum drawn uniformly from 2..N_sup, never forces one', () => {
  const c = { ...fixtureConfig(), halt_exploration_prob: 1 };
  const rng = createRng(7);
  const n = 4000;
  const q = new Float32Array(n).fill(1);
  assert.ok(
    haltingDecision(c, new Int32Array(n).fill(1), q, q, 'train', rng).every((v) => v === 0),
    'min >= 2: nothing halts at step 1',
  );
  assert.ok(
    haltingDecision(c, new Int32Array(n).fill(K), q, q, 'train', rng).every((v) => v === 1),
    'the last step always halts',
  );
  assert.ok(
    haltingDecision(
      c,
      new Int32Array(n).fill(5),
      q.map(() => -1),
      q,
      'train',
      rng,
    ).every((v) => v === 0),
    'no halt signal, no halt',
  );
  for (const s of [2, 9, 15]) {
    const frac = haltingDecision(c, new Int32Array(n).fill(s), q, q, 'train', rng).reduce((a, v) => a + v, 0) / n;
    const expected = (s - 1) / (K - 1); // P(min <= s) for min uniform in 2..K
    assert.ok(Math.abs(frac - expected) < 0.04, `step ${s}: halted fraction ${frac}, expected ${expected}`);
  }
  // Seeded: the same seed gives the same decisions; a missing rng is a clear error.
  const a = haltingDecision(
    { ...c, halt_exploration_prob: 0.5 },
    new Int32Array(64).fill(4),
    new Float32Array(64).fill(1),
    new Float32Array(64),
    'train',
    createRng(3),
  );
  const b = haltingDecision(
    { ...c, halt_exploration_prob: 0.5 },
    new Int32Array(64).fill(4),
    new Float32Array(64).fill(1),
    new Float32Array(64),
    'train',
    createRng(3),
  );
  assert.deepEqual(a, b);
  assert.throws(
    () => haltingDecision(c, Int32Array.of(1), Float32Array.of(1), Float32Array.of(1), 'train'),
    /needs an rng/,
  );
});

test('rung 6: loss sums, per-example stablemax loss and seq_is_correct match the fixture', () => {
  const logits = f32('logits_steps'),
    qHalt = f32('q_halt_steps');
  const labels = toLossLabels(i32('labels'));
  const sums = f64('loss_sums_steps'),
    perEx = f64('lm_loss_per_example_steps');
  const seqCorrect = bools('seq_is_correct_steps'),
    halted = bools('halted_steps'),
    counts = i32('step_count_steps');
  let maxRel = 0,
    maxRelEx = 0;
  for (let s = 0; s < K; s++) {
    const r = actLossHost({
      logits: logits.subarray(s * B * S * V, (s + 1) * B * S * V),
      labels,
      qHalt: qHalt.subarray(s * B, (s + 1) * B),
      halted: halted.subarray(s * B, (s + 1) * B),
      steps: counts.subarray(s * B, (s + 1) * B),
      batchSize: B,
      seqLen: S,
      vocabSize: V,
      lossType: 'stablemax_cross_entropy',
    });
    const got = [r.lmLoss, r.qHaltLoss, r.totalLoss];
    for (let k = 0; k < 3; k++)
      maxRel = Math.max(maxRel, Math.abs(got[k] - sums[s * 3 + k]) / Math.max(Math.abs(sums[s * 3 + k]), 1e-12));
    for (let b = 0; b < B; b++)
      maxRelEx = Math.max(maxRelEx, Math.abs(r.lmLossPerExample[b] - perEx[s * B + b]) / perEx[s * B + b]);
    assert.deepEqual(
      [...r.seqIsCorrect],
      [...seqCorrect.subarray(s * B, (s + 1) * B)],
      `seq_is_correct at step ${s + 1}`,
    );
    assert.equal(r.metrics.count, s + 1 === K ? B : 0, 'metrics count only halted examples');
  }
  report('rung 6 loss sums max relative error', maxRel);
  report('rung 6 per-example lm loss max relative error', maxRelEx);
  assert.ok(maxRel <= 1e-4, `loss sums relative error ${maxRel}`);
  assert.ok(maxRelEx <= 1e-4, `per-example loss relative error ${maxRelEx}`);
});

test('metrics: ignored cells, empty examples, q_halt accuracy uses >= 0', () => {
  // 3 examples x 2 cells x 3 classes.
  const logits = Float32Array.of(
    5,
    0,
    0,
    0,
    5,
    0, // preds 0, 1
    5,
    0,
    0,
    5,
    0,
    0, // preds 0, 0
    0,
    0,
    5,
    0,
    0,
    5,
  ); // preds 2, 2
  const labels = Int32Array.of(0, 1, 0, 1, IGNORE_LABEL_ID, IGNORE_LABEL_ID);
  const r = actLossHost({
    logits,
    labels,
    qHalt: Float32Array.of(0, -1, 3),
    halted: [1, 1, 1],
    steps: Int32Array.of(4, 5, 6),
    batchSize: 3,
    seqLen: 2,
    vocabSize: 3,
    lossType: 'stablemax_cross_entropy',
  });
  assert.deepEqual([...r.seqIsCorrect], [1, 0, 1], 'an example without labels counts as correct');
  assert.deepEqual([...r.labelCounts], [2, 2, 0]);
  assert.equal(r.lmLossPerExample[2], 0);
  assert.deepEqual(r.metrics.count, 2);
  assert.equal(r.metrics.exact_accuracy, 1);
  assert.equal(r.metrics.accuracy, 1 + 0.5);
  assert.equal(
    r.metrics.q_halt_accuracy,
    2,
    'q = 0 with a correct sequence counts (>=), q = -1 with a wrong one counts',
  );
  assert.equal(r.metrics.steps, 9);
  assert.equal(r.totalLoss, r.lmLoss + 0.5 * r.qHaltLoss);
  // stablemax s(v): negative branch 1/(1-v), positive v+1; checked on one row by hand.
  const ce = stablemaxCrossEntropyHost(Float32Array.of(-1, 0, 2), Int32Array.of(2), 3);
  assert.ok(Math.abs(ce[0] - -Math.log(3 / (0.5 + 1 + 3))) < 1e-15);
  assert.ok(Math.abs(bceWithLogits(0.3, 1) - Math.log(1 + Math.exp(-0.3))) < 1e-15);
  assert.deepEqual(
    [...argmaxRows(Float32Array.of(1, 3, 3, NaN, 0, 1), 3)],
    [1, 0],
    'first max on ties; NaN is maximal',
  );
  assert.throws(
    () => stablemaxCrossEntropyHost(Float32Array.of(0, 0), Int32Array.of(5), 2),
    /label 5 at index 0 is outside the vocabulary/,
  );
  assert.deepEqual([...toLossLabels(Int32Array.of(0, 3, 0))], [IGNORE_LABEL_ID, 3, IGNORE_LABEL_ID]);
});

test('float32 TF.js losses agree with the float64 host losses on the fixture logits', () => {
  const s = 3; // any step
  const logits = f32('logits_steps').subarray(s * B * S * V, (s + 1) * B * S * V);
  const qHalt = f32('q_halt_steps').subarray(s * B, (s + 1) * B);
  const labels = toLossLabels(i32('labels'));
  // Make one example fully ignored and one partly, so masking is exercised.
  labels.fill(IGNORE_LABEL_ID, 0, 10);
  const host = actLossHost({
    logits,
    labels,
    qHalt,
    halted: new Uint8Array(B),
    steps: new Int32Array(B),
    batchSize: B,
    seqLen: S,
    vocabSize: V,
    lossType: 'stablemax_cross_entropy',
  });
  const t = actLossTf(
    tf.tensor3d(logits, [B, S, V]),
    tf.tensor1d(qHalt),
    tf.tensor2d(labels, [B, S], 'int32'),
    'stablemax_cross_entropy',
  );
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
  assert.ok(rel(t.lmLoss.dataSync()[0], host.lmLoss) < 1e-5, 'lm loss');
  assert.ok(rel(t.qHaltLoss.dataSync()[0], host.qHaltLoss) < 1e-5, 'q halt loss');
  assert.ok(rel(t.total.dataSync()[0], host.totalLoss) < 1e-5, 'total');
  assert.deepEqual([...t.seqIsCorrect.dataSync()], [...host.seqIsCorrect]);
  tf.dispose([t.total, t.lmLoss, t.qHaltLoss, t.seqIsCorrect]);
  const sm = tf.tidy(() =>
    softmaxCrossEntropyTf(
      tf.tensor2d(logits.subarray(0, 20 * V), [20, V]),
      tf.tensor1d(labels.subarray(0, 20), 'int32'),
    ).dataSync(),
  );
  const smHost = softmaxCrossEntropyHost(logits.subarray(0, 20 * V), labels.subarray(0, 20), V);
  for (let i = 0; i < 20; i++) assert.ok(Math.abs(sm[i] - smHost[i]) < 1e-5, `softmax CE token ${i}`);
});
