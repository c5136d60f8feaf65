// Ladder rung 7: the lazy puzzle trace. Recomputed states inside steps equal a straight full recording
// (runEpisode with every update recorded) bit for bit, layer states end in the update's output, the
// tensor count stays flat, caches stay bounded; step outputs against the fixture.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { ARCH_DEFAULTS, TrmConfig } from '../../../src/engine/config';
import { TrmModel } from '../../../src/engine/model/trm';
import { runEpisode } from '../../../src/engine/trace/episode';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { PuzzleInput, updateAt, updatesPerStep } from '../../../src/engine/trace/types';
import { f32, firstBitDifference, fixtureModel, i32, maxAbsDiff, report, useCpu } from '../model/fixture';

before(useCpu);

function tinyConfig(over: Partial<TrmConfig> = {}): TrmConfig {
  return {
    ...ARCH_DEFAULTS,
    seq_len: 6,
    vocab_size: 5,
    num_puzzle_identifiers: 2,
    hidden_size: 8,
    num_heads: 2,
    expansion: 2,
    puzzle_emb_ndim: 8,
    puzzle_emb_len: 2,
    L_layers: 2,
    H_cycles: 2,
    L_cycles: 3,
    halt_max_steps: 4,
    forward_dtype: 'float32',
    ...over,
  };
}

const PUZZLE: PuzzleInput = {
  inputs: Int32Array.of(1, 2, 0, 4, 3, 1),
  puzzleIdentifier: 1,
  labels: Int32Array.of(2, 2, 0, 4, 3, 3),
};

for (const variant of [
  { name: 'attention + RoPE', over: {} },
  { name: 'mlp_t', over: { mlp_t: true, pos_encodings: 'none' as const } },
]) {
  test(`rung 7 (${variant.name}): stateAfter equals a full recording bit for bit, for every update and layer`, async () => {
    const c = tinyConfig(variant.over);
    const model = TrmModel.initialise(c, 21);
    const T = model.derived.totalSeqLen,
      D = c.hidden_size,
      TD = T * D,
      H = c.H_cycles,
      n = c.L_cycles,
      L = c.L_layers,
      K = c.halt_max_steps;
    try {
      const full = await runEpisode(
        model,
        { inputs: PUZZLE.inputs, puzzleIdentifiers: Int32Array.of(PUZZLE.puzzleIdentifier), labels: PUZZLE.labels },
        { traceRows: [0], traceLayers: true, keepStates: true },
      );
      const before = tf.memory().numTensors;
      const trace = createPuzzleTrace(model, PUZZLE, { cachedSteps: 1 });
      // y = H_init and z = L_init wait on the backend until the first request downloads them (no sync read).
      assert.equal(tf.memory().numTensors, before + 3, 'x and the pending initial state');
      assert.equal(firstBitDifference(await trace.x(), full.traceX as Float32Array), -1, 'x');
      const afterCreate = tf.memory().numTensors;
      assert.equal(afterCreate, before + 1, 'the trace holds exactly one tensor (x)');
      // Visit steps out of order (3, 1, 4, 2) so boundaries, expansions and LRU evictions all happen.
      for (const step of [3, 1, 4, 2]) {
        for (let o = 0; o < updatesPerStep(c); o++) {
          const ref = updateAt(c, step, o);
          const st = await trace.stateAfter(ref);
          const k = step - 1,
            cyc = ref.cycle - 1;
          if (ref.kind === 'z') {
            const want = (full.traceZ as Float32Array).subarray(
              ((k * H + cyc) * n + ref.index - 1) * TD,
              ((k * H + cyc) * n + ref.index) * TD,
            );
            assert.equal(firstBitDifference(st.z, want), -1, `z at step ${step} update ${o}`);
          } else {
            assert.equal(
              firstBitDifference(
                st.y,
                (full.traceY as Float32Array).subarray((k * H + cyc) * TD, (k * H + cyc + 1) * TD),
              ),
              -1,
              `y at step ${step} update ${o}`,
            );
          }
          for (let layer = 1; layer <= L; layer++) {
            const ls = await trace.stateAfter({ ...ref, layer });
            const want =
              ref.kind === 'z'
                ? (full.traceZLayers as Float32Array).subarray(
                    (((k * H + cyc) * n + ref.index - 1) * L + layer - 1) * TD,
                    (((k * H + cyc) * n + ref.index - 1) * L + layer) * TD,
                  )
                : (full.traceYLayers as Float32Array).subarray(
                    ((k * H + cyc) * L + layer - 1) * TD,
                    ((k * H + cyc) * L + layer) * TD,
                  );
            assert.equal(
              firstBitDifference(ref.kind === 'z' ? ls.z : ls.y, want),
              -1,
              `layer ${layer} at step ${step} update ${o}`,
            );
            if (layer === L) assert.deepEqual(ls, st, 'after the last layer == the update output');
          }
          assert.equal(tf.memory().numTensors, afterCreate, 'no tensor growth across calls');
        }
        const carried = await trace.stepState(step);
        assert.equal(
          firstBitDifference(carried.y, (full.yStates as Float32Array).subarray((step - 1) * TD, step * TD)),
          -1,
          'stepState y',
        );
        assert.equal(
          firstBitDifference(carried.z, (full.zStates as Float32Array).subarray((step - 1) * TD, step * TD)),
          -1,
          'stepState z',
        );
        const out = await trace.stepOutputs(step);
        assert.equal(out.qHalt, full.qHalt[step - 1]);
        assert.deepEqual(out.preds, full.preds.subarray((step - 1) * c.seq_len, step * c.seq_len));
      }
      assert.equal(trace.computedSteps, K);
      trace.dispose();
      assert.equal(tf.memory().numTensors, before, 'dispose releases x');
      await assert.rejects(trace.stepOutputs(1), /used after dispose/);
    } finally {
      model.dispose();
    }
  });
}

test('tracer: step outputs (changed cells, correctness, halting view), initial state, bad references', async () => {
  const c = tinyConfig();
  const model = TrmModel.initialise(c, 5);
  try {
    const trace = createPuzzleTrace(model, PUZZLE);
    const init = await trace.initialState();
    const hInit = model.params.get('H_init').dataSync();
    assert.deepEqual(init.y.subarray(8, 16), Float32Array.from(hInit), 'y = H_init at every position');
    // Two concurrent requests are serialised (the second one reuses the first one's work).
    const [o1, o2] = await Promise.all([trace.stepOutputs(1), trace.stepOutputs(2)]);
    assert.deepEqual(o1.changedCells, [0, 1, 3, 4, 5], 'step 1: every non-PAD cell counts as changed');
    const changed = [...o2.preds.keys()].filter((i) => o2.preds[i] !== o1.preds[i]);
    assert.deepEqual(o2.changedCells, changed);
    const labelled = [0, 1, 3, 4, 5];
    const wrong = labelled.filter((i) => o2.preds[i] !== (PUZZLE.labels as Int32Array)[i]);
    assert.deepEqual(o2.wrongCells, wrong);
    assert.equal(o2.correct, wrong.length === 0);
    assert.equal(o2.accuracy, (labelled.length - wrong.length) / labelled.length);
    assert.equal(o2.qHalt, -5, 'fresh q_head: weight 0, bias -5');
    assert.equal(o2.wouldHalt, false);
    assert.ok(Math.abs(o2.haltProbability - 1 / (1 + Math.exp(5))) < 1e-12);
    assert.ok(o2.confidence.every((p) => p > 0 && p <= 1));
    assert.equal(o2.nonFinite, false);
    await assert.rejects(trace.stepOutputs(5), /step 5 is outside 1\.\.4 \(halt_max_steps\)/);
    await assert.rejects(
      trace.stateAfter({ step: 1, cycle: 3, kind: 'z', index: 1 }),
      /cycle must be in 1\.\.2 \(H_cycles\)/,
    );
    await assert.rejects(
      trace.stateAfter({ step: 1, cycle: 1, kind: 'z', index: 4 }),
      /z index must be in 1\.\.3 \(L_cycles\)/,
    );
    await assert.rejects(
      trace.stateAfter({ step: 1, cycle: 1, kind: 'y', index: 0, layer: 3 }),
      /layer must be in 1\.\.2/,
    );
    await assert.rejects(trace.stateAfter({ step: 1, cycle: 1, kind: 'y', index: 2 }), /a y update has index 0/);
    trace.dispose();
    assert.throws(
      () => createPuzzleTrace(model, { ...PUZZLE, inputs: Int32Array.of(1, 2, 3) }),
      /inputs have 3 ids, expected 1 rows x seq_len 6/,
    );
    assert.throws(() => createPuzzleTrace(model, { ...PUZZLE, labels: Int32Array.of(1) }), /labels have 1 cells/);
  } finally {
    model.dispose();
  }
});

test('tracer on an ARC-sized grid (T = 916) keeps one tensor and bounded caches', async () => {
  const c = tinyConfig({
    seq_len: 900,
    vocab_size: 12,
    H_cycles: 1,
    L_cycles: 2,
    halt_max_steps: 3,
    puzzle_emb_len: 16,
  });
  const model = TrmModel.initialise(c, 2);
  try {
    const inputs = Int32Array.from({ length: 900 }, (_, i) => (i * 7) % 12);
    const before = tf.memory().numTensors;
    const trace = createPuzzleTrace(model, { inputs, puzzleIdentifier: 0 });
    const a = await trace.stateAfter({ step: 3, cycle: 1, kind: 'z', index: 2, layer: 1 });
    assert.equal(a.z.length, 916 * 8);
    assert.equal(trace.computedSteps, 3);
    assert.equal(tf.memory().numTensors, before + 1);
    const out = await trace.stepOutputs(3);
    assert.equal(out.preds.length, 900);
    assert.equal(out.correct, undefined, 'no labels, no correctness');
    trace.dispose();
  } finally {
    model.dispose();
  }
});

test('tracer step 1 on the fixture puzzle (row 0) matches the reference', async () => {
  const model = fixtureModel();
  try {
    const S = 81,
      V = 11;
    const inputs = i32('inputs').slice(0, S),
      labels = i32('labels').slice(0, S);
    const trace = createPuzzleTrace(model, { inputs, puzzleIdentifier: i32('puzzle_identifiers')[0], labels });
    const out = await trace.stepOutputs(1);
    const err = maxAbsDiff(out.logits, f32('logits_steps').subarray(0, S * V));
    report('tracer step-1 logits max abs error (row 0)', err);
    assert.ok(err <= 5.9e-4);
    assert.ok(Math.abs(out.qHalt - f32('q_halt_steps')[0]) <= 1e-5);
    assert.equal(out.correct, false);
    assert.equal(out.changedCells.length, 81);
    assert.equal(out.wrongCells?.length, [...out.preds].filter((p, i) => p !== labels[i]).length);
    const z1 = await trace.stateAfter({ step: 1, cycle: 1, kind: 'z', index: 1 });
    assert.ok(maxAbsDiff(z1.z, f32('trace_z').subarray(0, 97 * 64)) <= 1e-4);
    trace.dispose();
  } finally {
    model.dispose();
  }
});
