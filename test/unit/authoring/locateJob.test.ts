// Locating large files off the extension host: what the locate worker sends back (packed typed
// arrays plus small headers) unpacks to exactly what locateDataset and requestFor give on the host
// (every cell, every span, every content key and identifier), for ARC challenges with their sibling
// solutions, a puzzle list, invalid JSON and other JSON; and the real worker bundle answers a job.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { chooseIdentifier } from '../../../src/engine/authoring/identifiers';
import { type LocatedGrid, locateDataset } from '../../../src/engine/authoring/locate';
import { type LocateModel, runLocateJob, unpackLocate } from '../../../src/engine/authoring/locateJob';
import type { LocateReply } from '../../../src/engine/authoring/locateWorker';
import { requestFor } from '../../../src/engine/authoring/puzzleSpec';

const ROOT = process.cwd();
const MODEL: LocateModel = {
  key: 'm1',
  identifierMode: 'byTaskName',
  identifierNames: ['<blank>', 'bbb'],
  numPuzzleIdentifiers: 2,
};

const plain = (g: LocatedGrid | undefined) =>
  g && { height: g.height, width: g.width, value: g.value, cells: [...g.cells], spans: g.spans.map((s) => ({ ...s })) };

const challenges = JSON.stringify(
  {
    aaa: {
      train: [
        {
          input: [
            [1, 2],
            [3, 4],
          ],
          output: [
            [4, 3],
            [2, 1],
          ],
        },
      ],
      test: [{ input: [[0, 5, 6]] }],
    },
    bbb: {
      train: [{ input: [[7]], output: [[8]] }],
      test: [
        {
          input: [
            [9, 9],
            [9, 9],
          ],
        },
        { input: [[1]] },
      ],
    },
  },
  null,
  1,
);
const solutions = JSON.stringify({
  aaa: [[[6, 5, 0]]],
  bbb: [
    [
      [1, 1],
      [1, 1],
    ],
    [[2]],
  ],
});

test('an ARC challenges file: the packed result unpacks to the host-side locate, requests and sibling solutions', () => {
  const file = '/x/demo_challenges.json';
  const { result, transfer } = runLocateJob({
    text: challenges,
    fileName: file,
    model: MODEL,
    solutions: { file: '/x/demo_solutions.json', text: solutions },
  });
  assert.equal(
    transfer.length,
    6,
    'cells, spans, the puzzle headers and the three input arrays travel as transferables',
  );
  const u = unpackLocate(structuredClone(result, { transfer }));
  assert.ok(u);
  const r = locateDataset(challenges, file);
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  assert.equal(u.doc.kind, 'arc-challenges');
  assert.deepEqual(u.doc.head, r.doc.head);
  assert.equal(u.doc.puzzles.length, r.doc.puzzles.length);
  r.doc.puzzles.forEach((p, i) => {
    const q = u.doc.puzzles[i];
    assert.deepEqual(
      { ...q, input: plain(q.input), label: plain(q.label) },
      { ...p, input: plain(p.input), label: plain(p.label) },
    );
    const id = p.taskName ? chooseIdentifier('byTaskName', p.taskName, MODEL.identifierNames, 2).id : 0;
    const want = requestFor(p, id, MODEL.key);
    const got = u.requests?.[i];
    assert.deepEqual(got && { ...got, inputs: [...got.inputs] }, want && { ...want, inputs: [...want.inputs] });
  });
  assert.equal(u.identifiers?.get('bbb')?.id, 1);
  assert.equal(u.sibling?.file, '/x/demo_solutions.json');
  assert.equal(u.sibling?.text, solutions);
  const s = locateDataset(solutions, '/x/demo_solutions.json');
  assert.ok(s.status === 'ok' && s.doc.solutions);
  if (s.status !== 'ok' || !s.doc.solutions) return;
  for (const [task, grids] of s.doc.solutions)
    assert.deepEqual(u.sibling?.grids.get(task)?.map(plain), grids.map(plain), task);
});

test('a puzzle list, invalid JSON mid-edit and other JSON', () => {
  const list = fs.readFileSync(path.join(ROOT, 'sample-workspace', 'sudoku', 'moderate.trm.json'), 'utf8');
  const { result, transfer } = runLocateJob({ text: list, fileName: 'moderate.trm.json', model: MODEL });
  const u = unpackLocate(structuredClone(result, { transfer }));
  const r = locateDataset(list, 'moderate.trm.json');
  assert.ok(u && r.status === 'ok');
  if (!u || r.status !== 'ok') return;
  assert.deepEqual(
    u.doc.puzzles.map((p) => plain(p.label)),
    r.doc.puzzles.map((p) => plain(p.label)),
  );
  assert.deepEqual(
    u.requests?.map((q) => q?.key),
    r.doc.puzzles.map((p) => requestFor(p, 0, MODEL.key)?.key),
  );

  const bad = runLocateJob({ text: '{"train": [', fileName: 'a.json' }).result;
  assert.equal(bad.status, 'invalid-json');
  assert.equal(typeof bad.message, 'string');
  assert.equal(unpackLocate(bad), undefined);
  assert.equal(runLocateJob({ text: '{"name": "x"}', fileName: 'package.json' }).result.status, 'not-a-dataset');
  // Without a model only the grids come back.
  const noModel = unpackLocate(runLocateJob({ text: list, fileName: 'moderate.trm.json' }).result);
  assert.equal(noModel?.requests, undefined);
});

test('the locate worker bundle answers a job with the packed result', async () => {
  const file = path.join(ROOT, 'dist', 'locateWorker.js');
  assert.ok(fs.existsSync(file), `${file} is built by node esbuild.mjs`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-locate-'));
  fs.writeFileSync(path.join(dir, 'demo_solutions.json'), solutions);
  const w = new Worker(file);
  try {
    const reply = await new Promise<LocateReply>((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
      // The sibling solutions file is read from disk by the worker when no editor holds it.
      w.postMessage({
        id: 7,
        job: {
          text: challenges,
          fileName: path.join(dir, 'demo_challenges.json'),
          model: MODEL,
          solutions: { file: path.join(dir, 'demo_solutions.json') },
        },
      });
    });
    assert.equal(reply.id, 7);
    assert.ok('result' in reply);
    if (!('result' in reply)) return;
    const u = unpackLocate(reply.result);
    assert.equal(u?.doc.puzzles.length, 5);
    assert.deepEqual(u?.sibling?.grids.get('bbb')?.[1]?.cells, ['2']);
    assert.equal(u?.requests?.filter(Boolean).length, 5);
  } finally {
    await w.terminate();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
