// The host's run history: trainer events become dashboard messages and a snapshot that a reopened
// panel re-hydrates from; non-finite metrics become null; the final state is sticky.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateHostToDashboard } from '../../../src/protocol/dashboard';
import { RunHistory } from '../../../src/extension/training/runHistory';
import { progress, REQUEST, STARTED } from './fixtures';

describe('RunHistory', () => {
  it('starts from the request, then takes the trainer announcement', () => {
    const h = new RunHistory(7, REQUEST);
    assert.equal(h.status, 'starting');
    assert.deepEqual(h.snapshot().info, {
      runId: 7,
      runDir: '/runs/a',
      dataDir: '/data/sudoku',
      preset: 'sudoku-mlp-small',
      resumed: false,
      backend: null,
      totalSteps: 100,
      startStep: null,
      parameters: null,
      examplesPerStep: null,
    });
    const [m] = h.apply(STARTED);
    assert.equal(m.type, 'status');
    assert.equal(validateHostToDashboard(m), undefined);
    assert.equal(h.status, 'running');
    assert.equal(h.info.backend, 'wasm (simd, 2 threads)');
    assert.equal(h.info.parameters, 123456);
    assert.equal(h.info.startStep, 0);
  });

  it('turns events into valid messages and accumulates a snapshot', () => {
    const h = new RunHistory(1, REQUEST);
    const all = [
      STARTED,
      progress(10),
      progress(20, { lmLoss: NaN, totalLoss: Infinity }),
      { type: 'eval' as const, step: 20, metrics: { accuracy: 0.5, 'exact accuracy': 0.1, loss: NaN } },
      { type: 'checkpoint' as const, step: 20, path: '/runs/a/step_20/model.safetensors' },
      progress(30),
    ].flatMap((e) => h.apply(e));
    assert.deepEqual(
      all.map((m) => m.type),
      ['status', 'progress', 'progress', 'eval', 'checkpoint', 'progress'],
    );
    for (const m of all) assert.equal(validateHostToDashboard(m), undefined, JSON.stringify(m));
    const s = h.snapshot();
    assert.deepEqual(
      s.progress.map((p) => p.step),
      [10, 20, 30],
    );
    assert.equal(s.progress[1].lmLoss, null, 'NaN travels as null');
    assert.equal(s.progress[1].totalLoss, null, 'Infinity travels as null');
    assert.equal(s.progress[0].lmLoss, 0.2);
    assert.deepEqual(
      s.evals,
      [{ step: 20, metrics: { accuracy: 0.5, exact_accuracy: 0.1, loss: null } }],
      'unsafe names are respelled',
    );
    assert.deepEqual(s.checkpoints, [{ step: 20, path: '/runs/a/step_20/model.safetensors' }]);
    assert.equal(
      validateHostToDashboard({ type: 'init', protocolVersion: 1, theme: 'dark', run: s, notice: '' }),
      undefined,
    );
  });

  it('drops a progress point that does not follow the newest step', () => {
    const h = new RunHistory(1, REQUEST);
    h.apply(progress(10));
    assert.deepEqual(h.apply(progress(10)), []);
    assert.deepEqual(h.apply(progress(5)), []);
    assert.equal(h.snapshot().progress.length, 1);
  });

  it('reports a changed step count with a status message', () => {
    const h = new RunHistory(1, { ...REQUEST, steps: undefined });
    const msgs = h.apply(progress(10, {}, 500));
    assert.deepEqual(
      msgs.map((m) => m.type),
      ['status', 'progress'],
    );
    assert.equal(h.info.totalSteps, 500);
  });

  it('goes stopping → cancelled, and nothing changes a final run', () => {
    const h = new RunHistory(1, REQUEST);
    h.apply(STARTED);
    assert.equal(h.markStopping()?.status, 'stopping');
    assert.equal(h.markStopping(), null, 'only once');
    const [fin] = h.apply({ type: 'finished', step: 42, reason: 'cancelled' });
    assert.equal(fin.type === 'status' && fin.status, 'cancelled');
    assert.equal(h.message, 'stopped at step 42');
    assert.equal(h.isFinal, true);
    assert.deepEqual(h.apply(progress(50)), []);
    assert.equal(h.fail('late crash'), null);
    assert.equal(h.markStopping(), null);
    assert.equal(h.status, 'cancelled');
  });

  it('keeps a cancel requested before the announcement', () => {
    const h = new RunHistory(1, REQUEST);
    h.markStopping();
    h.apply(STARTED);
    assert.equal(h.status, 'stopping');
  });

  it('fails with the trainer error or a host-side reason', () => {
    const a = new RunHistory(1, REQUEST);
    a.apply({ type: 'error', message: 'dataset: seq_len 81 but preset expects 900' });
    assert.equal(a.status, 'failed');
    assert.equal(a.message, 'dataset: seq_len 81 but preset expects 900');
    const b = new RunHistory(2, REQUEST);
    assert.equal(b.fail('the training worker exited (code 1) before the run finished')?.status, 'failed');
  });

  it('bounds memory for very long runs', () => {
    const h = new RunHistory(1, { ...REQUEST, steps: 1_000_000 });
    for (let s = 1; s <= 20_000; s++) h.apply(progress(s, {}, 1_000_000));
    const p = h.snapshot().progress;
    assert.ok(p.length <= 4001, `${p.length} points`);
    assert.equal(p[p.length - 1].step, 20_000);
    assert.equal(h.latest?.step, 20_000);
  });
});
