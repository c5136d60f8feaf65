// The dashboard feed: nothing reaches the page before `ready`, every ready is answered with an init
// carrying the whole run (re-hydration), live progress is batched, and order is kept.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HostToDashboardMessage, InitMessage } from '../../../src/protocol/dashboard';
import { DashboardFeed, type Schedule } from '../../../src/extension/training/dashboardFeed';
import { info, point, snapshot } from './fixtures';

function harness() {
  const sent: HostToDashboardMessage[] = [];
  const timers: { f: () => void; ms: number; cancelled: boolean }[] = [];
  const schedule: Schedule = (f, ms) => {
    const t = { f, ms, cancelled: false };
    timers.push(t);
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  };
  let inits = 0;
  const makeInit = (): InitMessage => {
    inits++;
    return { type: 'init', protocolVersion: 1, theme: 'dark', run: snapshot(), notice: '' };
  };
  const feed = new DashboardFeed((m) => sent.push(m), makeInit, schedule, 100);
  const fire = (): void => {
    for (const t of timers.splice(0)) if (!t.cancelled) t.f();
  };
  return { feed, sent, timers, fire, inits: () => inits };
}

describe('DashboardFeed', () => {
  it('sends nothing before ready, then one init with everything', () => {
    const { feed, sent, inits } = harness();
    feed.post({ type: 'progress', runId: 1, points: [point(40)] });
    feed.post({ type: 'status', runId: 1, info: info(), status: 'running', message: '' });
    assert.equal(sent.length, 0);
    assert.equal(feed.isReady, false);
    feed.onReady();
    assert.deepEqual(
      sent.map((m) => m.type),
      ['init'],
    );
    assert.equal(inits(), 1);
  });

  it('batches progress until the timer fires', () => {
    const { feed, sent, timers, fire } = harness();
    feed.onReady();
    sent.length = 0;
    for (let s = 40; s < 50; s++) feed.post({ type: 'progress', runId: 1, points: [point(s)] });
    assert.equal(sent.length, 0);
    assert.equal(feed.pendingPoints, 10);
    assert.equal(timers.filter((t) => !t.cancelled).length, 1, 'one timer per batch');
    assert.equal(timers[0].ms, 100);
    fire();
    assert.equal(sent.length, 1);
    const m = sent[0];
    assert.ok(m.type === 'progress');
    assert.deepEqual(
      m.points.map((p) => p.step),
      [40, 41, 42, 43, 44, 45, 46, 47, 48, 49],
    );
  });

  it('flushes pending progress before any other message, keeping the order', () => {
    const { feed, sent } = harness();
    feed.onReady();
    sent.length = 0;
    feed.post({ type: 'progress', runId: 1, points: [point(40)] });
    feed.post({ type: 'checkpoint', runId: 1, point: { step: 40, path: '/c' } });
    feed.post({ type: 'progress', runId: 2, points: [point(1)] });
    feed.post({ type: 'progress', runId: 1, points: [point(41)] });
    feed.flush();
    assert.deepEqual(
      sent.map((m) => `${m.type}:${'runId' in m ? m.runId : ''}`),
      ['progress:1', 'checkpoint:1', 'progress:2', 'progress:1'],
    );
  });

  it('after the page goes away, queues nothing and re-inits on the next ready', () => {
    const { feed, sent, inits } = harness();
    feed.onReady();
    feed.post({ type: 'progress', runId: 1, points: [point(40)] });
    feed.reset();
    assert.equal(feed.pendingPoints, 0, 'pending points are covered by the next init');
    feed.post({ type: 'eval', runId: 1, point: { step: 40, metrics: {} } });
    feed.post({ type: 'theme', theme: 'light' });
    const before = sent.length;
    feed.onReady();
    assert.deepEqual(
      sent.slice(before).map((m) => m.type),
      ['init'],
    );
    assert.equal(inits(), 2);
  });

  it('reinit sends a fresh init to a live page only', () => {
    const { feed, sent } = harness();
    feed.reinit();
    assert.equal(sent.length, 0);
    feed.onReady();
    feed.reinit();
    assert.deepEqual(
      sent.map((m) => m.type),
      ['init', 'init'],
    );
  });
});
