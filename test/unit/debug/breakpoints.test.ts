// Every breakpoint kind of the `trm` adapter stops where it must, on the real engine and the
// parity fixture. Expected places are computed independently from the fixture files: the grammar
// for function breakpoints, logits_steps.npy for answer changes, trace_y.npy + lm_head for cell
// watches (free-running step 1 agrees with the reference to ~1e-4), q_halt_steps.npy for halting.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  CHECKPOINT,
  D,
  FIXTURE,
  P,
  S,
  Session,
  U,
  V,
  argmax,
  fixtureArray,
  fixtureRow,
  shiftedHaltCheckpoint,
} from './dapHarness';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32 } from '../../../src/engine/hostTensor';

const row0 = fixtureRow(0);
const where = (s: Session) => `${s.position().step}:${s.position().ordinal}`;

let s: Session;
before(async () => {
  s = new Session();
  await s.start();
});
after(async () => {
  await s.stop();
});

let fnIds: number[] = [];

test('function breakpoints: grammar, verification messages, conditions; forward and reverse', async () => {
  const first = await s.launch(
    { checkpoint: CHECKPOINT, puzzle: row0.puzzle, solution: row0.solution, steps: 3, stopOnEntry: false },
    async () => {
      const r = await s.dc.setFunctionBreakpointsRequest({
        breakpoints: [
          { name: 'cycle 2 update 7' },
          { name: 'step 2 cycle 3' },
          { name: 'y', condition: 'step == 3 && cycle == 3' },
          { name: 'step 99' },
          { name: 'y', condition: 'qhalt > 0' },
          { name: 'y', condition: 'q_halt >' },
          { name: 'layer 1' },
        ],
      });
      const bps = r.body.breakpoints;
      assert.deepEqual(
        bps.map((b) => b.verified),
        [true, true, true, false, false, false, false],
      );
      assert.match(bps[3].message ?? '', /step 99 is out of range: supervision steps of this session 1\.\.3/);
      assert.match(bps[4].message ?? '', /unknown name 'qhalt'; known names: q_halt/);
      assert.match(bps[5].message ?? '', /invalid condition 'q_halt >'/);
      assert.match(bps[6].message ?? '', /unknown word 'layer'/);
      fnIds = bps.map((b) => b.id!);
    },
  );
  // Independent expectation: 'cycle 2 update 7' = the y update closing cycle 2 (ordinal 13) of every step.
  assert.equal(first.body.reason, 'function breakpoint');
  assert.equal(where(s), '1:13');
  assert.deepEqual(first.body.hitBreakpointIds, [fnIds[0]]);
  assert.equal(first.body.text, "Paused on function breakpoint 'cycle 2 update 7' at step 1 › cycle 2 › y (z_H)");
  await s.continue();
  assert.equal(where(s), '2:13');
  const entering = await s.continue();
  assert.equal(where(s), '2:14'); // 'step 2 cycle 3' = entering cycle 3: its first z update
  assert.deepEqual(entering.body.hitBreakpointIds, [fnIds[1]]);
  await s.continue();
  assert.equal(where(s), '3:13');
  const last = await s.continue();
  assert.equal(where(s), '3:20'); // 'y' with condition step == 3 && cycle == 3
  assert.deepEqual(last.body.hitBreakpointIds, [fnIds[2]]);
  // Backwards through the same breakpoints, then to the start.
  const seen: string[] = [];
  for (let i = 0; i < 5; i++) {
    await s.reverseContinue();
    seen.push(where(s));
  }
  assert.deepEqual(seen, ['3:13', '2:14', '2:13', '1:13', '1:0']);
  assert.match(s.position().reason, /Reached the start of the episode/);
});

test("exception filter 'Answer changed' with a condition stops where the fixture's answer changes", async () => {
  await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  const r = await s.dc.setExceptionBreakpointsRequest({
    filters: [],
    filterOptions: [{ filterId: 'answerChanged', condition: 'changed < 75' }, { filterId: 'bogus' }],
  });
  assert.deepEqual(
    r.body?.breakpoints?.map((b) => b.verified),
    [true, false],
  );
  // Expected: the first step whose argmax answer differs from the previous step's in fewer than 75 cells.
  const logits = fixtureArray('logits_steps.npy');
  const preds = (step: number) =>
    Array.from({ length: S }, (_, i) => argmax(logits.subarray((step * 4 * S + i) * V, (step * 4 * S + i + 1) * V)));
  let expected = 0;
  for (let st = 1; st < 3 && !expected; st++) {
    const a = preds(st - 1);
    const b = preds(st);
    if (a.filter((v, i) => v !== b[i]).length < 75) expected = st + 1;
  }
  assert.equal(expected, 2);
  const stop = await s.continue();
  // A breakpoint, not an exception: VS Code shows no red "Exception has occurred" widget.
  assert.equal(stop.body.reason, 'breakpoint');
  assert.equal(stop.body.description, 'Paused on answer changed');
  assert.equal(where(s), `${expected}:${U - 1}`);
  assert.match(stop.body.text ?? '', new RegExp(`^Paused: answer changed at step ${expected}: \\d+ cells \\(r\\d`));
  assert.match(stop.body.text ?? '', /answer \d+\/81 correct/);
  const info = (await s.dc.exceptionInfoRequest({ threadId: 1 })).body;
  assert.equal(info.exceptionId, 'Answer changed');
  assert.equal(info.breakMode, 'always');
  await s.dc.setExceptionBreakpointsRequest({ filters: [] });
});

test('data breakpoint on a y cell stops at the first y update that changes its decoded value', async () => {
  // Independent expectation from trace_y (every y update of row 0) and the fixture's lm_head and H_init.
  const weights = readSafetensors(path.join(FIXTURE, 'model.safetensors')).tensors;
  const w = (suffix: string) => toFloat32(weights.get([...weights.keys()].find((k) => k.endsWith(suffix))!)!);
  const lm = w('lm_head.weight'); // [V, D]
  const hInit = w('H_init'); // [D]
  const traceY = fixtureArray('trace_y.npy'); // [16, 3, 1, 97, 64]
  const decode = (vec: ArrayLike<number>) => {
    const logits = Array.from({ length: V }, (_, v) => {
      let a = 0;
      for (let d = 0; d < D; d++) a += lm[v * D + d] * vec[d];
      return a;
    });
    const sorted = [...logits].sort((a, b) => b - a);
    return { id: argmax(logits), margin: sorted[0] - sorted[1] };
  };
  let pick: { cell: number; cycle: number; from: number; to: number } | undefined;
  for (let cell = 0; cell < S && !pick; cell++) {
    let prev = decode(hInit);
    for (let c = 0; c < 3; c++) {
      const off = (c * 97 + P + cell) * D; // step 0, cycle c, example 0
      const cur = decode(traceY.subarray(off, off + D));
      if (cur.margin < 1e-2 || prev.margin < 1e-2) break; // too close to a tie for a cross-check
      if (cur.id !== prev.id) {
        if (c > 0) pick = { cell, cycle: c + 1, from: prev.id, to: cur.id };
        break;
      }
      prev = cur;
    }
  }
  assert.ok(pick, 'the fixture has a cell whose answer first changes in cycle 2 or 3 of step 1');
  const name = `r${Math.floor(pick.cell / 9) + 1}c${(pick.cell % 9) + 1}`;
  const rowVar = (await s.scope('y')).find((v) => v.name === `row ${Math.floor(pick.cell / 9) + 1}`)!;
  const info = (await s.dc.dataBreakpointInfoRequest({ variablesReference: rowVar.variablesReference, name })).body;
  assert.equal(info.dataId, `y-cell:${pick.cell}`);
  assert.equal(info.description, `stop when cell ${name} changes`);
  const notCell = (
    await s.dc.dataBreakpointInfoRequest({ variablesReference: rowVar.variablesReference, name: 'q_halt' })
  ).body;
  assert.equal(notCell.dataId, null);
  const set = await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId }, { dataId: 'z-cell:3' }] });
  assert.deepEqual(
    set.body.breakpoints.map((b) => b.verified),
    [true, false],
  );
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 1, ordinal: 0 }));
  const stop = await s.continue();
  assert.equal(stop.body.reason, 'data breakpoint');
  assert.equal(where(s), `1:${pick.cycle * 7 - 1}`);
  const digit = (id: number) => (id >= 2 && id <= 10 ? id - 1 : 0);
  assert.equal(
    stop.body.text,
    `Paused: cell ${name} changed ${digit(pick.from)} → ${digit(pick.to)} at step 1 › cycle ${pick.cycle} › y (z_H)`,
  );
  // A condition that is false at that update moves the stop to a later change (or the end).
  await s.dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.dataId, condition: 'step >= 2' }] });
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 1, ordinal: 0 }));
  await s.continue();
  assert.ok(s.position().step >= 2);
  await s.dc.setDataBreakpointsRequest({ breakpoints: [] });
});

test('halting breakpoints and the halt policy, on the fixture with a shifted halting bias', async () => {
  // q_halt of row 3 shifted by +4.98: the fixture's q_halt_steps say where it first becomes positive.
  const shift = 4.98;
  const q = fixtureArray('q_halt_steps.npy');
  const shifted = Array.from({ length: 3 }, (_, st) => q[st * 4 + 3] + shift);
  const expected = shifted.findIndex((v) => v > 0) + 1;
  assert.equal(expected, 3);
  assert.ok(
    shifted.every((v) => Math.abs(v) > 5e-3),
    'clear margins (free-running error is below 2e-4 up to step 3)',
  );
  const row3 = fixtureRow(3);
  const b = new Session();
  await b.start();
  try {
    let haltId = 0;
    const stop = await b.launch(
      {
        checkpoint: shiftedHaltCheckpoint(shift),
        puzzle: row3.puzzle,
        solution: row3.solution,
        haltPolicy: 'first',
        stopOnEntry: false,
      },
      async () => {
        const f = await b.dc.setExceptionBreakpointsRequest({ filters: ['halt', 'haltWrong', 'continueCorrect'] });
        assert.deepEqual(
          f.body?.breakpoints?.map((x) => x.verified),
          [true, true, true],
        );
        haltId = (await b.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'halt' }] })).body.breakpoints[0]
          .id!;
      },
    );
    assert.equal(stop.body.reason, 'breakpoint');
    assert.equal(`${b.position().step}:${b.position().ordinal}`, `${expected}:${U - 1}`);
    const text = stop.body.text ?? '';
    assert.match(
      text,
      new RegExp(`^Paused on halting decision: q_halt = 0\\.01\\d > 0 at step ${expected}, answer \\d+/81 correct`),
    );
    assert.match(text, new RegExp(`Paused: halts with a wrong answer at step ${expected}`));
    assert.doesNotMatch(text, /keeps going/);
    assert.deepEqual(stop.body.hitBreakpointIds, [haltId]);
    const summary = (await b.dc.customRequest('trm/stepSummary', { step: expected })).body;
    assert.deepEqual([summary.wouldHalt, summary.halted, summary.correct], [true, true, false]);
    const before = (await b.dc.customRequest('trm/stepSummary', { step: expected - 1 })).body;
    assert.deepEqual([before.wouldHalt, before.halted], [false, false]);
    await assert.rejects(
      b.dc.customRequest('trm/seek', { step: expected + 1, ordinal: 0 }),
      new RegExp(
        `after the end of the episode: the halt policy \\(halt at the first q_halt > 0\\) halts after step ${expected}`,
      ),
    );
    const from = b.events.length;
    await b.dc.continueRequest({ threadId: 1 });
    await b.next('terminated', from);
    assert.ok(
      b.events
        .slice(from)
        .some((e) => e.event === 'output' && /halted after step 3 by the halt policy/.test(e.body.output)),
    );
  } finally {
    await b.stop();
  }

  // A probability threshold: sigmoid(q_halt) of step 1 is 0.49825 (q = -0.007), so 0.498 halts there.
  const c = new Session();
  await c.start();
  try {
    await c.launch(
      {
        checkpoint: shiftedHaltCheckpoint(shift),
        puzzle: row3.puzzle,
        haltPolicy: { threshold: 0.498 },
        stopOnEntry: true,
      },
      async () => {
        const f = await c.dc.setExceptionBreakpointsRequest({ filters: ['haltWrong'] });
        assert.match(f.body?.breakpoints?.[0].message ?? '', /needs labels, and this puzzle has none/);
        const cond = await c.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'y', condition: 'correct' }] });
        assert.match(cond.body.breakpoints[0].message ?? '', /uses 'correct', but this puzzle has no labels/);
      },
    );
    const end = await c.continue();
    assert.equal(`${c.position().step}:${c.position().ordinal}`, `1:${U - 1}`);
    assert.match(
      end.body.text ?? '',
      /End of the episode: halted after step 1 by the halt policy \(halt when sigmoid\(q_halt\) >= 0\.498\)/,
    );
  } finally {
    await c.stop();
  }
});
