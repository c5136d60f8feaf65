// Following a checkpoint folder: the cheap "is it complete" checks on every prefix of the official
// fixture checkpoint and of a safetensors file; the session's states on real files written in parts
// (a partial file is waited for, never reported as corrupt), newest-first one-at-a-time evaluation, a
// file that changes while evaluated, a genuinely corrupt file, a vanished one, a missing folder; the
// best pick and puzzle-level comparison; and `trm follow --once` on the fixture.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { probeCheckpointFile } from '../../../src/engine/follow/completeness';
import { listCheckpoints } from '../../../src/engine/follow/checkpointFolder';
import { FollowSession } from '../../../src/engine/follow/followSession';
import { compareOutcomes, pickBest, type FollowEntry, type FollowEvalOutcome } from '../../../src/engine/follow/types';
import { isFollowWorkerReply, isFollowWorkerRequest } from '../../../src/engine/follow/workerProtocol';
import { FIXTURE, SHARED, tmpDir } from '../formats/builders';

const STEP_150 = path.join(FIXTURE, 'step_150');
const CLI = path.resolve(__dirname, '../../../..', 'dist', 'cli.js');

function outcome(exact: number, cells: number, puzzles: [boolean, number][] = []): FollowEvalOutcome {
  return {
    metrics: { exact_accuracy: exact, accuracy: cells, q_halt_accuracy: 0.5, mean_steps: 8, count: puzzles.length },
    puzzles: puzzles.map(([e, h], row) => ({
      row,
      exact: e,
      cellAccuracy: e ? 1 : 0.5,
      haltStep: h,
      firstCorrectStep: 0,
    })),
    seconds: 0.1,
    configSource: 'test',
    haltMaxSteps: 16,
    warnings: [],
  };
}

/** A controllable evaluator: records calls, resolves or rejects when the test says so. */
function manualEvaluator() {
  const calls: { file: string; step: number; resolve: (o: FollowEvalOutcome) => void; reject: (e: Error) => void }[] =
    [];
  return {
    calls,
    evaluate: (file: string, step: number) =>
      new Promise<FollowEvalOutcome>((resolve, reject) => calls.push({ file, step, resolve, reject })),
  };
}

const flush = () => new Promise((r) => setImmediate(r));
/** Moves a file's mtime forward so two writes within one clock tick still look different. */
const touch = (f: string, s: number) => fs.utimesSync(f, new Date(), new Date(Date.now() + s * 1000));

test('a torch checkpoint is incomplete at every cut short of its last byte; complete at full length', () => {
  const bytes = fs.readFileSync(STEP_150);
  const dir = tmpDir('probe');
  const f = path.join(dir, 'step_150');
  const cuts = [0, 3, 10, 64, 1000, bytes.length >> 1, bytes.length - 400, bytes.length - 23, bytes.length - 1];
  for (const n of cuts) {
    fs.writeFileSync(f, bytes.subarray(0, n));
    const c = probeCheckpointFile(f);
    assert.equal(c.complete, false, `a ${n}-byte prefix counted as complete`);
  }
  fs.writeFileSync(f, bytes);
  assert.deepEqual(probeCheckpointFile(f), { complete: true, format: 'torch', size: bytes.length });
  // safetensors: complete only with all the bytes its header announces.
  const st = fs.readFileSync(path.join(FIXTURE, 'model.safetensors'));
  const g = path.join(dir, 'step_1.safetensors');
  for (const n of [5, 100, st.length - 1]) {
    fs.writeFileSync(g, st.subarray(0, n));
    assert.equal(probeCheckpointFile(g).complete, false, `safetensors prefix ${n}`);
  }
  fs.writeFileSync(g, st);
  assert.equal(probeCheckpointFile(g).complete, true);
  // Not a checkpoint at all: complete as far as the probe can tell (the loader says what it is).
  fs.writeFileSync(f, 'this is not a checkpoint at all\n');
  assert.equal(probeCheckpointFile(f).complete, true);
  assert.equal(probeCheckpointFile(path.join(dir, 'missing')).complete, false);
});

test('only step_N entries are checkpoints (not all_preds, evaluator folders or configs)', () => {
  const dir = tmpDir('list');
  for (const n of ['step_10', 'step_10_all_preds.0', 'all_config.yaml', 'trm.py', 'step_x', 'step_20.safetensors'])
    fs.writeFileSync(path.join(dir, n), 'x');
  fs.mkdirSync(path.join(dir, 'evaluator_ARC_step_10'));
  fs.mkdirSync(path.join(dir, 'step_30'));
  fs.writeFileSync(path.join(dir, 'step_30', 'model.safetensors'), 'x');
  fs.mkdirSync(path.join(dir, 'step_40')); // a TRM Lens folder without its weights yet
  const found = listCheckpoints(dir).sort((a, b) => a.step - b.step);
  assert.deepEqual(
    found.map((c) => [c.name, c.step, c.kind, path.relative(dir, c.file)]),
    [
      ['step_10', 10, 'official', 'step_10'],
      ['step_20.safetensors', 20, 'safetensors', 'step_20.safetensors'],
      ['step_30', 30, 'trm-lens-run', path.join('step_30', 'model.safetensors')],
    ],
  );
});

test('a checkpoint written in two parts waits as "writing", then is evaluated once; nothing fails', async () => {
  const dir = tmpDir('follow-parts');
  const ev = manualEvaluator();
  const states: string[] = [];
  const s = new FollowSession({
    dir,
    evaluate: ev.evaluate,
    onChange: (st) => states.push(st.entries.map((e) => e.state).join()),
  });
  const bytes = fs.readFileSync(STEP_150);
  const f = path.join(dir, 'step_150');
  fs.writeFileSync(f, bytes.subarray(0, bytes.length >> 1));
  for (let i = 0; i < 4; i++) s.poll(); // the first half stays put for several polls: still incomplete
  assert.equal(s.entry(150)?.state, 'writing');
  assert.match(s.entry(150)!.detail, /incomplete: no end of the zip archive yet/);
  assert.equal(ev.calls.length, 0, 'a partial file must not reach the evaluator');
  fs.appendFileSync(f, bytes.subarray(bytes.length >> 1));
  touch(f, 1);
  s.poll();
  assert.equal(s.entry(150)?.state, 'writing', 'just grew: not stable yet');
  s.poll();
  assert.equal(s.entry(150)?.state, 'evaluating');
  assert.equal(ev.calls.length, 1);
  ev.calls[0].resolve(outcome(0.5, 0.9));
  await flush();
  assert.equal(s.entry(150)?.state, 'evaluated');
  assert.equal(s.state().best, 150);
  s.poll();
  assert.equal(ev.calls.length, 1, 'evaluated once');
  assert.ok(!states.some((x) => x.includes('failed')), states.join(' / '));
  s.stop();
});

test('evaluations run one at a time, newest step first', async () => {
  const dir = tmpDir('follow-order');
  const ev = manualEvaluator();
  const s = new FollowSession({
    dir,
    evaluate: ev.evaluate,
    probe: () => ({ complete: true, format: 'torch', size: 1 }),
  });
  for (const n of [100, 300, 200]) fs.writeFileSync(path.join(dir, `step_${n}`), 'x');
  s.poll();
  s.poll();
  assert.deepEqual(
    ev.calls.map((c) => c.step),
    [300],
  );
  assert.deepEqual(
    s.state().entries.map((e) => e.state),
    ['queued', 'queued', 'evaluating'],
  );
  fs.writeFileSync(path.join(dir, 'step_400'), 'x');
  s.poll();
  s.poll();
  assert.equal(ev.calls.length, 1, 'still one at a time');
  ev.calls[0].resolve(outcome(0.1, 0.5));
  await flush();
  assert.deepEqual(
    ev.calls.map((c) => c.step),
    [300, 400],
    'the newest queued checkpoint goes next',
  );
  ev.calls[1].resolve(outcome(0.3, 0.6));
  await flush();
  ev.calls[2].resolve(outcome(0.3, 0.7));
  await flush();
  ev.calls[3].resolve(outcome(0.0, 0.9));
  await flush();
  assert.deepEqual(
    ev.calls.map((c) => c.step),
    [300, 400, 200, 100],
  );
  await s.whenIdle();
  assert.equal(s.state().best, 200, 'best exact accuracy, then cell accuracy');
  s.stop();
});

test('a file that changes while evaluated is re-evaluated; a corrupt complete file fails; a vanished one is dropped', async () => {
  const dir = tmpDir('follow-change');
  const ev = manualEvaluator();
  const s = new FollowSession({ dir, evaluate: ev.evaluate });
  const f = path.join(dir, 'step_5');
  fs.copyFileSync(STEP_150, f);
  s.poll();
  s.poll();
  assert.equal(ev.calls.length, 1);
  fs.appendFileSync(f, Buffer.alloc(10)); // rewritten under the evaluator's feet
  touch(f, 2);
  ev.calls[0].reject(new Error('bad zip'));
  await flush();
  assert.equal(s.entry(5)?.state, 'writing', 'a read of a changing file is not an error');
  // Garbage of a stable size: the loader's message is the entry's detail.
  const g = path.join(dir, 'step_7');
  fs.writeFileSync(g, 'not a checkpoint, just text that stays the same\n');
  s.poll();
  s.poll();
  const call = ev.calls.find((c) => c.step === 7);
  assert.ok(call);
  call.reject(new Error('step_7: unrecognised checkpoint format'));
  await flush();
  assert.equal(s.entry(7)?.state, 'failed');
  assert.match(s.entry(7)!.detail, /unrecognised checkpoint format/);
  fs.rmSync(g);
  s.poll();
  assert.equal(s.entry(7), undefined);
  s.stop();
});

test('a checkpoint that failed for want of all_config.yaml is tried again when it appears', async () => {
  const dir = tmpDir('follow-config');
  const ev = manualEvaluator();
  const s = new FollowSession({ dir, evaluate: ev.evaluate });
  fs.copyFileSync(STEP_150, path.join(dir, 'step_150'));
  s.poll();
  s.poll();
  ev.calls[0].reject(new Error('no configuration found for step_150: pass --config'));
  await flush();
  assert.equal(s.entry(150)?.state, 'failed');
  fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  s.poll();
  assert.equal(ev.calls.length, 2, 'evaluated again');
  ev.calls[1].resolve(outcome(0, 0.2));
  await flush();
  assert.equal(s.entry(150)?.state, 'evaluated');
  s.stop();
});

test('a folder that does not exist yet is waited for', () => {
  const dir = path.join(tmpDir('follow-missing'), 'checkpoints', 'run');
  const s = new FollowSession({ dir, evaluate: () => Promise.reject(new Error('unused')) });
  s.poll();
  assert.equal(s.state().status, 'waiting-for-folder');
  assert.match(s.state().message, /does not exist yet/);
  fs.mkdirSync(dir, { recursive: true });
  s.poll();
  assert.equal(s.state().status, 'watching');
  s.stop();
  assert.equal(s.state().status, 'stopped');
});

test('best pick and puzzle-by-puzzle comparison', () => {
  const e = (step: number, o: FollowEvalOutcome | null, state: FollowEntry['state'] = 'evaluated'): FollowEntry => ({
    name: `step_${step}`,
    step,
    file: '',
    state,
    detail: '',
    size: 1,
    outcome: o,
  });
  assert.equal(pickBest([]), null);
  assert.equal(
    pickBest([e(1, outcome(0.2, 0.5)), e(2, outcome(0.2, 0.5)), e(3, null, 'writing')]),
    2,
    'ties go to the later step',
  );
  assert.equal(pickBest([e(1, outcome(0.3, 0.1)), e(2, outcome(0.2, 0.9))]), 1);
  const a = outcome(0.5, 0.7, [
    [true, 3],
    [false, 16],
    [true, 4],
    [false, 16],
  ]);
  const b = outcome(0.5, 0.8, [
    [true, 2],
    [true, 9],
    [false, 16],
    [false, 16],
  ]);
  const c = compareOutcomes(10, a, 20, b);
  assert.deepEqual(
    { puzzles: c.puzzles, both: c.bothSolved, onlyA: c.onlyA, onlyB: c.onlyB, neither: c.neither },
    { puzzles: 4, both: 1, onlyA: 1, onlyB: 1, neither: 1 },
  );
  assert.equal(c.meanHaltStepDelta, (2 - 3 + 9 - 16 + 16 - 4) / 4);
  assert.deepEqual(
    c.differing.map((d) => d.row),
    [1, 2, 0],
    'exactness differences first, then halting differences',
  );
});

test('worker messages are checked', () => {
  assert.equal(
    isFollowWorkerRequest({ type: 'evaluate', id: 1, job: { file: 'a', data: 'b', limit: 4, batchSize: 8 } }),
    true,
  );
  assert.equal(
    isFollowWorkerRequest({ type: 'evaluate', id: 1, job: { file: 'a', data: 'b', limit: -1, batchSize: 8 } }),
    false,
  );
  assert.equal(isFollowWorkerReply({ type: 'failed', id: 2, message: 'x' }), true);
  assert.equal(isFollowWorkerReply({ type: 'result', id: 2, backend: 'cpu', outcome: { metrics: { a: 'x' } } }), false);
});

test('trm follow --once evaluates the official fixture checkpoint in a worker and marks it best', () => {
  const dir = tmpDir('follow-cli');
  fs.copyFileSync(STEP_150, path.join(dir, 'step_150'));
  fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  const bytes = fs.readFileSync(STEP_150);
  fs.writeFileSync(path.join(dir, 'step_300'), bytes.subarray(0, 5000)); // a copy in progress
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'follow',
      dir,
      '--data',
      path.join(SHARED, 'datasets/trm-built-samples/sudoku-mini-aug-3'),
      '--limit',
      '2',
      '--once',
      '--interval',
      '0.2',
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /step_150\s+exact\s+\d+\.\d%\s+cells\s+\d+\.\d%\s+q-halt\s+\d+\.\d%\s+mean steps \d+\.\d\d\s+\(2 puzzles/,
  );
  assert.match(r.stdout, /★ best so far/);
  assert.match(r.stderr, /step_300\s+skipped: still being written \(incomplete: no end of the zip archive yet/);
  assert.doesNotMatch(r.stdout + r.stderr, /cannot evaluate/);
  const missing = spawnSync(process.execPath, [CLI, 'follow', path.join(dir, 'nope'), '--data', dir, '--once'], {
    encoding: 'utf8',
  });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /does not exist yet/);
});
