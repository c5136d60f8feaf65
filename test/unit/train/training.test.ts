// A short training run on a tiny generated task measurably reduces the loss; resuming from a
// checkpoint continues exactly (same weights as an uninterrupted run); events are well-formed.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useCpu } from '../model/fixture';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { TrainEvent, isTrainEvent } from '../../../src/engine/train/events';
import { readCheckpoint } from '../../../src/engine/train/runDir';
import { runTraining } from '../../../src/engine/train/trainer';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

before(async () => {
  await useCpu();
});

async function train(
  dir: string,
  data: string,
  cfg: string,
  out: string,
  resume: boolean,
  steps?: number,
): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  await runTraining(
    { configPath: cfg, data, out: path.join(dir, out), resume, steps },
    (e) => events.push(e),
    undefined,
    { keepBackend: true },
  );
  for (const e of events) assert.ok(isTrainEvent(e), `malformed event ${JSON.stringify(e)}`);
  return events;
}

test('training on the reverse task reduces the loss (stablemax, AdamATan2, EMA, ACT)', async () => {
  const dir = tmpDir('loss');
  const data = writeReverseDataset(dir);
  const cfg = writeTinyConfig(dir, { total_steps: 60 });
  const events = await train(dir, data, cfg, 'run', false);
  const losses = events
    .filter((e): e is Extract<TrainEvent, { type: 'progress' }> => e.type === 'progress')
    .map((e) => e.metrics.lmLoss);
  assert.equal(losses.length, 60);
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const first = mean(losses.slice(0, 5)),
    last = mean(losses.slice(-5));
  console.log(`lm loss per example: first 5 steps ${first.toFixed(3)}, last 5 steps ${last.toFixed(3)}`);
  assert.ok(last < first * 0.8, `loss did not drop enough: ${first} -> ${last}`);
  assert.equal(events[0].type, 'started');
  assert.deepEqual(events.at(-1), { type: 'finished', step: 60, reason: 'done' });
  const ev = events.find((e) => e.type === 'eval');
  assert.ok(ev && ev.type === 'eval' && ev.metrics.count === 8, 'final evaluation on 8 test examples');
  // The exported model loads with the product's checkpoint loader (config embedded).
  const ck = events.filter((e) => e.type === 'checkpoint').at(-1);
  assert.ok(ck && ck.type === 'checkpoint');
  const loaded = loadCheckpoint(ck.path);
  assert.equal(loaded.config.hidden_size, 16);
  assert.equal(loaded.config.seq_len, 6);
});

test('the alternatives train too: softmax cross-entropy with AdamW, no EMA', async () => {
  const dir = tmpDir('softmax');
  const data = writeReverseDataset(dir);
  const cfg = writeTinyConfig(dir, { total_steps: 40, optimizer: 'adamw', ema: false });
  const json = JSON.parse(fs.readFileSync(cfg, 'utf8'));
  json.arch.loss_type = 'softmax_cross_entropy';
  fs.writeFileSync(cfg, JSON.stringify(json));
  const events = await train(dir, data, cfg, 'run', false);
  const losses = events
    .filter((e): e is Extract<TrainEvent, { type: 'progress' }> => e.type === 'progress')
    .map((e) => e.metrics.lmLoss);
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  const first = mean(losses.slice(0, 5)),
    last = mean(losses.slice(-5));
  console.log(`softmax + AdamW lm loss: first 5 steps ${first.toFixed(3)}, last 5 steps ${last.toFixed(3)}`);
  assert.ok(last < first * 0.85, `loss did not drop enough: ${first} -> ${last}`);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run', 'run.json'), 'utf8'));
  assert.equal(run.config.loss_type, 'softmax_cross_entropy');
  assert.equal(run.train.optimizer, 'adamw');
});

test('a run split by a checkpoint and --resume ends with exactly the weights of an uninterrupted run', async () => {
  const dir = tmpDir('resume');
  const data = writeReverseDataset(dir);
  const cfg = writeTinyConfig(dir, { total_steps: 8, checkpoint_every: 2 });
  await train(dir, data, cfg, 'straight', false);
  const part1 = await train(dir, data, cfg, 'split', false, 5);
  assert.deepEqual(part1.at(-1), { type: 'finished', step: 5, reason: 'done' });
  const part2 = await train(dir, data, cfg, 'split', true, 8);
  const started = part2[0];
  assert.ok(started.type === 'started' && started.resumed && started.startStep === 5, JSON.stringify(started));
  assert.equal(
    JSON.parse(fs.readFileSync(path.join(dir, 'split', 'run.json'), 'utf8')).train.total_steps,
    8,
    'the extended step count is recorded',
  );
  const a = readCheckpoint(path.join(dir, 'straight', 'step_8'));
  const b = readCheckpoint(path.join(dir, 'split', 'step_8'));
  for (const [k, t] of a.weights) assert.deepEqual(b.weights.get(k)!.data, t.data, `weight ${k}`);
  for (const [k, m] of a.adamM) assert.deepEqual(b.adamM.get(k), m, `adam m ${k}`);
  assert.deepEqual(b.state.sampler, a.state.sampler);
  // Only the newest checkpoints are kept; model.safetensors holds the EMA weights.
  const kept = fs
    .readdirSync(path.join(dir, 'split'))
    .filter((n) => n.startsWith('step_'))
    .sort();
  assert.deepEqual(kept, ['step_6', 'step_8']);
  const ema = readSafetensors(path.join(dir, 'split', 'step_8', 'model.safetensors')).tensors.get('lm_head.weight')!;
  assert.deepEqual(ema.data, b.ema!.get('lm_head.weight'));
  assert.notDeepEqual(ema.data, b.weights.get('lm_head.weight')!.data);
});

test('cancelling stops after the current step and still writes a loadable checkpoint', async () => {
  const dir = tmpDir('cancel');
  const data = writeReverseDataset(dir);
  const cfg = writeTinyConfig(dir, { total_steps: 1000 });
  const ctl = new AbortController();
  const events: TrainEvent[] = [];
  await runTraining(
    { configPath: cfg, data, out: path.join(dir, 'run'), resume: false },
    (e) => {
      events.push(e);
      if (e.type === 'progress' && e.step === 3) ctl.abort();
    },
    ctl.signal,
    { keepBackend: true },
  );
  assert.deepEqual(events.at(-1), { type: 'finished', step: 3, reason: 'cancelled' });
  const ck = readCheckpoint(path.join(dir, 'run', 'step_3'));
  assert.equal(ck.state.step, 3);
});
