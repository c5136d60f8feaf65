// The re-prediction scheduler with a fake clock and a fake predictor: debouncing, only changed
// puzzles run, results are cached, stale runs are cancelled and what is still wanted runs next.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { PredictionScheduler, type Clock, type Predictor } from '../../../src/engine/authoring/scheduler';
import type { PuzzlePrediction } from '../../../src/engine/authoring/prediction';
import type { PredictRequest } from '../../../src/engine/authoring/puzzleSpec';

class FakeClock implements Clock {
  now = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private next = 1;
  set(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.now + ms, fn, id });
    return id;
  }
  clear(h: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== h);
  }
  advance(ms: number): void {
    this.now += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.now).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.clear(due.id);
      due.fn();
    }
  }
}

interface Call {
  keys: string[];
  signal: AbortSignal;
  resolve: () => void;
  reject: (e: Error) => void;
}

class FakePredictor implements Predictor {
  calls: Call[] = [];
  run(
    batch: PredictRequest[],
    signal: AbortSignal,
    onStep: (s: number, of: number) => void,
  ): Promise<PuzzlePrediction[]> {
    return new Promise((resolve, reject) => {
      onStep(1, 2);
      this.calls.push({
        keys: batch.map((r) => r.key),
        signal,
        resolve: () => resolve(batch.map((r) => result(r.key))),
        reject,
      });
    });
  }
  last(): Call {
    return this.calls[this.calls.length - 1];
  }
}

const req = (key: string): PredictRequest => ({ key, inputs: new Int32Array(1), puzzleIdentifier: 0 });
const result = (key: string): PuzzlePrediction => ({
  key,
  steps: [{ step: 1, qHalt: 1, changed: 1 }],
  haltStep: 1,
  usedStep: 1,
  deltas: [Int32Array.from([0, 1])],
  confidence: new Float32Array(1),
});
const flush = () => new Promise((r) => setImmediate(r));

function setup(batchSize = 10) {
  const clock = new FakeClock();
  const predictor = new FakePredictor();
  const results: string[] = [];
  const progress: { done: number; total: number; running: number }[] = [];
  const s = new PredictionScheduler({
    delayMs: 300,
    batchSize,
    clock,
    onResults: (r) => results.push(...r.map((x) => x.key)),
    onProgress: (p) => progress.push(p),
  });
  s.setPredictor(predictor);
  return { clock, predictor, results, progress, s };
}

test('a burst of updates is debounced into one run after the quiet delay', () => {
  const { clock, predictor, s } = setup();
  s.update('doc', [req('a')]);
  clock.advance(200);
  s.update('doc', [req('a'), req('b')]);
  clock.advance(200);
  assert.equal(predictor.calls.length, 0, 'nothing runs before 300 ms of quiet');
  clock.advance(100);
  assert.equal(predictor.calls.length, 1);
  assert.deepEqual(predictor.last().keys, ['a', 'b']);
});

test('only puzzles without a cached result run; results are cached and reported', async () => {
  const { clock, predictor, results, s } = setup();
  s.update('doc', [req('a'), req('b')], { immediate: true });
  predictor.last().resolve();
  await flush();
  assert.deepEqual(results, ['a', 'b']);
  assert.equal(s.get('a')?.key, 'a');
  // One puzzle of the two is edited (new key 'b2'): only it runs.
  s.update('doc', [req('a'), req('b2')]);
  clock.advance(300);
  assert.equal(predictor.calls.length, 2);
  assert.deepEqual(predictor.last().keys, ['b2']);
  predictor.last().resolve();
  await flush();
  // Same content again (undo): nothing runs.
  s.update('doc', [req('a'), req('b')], { immediate: true });
  await flush();
  assert.equal(predictor.calls.length, 2);
  assert.deepEqual(s.progress(), { done: 2, total: 2, running: 0 });
  assert.equal(s.stats.runs, 2);
});

test('a run whose puzzles were edited away is cancelled; the new content runs next and stale results are dropped', async () => {
  const { clock, predictor, results, s } = setup();
  s.update('doc', [req('a'), req('b'), req('c')], { immediate: true });
  const first = predictor.last();
  assert.equal(s.isRunning('a'), true);
  s.update('doc', [req('x'), req('y'), req('c')]);
  clock.advance(300);
  assert.equal(first.signal.aborted, true, 'two of three keys are stale: cancelled');
  assert.equal(s.stats.cancelled, 1);
  assert.equal(predictor.calls.length, 1, 'the next batch waits for the cancelled one to settle');
  first.resolve(); // a cancelled run that still resolves is ignored
  await flush();
  assert.deepEqual(results, []);
  assert.equal(predictor.calls.length, 2);
  assert.deepEqual(predictor.last().keys, ['x', 'y', 'c']);
});

test('a run mostly still wanted is not cancelled by a small edit', async () => {
  const { clock, predictor, s } = setup();
  s.update('doc', [req('a'), req('b'), req('c')], { immediate: true });
  s.update('doc', [req('a'), req('b'), req('c2')]);
  clock.advance(300);
  assert.equal(predictor.last().signal.aborted, false);
  predictor.last().resolve();
  await flush();
  assert.deepEqual(predictor.last().keys, ['c2']);
});

test('closing a document (remove) cancels its run; batches are bounded; failures become error results', async () => {
  const { predictor, results, s } = setup(2);
  s.update('doc', [req('a'), req('b'), req('c')], { immediate: true });
  assert.deepEqual(predictor.last().keys, ['a', 'b'], 'batch size 2');
  s.remove('doc');
  assert.equal(predictor.last().signal.aborted, true);
  predictor.last().reject(new Error('cancelled'));
  await flush();
  assert.equal(predictor.calls.length, 1, 'nothing is wanted any more');
  s.update('doc2', [req('d')], { immediate: true });
  predictor.last().reject(new Error('worker crashed'));
  await flush();
  assert.deepEqual(results, ['d']);
  assert.match(s.get('d')!.error!, /prediction failed: worker crashed/);
});

test('a new predictor (model) clears cached results and re-runs what is wanted', async () => {
  const { predictor, s } = setup();
  s.update('doc', [req('a')], { immediate: true });
  predictor.last().resolve();
  await flush();
  const p2 = new FakePredictor();
  s.setPredictor(p2);
  assert.equal(s.get('a'), undefined);
  assert.deepEqual(p2.last().keys, ['a']);
  s.setPredictor(undefined);
  assert.equal(p2.last().signal.aborted, true);
});
