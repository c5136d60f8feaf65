// The cloud fan of the timeline over the wire: a trm/cloudFork from a stop answers (and announces as
// the trm/cloud event) a body the timeline's glue accepts; converted, it is a valid `cloud` message
// whose branch paths start at the trunk's fork point; adopting a branch stops with a text from
// which the timeline reads the adopted branch (the bundled Sudoku demo model, N = 4).
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { trmCloudEventSchema } from '../../../src/protocol/cloud';
import { validateHostToWebview } from '../../../src/protocol/timeline';
import { cloudFromDap } from '../../../src/extension/timeline/dapConvert';
import { adoptedBranch, fanPaths, fanTrunk } from '../../../webview/model/fan';
import { Session } from './dapHarness';

const CHECKPOINT = path.resolve('media/models/sudoku-small/model.safetensors');
const DATASET = path.resolve('sample-workspace/sudoku/generated-moderate.csv');

let s: Session;
before(async () => {
  s = new Session();
  await s.start();
  s.dc.on('trm/cloud', (e) => cloudEvents.push(e.body));
});
after(() => s.stop());
const cloudEvents: unknown[] = [];

test('a cloud fork becomes the timeline fan; adopting a branch is read back from the stop', async () => {
  await s.launch({ checkpoint: CHECKPOINT, dataset: DATASET, index: 0, stopOnEntry: true, backend: 'cpu' });
  for (let i = 0; i < 3; i++) await s.nextUpdate();
  const at = s.position();
  const body = (await s.dc.customRequest('trm/cloudFork', { n: 4, scale: 0.5, seed: 1 })).body as unknown;
  assert.equal(trmCloudEventSchema(body, 'body'), undefined);
  for (let i = 0; i < 50 && cloudEvents.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(cloudEvents.length, 1, 'the trm/cloud event');
  const m = cloudFromDap(cloudEvents[0], 'session-1');
  assert.equal(validateHostToWebview(m), undefined);
  assert.equal(m.branches.length, 4);
  assert.equal(m.trunkSteps[m.forkIndex], at.step);
  assert.equal(m.trunkOrdinals[m.forkIndex], at.ordinal, 'the fork point is the stop');
  const paths = fanPaths(m, undefined);
  assert.equal(paths.length, 4);
  for (const p of paths) {
    assert.deepEqual(
      p.pts[0],
      { x: m.trunkXs[m.forkIndex], y: m.trunkYs[m.forkIndex] },
      'every branch starts at the fork',
    );
    assert.ok(p.pts.length > 1);
  }
  assert.equal(paths.filter((p) => p.role === 'selected').length, m.selected >= 0 ? 1 : 0);
  assert.equal(fanTrunk(m).steps, m.trunkSteps);

  const pick = m.branches.find((b) => b.branch !== m.selected)!.branch;
  const stopped = s.motion(() => s.dc.customRequest('trm/cloudAdopt', { forkId: m.forkId, branch: pick }));
  await stopped;
  assert.equal(adoptedBranch(s.position().reason), pick, `stop text: ${s.position().reason}`);
  const roles = fanPaths(m, pick);
  assert.equal(roles[roles.length - 1].branch, pick, 'the adopted branch is drawn last (on top)');
  assert.equal(roles[roles.length - 1].role, 'adopted');
  assert.match(roles[roles.length - 1].title, /adopted/);
  assert.equal(adoptedBranch('Paused on step'), undefined);
  assert.throws(() => cloudFromDap({ ...(body as object), fan: { tensor: 'q' } }, 'x'), /trm\/cloud\.fan/);
});
