// A training job against a fake worker: the start command, validated events, cancel (first asks,
// second terminates), and a worker that crashes or exits early ends the run with a reason.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { TrainWorkerCommand } from '../../../src/engine/train/events';
import { TrainingJob, type JobUpdate, type WorkerLike } from '../../../src/extension/training/trainingJob';
import { progress, REQUEST, STARTED } from './fixtures';

class FakeWorker extends EventEmitter implements WorkerLike {
  readonly received: TrainWorkerCommand[] = [];
  terminated = 0;
  postMessage(m: TrainWorkerCommand): void {
    this.received.push(m);
  }
  terminate(): Promise<number> {
    this.terminated++;
    setImmediate(() => this.emit('exit', 1));
    return Promise.resolve(1);
  }
  send(m: unknown): void {
    this.emit('message', m);
  }
}

function job(): { job: TrainingJob; worker: FakeWorker; updates: JobUpdate[]; problems: string[] } {
  const worker = new FakeWorker();
  const problems: string[] = [];
  const j = new TrainingJob(
    3,
    REQUEST,
    () => worker,
    (p) => problems.push(p),
  );
  const updates: JobUpdate[] = [];
  j.onUpdate((u) => updates.push(u));
  return { job: j, worker, updates, problems };
}

describe('TrainingJob', () => {
  it('starts the worker with the request and folds its events in', async () => {
    const { job: j, worker, updates } = job();
    j.start();
    assert.deepEqual(worker.received, [{ type: 'start', request: REQUEST }]);
    assert.throws(() => j.start(), /already started/);
    worker.send(STARTED);
    worker.send(progress(10));
    worker.send({ type: 'checkpoint', step: 10, path: '/runs/a/step_10/model.safetensors' });
    worker.send({ type: 'finished', step: 10, reason: 'done' });
    const snap = await j.done;
    assert.equal(snap.status, 'done');
    assert.equal(snap.message, 'finished at step 10');
    assert.deepEqual(
      updates.map((u) => u.event?.type),
      ['started', 'progress', 'checkpoint', 'finished'],
    );
    assert.deepEqual(
      updates.map((u) => u.messages.map((m) => m.type).join()),
      ['status', 'progress', 'checkpoint', 'status'],
    );
    assert.equal(worker.terminated, 1, 'the worker is released after the final event');
    assert.equal(j.finished, true);
  });

  it('reports and ignores invalid worker messages', () => {
    const { job: j, worker, updates, problems } = job();
    j.start();
    worker.send({ type: 'progress', step: 'ten' });
    worker.send('hello');
    assert.equal(j.invalidMessages, 2);
    assert.equal(updates.length, 0);
    assert.match(
      problems[0],
      /ignored an invalid message from the training worker: \{"type":"progress","step":"ten"\}/,
    );
  });

  it('cancel asks the worker first; a second cancel terminates it', async () => {
    const { job: j, worker, updates } = job();
    j.start();
    worker.send(STARTED);
    j.cancel();
    assert.deepEqual(worker.received.at(-1), { type: 'cancel' });
    assert.equal(j.history.status, 'stopping');
    assert.equal(updates.at(-1)?.messages[0]?.type, 'status');
    assert.equal(worker.terminated, 0);
    j.cancel();
    const snap = await j.done;
    assert.equal(snap.status, 'cancelled');
    assert.match(snap.message, /terminated on request before the trainer could write its checkpoint/);
    assert.equal(worker.terminated, 1);
    j.cancel();
    assert.equal(worker.received.filter((m) => m.type === 'cancel').length, 1);
  });

  it('a cancelled run that finishes normally ends as cancelled with its checkpoint', async () => {
    const { job: j, worker } = job();
    j.start();
    worker.send(STARTED);
    j.cancel();
    worker.send({ type: 'checkpoint', step: 12, path: '/runs/a/step_12/model.safetensors' });
    worker.send({ type: 'finished', step: 12, reason: 'cancelled' });
    const snap = await j.done;
    assert.equal(snap.status, 'cancelled');
    assert.equal(snap.checkpoints.length, 1);
  });

  it('a worker that crashes or exits early fails the run', async () => {
    const a = job();
    a.job.start();
    a.worker.emit('error', new Error('out of memory'));
    assert.equal((await a.job.done).status, 'failed');
    assert.match(a.job.history.message, /the training worker crashed: .*out of memory/);

    const b = job();
    b.job.start();
    b.worker.send(STARTED);
    b.worker.emit('exit', 0);
    const snap = await b.job.done;
    assert.equal(snap.status, 'failed');
    assert.equal(snap.message, 'the training worker exited (code 0) before the run finished');
  });

  it('a worker that cannot be created fails the run', async () => {
    const j = new TrainingJob(1, REQUEST, () => {
      throw new Error('dist/trainWorker.js not found');
    });
    j.start();
    const snap = await j.done;
    assert.equal(snap.status, 'failed');
    assert.equal(snap.message, 'cannot start the training worker: dist/trainWorker.js not found');
  });

  it('a trainer error is final', async () => {
    const { job: j, worker } = job();
    j.start();
    worker.send({ type: 'error', message: 'unknown preset "x"' });
    const snap = await j.done;
    assert.equal(snap.status, 'failed');
    assert.equal(snap.message, 'unknown preset "x"');
  });
});
