// The `trm` debug adapter over the wire (node dist/debugAdapter.js under DebugClient), on the real
// engine and the parity fixture checkpoint step_150: capabilities, launch, stepping in both
// directions, variables and paging, handle invalidation, evaluate, the custom trm/* requests,
// disconnect, and launch errors. Expected numbers come from the fixture files, not from the adapter.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { CHECKPOINT, D, FIXTURE, P, S, Session, T, U, V, argmax, fixtureArray, fixtureRow, named } from './dapHarness';

const row0 = fixtureRow(0);
const qHaltSteps = fixtureArray('q_halt_steps.npy'); // [16, 4]
const logitsSteps = fixtureArray('logits_steps.npy'); // [16, 4, 81, 11]
const ySteps = fixtureArray('y_steps.npy'); // [16, 4, 97, 64]

let s: Session;
before(async () => {
  s = new Session();
  await s.start();
});
after(async () => {
  await s.stop();
});

test('capabilities advertise the trm debugger features', async () => {
  const probe = new Session();
  await probe.start();
  try {
    const caps = (await probe.dc.initializeRequest({ adapterID: 'trm', pathFormat: 'path' })).body!;
    assert.equal(caps.supportsStepBack, true);
    assert.equal(caps.supportsFunctionBreakpoints, true);
    assert.equal(caps.supportsDataBreakpoints, true);
    assert.equal(caps.supportsConditionalBreakpoints, true);
    assert.equal(caps.supportsExceptionFilterOptions, true);
    assert.equal(caps.supportsConfigurationDoneRequest, true);
    assert.equal(caps.supportsTerminateRequest, true);
    assert.deepEqual(
      caps.exceptionBreakpointFilters?.map((f) => [f.label, f.supportsCondition]),
      [
        ['Halting decision', true],
        ['Halts with a wrong answer', true],
        ['Keeps going although correct', true],
        ['Answer changed', true],
        ['Non-finite value', true],
        ['Settled while wrong', true],
        ['Still wandering at step k', true],
        ['Runs A and B diverge', true],
      ],
    );
  } finally {
    await probe.stop();
  }
});

test('launch: traceInfo, stop on entry, frames with a source, position events', async () => {
  const stopped = await s.launch({
    checkpoint: CHECKPOINT,
    puzzle: row0.puzzle,
    solution: row0.solution,
    stopOnEntry: true,
    steps: 4,
  });
  assert.equal(stopped.body.reason, 'entry');
  const info = (await s.next('trm/traceInfo', 0)).body;
  assert.deepEqual(
    [
      info.taskKind,
      info.gridHeight,
      info.gridWidth,
      info.seqLen,
      info.puzzleEmbLen,
      info.hiddenSize,
      info.vocabSize,
      info.hCycles,
      info.lCycles,
      info.lLayers,
      info.maxSteps,
    ],
    ['sudoku', 9, 9, S, P, D, V, 3, 6, 2, 4],
  );
  assert.equal(info.inputs.length, S);
  assert.deepEqual(info.labels, Array.from(row0.labels));
  assert.deepEqual(s.position(), {
    step: 1,
    cycle: 1,
    kind: 'z',
    index: 1,
    ordinal: 0,
    description: 'step 1 › cycle 1 › z 1 (z_L)',
    reason: 'Paused on entry at step 1 › cycle 1 › z 1 (z_L)',
  });
  const frames = await s.frames();
  assert.deepEqual(
    frames.map((f) => f.name),
    ['cycle 1 › z 1 (z_L)', 'step 1 › cycle 1', 'step 1'],
  );
  const src = frames[0].source!;
  assert.ok(src.sourceReference && src.sourceReference > 0);
  const content = (await s.dc.sourceRequest({ source: src, sourceReference: src.sourceReference })).body.content;
  assert.match(content, /x — question/);
  assert.ok(content.includes(row0.puzzle.slice(0, 1)), content);
  assert.match(content, /step 1 › cycle 1 › z 1 \(z_L\)/);
});

test('next / stepIn / stepOut walk updates, layers, cycles and steps', async () => {
  const where = () => {
    const p = s.position();
    return `${p.step}:${p.ordinal}${p.layer ? `:L${p.layer}` : ''}`;
  };
  await s.nextUpdate();
  assert.equal(where(), '1:1');
  await s.stepIn();
  assert.equal(where(), '1:2:L1');
  assert.equal((await s.frames())[0].name, 'z 3 (z_L) › layer 1');
  await s.stepIn();
  assert.equal(where(), '1:2:L2');
  await s.stepOut(); // out of the layers: the update's output
  assert.equal(where(), '1:2');
  await s.nextUpdate();
  assert.equal(where(), '1:3');
  await s.stepOut(); // end of cycle 1: its y update
  assert.equal(where(), '1:6');
  assert.equal(s.position().description, 'step 1 › cycle 1 › y (z_H)');
  await s.stepOut(); // from a cycle end: end of the step
  assert.equal(where(), '1:20');
  await s.stepBack();
  assert.equal(where(), '1:19');
  await s.nextUpdate();
  assert.equal(where(), '1:20');
});

test('variables at the end of step 1 match the fixture (halting head, decoded answer, y state)', async () => {
  const halting = await s.scope('halting');
  const qHalt = Number(named(halting, 'q_halt').value);
  assert.ok(Math.abs(qHalt - qHaltSteps[0]) < 1e-3, `q_halt ${qHalt} vs fixture ${qHaltSteps[0]}`);
  assert.equal(named(halting, 'decision').value, 'continue (q_halt <= 0)');
  const ys = await s.scope('y');
  const rows = ys.filter((v) => /^row \d$/.test(v.name));
  assert.equal(rows.length, 9);
  // Decoded answer = argmax of the fixture's step-1 logits, except where its top-2 logits nearly tie.
  let compared = 0;
  for (let r = 0; r < 9; r++) {
    const cells = await s.children(rows[r]);
    assert.equal(cells.length, 9);
    for (let c = 0; c < 9; c++) {
      const i = r * 9 + c;
      const logits = logitsSteps.subarray(i * V, (i + 1) * V); // step 0, example 0
      const sorted = Array.from(logits).sort((a, b) => b - a);
      if (sorted[0] - sorted[1] < 1e-3) continue;
      assert.equal(cells[c].name, `r${r + 1}c${c + 1}`);
      const id = argmax(logits);
      assert.equal(Number(cells[c].value.split(' ')[0]), id >= 2 ? id - 1 : 0, `${cells[c].name}: ${cells[c].value}`);
      compared++;
    }
  }
  assert.ok(compared > 70);
  // The y state, paged: rows 0 and 96 against y_steps[0][0] (free-running step 1 agrees to ~1e-4).
  const yState = named(ys, 'y (state)');
  assert.equal(yState.indexedVariables, T);
  for (const t of [0, 96]) {
    const [rowVar] = await s.children(yState, { filter: 'indexed', start: t, count: 1 });
    const values = await s.children(rowVar, { filter: 'indexed', start: 0, count: D });
    assert.equal(values.length, D);
    for (let d = 0; d < D; d++)
      assert.ok(Math.abs(Number(values[d].value) - ySteps[t * D + d]) < 1e-3, `y[${t}][${d}]`);
  }
});

test('paging of big tensors: indexedVariables with start/count', async () => {
  const z = await s.scope('z');
  const zState = named(z, 'z (state)');
  assert.equal(zState.indexedVariables, T);
  const tail = await s.children(zState, { filter: 'indexed', start: 90, count: 10 });
  assert.deepEqual(
    tail.map((v) => v.name),
    ['[90] r9c3', '[91] r9c4', '[92] r9c5', '[93] r9c6', '[94] r9c7', '[95] r9c8', '[96] r9c9'],
  );
  assert.equal(tail[0].indexedVariables, D);
  const values = await s.children(tail[0], { filter: 'indexed', start: 60, count: 10 });
  assert.deepEqual(
    values.map((v) => v.name),
    ['[60]', '[61]', '[62]', '[63]'],
  );
  assert.deepEqual(await s.children(zState, { filter: 'named' }), []);
  const norms = named(z, 'position norms');
  const prefix = await s.children(norms, { filter: 'indexed', start: 14, count: 3 });
  assert.deepEqual(
    prefix.map((v) => v.name),
    ['[14] prefix', '[15] prefix', '[16] r1c1'],
  );
});

test('references of an earlier stop are answered quietly (empty), never with a value of another stop', async () => {
  const z = await s.scope('z');
  const stale = named(z, 'z (state)').variablesReference;
  const [frame] = await s.frames();
  await s.stepBack();
  // Normal traffic while stepping fast (the Variables view still expanded): success, nothing shown.
  assert.deepEqual((await s.dc.variablesRequest({ variablesReference: stale })).body.variables, []);
  assert.deepEqual((await s.dc.scopesRequest({ frameId: frame.id })).body.scopes, []);
  const fresh = named(await s.scope('z'), 'z (state)').variablesReference;
  assert.notEqual(fresh, stale);
});

test('requests made while running (fast stepping) get quiet answers: frames and values, no errors', async () => {
  const z = await s.scope('z');
  const ref = named(z, 'z (state)').variablesReference;
  const from = s.events.length;
  // Resume and, before the stop arrives, ask what VS Code asks about the stop it still shows.
  await s.dc.nextRequest({ threadId: 1 });
  const [frames, vars] = await Promise.all([
    s.dc.stackTraceRequest({ threadId: 1 }),
    s.dc.variablesRequest({ variablesReference: ref }),
  ]);
  await s.next('stopped', from);
  assert.ok(frames.success && vars.success);
  // Still the values of the stop VS Code showed (references live until the next stop), or none.
  assert.ok(vars.body.variables.length === 0 || vars.body.variables[0].name === '[0] prefix');
  await s.stepBack();
});

test('stepBack and reverse execution return bit-identical states after recomputation', async () => {
  const snapshot = async () => {
    const z = await s.scope('z');
    const y = await s.scope('y');
    const rowsOf = async (matrix: DebugProtocol.Variable, t: number) => {
      const [rowVar] = await s.children(matrix, { filter: 'indexed', start: t, count: 1 });
      return (await s.children(rowVar, { filter: 'indexed' })).map((x) => x.value);
    };
    const heat = await s.dc.customRequest('trm/heatmap', {
      step: s.position().step,
      ordinal: s.position().ordinal,
      tensor: 'z',
      view: 'norm',
    });
    return {
      halting: (await s.scope('halting')).map((v) => `${v.name}=${v.value}`),
      answer: y.filter((v) => v.name.startsWith('row')).map((v) => v.value),
      z0: await rowsOf(named(z, 'z (state)'), 0),
      z50: await rowsOf(named(z, 'z (state)'), 50),
      y20: await rowsOf(named(y, 'y (state)'), 20),
      norms: heat.body.values,
    };
  };
  const seek = (step: number, ordinal: number) => s.motion(() => s.dc.customRequest('trm/seek', { step, ordinal }));
  await seek(2, 9);
  const here = await snapshot();
  // Visit enough other places (two other steps, the tracer keeps 2 expanded; 9 positions with their
  // variables, the session keeps 8) to push step 2 out of every cache.
  for (const [st, o] of [
    [3, 1],
    [4, 2],
    [3, 7],
    [4, 11],
    [3, 15],
    [4, 18],
    [3, 3],
    [4, 4],
    [3, 5],
  ]) {
    await seek(st, o);
    await s.scope('halting');
  }
  await seek(2, 10);
  await s.stepBack();
  assert.equal(s.position().ordinal, 9);
  assert.deepEqual(await snapshot(), here);
});

test('evaluate: the condition language on the current position, with clear errors', async () => {
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 1, ordinal: 20 }));
  const [frame] = await s.frames();
  const ev = async (expression: string) =>
    (await s.dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' })).body.result;
  assert.equal(await ev('step'), '1');
  assert.equal(await ev('q_halt < 0 && cycle == 3'), 'true');
  // Both formatted for reading (4 and 3 decimals).
  assert.ok(Math.abs(Number(await ev('q_halt')) - Number(named(await s.scope('halting'), 'q_halt').value)) <= 6e-4);
  const r1c1 = Number((await s.children(named(await s.scope('y'), 'row 1')))[0].value.split(' ')[0]);
  assert.equal(Number(await ev('r1c1')), r1c1);
  assert.equal(await ev('accuracy > 0.999'), 'false'); // the lightly trained fixture never solves its puzzles
  await assert.rejects(
    s.dc.evaluateRequest({ expression: 'q_halt >', frameId: frame.id, context: 'repl' }),
    /expected a number, a name or '\(' but found the end/,
  );
  await assert.rejects(
    s.dc.evaluateRequest({ expression: 'qhalt > 0', frameId: frame.id, context: 'hover' }),
    /unknown name 'qhalt'/,
  );
});

test('custom requests: trm/stepSummary, trm/heatmap, trm/trajectory, trm/seek validation', async () => {
  const sum = (await s.dc.customRequest('trm/stepSummary', { step: 1 })).body;
  assert.ok(Math.abs(sum.qHalt - qHaltSteps[0]) < 1e-3);
  assert.equal(sum.preds.length, S);
  assert.equal(sum.changedCells.length, S); // step 1: every cell counts as changed
  assert.equal(sum.halted, false);
  assert.equal(sum.correct, false);
  assert.equal(sum.wouldHalt, false);
  const heat = (await s.dc.customRequest('trm/heatmap', { step: 1, ordinal: U - 1, tensor: 'y', view: 'norm' })).body;
  assert.equal(heat.values.length, T);
  for (let t = 0; t < T; t++) {
    let n = 0;
    for (let d = 0; d < D; d++) n += ySteps[t * D + d] ** 2;
    assert.ok(Math.abs(heat.values[t] - Math.sqrt(n)) < 1e-2, `norm at ${t}`);
  }
  assert.equal(heat.min, Math.min(...heat.values));
  const ch = (
    await s.dc.customRequest('trm/heatmap', { step: 1, ordinal: U - 1, tensor: 'y', view: 'channel', channel: 5 })
  ).body;
  for (const t of [0, 40, 96]) assert.ok(Math.abs(ch.values[t] - ySteps[t * D + 5]) < 1e-3);
  const pca = (await s.dc.customRequest('trm/heatmap', { step: 2, ordinal: 3, layer: 1, tensor: 'z', view: 'pca' }))
    .body;
  assert.equal(pca.values.length, T);
  const traj = (await s.dc.customRequest('trm/trajectory', { tensor: 'z', steps: 2 })).body;
  assert.equal(traj.points.length, 2 * U);
  assert.deepEqual(
    traj.points.slice(0, 2).map((p: { step: number; ordinal: number }) => [p.step, p.ordinal]),
    [
      [1, 0],
      [1, 1],
    ],
  );
  assert.ok(traj.points.every((p: { x: number; y: number }) => Number.isFinite(p.x) && Number.isFinite(p.y)));

  await assert.rejects(
    s.dc.customRequest('trm/heatmap', { step: 1, ordinal: 0, tensor: 'w', view: 'norm' }),
    /trm\/heatmap: invalid arguments/,
  );
  await assert.rejects(
    s.dc.customRequest('trm/heatmap', { step: 1, ordinal: 0, tensor: 'y', view: 'channel', channel: 64 }),
    /channel 64 is out of range: hidden_size D = 64/,
  );
  await assert.rejects(s.dc.customRequest('trm/seek', { step: 0, ordinal: 0 }), /trm\/seek: invalid arguments/);
  await assert.rejects(
    s.dc.customRequest('trm/seek', { step: 5, ordinal: 0 }),
    /step 5 is out of range: this session runs steps 1\.\.4/,
  );
  await assert.rejects(
    s.dc.customRequest('trm/seek', { step: 1, ordinal: 21 }),
    /ordinal 21 is out of range: a step has 21 updates/,
  );
  await assert.rejects(
    s.dc.customRequest('trm/seek', { step: 1, ordinal: 0, layer: 3 }),
    /layer 3 is out of range: the network has L_layers = 2/,
  );
  await assert.rejects(s.dc.customRequest('trm/stepSummary', { step: 'one' }), /trm\/stepSummary: invalid arguments/);
  await assert.rejects(s.dc.customRequest('trm/trajectory', { tensor: 'z', steps: 9 }), /step 9 is out of range/);
  await assert.rejects(s.dc.customRequest('trm/nope', {}), /unknown request 'trm\/nope'/);
  // The stop event may arrive in the same chunk as the response: listen from before the request.
  const from = s.events.length;
  const pos = (await s.dc.customRequest('trm/seek', { step: 3, ordinal: 13 })).body;
  assert.deepEqual(
    [pos.step, pos.cycle, pos.kind, pos.index, pos.description],
    [3, 2, 'y', 0, 'step 3 › cycle 2 › y (z_H)'],
  );
  const stopped = await s.next('stopped', from);
  assert.equal(stopped.body.reason, 'goto');
  assert.equal(s.position().description, 'step 3 › cycle 2 › y (z_H)');
});

test('continue runs to the end of the episode, then terminates; disconnect is answered', async () => {
  const end = await s.continue();
  assert.equal(s.position().step, 4);
  assert.equal(s.position().ordinal, U - 1);
  assert.match(end.body.text ?? '', /End of the episode: halted after step 4 by the step limit \(4 steps\)/);
  const from = s.events.length;
  await s.dc.continueRequest({ threadId: 1 });
  await s.next('terminated', from);
  const r = await s.dc.disconnectRequest({});
  assert.equal(r.success, true);
});

test('bad launch configurations get one clear error each', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { puzzle: row0.puzzle, cwd: FIXTURE },
      /'checkpoint' is not given and .* holds 2 checkpoints \(model\.safetensors, step_150\): name one with 'checkpoint'/,
    ],
    [
      { checkpoint: path.join(FIXTURE, 'nope.safetensors'), puzzle: row0.puzzle },
      /'checkpoint' file not found: .*nope\.safetensors/,
    ],
    [{ checkpoint: CHECKPOINT }, /give a 'dataset' file .* or an inline 'puzzle'/],
    [{ checkpoint: CHECKPOINT, puzzle: row0.puzzle.slice(1) }, /a Sudoku puzzle needs 81 cells, got 80/],
    [
      { checkpoint: CHECKPOINT, puzzle: row0.puzzle, index: 3 },
      /'index' 3 is out of range: an inline Sudoku string is a single puzzle/,
    ],
    [{ checkpoint: CHECKPOINT, puzzle: row0.puzzle, haltPolicy: 'sometimes' }, /'haltPolicy' must be 'all'/],
    [{ checkpoint: CHECKPOINT, puzzle: row0.puzzle, steps: 0 }, /'steps' must be an integer from 1 to 1000/],
    [
      { checkpoint: CHECKPOINT, puzzle: row0.puzzle, solution: '1'.repeat(81) },
      /'solution' contradicts the puzzle at cell/,
    ],
    [
      {
        checkpoint: CHECKPOINT,
        puzzle: [
          [1, 2],
          [3, 4],
        ],
      },
      /the inputs have sequence length 900, but the checkpoint's seq_len is 81/,
    ],
    [{ checkpoint: CHECKPOINT, puzzle: row0.puzzle, backend: 'gpu' }, /'backend' must be one of/],
  ];
  const probe = new Session();
  await probe.start();
  try {
    await probe.dc.initializeRequest({ adapterID: 'trm', pathFormat: 'path' });
    for (const [args, re] of cases) {
      await assert.rejects(probe.dc.launchRequest(args), re, JSON.stringify(args));
    }
  } finally {
    await probe.stop();
  }
});
