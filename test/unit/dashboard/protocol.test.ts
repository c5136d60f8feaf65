// The dashboard protocol's runtime guards: valid messages pass, and each kind of bad message is
// refused with a message that names the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DecimatedLog,
  isDashboardToHostMessage,
  isHostToDashboardMessage,
  isProgressPoint,
  isRunInfo,
  isRunSnapshot,
  isStopMessage,
  toMetric,
  validateDashboardToHost,
  validateHostToDashboard,
} from '../../../src/protocol/dashboard';
import { info, point, snapshot } from './fixtures';

describe('dashboard protocol: host → webview', () => {
  it('accepts every well-formed message', () => {
    const msgs = [
      { type: 'init', protocolVersion: 1, theme: 'dark', run: null, notice: 'nothing yet' },
      { type: 'init', protocolVersion: 1, theme: 'highContrastLight', run: snapshot(), notice: '' },
      { type: 'progress', runId: 1, points: [point(1), point(2, { lmLoss: null })] },
      {
        type: 'eval',
        runId: 1,
        point: { step: 5, metrics: { accuracy: 0.5, exact_accuracy: null, 'test/loss': 1.5 } },
      },
      { type: 'checkpoint', runId: 1, point: { step: 5, path: '/x/step_5/model.safetensors' } },
      { type: 'status', runId: 1, info: info(1), status: 'done', message: 'finished at step 100' },
      { type: 'theme', theme: 'light' },
    ];
    for (const m of msgs) assert.equal(validateHostToDashboard(m), undefined, JSON.stringify(m).slice(0, 80));
    assert.ok(msgs.every(isHostToDashboardMessage));
  });

  it('names the first bad field', () => {
    const cases: [unknown, RegExp][] = [
      [null, /expected an object, got null/],
      [{ type: 'bogus' }, /unknown type "bogus" \(expected one of init, progress/],
      [
        { type: 'progress', runId: 1, points: [point(1, { lr: NaN })] },
        /progress\.points\[0\]\.lr: expected a finite number or null/,
      ],
      [{ type: 'progress', runId: 1, points: [point(1, { totalLoss: Infinity })] }, /points\[0\]\.totalLoss/],
      [{ type: 'progress', runId: 1, points: [point(2), point(2)] }, /points\[1\]\.step: 2 does not follow step 2/],
      [{ type: 'progress', runId: 1, points: [] }, /progress\.points: empty/],
      [{ type: 'progress', runId: 0, points: [point(1)] }, /progress\.runId: expected an integer in \[1,/],
      [{ type: 'progress', runId: 1, points: [{ ...point(1), extra: 1 }] }, /points\[0\]\.extra: unknown field/],
      [{ type: 'progress', runId: 1, points: [{ ...point(1), step: 1.5 }] }, /points\[0\]\.step: expected an integer/],
      [{ type: 'eval', runId: 1, point: { step: 1, metrics: { 'bad name!': 1 } } }, /metric name "bad name!" must be/],
      [
        { type: 'eval', runId: 1, point: { step: 1, metrics: { acc: '0.5' } } },
        /eval\.point\.metrics\.acc: expected a finite number or null/,
      ],
      [
        { type: 'status', runId: 2, info: info(1), status: 'done', message: '' },
        /status\.info\.runId: 1 differs from runId 2/,
      ],
      [
        { type: 'status', runId: 1, info: info(1), status: 'exploded', message: '' },
        /status\.status: expected one of "starting"/,
      ],
      [
        {
          type: 'init',
          protocolVersion: 1,
          theme: 'dark',
          run: { ...snapshot(), progress: [point(3), point(1)] },
          notice: '',
        },
        /init\.run\.progress\[1\]\.step: 1 does not follow step 3/,
      ],
      [{ type: 'init', protocolVersion: 1, theme: 'sepia', run: null, notice: '' }, /init\.theme: expected one of/],
      [
        { type: 'status', runId: 1, info: { ...info(1), backend: undefined }, status: 'done', message: '' },
        /status\.info\.backend: expected a string/,
      ],
    ];
    for (const [m, re] of cases) {
      const problem = validateHostToDashboard(m);
      assert.ok(problem, `accepted ${JSON.stringify(m)}`);
      assert.match(problem, re);
      assert.equal(isHostToDashboardMessage(m), false);
    }
  });

  it('has guards for the values', () => {
    assert.ok(isRunInfo(info()));
    assert.equal(isRunInfo({ ...info(), totalSteps: -1 }), false);
    assert.ok(isProgressPoint(point(3)));
    assert.equal(isProgressPoint({ ...point(3), meanSteps: undefined }), false);
    assert.ok(isRunSnapshot(snapshot()));
    assert.equal(isRunSnapshot({ ...snapshot(), status: 'paused' }), false);
  });
});

describe('dashboard protocol: webview → host', () => {
  it('accepts ready, stop, reveal and webviewError', () => {
    for (const m of [
      { type: 'ready', protocolVersion: 1 },
      { type: 'stop', runId: 3 },
      { type: 'reveal', path: '/a/b' },
      { type: 'webviewError', message: 'x' },
    ]) {
      assert.equal(validateDashboardToHost(m), undefined);
      assert.ok(isDashboardToHostMessage(m));
    }
    assert.ok(isStopMessage({ type: 'stop', runId: 3 }));
  });
  it('refuses bad ones by field', () => {
    assert.match(validateDashboardToHost({ type: 'stop', runId: 'all' })!, /stop\.runId: expected an integer/);
    assert.match(
      validateDashboardToHost({ type: 'ready' })!,
      /ready\.protocolVersion: expected an integer .* undefined \(missing\)/,
    );
    assert.match(
      validateDashboardToHost({ type: 'seek', step: 1 })!,
      /unknown type "seek" \(expected one of ready, stop, reveal, webviewError\)/,
    );
    assert.match(
      validateDashboardToHost({ type: 'webviewError', message: 'x'.repeat(10_001) })!,
      /webviewError\.message: expected a string \(≤ 10000 chars\)/,
    );
  });
});

describe('toMetric', () => {
  it('maps non-finite numbers to null and keeps finite ones', () => {
    assert.deepEqual([1.5, 0, -2, NaN, Infinity, -Infinity].map(toMetric), [1.5, 0, -2, null, null, null]);
  });
});

describe('DecimatedLog', () => {
  const steps = (log: DecimatedLog<{ step: number }>): number[] => log.points().map((p) => p.step);

  it('keeps everything up to the cap, refuses steps that do not ascend', () => {
    const log = new DecimatedLog<{ step: number }>(8);
    for (let s = 1; s <= 8; s++) assert.ok(log.push({ step: s }));
    assert.equal(log.push({ step: 8 }), false);
    assert.equal(log.push({ step: 3 }), false);
    assert.deepEqual(steps(log), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(log.currentStride, 1);
  });

  it('halves evenly when full, then keeps every stride-th point, and always shows the newest', () => {
    const log = new DecimatedLog<{ step: number }>(8);
    for (let s = 1; s <= 9; s++) log.push({ step: s });
    // 9 > 8: every second point counted back from the newest stays.
    assert.deepEqual(steps(log), [1, 3, 5, 7, 9]);
    assert.equal(log.currentStride, 2);
    log.push({ step: 10 });
    assert.deepEqual(steps(log), [1, 3, 5, 7, 9, 10], 'the newest point is shown although the stride skips it');
    log.push({ step: 11 });
    assert.deepEqual(steps(log), [1, 3, 5, 7, 9, 11]);
    for (let s = 12; s <= 1000; s++) log.push({ step: s });
    const got = steps(log);
    assert.ok(got.length <= 9, `${got.length} points`);
    assert.equal(got[got.length - 1], 1000);
    // Evenly spaced: all gaps but the last (the unkept newest point) are equal.
    const gaps = got.slice(1, -1).map((s, i) => s - got[i]);
    assert.ok(
      gaps.every((g) => g === gaps[0]),
      `uneven gaps ${gaps.join(',')}`,
    );
    assert.equal(gaps[0], log.currentStride);
  });

  it('rejects a silly cap', () => {
    assert.throws(() => new DecimatedLog(2), /cap must be an integer ≥ 4, got 2/);
  });
});
