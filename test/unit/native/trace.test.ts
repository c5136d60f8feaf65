// The lazy puzzle trace and evaluation episodes on the native path (a StepRunner): the trace
// recomputes inside a step on demand and must equal a straight native recording bit for bit (like
// test/unit/trace/tracer.test.ts on TF.js), and the debugger's step boundaries are the same whichever
// path computes them: the same updates and layers in the same order, states of a whole free-running
// step within the model tests' 1e-3 of TF.js (each teacher-forced update is within 1e-4: parity.test.ts).

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ARCH_DEFAULTS, type TrmConfig } from '../../../src/engine/config';
import { TrmModel } from '../../../src/engine/model/trm';
import { runEpisode } from '../../../src/engine/trace/episode';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { type PuzzleInput, describeUpdate, updateAt, updatesPerStep } from '../../../src/engine/trace/types';
import { firstBitDifference, fixtureModel, i32, maxAbsDiff, report, useCpu } from '../model/fixture';
import { nativeRunner } from './helpers';

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
  {
    name: 'mlp_t, bfloat16',
    over: { mlp_t: true, pos_encodings: 'none' as const, forward_dtype: 'bfloat16' as const },
  },
]) {
  test(`native trace (${variant.name}): stateAfter equals a full native recording bit for bit, every update and layer`, async () => {
    const c = tinyConfig(variant.over);
    const model = TrmModel.initialise(c, 21);
    const runner = await nativeRunner(model);
    const T = model.derived.totalSeqLen,
      TD = T * c.hidden_size,
      H = c.H_cycles,
      n = c.L_cycles,
      L = c.L_layers,
      K = c.halt_max_steps;
    try {
      const full = await runEpisode(
        model,
        { inputs: PUZZLE.inputs, puzzleIdentifiers: Int32Array.of(PUZZLE.puzzleIdentifier), labels: PUZZLE.labels },
        { traceRows: [0], traceLayers: true, keepStates: true, runner },
      );
      const trace = createPuzzleTrace(model, PUZZLE, { cachedSteps: 1, runner });
      for (const step of [3, 1, 4, 2]) {
        for (let o = 0; o < updatesPerStep(c); o++) {
          const ref = updateAt(c, step, o);
          const st = await trace.stateAfter(ref);
          const k = step - 1,
            cyc = ref.cycle - 1;
          const zBase = ((k * H + cyc) * n + ref.index - 1) * TD;
          const want =
            ref.kind === 'z'
              ? (full.traceZ as Float32Array).subarray(zBase, zBase + TD)
              : (full.traceY as Float32Array).subarray((k * H + cyc) * TD, (k * H + cyc + 1) * TD);
          assert.equal(firstBitDifference(ref.kind === 'z' ? st.z : st.y, want), -1, describeUpdate(ref));
          for (let layer = 1; layer <= L; layer++) {
            const ls = await trace.stateAfter({ ...ref, layer });
            const lw =
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
              firstBitDifference(ref.kind === 'z' ? ls.z : ls.y, lw),
              -1,
              `layer ${layer}, ${describeUpdate(ref)}`,
            );
            if (layer === L) assert.deepEqual(ls, st, 'after the last layer == the update output');
          }
        }
        const carried = await trace.stepState(step);
        assert.equal(
          firstBitDifference(carried.y, (full.yStates as Float32Array).subarray((step - 1) * TD, step * TD)),
          -1,
        );
        assert.equal(
          firstBitDifference(carried.z, (full.zStates as Float32Array).subarray((step - 1) * TD, step * TD)),
          -1,
        );
        const out = await trace.stepOutputs(step);
        assert.equal(out.qHalt, full.qHalt[step - 1]);
        assert.deepEqual(out.preds, full.preds.subarray((step - 1) * c.seq_len, step * c.seq_len));
      }
      assert.equal(trace.computedSteps, K);
      trace.dispose();
    } finally {
      runner.dispose();
      model.dispose();
    }
  });
}

test('the fixture traced by TF.js and by the native path: the same boundaries, updates and layers, states within 1e-3', async () => {
  const model = fixtureModel();
  const runner = await nativeRunner(model);
  const c = model.config;
  const row = 0,
    S = c.seq_len;
  const puzzle: PuzzleInput = {
    inputs: i32('inputs').slice(row * S, (row + 1) * S),
    puzzleIdentifier: i32('puzzle_identifiers')[row],
    labels: i32('labels').slice(row * S, (row + 1) * S),
  };
  const tfTrace = createPuzzleTrace(model, puzzle);
  const nativeTrace = createPuzzleTrace(model, puzzle, { runner });
  try {
    let maxState = 0,
      maxLayer = 0;
    // Step 1 starts from the same initial state on both paths; later steps start from each path's own boundary.
    const step = 1;
    for (let o = 0; o < updatesPerStep(c); o++) {
      const ref = updateAt(c, step, o);
      const [a, b] = await Promise.all([tfTrace.stateAfter(ref), nativeTrace.stateAfter(ref)]);
      maxState = Math.max(maxState, maxAbsDiff(a.y, b.y), maxAbsDiff(a.z, b.z));
      for (let layer = 1; layer <= c.L_layers; layer++) {
        const [la, lb] = await Promise.all([
          tfTrace.stateAfter({ ...ref, layer }),
          nativeTrace.stateAfter({ ...ref, layer }),
        ]);
        maxLayer = Math.max(maxLayer, maxAbsDiff(la.y, lb.y), maxAbsDiff(la.z, lb.z));
      }
    }
    const [oa, ob] = await Promise.all([tfTrace.stepOutputs(step), nativeTrace.stepOutputs(step)]);
    report(
      'fixture row 0, step 1: TF.js vs native, max |state| / |layer state| / |logits| difference',
      `${maxState.toExponential(2)} / ${maxLayer.toExponential(2)} / ${maxAbsDiff(oa.logits, ob.logits).toExponential(2)}`,
    );
    assert.ok(maxState <= 1e-3 && maxLayer <= 1e-3, `states ${maxState}, layers ${maxLayer}`);
    assert.ok(maxAbsDiff(oa.logits, ob.logits) <= 1e-3);
    assert.deepEqual(Object.keys(ob).sort(), Object.keys(oa).sort(), 'the same step summary fields');
    assert.equal(ob.step, oa.step);
    assert.equal(tfTrace.computedSteps, nativeTrace.computedSteps);
    assert.ok(Math.abs(ob.qHalt - oa.qHalt) <= 1e-3);
  } finally {
    tfTrace.dispose();
    nativeTrace.dispose();
    runner.dispose();
    model.dispose();
  }
});

test('a native episode equals the TF.js episode on the fixture (step 1 within 1e-3, every row and output)', async () => {
  const model = fixtureModel();
  const runner = await nativeRunner(model);
  const batch = { inputs: i32('inputs'), puzzleIdentifiers: i32('puzzle_identifiers'), labels: i32('labels') };
  try {
    const opts = { steps: 1, traceRows: [1, 3], traceLayers: true, keepStates: true };
    const [a, b] = [await runEpisode(model, batch, opts), await runEpisode(model, batch, { ...opts, runner })];
    const diffs: string[] = [];
    for (const k of [
      'logits',
      'qHalt',
      'qContinue',
      'yStates',
      'zStates',
      'traceX',
      'traceZ',
      'traceY',
      'traceZLayers',
      'traceYLayers',
    ] as const) {
      const d = maxAbsDiff(a[k] as Float32Array, b[k] as Float32Array);
      diffs.push(`${k} ${d.toExponential(1)}`);
      assert.ok(d <= 1e-3, `${k}: ${d}`);
    }
    report('fixture episode step 1, TF.js vs native, max |difference|', diffs.join(', '));
    assert.deepEqual(b.halted, a.halted);
    assert.deepEqual(b.stepCounts, a.stepCounts);
    assert.deepEqual(b.seqIsCorrect, a.seqIsCorrect);
    assert.ok(Math.abs((b.lossSums as Float64Array)[0] - (a.lossSums as Float64Array)[0]) <= 1e-3);
  } finally {
    runner.dispose();
    model.dispose();
  }
});
