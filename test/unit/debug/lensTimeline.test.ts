// The timeline's z-lens view and provenance hovers over the wire (DebugClient + the real adapter on
// the fixture checkpoint): trm/heatmap {view: 'zlens'} answers per cell z's margin signed by whether
// z decodes to y's final value, and its `ahead` cells are the Variables view's "ahead of y";
// trm/provenance answers the Variables view's provenance table, which the webview puts in words.
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { CHECKPOINT, Session, fixtureRow, named } from './dapHarness';
import { TRM_REQUESTS, type TrmHeatmap, type TrmProvenance } from '../../../src/protocol/debugger';
import { provenanceFromDap } from '../../../src/extension/timeline/dapConvert';
import { describeProvenance } from '../../../webview/model/provenance';

const row0 = fixtureRow(0);
let s: Session;
before(async () => {
  s = new Session();
  await s.start();
});
after(() => s.stop());

const SIZES = { hCycles: 3, lCycles: 6, lLayers: 2, taskKind: 'sudoku' as const, gridWidth: 9 };

test('z-lens heatmaps and provenance answer what the Variables view shows', async () => {
  await s.launch({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, solution: row0.solution, steps: 2, stopOnEntry: true });
  for (let i = 0; i < 4; i++) await s.nextUpdate();
  const at = s.position();
  const body = (
    await s.dc.customRequest(TRM_REQUESTS.heatmap.command, {
      step: at.step,
      ordinal: at.ordinal,
      tensor: 'z',
      view: 'zlens',
    })
  ).body as TrmHeatmap;
  assert.equal(TRM_REQUESTS.heatmap.body(body, 'body'), undefined);
  assert.equal(body.values.length, 81, 'one value per grid cell');
  assert.ok(body.ahead, 'the cells where z is ahead of y');
  for (const i of body.ahead) assert.ok(body.values[i]! >= 0, `an ahead cell decodes y's final value (+): ${i}`);

  const analysis = await s.scope('analysis');
  const zl = await s.children(named(analysis, 'z-lens'));
  const aheadVar = named(zl, 'ahead of y').value;
  assert.equal(aheadVar === 'none' ? 0 : Number(/^(\d+) cell/.exec(aheadVar)![1]), body.ahead.length, aheadVar);

  const raw = (await s.dc.customRequest(TRM_REQUESTS.provenance.command, {})).body as TrmProvenance;
  assert.equal(TRM_REQUESTS.provenance.body(raw, 'body'), undefined);
  assert.equal(raw.cells.length, 81);
  for (const c of raw.cells) {
    assert.equal(c.confidence.length, raw.samples.length, 'a confidence per sample');
    if (c.firstCorrect) assert.equal(c.final, c.label, 'correct for good means the final value is the label');
    if (c.lastFlip) assert.deepEqual(c.lastFlip, c.changes[c.changes.length - 1]);
  }
  const prov = provenanceFromDap(raw);
  const cells = await s.children(named(analysis, 'provenance'));
  const flipped = raw.cells.find((c) => c.lastFlip)!;
  const rc = `r${Math.floor(flipped.cell / 9) + 1}c${(flipped.cell % 9) + 1}`;
  const details = await s.children(named(cells, rc));
  const text = describeProvenance(prov, flipped.cell, SIZES);
  assert.match(text, new RegExp(`^${rc} after the episode`));
  // The same last flip as the Variables view ("3 → 5 at t = 12 (step 1 › cycle 2 › …)").
  const lastFlip = named(details, 'last flip').value;
  const where = /\((step \d+ › cycle \d+ › [^)]*\))\)?$/.exec(lastFlip)?.[1];
  assert.ok(where, lastFlip);
  assert.ok(text.includes(`at ${where}`), `${text}\n--- vs Variables: ${lastFlip}`);
  assert.match(text, /confidence [▁▂▃▄▅▆▇█ ]+ \d\.\d\d → \d\.\d\d/);
  await assert.rejects(
    s.dc.customRequest(TRM_REQUESTS.heatmap.command, { step: 9, ordinal: 0, tensor: 'z', view: 'zlens' }),
  );
});
