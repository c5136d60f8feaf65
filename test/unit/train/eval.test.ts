// `trm eval` on a checkpoint written by the trainer: metrics plus per-puzzle results JSON; and the
// ARC pass@K voting on hand-made predictions (identical de-augmented grids pool their votes).

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useCpu } from '../model/fixture';
import { SetBuilder, metadataFor } from '../../../src/engine/data/built';
import { encodeArcGrid } from '../../../src/engine/tasks/arc';
import { PuzzleResult, arcPassAtK } from '../../../src/engine/train/evaluate';
import { runTraining } from '../../../src/engine/train/trainer';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

before(async () => {
  await useCpu();
});

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

test('trm eval writes metrics and one result per test example', async () => {
  const dir = tmpDir('eval');
  const data = writeReverseDataset(dir, 16, 6);
  await runTraining(
    { configPath: writeTinyConfig(dir, { total_steps: 3 }), data, out: path.join(dir, 'run'), resume: false },
    () => {},
    undefined,
    { keepBackend: true },
  );
  const out = path.join(dir, 'results.json');
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'eval',
      '--checkpoint',
      path.join(dir, 'run', 'step_3', 'model.safetensors'),
      '--data',
      data,
      '--out',
      out,
      '--backend',
      'cpu',
    ],
    { encoding: 'utf8', env: ENV },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /exact_accuracy/);
  const j = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(j.metrics.count, 6);
  assert.equal(j.puzzles.length, 6);
  const p = j.puzzles[0];
  assert.equal(p.prediction.length, 6);
  assert.equal(p.revisions.length, 2, 'N_sup = 3 steps give 2 revision counts');
  assert.ok(p.haltStep >= 1 && p.haltStep <= 3);
  assert.equal(typeof p.exact, 'boolean');
});

test('arcPassAtK: votes pooled over variants after undoing the augmentation', () => {
  const b = new SetBuilder(900);
  const input = [
      [1, 2],
      [3, 4],
    ],
    truth = [
      [5, 6],
      [7, 8],
    ];
  // Identity variant and a colour-swapped (1<->2) variant of task "t"; identifiers 1, 2.
  const swap = (g: number[][]) => g.map((row) => row.map((c) => (c === 1 ? 2 : c === 2 ? 1 : c)));
  b.addPuzzle(1, [{ input: encodeArcGrid(input), label: encodeArcGrid(truth) }]);
  b.addPuzzle(2, [{ input: encodeArcGrid(swap(input)), label: encodeArcGrid(swap(truth)) }]);
  b.addPuzzle(1, [{ input: encodeArcGrid(input), label: encodeArcGrid(truth) }]);
  b.endGroup();
  const set = b.build();
  const meta = metadataFor(set, { vocabSize: 12, numPuzzleIdentifiers: 3 });
  const ids = ['<blank>', 't|||t0|||0123456789', 't|||t0|||0213456789'];
  const wrong = [
    [0, 0],
    [0, 0],
  ];
  const res = (row: number, pid: number, grid: number[][], q: number): PuzzleResult => ({
    row,
    puzzleIdentifier: pid,
    exact: false,
    cellAccuracy: 0,
    haltProbability: q,
    haltStep: 1,
    firstCorrectStep: 0,
    revisions: [],
    prediction: Array.from(encodeArcGrid(grid)),
  });
  // Two votes for the truth (one from the swapped variant, mapped back), one confident wrong vote.
  const m1 = arcPassAtK(
    [res(0, 1, truth, 0.2), res(1, 2, swap(truth), 0.2), res(2, 1, wrong, 0.99)],
    set,
    meta,
    ids,
    [1, 2],
  );
  assert.deepEqual(m1, { 'arc_pass@1': 1, 'arc_pass@2': 1 });
  // One vote each: the tie is broken by the mean halting probability; the truth comes second.
  const m2 = arcPassAtK([res(0, 1, truth, 0.2), res(2, 1, wrong, 0.9)], set, meta, ids, [1, 2]);
  assert.deepEqual(m2, { 'arc_pass@1': 0, 'arc_pass@2': 1 });
});
