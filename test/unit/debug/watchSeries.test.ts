// Watch expressions over recursion time over the wire: the adapter announces the Watch view's
// expressions (evaluate requests with context 'watch') in trm/watch events and drops one the Watch
// view no longer evaluates; trm/series evaluates an expression after every update of steps
// 1..steps, equal to the Watch value at each update; grids and bad expressions are refused with
// the reason (the column of a syntax error).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CHECKPOINT, Session, fixtureRow } from './dapHarness';
import { TRM_REQUESTS, type TrmSeries } from '../../../src/protocol/debugger';
import { seriesFromDap } from '../../../src/extension/timeline/dapConvert';
import { seriesIndex, seriesValueText, sparklineSpecs } from '../../../webview/model/series';

const row0 = fixtureRow(0);
let s: Session;
const watchEvents: string[][] = [];
before(async () => {
  s = new Session();
  await s.start();
  s.dc.on('trm/watch', (e) => watchEvents.push((e.body as { expressions: string[] }).expressions));
});
after(() => s.stop());

const settle = () => new Promise((r) => setTimeout(r, 200));
const watchEval = async (expression: string) =>
  (await s.dc.evaluateRequest({ expression, context: 'watch', frameId: (await s.frames())[0].id })).body.result;

test('the Watch list reaches the timeline; trm/series draws an expression over every update', async () => {
  await s.launch({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, solution: row0.solution, steps: 2, stopOnEntry: true });
  await watchEval('mean(entropy(y))');
  await watchEval('correct');
  await settle();
  assert.deepEqual(watchEvents.at(-1), ['mean(entropy(y))', 'correct']);
  await watchEval('mean(entropy(y))'); // already known: no new event
  await settle();
  const before = watchEvents.length;

  // The next stop: 'correct' was evaluated at the previous stop, so both stay; only 'mean(entropy(y))' now.
  await s.nextUpdate();
  await watchEval('mean(entropy(y))');
  await s.nextUpdate();
  await settle();
  assert.equal(watchEvents.length, before + 1, 'one event when the list shrinks');
  assert.deepEqual(watchEvents.at(-1), ['mean(entropy(y))']);

  const raw = (await s.dc.customRequest(TRM_REQUESTS.series.command, { expression: 'mean(entropy(y))', steps: 1 }))
    .body as TrmSeries;
  assert.equal(TRM_REQUESTS.series.body(raw, 'body'), undefined);
  assert.equal(raw.values.length, 21);
  assert.equal(raw.type, 'number');
  const at = s.position();
  const shown = Number(await watchEval('mean(entropy(y))'));
  const i = seriesIndex(at.step, at.ordinal, 21);
  assert.ok(Math.abs(raw.values[i]! - shown) <= 1e-3 * Math.abs(shown) + 1e-6, `${raw.values[i]} vs Watch ${shown}`);
  const conv = seriesFromDap(raw, 'mean(entropy(y))');
  assert.equal(conv.values.length, 21);
  assert.notEqual(seriesValueText(conv.values, i, 'number'), 'not run yet');

  const bool = (await s.dc.customRequest(TRM_REQUESTS.series.command, { expression: 'correct', steps: 2 }))
    .body as TrmSeries;
  assert.equal(bool.type, 'boolean');
  assert.equal(bool.values.length, 42);
  assert.ok(bool.values.every((v) => v === 0 || v === 1));

  await assert.rejects(
    s.dc.customRequest(TRM_REQUESTS.series.command, { expression: 'conf(y)', steps: 1 }),
    /is a grid .*conf\(y\)\[r4c7\]/,
  );
  await assert.rejects(
    s.dc.customRequest(TRM_REQUESTS.series.command, { expression: 'mean(entropy(y)) +', steps: 1 }),
    /column/,
  );
  await assert.rejects(s.dc.customRequest(TRM_REQUESTS.series.command, { expression: 'mean(entropy(y))', steps: 99 }));
  assert.throws(() => seriesFromDap(raw, 'other'), /asked for 'other'/);
  assert.deepEqual(
    sparklineSpecs(['a', ' b', 'a'], ['b', 'c']).map((x) => [x.expression, x.added]),
    [
      ['a', false],
      ['b', false],
      ['c', true],
    ],
  );
});
