// The dashboard's data model: init re-hydrates, live messages accumulate series, messages for other
// runs and stale points are ignored, and derived values (progress, time left, nearest point) hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostToDashboardMessage } from '../../../src/protocol/dashboard';
import { DashboardModel } from '../../../webview/dashboard/model/runModel';
import { info, point, snapshot } from './fixtures';

const init = (run = snapshot()): HostToDashboardMessage => ({
  type: 'init',
  protocolVersion: 1,
  theme: 'light',
  run,
  notice: '',
});

describe('DashboardModel', () => {
  it('starts empty and shows the notice of an init without a run', () => {
    const m = new DashboardModel();
    assert.equal(
      m.apply({ type: 'init', protocolVersion: 1, theme: 'dark', run: null, notice: 'No training run yet' }),
      'applied',
    );
    assert.equal(m.run, null);
    assert.equal(m.notice, 'No training run yet');
    assert.deepEqual(m.series('totalLoss'), { version: m.version, xs: [], ys: [] });
    assert.equal(m.apply({ type: 'progress', runId: 1, points: [point(1)] }), 'noRun');
  });

  it('re-hydrates from init and accumulates live progress into every series', () => {
    const m = new DashboardModel();
    m.apply(init());
    assert.equal(m.theme, 'light');
    assert.deepEqual(m.series('lmLoss').xs, [10, 20, 30]);
    assert.equal(m.evals.length, 1);
    assert.equal(m.checkpoints.length, 1);
    const v = m.version;
    assert.equal(
      m.apply({
        type: 'progress',
        runId: 1,
        points: [point(40, { lmLoss: 0.7 }), point(50, { lmLoss: null, accuracy: 0.9 })],
      }),
      'applied',
    );
    assert.ok(m.version > v);
    assert.deepEqual(m.series('lmLoss'), { version: m.version, xs: [10, 20, 30, 40, 50], ys: [1, 1, 1, 0.7, null] });
    assert.deepEqual(m.series('accuracy').ys, [0.5, 0.5, 0.5, 0.5, 0.9]);
    assert.equal(m.latest?.step, 50);
    assert.equal(m.pointCount, 5);
    // Memoised per version: the same object until something changes.
    assert.equal(m.series('lmLoss'), m.series('lmLoss'));
  });

  it('ignores other runs and stale points, and a new init replaces everything', () => {
    const m = new DashboardModel();
    m.apply(init());
    assert.equal(m.apply({ type: 'progress', runId: 2, points: [point(99)] }), 'otherRun');
    assert.equal(m.apply({ type: 'progress', runId: 1, points: [point(30), point(20)] }), 'stale');
    assert.equal(m.apply({ type: 'eval', runId: 1, point: { step: 20, metrics: { accuracy: 0.4 } } }), 'stale');
    assert.equal(
      m.apply({ type: 'checkpoint', runId: 1, point: { step: 20, path: '/runs/a/step_20/model.safetensors' } }),
      'stale',
    );
    assert.equal(
      m.apply({ type: 'checkpoint', runId: 1, point: { step: 40, path: '/runs/a/step_40/model.safetensors' } }),
      'applied',
    );
    assert.equal(m.checkpoints.length, 2);
    assert.deepEqual(m.series('totalLoss').xs, [10, 20, 30]);
    m.apply(init({ ...snapshot(2, [5]), info: info(2, { resumed: true }) }));
    assert.equal(m.run?.info.runId, 2);
    assert.equal(m.run?.info.resumed, true);
    assert.deepEqual(m.series('totalLoss').xs, [5]);
    assert.equal(m.apply({ type: 'progress', runId: 1, points: [point(60)] }), 'otherRun');
  });

  it('follows status changes: info, final state, fraction done and time left', () => {
    const m = new DashboardModel();
    m.apply(
      init({
        ...snapshot(1, []),
        info: info(1, { totalSteps: null, startStep: null, backend: null }),
        status: 'starting',
      }),
    );
    assert.equal(m.fractionDone(), null);
    assert.equal(m.secondsLeft(), null);
    m.apply({
      type: 'status',
      runId: 1,
      info: info(1, { totalSteps: 200, startStep: 100 }),
      status: 'running',
      message: '',
    });
    assert.equal(m.fractionDone(), 0.5);
    m.apply({ type: 'progress', runId: 1, points: [point(150, { elapsedSec: 25, examplesPerSec: 64 })] });
    assert.equal(m.fractionDone(), 0.75);
    // 50 steps of 32 examples at 64 examples/s.
    assert.equal(m.secondsLeft(), 25);
    assert.equal(m.isFinal, false);
    m.apply({
      type: 'status',
      runId: 1,
      info: info(1, { totalSteps: 200, startStep: 100 }),
      status: 'cancelled',
      message: 'stopped at step 150',
    });
    assert.equal(m.isFinal, true);
    assert.equal(m.secondsLeft(), null);
    assert.equal(m.run?.message, 'stopped at step 150');
  });

  it('caps its memory with the shared decimation policy', () => {
    const m = new DashboardModel(16);
    m.apply(init(snapshot(1, [])));
    for (let s = 1; s <= 500; s++) m.apply({ type: 'progress', runId: 1, points: [point(s)] });
    assert.ok(m.pointCount <= 17, `${m.pointCount} points kept`);
    assert.equal(m.latest?.step, 500);
    assert.equal(m.series('lr').xs[0], 1, 'the first point survives decimation');
  });

  it('finds the nearest point to a hovered step', () => {
    const m = new DashboardModel();
    m.apply(init());
    assert.equal(m.nearest(0)?.step, 10);
    assert.equal(m.nearest(14)?.step, 10);
    assert.equal(m.nearest(16)?.step, 20);
    assert.equal(m.nearest(1000)?.step, 30);
  });
});
