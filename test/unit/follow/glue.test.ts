// The VS Code side of following, without VS Code: FollowService's view of a real folder (what the page
// is sent, validated by the protocol), the comparison, the debug launch configuration, command
// arguments, and the page's HTML.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FollowEvalOutcome } from '../../../src/engine/follow/types';
import { followHtml } from '../../../src/extension/follow/followHtml';
import { exportDataFor, parseExportRequest, parseFollowRequest } from '../../../src/extension/follow/followRequest';
import { FollowService } from '../../../src/extension/follow/followService';
import { validateFollowToHost, validateHostToFollow } from '../../../src/protocol/followDashboard';
import { FIXTURE, SHARED, tmpDir } from '../formats/builders';

const DATA = path.join(SHARED, 'datasets/trm-built-samples/sudoku-mini-aug-3');
const flush = () => new Promise((r) => setImmediate(r));

function outcome(exact: number, rows: [boolean, number][]): FollowEvalOutcome {
  return {
    metrics: { exact_accuracy: exact, accuracy: 0.5, q_halt_accuracy: NaN, mean_steps: 4, count: rows.length },
    puzzles: rows.map(([e, h], row) => ({ row, exact: e, cellAccuracy: 0.5, haltStep: h, firstCorrectStep: 0 })),
    seconds: 1.5,
    configSource: 'all_config.yaml',
    haltMaxSteps: 16,
    warnings: [],
  };
}

test('FollowService: views are valid protocol messages; compare and debug use the evaluated results', async () => {
  const dir = tmpDir('svc');
  const results: Record<number, FollowEvalOutcome> = {
    10: outcome(0.5, [
      [true, 3],
      [false, 16],
    ]),
    20: outcome(1, [
      [true, 2],
      [true, 5],
    ]),
  };
  const jobs: string[] = [];
  const svc = new FollowService(async (job) => {
    jobs.push(`${path.basename(job.file)}:${job.limit}:${job.data}`);
    return results[Number(path.basename(job.file).slice(5))];
  });
  const views: unknown[] = [];
  svc.onDidChange((v) => views.push(v));
  svc.follow({ dir, data: DATA, limit: 2, pollMs: 60_000, batchSize: 8 });
  fs.copyFileSync(path.join(FIXTURE, 'step_150'), path.join(dir, 'step_10'));
  fs.copyFileSync(path.join(FIXTURE, 'step_150'), path.join(dir, 'step_20'));
  const session = (svc as unknown as { session: { poll(): void; whenIdle(): Promise<void> } }).session;
  session.poll();
  session.poll();
  await flush();
  await session.whenIdle();
  await flush();
  assert.deepEqual(jobs, [`step_20:2:${DATA}`, `step_10:2:${DATA}`]);
  const v = svc.view()!;
  assert.equal(validateHostToFollow({ type: 'view', view: v }), undefined);
  for (const x of views) assert.equal(validateHostToFollow({ type: 'view', view: x }), undefined);
  assert.equal(v.best, 20);
  assert.equal(v.checkpoints[0].metrics?.qHalt, null, 'NaN travels as null');
  assert.equal(v.evalSet, 'first 2 examples of the test split');
  assert.equal(v.haltMaxSteps, 16);

  const cmp = svc.compare(10, 20);
  assert.deepEqual([cmp.bothSolved, cmp.onlyB], [1, 1]);
  assert.deepEqual(
    svc.view()!.comparison?.differing.map((d) => d.row),
    [1, 0],
  );
  assert.throws(() => svc.compare(10, 30), /step 30 has not been evaluated \(no such checkpoint\)/);

  const dbg = svc.debugConfiguration(10);
  assert.deepEqual(
    { type: dbg.type, request: dbg.request, checkpoint: dbg.checkpoint, dataset: dbg.dataset, index: dbg.index },
    { type: 'trm', request: 'launch', checkpoint: path.join(dir, 'step_10'), dataset: DATA, index: 1 },
    'the first puzzle step 10 gets wrong',
  );
  assert.equal(svc.debugConfiguration(20, 0).index, 0);
  fs.writeFileSync(path.join(dir, 'step_30'), 'PK\x03\x04 partial');
  session.poll();
  assert.throws(() => svc.debugConfiguration(30), /still being written/);
  assert.equal(svc.stop(), true);
  assert.equal(svc.view()?.status, 'stopped');
  assert.equal(svc.stop(), false);
  svc.dispose();
});

test('page messages are validated by field', () => {
  assert.equal(
    validateFollowToHost({ type: 'compare', followId: 1, a: 5, b: 5 }),
    'compare.b: compare two different checkpoints',
  );
  assert.match(validateFollowToHost({ type: 'debug', followId: 1, step: -1, row: null }) ?? '', /debug\.step/);
  assert.equal(validateFollowToHost({ type: 'debug', followId: 1, step: 3, row: 2 }), undefined);
  assert.match(validateFollowToHost({ type: 'open', path: '/etc/passwd' }) ?? '', /unknown type/);
});

test('command arguments: checked by name; the export layout finds its dataset', () => {
  const dir = tmpDir('args');
  assert.throws(() => parseFollowRequest({ dir }), /"data" must be a non-empty string \(missing\)/);
  assert.throws(() => parseFollowRequest({ dir, data: dir }), /not a built dataset with a test split/);
  assert.throws(() => parseFollowRequest({ dir, data: DATA, limit: -3 }), /"limit" must be an integer ≥ 0/);
  assert.throws(() => parseFollowRequest({ dir, data: DATA, lmit: 3 }), /unknown field\(s\) lmit/);
  const r = parseFollowRequest({ dir: 'ck', data: DATA }, dir);
  assert.deepEqual(r, {
    dir: path.join(dir, 'ck'),
    data: DATA,
    limit: 64,
    configPath: undefined,
    pollMs: 2000,
    batchSize: 64,
  });
  assert.throws(() => parseExportRequest({ data: DATA, out: 'x' }), /choose a model with "preset" or "configPath"/);
  assert.equal(
    parseExportRequest({ data: DATA, out: 'x', preset: 'sudoku-mlp', gpus: 4 }, dir).out,
    path.join(dir, 'x'),
  );
  const exp = path.join(dir, 'exp');
  fs.mkdirSync(path.join(exp, 'data', 'test'), { recursive: true });
  fs.writeFileSync(path.join(exp, 'data', 'test', 'dataset.json'), '{}');
  assert.equal(exportDataFor(path.join(exp, 'checkpoints', 'run')), path.join(exp, 'data'));
  assert.equal(exportDataFor(dir), undefined);
});

test('the page HTML: strict CSP, both stylesheets, one nonce', () => {
  const html = followHtml({
    cspSource: 'https://x',
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA==',
    scriptUri: 'https://x/dist/followDashboard.js',
    styleUris: ['https://x/media/dashboard.css', 'https://x/media/follow.css'],
  });
  assert.match(
    html,
    /<link rel="stylesheet" nonce="AAAAAAAAAAAAAAAAAAAAAA==" href="https:\/\/x\/media\/dashboard.css">\n<link[^>]*follow.css/,
  );
  assert.match(html, /script-src 'nonce-AAAAAAAAAAAAAAAAAAAAAA=='/);
  assert.throws(() => followHtml({ cspSource: 'x', nonce: 'short', scriptUri: '', styleUris: [] }), /nonce/);
});
