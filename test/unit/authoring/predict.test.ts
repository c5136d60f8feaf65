// The real prediction path on a tiny Sudoku model written at test time: PredictSession keeps every step's answer
// (delta-encoded) and matches a direct evaluation episode; the judge words the verdict and pins wrong
// cells; the prediction worker thread (dist/predictWorker.js) answers the protocol and honours cancel.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { useCpu } from '../model/fixture';
import { PredictSession } from '../../../src/engine/authoring/predictEngine';
import { type PuzzlePrediction, encodeDelta, predictionAt } from '../../../src/engine/authoring/prediction';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { requestFor } from '../../../src/engine/authoring/puzzleSpec';
import { locateDataset } from '../../../src/engine/authoring/locate';
import { judge } from '../../../src/engine/authoring/judge';
import { predictionEdit } from '../../../src/engine/authoring/render';
import { isFromWorker, type FromWorker } from '../../../src/engine/authoring/workerProtocol';
import { TrmModel } from '../../../src/engine/model/trm';
import { runEpisode } from '../../../src/engine/trace/episode';

import { writeTinyCheckpoint } from './tinyModel';

const DIST = path.resolve(process.cwd(), 'dist');
let ckpt: string | undefined;
const CKPT = (): string => (ckpt ??= writeTinyCheckpoint());
const Q = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';

async function cpu() {
  await useCpu();
}

function listText(answer?: string): string {
  return `{"kind": "sudoku", "puzzles": [\n  {"id": "p1", "question": "${Q}"${answer ? `, "answer": "${answer}"` : ''}}\n]}`;
}

test('PredictSession: every step kept, final answer equals a direct evaluation episode', async () => {
  await cpu();
  const session = PredictSession.load(CKPT());
  assert.equal(session.info.task, 'sudoku');
  assert.equal(session.info.haltMaxSteps, 3);
  const doc = locateDataset(listText(), 'l.json');
  assert.equal(doc.status, 'ok');
  if (doc.status !== 'ok') return;
  const r = requestFor(doc.doc.puzzles[0], 0, 'm')!;
  const steps: number[] = [];
  const [p] = await session.predict([r], { policy: 'all', onStep: (s) => steps.push(s) });
  assert.equal(p.error, undefined);
  assert.equal(p.steps.length, 3);
  assert.deepEqual(
    steps,
    Array.from({ length: 3 }, (_, i) => i + 1),
  );
  // Direct episode on the same model.
  const model = TrmModel.fromWeights(session['loaded'].config, session['loaded'].weights);
  const ep = await runEpisode(
    model,
    { inputs: r.inputs, puzzleIdentifiers: Int32Array.from([0]) },
    { keepLogits: false },
  );
  for (const s of [1, 2, 3])
    assert.deepEqual([...predictionAt(p, s, 81)], [...ep.preds.slice((s - 1) * 81, s * 81)], `step ${s}`);
  model.dispose();
  const own = judge(doc.doc.puzzles[0], p);
  assert.equal(own.status, 'unlabelled');
  assert.match(own.text, /^◇ predicted 9×9 \(no expected output\) · (halts at \d|no halt in 3 steps)/);
  // Mismatched inputs are explained, not run.
  const [bad] = await session.predict([{ key: 'k', inputs: new Int32Array(900), puzzleIdentifier: 0 }], {
    policy: 'all',
  });
  assert.match(
    bad.error!,
    /model expects 81 tokens per puzzle \(trained on Sudoku \(81 cells\)\), this puzzle has 900/,
  );
  // An aborted signal stops the run.
  const ctrl = new AbortController();
  ctrl.abort(new Error('stop'));
  await assert.rejects(session.predict([r], { policy: 'all', signal: ctrl.signal }));
  session.dispose();
});

const SOL = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';
/** A prediction that answers `SOL` with cell 40 wrong at step 1 and right from step 2; halts at 3. */
function synthetic(): PuzzlePrediction {
  const step1 = encodeSudoku(SOL);
  step1[40] = step1[40] === 2 ? 3 : 2;
  return {
    key: 'k',
    steps: [
      { step: 1, qHalt: -2, changed: 81 },
      { step: 2, qHalt: -1, changed: 1 },
      { step: 3, qHalt: 3, changed: 0 },
    ],
    haltStep: 3,
    usedStep: 3,
    deltas: [encodeDelta(undefined, step1), encodeDelta(step1, encodeSudoku(SOL)), new Int32Array(0)],
    confidence: new Float32Array(81),
  };
}

test('judge: solved-at step, halt text, wrong cells pinned; the quick-fix edit writes the prediction in place', () => {
  const p = synthetic();
  const good = locateDataset(listText(SOL), 'l.json');
  if (good.status !== 'ok') throw new Error('expected ok');
  const j = judge(good.doc.puzzles[0], p);
  assert.equal(j.status, 'correct');
  assert.equal(j.text, '✓ solved at step 2, halts at 3 (q=0.95)');
  const wrongDigit = SOL[40] === '1' ? '2' : '1';
  const badLabel = SOL.slice(0, 40) + wrongDigit + SOL.slice(41, 70) + (SOL[70] === '1' ? '2' : '1') + SOL.slice(71);
  const t = listText(badLabel);
  const broken = locateDataset(t, 'l.json');
  if (broken.status !== 'ok') throw new Error('expected ok');
  const w = judge(broken.doc.puzzles[0], p);
  assert.equal(w.status, 'wrong');
  assert.deepEqual(w.wrongCells, [40, 70]);
  assert.equal(w.text, '✗ 2 cells wrong · halts at 3 (q=0.95)');
  const cell = broken.doc.puzzles[0].label!.spans[40];
  assert.equal(t.slice(cell.offset, cell.offset + 1), wrongDigit);
  const e = predictionEdit(t, broken.doc.puzzles[0], w.predicted!)!;
  assert.equal(t.slice(0, e.offset) + e.newText + t.slice(e.offset + e.length), listText(SOL));
  // No label: the edit inserts an "answer" after the question.
  const none = locateDataset(listText(), 'l.json');
  if (none.status !== 'ok') throw new Error('expected ok');
  const ins = predictionEdit(listText(), none.doc.puzzles[0], w.predicted!)!;
  assert.equal(listText().slice(0, ins.offset) + ins.newText + listText().slice(ins.offset), listText(SOL));
  assert.equal(
    judge(none.doc.puzzles[0], { ...p, error: 'model expects 900 tokens' }).text,
    '⚠ model expects 900 tokens',
  );
});

test('prediction worker thread: load, predict with step reports, cancel', { timeout: 120_000 }, async () => {
  const dist = DIST;
  const w = new Worker(path.join(dist, 'predictWorker.js'));
  const inbox: FromWorker[] = [];
  const waiters: (() => void)[] = [];
  w.on('message', (m: unknown) => {
    assert.ok(isFromWorker(m), `bad message ${JSON.stringify(m)}`);
    inbox.push(m);
    waiters.splice(0).forEach((f) => f());
  });
  const next = async <T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> => {
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type || m.type === 'loadError' || m.type === 'runError');
      if (i >= 0) {
        const m = inbox.splice(i, 1)[0];
        if (m.type !== type) throw new Error(`worker: ${JSON.stringify(m)}`);
        return m as Extract<FromWorker, { type: T }>;
      }
      await new Promise<void>((r) => waiters.push(r));
    }
  };
  try {
    w.postMessage({ type: 'load', checkpoint: CKPT(), wasmDir: dist });
    const loaded = await next('loaded');
    assert.equal(loaded.model.seqLen, 81);
    assert.equal(loaded.backend.gpu, false);
    const doc = locateDataset(listText(), 'l.json');
    if (doc.status !== 'ok') throw new Error('expected ok');
    const r = requestFor(doc.doc.puzzles[0], 0, 'm')!;
    w.postMessage({ type: 'predict', runId: 1, puzzles: [r], policy: 'all' });
    const stepsSeen: number[] = [];
    w.on('message', (m: FromWorker) => {
      if (m.type === 'step' && m.runId === 1) stepsSeen.push(m.step);
    });
    const res = await next('result');
    assert.deepEqual(stepsSeen, [1, 2, 3]);
    assert.equal(res.runId, 1);
    assert.equal(res.results[0].steps.length, 3);
    // Cancel right after sending: the run stops (cancelled) instead of producing a result.
    w.postMessage({ type: 'predict', runId: 2, puzzles: [r], policy: 'all' });
    w.postMessage({ type: 'cancel', runId: 2 });
    const c = await next('cancelled');
    assert.equal(c.runId, 2);
    assert.equal(
      inbox.some((m) => m.type === 'result' && m.runId === 2),
      false,
    );
    w.postMessage({ type: 'nonsense' });
    const err = await next('runError').catch((e: Error) => e);
    assert.match(String(err instanceof Error ? err.message : JSON.stringify(err)), /unrecognised message/);
  } finally {
    await w.terminate();
  }
});
