// Bad input gives one clear, specific message: request fields, config fields, data folders, an
// existing run without --resume, malformed events, and the CLI's usage errors.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useCpu } from '../model/fixture';
import { isTrainEvent, isTrainWorkerCommand, TrainEvent, TrainRequest } from '../../../src/engine/train/events';
import { runTraining } from '../../../src/engine/train/trainer';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

before(async () => {
  await useCpu();
});

async function fails(req: TrainRequest, pattern: RegExp): Promise<void> {
  const events: TrainEvent[] = [];
  await assert.rejects(
    runTraining(req, (e) => events.push(e), undefined, { keepBackend: true }),
    pattern,
  );
  const last = events.at(-1);
  assert.ok(last && last.type === 'error' && pattern.test(last.message), `error event: ${JSON.stringify(last)}`);
}

test('runTraining rejects bad requests, configs and data with specific messages', async () => {
  const dir = tmpDir('bad');
  const data = writeReverseDataset(dir, 8, 4);
  const cfg = writeTinyConfig(dir, { total_steps: 2 });
  await fails(
    { configPath: cfg, data: path.join(dir, 'nope'), out: path.join(dir, 'o1'), resume: false },
    /--data .*nope does not exist/,
  );
  await fails(
    { configPath: cfg, data: path.join(data, 'test'), out: path.join(dir, 'o2'), resume: false },
    /no train\/ split/,
  );
  await fails({ data, out: path.join(dir, 'o3'), resume: false }, /choose a model: --preset/);
  await fails(
    { preset: 'sudoku-huge', data, out: path.join(dir, 'o4'), resume: false },
    /unknown preset "sudoku-huge"/,
  );
  await fails(
    { configPath: cfg, data, out: path.join(dir, 'o5'), resume: false, batchSize: 0 },
    /batchSize must be an integer >= 1/,
  );
  const badCfg = writeTinyConfig(dir, { learning_rate: 1 });
  await fails(
    { configPath: badCfg, data, out: path.join(dir, 'o6'), resume: false },
    /unknown field\(s\) learning_rate/,
  );
  fs.writeFileSync(
    path.join(dir, 'neg.json'),
    JSON.stringify({ preset: 'sudoku-att-small', beta2: 1.5, optimizer: 'sgd' }),
  );
  await fails(
    { configPath: path.join(dir, 'neg.json'), data, out: path.join(dir, 'o7'), resume: false },
    /beta2 must be in \[0, 1\].*optimizer must be adam_atan2 or adamw/,
  );
  // A finished run is not overwritten without --resume.
  await runTraining({ configPath: cfg, data, out: path.join(dir, 'run'), resume: false }, () => {}, undefined, {
    keepBackend: true,
  });
  await fails(
    { configPath: cfg, data, out: path.join(dir, 'run'), resume: false },
    /already holds a training run; pass --resume/,
  );
});

test('isTrainEvent / isTrainWorkerCommand accept the contract and reject malformed messages', () => {
  const metrics = {
    lmLoss: 1,
    qHaltLoss: 0.1,
    totalLoss: 1.05,
    accuracy: 0.5,
    exactAccuracy: 0,
    qHaltAccuracy: 1,
    meanSteps: 3,
  };
  assert.ok(
    isTrainEvent({ type: 'progress', step: 1, totalSteps: 10, lr: 1e-3, metrics, examplesPerSec: 5, elapsedSec: 1 }),
  );
  assert.ok(
    isTrainEvent({ type: 'started', runDir: '/r', totalSteps: 10, startStep: 0, backend: 'cpu', resumed: false }),
  );
  assert.ok(isTrainEvent({ type: 'finished', step: 3, reason: 'cancelled' }));
  assert.ok(
    !isTrainEvent({
      type: 'progress',
      step: 1,
      totalSteps: 10,
      lr: 1e-3,
      metrics: { ...metrics, accuracy: '0.5' },
      examplesPerSec: 5,
      elapsedSec: 1,
    }),
  );
  assert.ok(!isTrainEvent({ type: 'finished', step: 3, reason: 'crashed' }));
  assert.ok(!isTrainEvent({ type: 'checkpoint', step: 1.5, path: 'x' }));
  assert.ok(!isTrainEvent(null));
  assert.ok(isTrainWorkerCommand({ type: 'cancel' }));
  assert.ok(isTrainWorkerCommand({ type: 'start', request: { data: 'd', out: 'o', resume: false } }));
  assert.ok(!isTrainWorkerCommand({ type: 'start', request: { data: 'd' } }));
});

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
// Children must not inherit node --test's NODE_TEST_CONTEXT (they would report as test files).
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

test('CLI: trm train / trm eval usage errors name the problem', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });
  let r = run(['train', '--out', '/tmp/x']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing required option --data/);
  r = run(['train', '--data', 'd', '--out', '/tmp/x', '--steps', 'ten', '--preset', 'sudoku-mlp']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--steps must be an integer >= 1 \(got "ten"\)/);
  r = run(['eval', '--checkpoint', '/nonexistent.safetensors', '--data', '/nonexistent']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--data \/nonexistent does not exist/);
});
