// Watch expressions over recursion time and the settling breakpoints, over the wire (DebugClient)
// on the bundled demo model: every value the adapter shows is recomputed here in process from the
// engine's trace and analyses; errors point at the column.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { TrmModel } from '../../../src/engine/model/trm';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { PuzzleTrace, updateAt } from '../../../src/engine/trace/types';
import { rmsPerPosition } from '../../../src/engine/trace/decode';
import { provenance, ProvenanceTable } from '../../../src/engine/analysis/provenance';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { useCpu } from '../model/fixture';
import { Session, named } from './dapHarness';

const CHECKPOINT = path.resolve('media', 'models', 'sudoku-small', 'model.safetensors');
// Generated (seed 7); the demo model gets it wrong for 3 steps, right from step 4 on: a delayed success.
const PUZZLE = '080002050600850217005701000700460580002005009854920060030570100208006900500049036';
const SOLUTION = '187692453693854217425731698719463582362185749854927361936578124248316975571249836';
const U = 6; // the demo model: H_cycles 2 x (L_cycles 2 + 1)

let s: Session;
let model: TrmModel;
let trace: PuzzleTrace;
let prov: ProvenanceTable;

before(async () => {
  await useCpu();
  const loaded = loadCheckpoint(CHECKPOINT, { seqLen: 81 });
  model = TrmModel.fromWeights(loaded.config, loaded.weights);
  trace = createPuzzleTrace(model, {
    inputs: encodeSudoku(PUZZLE),
    puzzleIdentifier: 0,
    labels: encodeSudoku(SOLUTION),
  });
  prov = await provenance(trace, 8);
  s = new Session();
  await s.start();
});
after(async () => {
  await s.stop();
  trace.dispose();
  model.dispose();
});

const launch = (extra: Record<string, unknown> = {}, configure?: () => Promise<void>) =>
  s.launch(
    { checkpoint: CHECKPOINT, puzzle: PUZZLE, solution: SOLUTION, backend: 'cpu', haltPolicy: 'all', ...extra },
    configure,
  );

async function evaluate(expression: string): Promise<string> {
  const [frame] = await s.frames();
  return (await s.dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' })).body.result;
}

test('watch expressions evaluate at the cursor: drift, conf, entropy, first_correct, residual', async () => {
  await launch({ stopOnEntry: true });
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 2, ordinal: 1 }));
  const T = model.derived.totalSeqLen;
  const here = await trace.stateAfter(updateAt(model.config, 2, 1));
  const before = await trace.stateAfter(updateAt(model.config, 2, 0));
  const dz = rmsPerPosition(here.z, before.z, T);
  assert.ok(dz > 0);
  assert.equal(Number(await evaluate('drift(z)')), dz);
  assert.equal(Number(await evaluate('drift(y)')), 0, 'a z update leaves y alone');
  assert.equal(Number(await evaluate('residual')), rmsPerPosition(await trace.zNet(here), here.z, T));
  assert.equal(Number(await evaluate('t')), U + 2);

  const y = await trace.decode(here.y);
  const r4c7 = 3 * 9 + 6;
  assert.ok(Math.abs(Number(await evaluate('conf(y)[r4c7]')) - y.confidence[r4c7]) < 1e-6);
  const zd = await trace.decode(here.z);
  assert.ok(Math.abs(Number(await evaluate('entropy(z)[r4c7]')) - zd.entropy[r4c7]) < 1e-6);
  const meanEntropy = Array.from(y.entropy).reduce((a, b) => a + b, 0) / 81;
  assert.ok(Math.abs(Number(await evaluate('mean(entropy(y))')) - meanEntropy) < 1e-6);
  assert.match(
    await evaluate('entropy(y)'),
    /^mean [\d.e-]+ · min [\d.e-]+ at r\d+c\d+ · max [\d.e-]+ at r\d+c\d+ \(81 cells\)$/,
  );

  // first_correct over the whole episode: pick a cell that was wrong for a while.
  const late = prov.cells.find((c) => c.firstCorrect && c.firstCorrect.t > U)!;
  const name = `r${Math.floor(late.cell / 9) + 1}c${(late.cell % 9) + 1}`;
  assert.equal(Number(await evaluate(`first_correct(${name})`)), late.firstCorrect!.t);
  assert.equal(Number(await evaluate(`flips(${name})`)), late.changes.length);
  assert.equal(await evaluate(`first_correct(${name}) > t`), String(late.firstCorrect!.t > U + 2));
  assert.equal(
    await evaluate('drift(z) < 1e-3 && !correct'),
    String(dz < 1e-3 && !y.preds.every((p, i) => p === encodeSudoku(SOLUTION)[i])),
  );
});

test('trm/stepSummary carries the step-boundary drift the timeline plots (engine stepSummaries)', async () => {
  const { stepSummaries } = await import('../../../src/engine/analysis/settling');
  const expected = await stepSummaries(trace, 2);
  const body = (await s.dc.customRequest('trm/stepSummary', { step: 2 })).body;
  assert.equal(body.dz, expected[1].dz);
  assert.equal(body.dy, expected[1].dy);
});

test('watch expression errors point at the column', async () => {
  const fails = async (expression: string, re: RegExp) => {
    const [frame] = await s.frames();
    await assert.rejects(s.dc.evaluateRequest({ expression, frameId: frame.id, context: 'watch' }), re);
  };
  await fails(
    'entropy(y) < 0.1',
    /'<' at column 12: entropy\(y\) is a per-cell grid: pick a cell like entropy\(y\)\[r4c7\]/,
  );
  await fails('conf(y)[r10c1]', /'r10c1' at column 9 is not a cell of this puzzle's grid/);
  await fails('drift(q)', /drift\(…\) at column 7 takes y or z, got 'q'/);
  await fails('div(A, B) > 0', /div needs a comparison run.*column 1/);
  await fails('first_correct(7)', /first_correct\(…\) at column 15 takes a cell of the grid like r4c7/);
  await fails('conf(y)[', /expected a cell name like r4c7 inside '\[' but found the end/);
  await fails('foo(y)', /unknown function 'foo' at column 1/);
});

test('breakpoint conditions use the same language; a bad one is rejected with its column', async () => {
  const r = await s.dc.setFunctionBreakpointsRequest({
    breakpoints: [
      { name: 'step 3 › cycle 1 › z 2', condition: 'drift(z) > 0 && conf(y)[r1c1] >= 0' },
      { name: 'step 3 › cycle 1 › z 1', condition: 'entropy(y) > 1' },
    ],
  });
  assert.equal(r.body.breakpoints[0].verified, true);
  assert.equal(r.body.breakpoints[1].verified, false);
  assert.match(r.body.breakpoints[1].message ?? '', /'>' at column 12: entropy\(y\) is a per-cell grid/);
  const stop = await s.continue();
  assert.equal(stop.body.reason, 'function breakpoint');
  assert.deepEqual([s.position().step, s.position().ordinal], [3, 1]);
  await s.dc.setFunctionBreakpointsRequest({ breakpoints: [] });
  await s.stop();
});

test('halting-view breakpoints: still wandering at step k (k as a condition), settled while wrong', async () => {
  s = new Session();
  await s.start();
  const first = await launch({ stopOnEntry: false }, async () => {
    const r = await s.dc.setExceptionBreakpointsRequest({
      filters: [],
      filterOptions: [{ filterId: 'wandering', condition: 'step >= 2' }, { filterId: 'settledWrong' }],
    });
    assert.deepEqual(
      r.body?.breakpoints?.map((b) => b.verified),
      [true, true],
    );
  });
  // A halting-view stop is a breakpoint (no red exception widget in VS Code).
  assert.equal(first.body.reason, 'breakpoint');
  assert.match(first.body.text ?? '', /still wandering at step 2/);
  assert.deepEqual([s.position().step, s.position().ordinal], [2, U - 1]);
  // Step 3 is still wrong and moving; from step 4 on the answer is right: no more stops.
  const second = await s.continue();
  assert.match(second.body.text ?? '', /still wandering at step 3/);
  const from = s.events.length;
  await s.dc.continueRequest({ threadId: 1 });
  const end = await Promise.race([s.next('stopped', from), s.next('terminated', from)]);
  if (end.event === 'stopped')
    assert.doesNotMatch((end as { body: { text?: string } }).body.text ?? '', /wandering|settled/);
  await s.stop();
  s = new Session();
  await s.start();
});

test('Variables view: the analysis scope shows drift, settling, z-lens and a cell’s provenance', async () => {
  await launch({ stopOnEntry: true });
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 8, ordinal: U - 1 }));
  const vars = await s.scope('analysis');
  assert.match(named(vars, 'settling').value, /^delayed success/);
  assert.match(named(vars, 'drift').value, /^‖Δz‖ .* · ‖Δy‖ .* · residual /);
  assert.match(named(vars, 'z-lens').value, /^z decodes \d+\/81 cells like y$/);
  const steps = await s.children(named(vars, 'settling'));
  assert.equal(steps.length, 8);
  assert.match(steps[3].value, /^correct · ‖Δz‖/);
  const cells = await s.children(named(vars, 'provenance'));
  const late = prov.cells.find((c) => c.firstCorrect && c.firstCorrect.t > U)!;
  const name = `r${Math.floor(late.cell / 9) + 1}c${(late.cell % 9) + 1}`;
  const cell = await s.children(named(cells, name));
  assert.match(named(cell, 'first correct').value, new RegExp(`^t = ${late.firstCorrect!.t} \\(step `));
  assert.equal(named(cell, 'first correct').evaluateName, `first_correct(${name})`);
  const attribution = await s.children(named(cell, 'attribution of the last flip'));
  assert.match(named(attribution, 'objective').value, /^logit\(\d\) − logit\(\d\) = /);
  for (const k of ['z (z_L)', 'y (z_H)', 'puzzle embedding', 'question tokens'])
    assert.ok(Number.isFinite(Number(named(attribution, k).value)), k);
});

test('div(A, B) with a compare run: the first-divergence criterion at the cursor', async () => {
  await s.stop();
  s = new Session();
  await s.start();
  // Run B = the same checkpoint on the same puzzle: the two runs agree bit for bit at every update.
  await launch({ stopOnEntry: true, compare: { checkpoint: CHECKPOINT } });
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 2, ordinal: 3 }));
  assert.equal(await evaluate('div(A, B)'), '0');
  assert.equal(await evaluate('div(A, A) == 0 && div(A, B) < 1e-3'), 'true');
  const [frame] = await s.frames();
  await assert.rejects(
    s.dc.evaluateRequest({ expression: 'div(A, q)', frameId: frame.id, context: 'watch' }),
    /div\(…\) at column 8 takes the run A or B, got 'q'/,
  );
});
