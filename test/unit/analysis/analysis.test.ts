// The analyses of issue 14 (settling, z-lens, provenance, attribution) and the one decode module:
// hand-computed values for the decode and the settling labels; on the official fixture and the
// bundled demo model, invariants that tie every number to the trace it came from (residual = an
// extra application of net, Δ = the states' difference, provenance = the decoded y at every revision,
// gradient x input = a finite difference of the objective) and the values measured once as pins.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { TrmModel } from '../../../src/engine/model/trm';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { changedCells, decodeLogits, judgeAnswer, rmsPerPosition } from '../../../src/engine/trace/decode';
import { PuzzleInput, PuzzleTrace, updateAt } from '../../../src/engine/trace/types';
import {
  StepSummary,
  settlingLabel,
  settlingOf,
  stepSummaries,
  updateDiagnostics,
} from '../../../src/engine/analysis/settling';
import { attributeLastFlip, provenance } from '../../../src/engine/analysis/provenance';
import { attributeCycle } from '../../../src/engine/analysis/attribution';
import { zLens } from '../../../src/engine/analysis/zlens';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { solveSudoku } from '../../../src/engine/data/sudokuSolver';
import * as tf from '@tensorflow/tfjs-core';
import { fixtureModel, i32, useCpu } from '../model/fixture';

before(useCpu);

const DEMO = path.resolve('media', 'models', 'sudoku-small', 'model.safetensors');
const GRID = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';

function demoPuzzle(): PuzzleInput {
  const inputs = encodeSudoku(GRID);
  const digits = Array.from(GRID, (ch) => Number(ch));
  const solved = solveSudoku(digits);
  assert.ok(solved.solution, 'the test grid has a solution');
  return { inputs, puzzleIdentifier: 0, labels: encodeSudoku(solved.solution!.join('')) };
}

function demoModel(): TrmModel {
  const loaded = loadCheckpoint(DEMO, { seqLen: 81 });
  return TrmModel.fromWeights(loaded.config, loaded.weights);
}

function fixturePuzzle(b: number): PuzzleInput {
  const S = 81;
  return {
    inputs: i32('inputs').slice(b * S, (b + 1) * S),
    puzzleIdentifier: i32('puzzle_identifiers')[b],
    labels: i32('labels').slice(b * S, (b + 1) * S),
  };
}

// ---- decode ----------------------------------------------------------------------------------

test('decodeLogits: argmax (first on ties), softmax probability, margin and entropy by hand', () => {
  const d = decodeLogits(Float32Array.of(2, 1, 0, /* tie */ 3, 3, 1), 3);
  assert.deepEqual([...d.preds], [0, 0]);
  const z = Math.exp(2) + Math.exp(1) + 1;
  assert.ok(Math.abs(d.confidence[0] - Math.exp(2) / z) < 1e-6);
  assert.ok(Math.abs(d.margin[0] - 1) < 1e-6);
  const p = [Math.exp(2) / z, Math.exp(1) / z, 1 / z];
  const h = -p.reduce((s, q) => s + q * Math.log(q), 0);
  assert.ok(Math.abs(d.entropy[0] - h) < 1e-6);
  assert.equal(d.margin[1], 0, 'a tie has margin 0');
  assert.throws(() => decodeLogits(new Float32Array(5), 3), /not a multiple of vocab 3/);
});

test('changedCells, judgeAnswer and rmsPerPosition by hand', () => {
  assert.deepEqual(changedCells(Int32Array.of(1, 2, 3), Int32Array.of(1, 5, 3), Int32Array.of(0, 0, 0)), [1]);
  assert.deepEqual(changedCells(Int32Array.of(1, 2, 3), undefined, Int32Array.of(0, 4, 4)), [1, 2]);
  assert.deepEqual(judgeAnswer(Int32Array.of(1, 2, 3), Int32Array.of(1, 0, 4)), {
    correct: false,
    accuracy: 0.5,
    wrongCells: [2],
  });
  assert.equal(judgeAnswer(Int32Array.of(1), Int32Array.of(0)), undefined);
  // two positions of width 2: per-position norms 5 and 0 → sqrt((25 + 0) / 2)
  assert.equal(rmsPerPosition(Float32Array.of(3, 4, 1, 1), Float32Array.of(0, 0, 1, 1), 2), Math.sqrt(12.5));
});

// ---- settling labels ---------------------------------------------------------------------------

const sum = (step: number, correct: boolean, dz: number, changed = 0): StepSummary => ({
  step,
  correct,
  changedCells: changed,
  dz,
  dy: dz,
  qHalt: 0,
});

test('settlingLabel: the four labels, the options and bad input', () => {
  assert.equal(settlingLabel([sum(1, false, 5, 30), sum(2, true, 1, 3), sum(3, true, 0.5)]), 'quick success');
  assert.equal(settlingLabel([sum(1, false, 5, 30), sum(2, false, 1, 3), sum(3, true, 0.5, 1)]), 'delayed success');
  assert.equal(
    settlingLabel([sum(1, false, 5, 30), sum(2, false, 1, 3), sum(3, true, 0.5, 1)], { quickSteps: 3 }),
    'quick success',
  );
  // correct at step 1, wrong at 2, right again at 3: stable only from 3
  assert.equal(settlingLabel([sum(1, true, 5), sum(2, false, 1, 1), sum(3, true, 1, 1)]), 'delayed success');
  assert.equal(settlingLabel([sum(1, false, 5, 30), sum(2, false, 1e-3), sum(3, false, 1e-4)]), 'settled wrong');
  assert.equal(settlingLabel([sum(1, false, 5, 30), sum(2, false, 1e-3, 1), sum(3, false, 1e-4)]), 'wandering');
  assert.equal(settlingLabel([sum(1, false, 5, 30), sum(2, false, 0.5), sum(3, false, 1e-4)]), 'wandering');
  assert.equal(
    settlingLabel([sum(1, false, 5, 30), sum(2, false, 0.5), sum(3, false, 1e-4)], { settleSteps: 1 }),
    'settled wrong',
  );
  assert.equal(settlingLabel([sum(1, false, 0.05)], { settleTol: 0.1 }), 'settled wrong');
  assert.equal(settlingLabel([sum(1, false, NaN)]), 'wandering', 'non-finite drift never counts as settled');
  assert.throws(() => settlingLabel([]), /at least one step summary/);
  assert.throws(() => settlingLabel([sum(1, true, 1)], { quickSteps: 0 }), /quickSteps must be at least 1/);
  assert.throws(() => settlingLabel([sum(1, true, 1)], { settleTol: -1 }), /settleTol/);
});

// ---- on real models ------------------------------------------------------------------------------

async function checkDiagnostics(trace: PuzzleTrace, step: number): Promise<void> {
  const c = trace.config;
  const T = trace.derived.totalSeqLen;
  const diags = await updateDiagnostics(trace, step);
  assert.equal(diags.length, trace.derived.updatesPerStep);
  let prev = step === 1 ? await trace.initialState() : await trace.stepState(step - 1);
  for (const d of diags) {
    const s = await trace.stateAfter(updateAt(c, step, d.ordinal));
    // Residual: one extra application of net(z, y + x) on the state after the update, computed here directly.
    const direct = rmsPerPosition(await trace.zNet(s), s.z, T);
    assert.equal(d.residual, direct, `residual at ${step}:${d.ordinal}`);
    assert.equal(d.dz, rmsPerPosition(s.z, prev.z, T));
    assert.equal(d.dy, rmsPerPosition(s.y, prev.y, T));
    if (d.kind === 'z') assert.equal(d.dy, 0);
    else assert.equal(d.dz, 0);
    if (d.kind === 'z') assert.equal(d.changedCells, 0);
    prev = s;
  }
}

test('fixture: update diagnostics agree with the trace (residual = an extra z application), step summaries with the step outputs', async () => {
  const model = fixtureModel();
  const trace = createPuzzleTrace(model, fixturePuzzle(0));
  try {
    await checkDiagnostics(trace, 2);
    const sums = await stepSummaries(trace, 2);
    for (const s of sums) {
      const o = await trace.stepOutputs(s.step);
      assert.equal(s.changedCells, o.changedCells.length);
      assert.equal(s.correct, o.correct);
      assert.equal(s.qHalt, o.qHalt);
    }
    const T = trace.derived.totalSeqLen;
    assert.equal(sums[1].dz, rmsPerPosition((await trace.stepState(2)).z, (await trace.stepState(1)).z, T));
    // The y decode at the step's last revision is the tracer's step output, bit for bit.
    const last = await trace.stateAfter(updateAt(trace.config, 1, trace.derived.updatesPerStep - 1));
    assert.deepEqual((await trace.decode(last.y)).preds, (await trace.stepOutputs(1)).preds);
  } finally {
    trace.dispose();
    model.dispose();
  }
});

test('demo model: provenance follows the decoded y at every revision; z-lens decodes z; settling label (pinned)', async () => {
  const model = demoModel();
  const puzzle = demoPuzzle();
  const trace = createPuzzleTrace(model, puzzle);
  const steps = model.config.halt_max_steps;
  try {
    const prov = await provenance(trace, steps);
    const U = trace.derived.updatesPerStep;
    assert.equal(prov.samples.length, 1 + steps * model.config.H_cycles);
    const final = (await trace.stepOutputs(steps)).preds;
    for (const cell of prov.cells) {
      assert.equal(cell.final, final[cell.cell]);
      assert.equal(cell.label, puzzle.labels![cell.cell]);
      // Replaying the changes from the initial value ends at the final value.
      let v = cell.initial;
      for (const ch of cell.changes) {
        assert.equal(ch.from, v);
        v = ch.to;
        assert.equal(ch.t, (ch.step - 1) * U + ch.ordinal + 1);
      }
      assert.equal(v, cell.final);
      if (cell.final === cell.label) assert.deepEqual(cell.firstCorrect, cell.stableFrom);
      else assert.equal(cell.firstCorrect, undefined);
    }
    // Spot-check one changing cell against the decoded y right before and at its last flip.
    const flipped = prov.cells.find((c) => c.lastFlip)!;
    const f = flipped.lastFlip!;
    const at = await trace.decode((await trace.stateAfter(updateAt(trace.config, f.step, f.ordinal))).y);
    assert.equal(at.preds[flipped.cell], f.to);
    const j = prov.samples.findIndex((p) => p.t === f.t);
    assert.ok(Math.abs(flipped.confidence[j] - at.confidence[flipped.cell]) < 1e-6);

    // Settling on the bundled model: this grid is solved (pinned; the weights are in the repository).
    const settling = await settlingOf(trace, steps);
    assert.equal(settling.steps.length, steps);
    assert.equal(settling.steps[steps - 1].correct, (await trace.stepOutputs(steps)).correct);
    const firstRight = settling.steps.findIndex((s) => s.correct) + 1;
    const pinned = { label: settling.label, firstRight, flips: prov.cells.reduce((n, c) => n + c.changes.length, 0) };
    console.log('demo pins', JSON.stringify(pinned), settling.steps.map((s) => s.dz.toExponential(2)).join(' '));
    assert.deepEqual(pinned, DEMO_PINS);

    // z-lens: z decoded through lm_head, agreement with y counted from the two decodes.
    const lens = await zLens(trace, 2);
    assert.equal(lens.updates.length, 2 * U);
    const u = lens.updates[3];
    const s = await trace.stateAfter(updateAt(trace.config, u.step, u.ordinal));
    const dz = await trace.decode(s.z);
    assert.deepEqual(u.preds, dz.preds);
    assert.deepEqual(u.entropy, dz.entropy);
    for (const up of lens.updates)
      for (const i of up.ahead) {
        assert.equal(up.preds[i], lens.finalY[i]);
      }
    assert.deepEqual(
      lens.flagged,
      lens.updates.filter((x) => x.ahead.length > 0).map((x) => x.t),
    );
  } finally {
    trace.dispose();
    model.dispose();
  }
});

const DEMO_PINS = { label: 'wandering', firstRight: 0, flips: 131 };

test('attribution: gradient x input of z and y equals the finite difference of the objective along each input', async () => {
  const model = demoModel();
  const puzzle = demoPuzzle();
  const trace = createPuzzleTrace(model, puzzle);
  try {
    const prov = await provenance(trace, 2);
    const cell = prov.cells.find((c) => c.lastFlip) ?? prov.cells.find((c) => puzzle.inputs[c.cell] === 1)!;
    const a = cell.lastFlip
      ? (await attributeLastFlip(trace, cell))!
      : await trace.attributeCycle(1, 1, cell.cell, cell.label ?? cell.final);
    const step = cell.lastFlip?.step ?? 1;
    const cycle = cell.lastFlip?.cycle ?? 1;
    // The objective is the logit difference of the decoded y after that cycle.
    const yRef = { step, cycle, kind: 'y' as const, index: 0 };
    const after = await trace.stateAfter(yRef);
    const d = await trace.decode(after.y);
    const V = model.config.vocab_size;
    const row = d.logits.subarray(a.cell * V, (a.cell + 1) * V);
    assert.ok(Math.abs(a.objective - (row[a.target] - row[a.runnerUp])) < 1e-4, `objective ${a.objective}`);
    // d/dε f(z·(1+ε)) at 0 = Σ grad·z: compare with a central difference.
    const n = model.config.L_cycles + 1;
    const ordinal = (cycle - 1) * n - 1;
    const start =
      ordinal < 0
        ? step === 1
          ? await trace.initialState()
          : await trace.stepState(step - 1)
        : await trace.stateAfter(updateAt(model.config, step, ordinal));
    const x = tf.tensor3d(await trace.x(), [1, model.derived.totalSeqLen, model.config.hidden_size]);
    try {
      const eps = 1e-3;
      const scaled = async (which: 'z' | 'y', k: number) => {
        const st = { y: Float32Array.from(start.y), z: Float32Array.from(start.z) };
        st[which] = st[which].map((v) => v * (1 + k));
        const r = await attributeCycle(model, x, st, a.cell, a.target);
        assert.equal(r.runnerUp, a.runnerUp);
        return r.objective;
      };
      for (const which of ['z', 'y'] as const) {
        const fd = ((await scaled(which, eps)) - (await scaled(which, -eps))) / (2 * eps);
        const tol = 0.02 * Math.max(1, Math.abs(fd));
        assert.ok(Math.abs(fd - a[which]) < tol, `${which}: gradient x input ${a[which]} vs finite difference ${fd}`);
      }
    } finally {
      x.dispose();
    }
    assert.ok(Number.isFinite(a.puzzleEmbedding) && Number.isFinite(a.question));
    assert.equal(a.perCell.length, 81);
  } finally {
    trace.dispose();
    model.dispose();
  }
});

test('demo model: the settling labels of known puzzles (measured once, pinned)', async () => {
  const model = demoModel();
  const cases = [
    // generated with seed 7 (scripts of this test's history); the demo model's answers per step
    {
      grid: '080002050600850217005701000700460580002005009854920060030570100208006900500049036',
      solution: '187692453693854217425731698719463582362185749854927361936578124248316975571249836',
      label: 'delayed success',
      correct: 'wwwCCCCC',
    },
    {
      grid: '835160402600000000047238906079604520400050090006071340000093765960007204750000189',
      solution: '835169472692745813147238956379684521481352697526971348214893765968517234753426189',
      label: 'quick success',
      correct: 'CCCCCCCC',
    },
    {
      grid: '000000906923007048608910703000001067000002000089056030347080215806400309000003600',
      solution: '471238956923567148658914723234891567765342891189756432347689215816425379592173684',
      label: 'wandering',
      correct: 'wwwwwwww',
    },
  ];
  try {
    for (const c of cases) {
      const trace = createPuzzleTrace(model, {
        inputs: encodeSudoku(c.grid),
        puzzleIdentifier: 0,
        labels: encodeSudoku(c.solution),
      });
      try {
        const r = await settlingOf(trace, 8);
        assert.equal(r.label, c.label, c.grid);
        assert.equal(r.steps.map((x) => (x.correct ? 'C' : 'w')).join(''), c.correct);
        // Successes converge: the last step moves z by far less than the first.
        if (c.label !== 'wandering') assert.ok(r.steps[7].dz < 1e-2 * r.steps[0].dz);
        // Its last two steps change no cell but move z by ~0.25: settled wrong only under a loose tolerance.
        if (c.label === 'wandering') assert.equal(settlingLabel(r.steps, { settleTol: 1 }), 'settled wrong');
      } finally {
        trace.dispose();
      }
    }
  } finally {
    model.dispose();
  }
});
