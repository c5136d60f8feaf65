// The `trm` adapter over the wire on a small freshly initialised model (saved with its config inside
// the safetensors file): a session may run more supervision steps than the checkpoint's
// halt_max_steps (N_sup), and the values past N_sup are the model's own recursion, checked against
// an in-process episode of the same weights with a larger step budget.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getPreset, TrmConfig } from '../../../src/engine/config';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { TrmModel } from '../../../src/engine/model/trm';
import { runEpisode } from '../../../src/engine/trace/episode';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { useCpu } from '../model/fixture';
import { Session } from './dapHarness';

const PUZZLE = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';
/** N_sup = 2, T = 2 cycles of n = 2 z updates and one y update: 6 updates per step. */
const CONFIG: TrmConfig = {
  ...getPreset('sudoku-mlp-small'),
  hidden_size: 16,
  puzzle_emb_ndim: 16,
  H_cycles: 2,
  L_cycles: 2,
  L_layers: 1,
  halt_max_steps: 2,
};
const U = 6;

let dir: string;
let checkpoint: string;
let s: Session;

before(async () => {
  await useCpu();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-debug-small-'));
  checkpoint = path.join(dir, 'model.safetensors');
  const model = TrmModel.initialise(CONFIG, 7);
  try {
    saveSafetensorsCheckpoint(checkpoint, CONFIG, await model.getWeights());
  } finally {
    model.dispose();
  }
  s = new Session();
  await s.start();
});
after(async () => {
  await s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('steps beyond halt_max_steps: the session runs them and they continue the recursion', async () => {
  const stopped = await s.launch({ checkpoint, puzzle: PUZZLE, steps: 4, stopOnEntry: true, backend: 'cpu' });
  assert.equal(stopped.body.reason, 'entry');
  const info = (await s.next('trm/traceInfo', 0)).body;
  assert.deepEqual([info.maxSteps, info.hCycles, info.lCycles, info.lLayers, info.hiddenSize], [4, 2, 2, 1, 16]);

  // Independent expectation: the same weights in process, an episode of 4 steps (N_sup raised to 4).
  const weights = TrmModel.initialise(CONFIG, 7);
  const model = TrmModel.fromWeights({ ...CONFIG, halt_max_steps: 4 }, await weights.getWeights());
  weights.dispose();
  let episode;
  try {
    episode = await runEpisode(
      model,
      { inputs: encodeSudoku(PUZZLE), puzzleIdentifiers: Int32Array.of(0) },
      { steps: 4 },
    );
  } finally {
    model.dispose();
  }
  for (let step = 1; step <= 4; step++) {
    const sum = (await s.dc.customRequest('trm/stepSummary', { step })).body;
    assert.ok(
      Math.abs(sum.qHalt - episode.qHalt[step - 1]) < 1e-5,
      `q_halt at step ${step}: ${sum.qHalt} vs ${episode.qHalt[step - 1]}`,
    );
    assert.deepEqual(
      sum.preds,
      Array.from(episode.preds.subarray((step - 1) * 81, step * 81)),
      `answer at step ${step}`,
    );
    assert.equal(sum.halted, step === 4, 'only the step limit ends this episode');
  }
  const pos = await s.motion(() => s.dc.customRequest('trm/seek', { step: 4, ordinal: U - 2 }));
  assert.equal(pos.body.reason, 'goto');
  assert.equal(s.position().description, 'step 4 › cycle 2 › z 2 (z_L)');
  assert.deepEqual(
    (await s.frames()).map((f) => f.name),
    ['cycle 2 › z 2 (z_L)', 'step 4 › cycle 2', 'step 4'],
  );
  await assert.rejects(
    s.dc.customRequest('trm/seek', { step: 5, ordinal: 0 }),
    /step 5 is out of range: this session runs steps 1\.\.4/,
  );
  const end = await s.nextUpdate();
  assert.match(end.body.text ?? '', /End of the episode: halted after step 4 by the step limit \(4 steps\)/);
});

test('function breakpoints past N_sup are accepted and hit; disconnect is answered', async () => {
  const r = await s.dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'step 3 cycle 2' }, { name: 'step 5' }] });
  assert.deepEqual(
    r.body.breakpoints.map((b) => b.verified),
    [true, false],
  );
  await s.motion(() => s.dc.customRequest('trm/seek', { step: 1, ordinal: 0 }));
  const hit = await s.continue();
  assert.equal(hit.body.reason, 'function breakpoint');
  assert.deepEqual([s.position().step, s.position().ordinal], [3, 3]);
  const disconnected = await s.dc.disconnectRequest({});
  assert.equal(disconnected.success, true);
});

const SAMPLE_CSV = path.resolve(process.cwd(), 'sample-workspace', 'sudoku', 'sudoku-extreme-style-sample.csv');
const SAMPLE_ARC = path.resolve(process.cwd(), 'sample-workspace', 'arc', '0d3d703e.json');

/** Question and answer of data row `k` of the sample CSV (source,question,answer,rating), read here by hand. */
function csvRow(k: number): { question: string; answer: string } {
  const rows = fs
    .readFileSync(SAMPLE_CSV, 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(1);
  const [, question, answer] = rows[k].split(',');
  return { question, answer };
}

test('dataset launch: a puzzle of a Sudoku CSV by index or by id, with its labels', async () => {
  const d = new Session();
  await d.start();
  try {
    const stopped = await d.launch({ checkpoint, dataset: SAMPLE_CSV, index: 3, stopOnEntry: true, backend: 'cpu' });
    assert.equal(stopped.body.reason, 'entry');
    const info = (await d.next('trm/traceInfo', 0)).body;
    const row = csvRow(3);
    assert.deepEqual(info.inputs, Array.from(encodeSudoku(row.question)));
    assert.deepEqual(info.labels, Array.from(encodeSudoku(row.answer)));
    assert.equal(info.taskKind, 'sudoku');
    assert.equal(info.maxSteps, 2, "steps default to the checkpoint's halt_max_steps");
    const threads = (await d.dc.threadsRequest()).body.threads;
    assert.equal(threads[0].name, `puzzle ${info.puzzleId}`);
    // Labels known: correctness can be asked (a fresh model is not right).
    const [frame] = await d.frames();
    assert.equal(
      (await d.dc.evaluateRequest({ expression: 'correct', frameId: frame.id, context: 'watch' })).body.result,
      'false',
    );
    const byId = new Session();
    await byId.start();
    try {
      await byId.launch({
        checkpoint,
        dataset: SAMPLE_CSV,
        puzzleId: info.puzzleId,
        stopOnEntry: true,
        backend: 'cpu',
      });
      assert.deepEqual((await byId.next('trm/traceInfo', 0)).body.inputs, info.inputs);
    } finally {
      await byId.stop();
    }
  } finally {
    await d.stop();
  }
});

test('dataset launch errors name the file and what is wrong', async () => {
  const probe = new Session();
  await probe.start();
  try {
    await probe.dc.initializeRequest({ adapterID: 'trm', pathFormat: 'path' });
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { checkpoint, dataset: SAMPLE_CSV, index: 10 },
        /'index' 10 is out of range: sudoku-extreme-style-sample\.csv holds 10 puzzles \(0\.\.9\)/,
      ],
      [
        { checkpoint, dataset: SAMPLE_CSV, puzzleId: 'nope' },
        /no puzzle with id "nope" \(10 puzzles; ids look like "line 2"/,
      ],
      [{ checkpoint, dataset: SAMPLE_ARC }, /sequence length 900, but the checkpoint's seq_len is 81/],
      [{ checkpoint, dataset: path.join(dir, 'missing.csv') }, /'dataset' file not found: .*missing\.csv/],
      [{ checkpoint, dataset: SAMPLE_CSV, puzzle: csvRow(0).question }, /give either 'dataset' or 'puzzle', not both/],
    ];
    for (const [args, re] of cases) await assert.rejects(probe.dc.launchRequest(args), re, JSON.stringify(args));
  } finally {
    await probe.stop();
  }
});
