// `trm probe` (the puzzle-identifier probe) end to end: on the bundled demo model the own row is
// the baseline bit for bit (a one-row table's mean is that row), a blank row moves q_halt, the JSON
// holds per-puzzle and per-dataset results; a model without a puzzle embedding and a bad --swap get
// one clear message each.

import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getPreset, type TrmConfig } from '../../../src/engine/config';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { TrmModel } from '../../../src/engine/model/trm';
import { useCpu } from '../model/fixture';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const DEMO = path.resolve(__dirname, '../../../../media/models/sudoku-small/model.safetensors');
const DATA = path.resolve(__dirname, '../../../../sample-workspace/sudoku/generated-moderate.csv');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };
const trm = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-probe-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('trm probe on the demo model: per-puzzle and per-dataset reliance, JSON out', () => {
  const out = path.join(dir, 'probe.json');
  const r = trm('probe', '--checkpoint', DEMO, '--data', DATA, '--limit', '3', '--swap', 'blank,mean', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 puzzles of .*generated-moderate\.csv, 8 steps each/);
  assert.match(r.stdout, /the table has one row/);
  assert.match(r.stdout, /row swapped for blank \(zeros\):\n\s+puzzle\s+id#\s+correct/);
  assert.match(r.stdout, /per dataset:\n\s+blank \(zeros\): exact [\d.]+ % → [\d.]+ %, cells/);
  const json = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(json.results.length, 2);
  const [blank, mean] = json.results;
  assert.equal(blank.rows.length, 3);
  assert.ok(
    blank.rows.some(
      (x: { baseline: { qHalt: number }; swapped: { qHalt: number } }) => x.baseline.qHalt !== x.swapped.qHalt,
    ),
    'a blank row moves q_halt',
  );
  for (const x of mean.rows) {
    assert.deepEqual(x.swapped, x.baseline, 'the mean of a one-row table is the row itself: nothing changes');
    assert.equal(x.cellsChanged, 0);
  }
  assert.equal(mean.summary.reliance, 0);
});

test('trm probe: a model without a puzzle embedding, and a bad --swap, get one clear message', async () => {
  await useCpu();
  const config: TrmConfig = {
    ...getPreset('sudoku-mlp-small'),
    hidden_size: 16,
    puzzle_emb_ndim: 0,
    puzzle_emb_len: 0,
    H_cycles: 1,
    L_cycles: 1,
    L_layers: 1,
    halt_max_steps: 2,
  };
  const checkpoint = path.join(dir, 'noemb.safetensors');
  const model = TrmModel.initialise(config, 3);
  try {
    saveSafetensorsCheckpoint(checkpoint, config, await model.getWeights());
  } finally {
    model.dispose();
  }
  const r = trm('probe', '--checkpoint', checkpoint, '--data', DATA, '--limit', '2');
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /noemb\.safetensors: this model has no puzzle embedding \(puzzle_emb_ndim 0\): its answer cannot depend on a puzzle identifier/,
  );
  const bad = trm('probe', '--checkpoint', DEMO, '--data', DATA, '--swap', 'sideways');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--swap: unknown puzzle-embedding swap 'sideways'/);
});
