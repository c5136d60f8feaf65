// The worker_threads entry (dist/trainWorker.js) the VS Code glue uses: start → events → cancel →
// 'finished' with reason 'cancelled'; unknown messages are answered with an error event.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { TrainEvent, isTrainEvent } from '../../../src/engine/train/events';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

const WORKER = path.resolve(__dirname, '../../../../dist/trainWorker.js');

test('trainWorker: start, progress events, cancel, finished(cancelled); bad messages get an error event', async () => {
  const dir = tmpDir('worker');
  const data = writeReverseDataset(dir, 16, 4);
  const cfg = writeTinyConfig(dir, { total_steps: 500 });
  const w = new Worker(WORKER);
  const events: TrainEvent[] = [];
  const done = new Promise<void>((resolve, reject) => {
    w.on('message', (m: unknown) => {
      assert.ok(isTrainEvent(m), `malformed event ${JSON.stringify(m)}`);
      events.push(m);
      if (m.type === 'progress' && m.step === 2) w.postMessage({ type: 'cancel' });
      if (m.type === 'finished' || (m.type === 'error' && !m.message.includes('unknown message'))) resolve();
    });
    w.on('error', reject);
  });
  w.postMessage({ type: 'bogus' });
  w.postMessage({
    type: 'start',
    request: { configPath: cfg, data, out: path.join(dir, 'run'), resume: false, backend: 'cpu' },
  });
  await done;
  await w.terminate();
  assert.match((events[0] as { message: string }).message, /unknown message/);
  const started = events.find((e) => e.type === 'started');
  assert.ok(started && started.type === 'started' && started.totalSteps === 500 && !started.resumed);
  const last = events.at(-1)!;
  assert.equal(last.type, 'finished');
  assert.equal((last as { reason: string }).reason, 'cancelled');
  assert.ok((last as { step: number }).step >= 2 && (last as { step: number }).step < 500);
  assert.ok(
    events.some((e) => e.type === 'checkpoint'),
    'a checkpoint is written on cancel',
  );
});
