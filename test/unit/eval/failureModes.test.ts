// Failure modes of evaluated puzzles: hand-made step sequences with known answers, and `trm eval`'s
// JSON on the sample Sudoku file (its records re-classified give its failure modes and its counts,
// its `puzzles` list and metrics agree with the records).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { classifyPuzzle, failureCounts, haltStepOf } from '../../../src/engine/eval/failureModes';
import { summarize, recordsToCsv } from '../../../src/engine/eval/summary';
import type { EvalPuzzleRecord } from '../../../src/engine/eval/types';
import { settlingLabel } from '../../../src/engine/analysis/settling';
import { record, steps } from './records';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const ROOT = path.resolve(__dirname, '../../../..');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

test('halting step: first q_halt > 0 before the last step, else N_sup', () => {
  assert.equal(haltStepOf(steps('----', [-1, 2, 3, 4])), 2);
  assert.equal(haltStepOf(steps('----', [-1, -2, -3, 4])), 4);
  assert.equal(haltStepOf(steps('----', [-1, -2, -3, -4])), 4);
});

test('each failure mode on the sequence that shows it, with its decisive step', () => {
  const cases: [string, number[], string[], number][] = [
    ['++++', [-1, 3, 3, 3], ['kept going although correct'], 1],
    ['-+++', [-1, 3, 3, 3], [], 2],
    ['--++', [-1, 3, 3, 3], ['wrong at halt', 'halted too early'], 2],
    ['----', [-1, 3, 3, 3], ['wrong at halt', 'never right'], 2],
    ['-+--', [-1, -1, -1, -3], ['wrong at halt', 'kept going although correct', 'right then lost'], 4],
    ['-++-', [-1, 3, 3, 3], ['right then lost'], 4],
  ];
  for (const [o, q, modes, decisive] of cases) {
    const c = classifyPuzzle(steps(o, q));
    assert.deepEqual(c.failureModes, modes, o);
    assert.equal(c.decisiveStep, decisive, `${o}: decisive step`);
  }
  // 'halted too early' decides where the debugger opens even though it is also wrong at halt.
  assert.equal(classifyPuzzle(steps('--++', [-1, 3, 3, 3])).decisiveStep, 2);
});

test('low confidence: a halting probability near 1/2 or an unsure cell at the halting step', () => {
  assert.deepEqual(classifyPuzzle(steps('++', [0.2, 3])).failureModes, ['low confidence']);
  assert.deepEqual(classifyPuzzle(steps('++', [4, 4], { minCellProb: 0.4 })).failureModes, ['low confidence']);
  assert.deepEqual(classifyPuzzle(steps('++', [4, 4])).failureModes, []);
  assert.deepEqual(classifyPuzzle(steps('++', [0.2, 3]), { haltProbabilityBand: [0.6, 0.7] }).failureModes, []);
});

test('settling labels: quick, delayed, settled wrong, wandering', () => {
  assert.equal(settlingLabel(steps('++++', [])), 'quick success');
  assert.equal(settlingLabel(steps('---+', [])), 'delayed success');
  assert.equal(settlingLabel(steps('----', [])), 'settled wrong');
  assert.equal(settlingLabel(steps('-+-+-', [])), 'wandering');
  assert.throws(() => settlingLabel([]), /at least one step summary/);
});

test('summary: counts, accuracy per halting step, confusion, CSV', () => {
  const recs = [
    record(0, '++++', [-1, 3, 3, 3]),
    record(1, '--++', [-1, 3, 3, 3]),
    record(2, '----', [-1, -1, -1, -1]),
  ];
  const s = summarize(recs);
  assert.equal(s.metrics.count, 3);
  assert.equal(s.metrics.exact_accuracy, 2 / 3);
  assert.equal(s.metrics.exact_accuracy_at_halt, 1 / 3);
  assert.equal(s.failureCounts['wrong at halt'], 2);
  assert.equal(s.failureCounts['never right'], 1);
  assert.deepEqual(
    s.byHaltStep.map((b) => [b.step, b.count, b.exact, b.correctAtHalt]),
    [
      [1, 0, 0, 0],
      [2, 2, 2, 1],
      [3, 0, 0, 0],
      [4, 1, 0, 0],
    ],
  );
  assert.deepEqual(s.confusion, { haltAndCorrect: 2, haltAndWrong: 0, continueAndCorrect: 0, continueAndWrong: 1 });
  const csv = recordsToCsv(recs).trim().split('\n');
  assert.equal(csv.length, 4);
  assert.match(csv[2], /^1,test\/1,,true,.*,wrong at halt;halted too early$/);
});

test('trm eval JSON: records, failure modes and counts agree; today’s fields are kept', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-modes-'));
  try {
    const out = path.join(dir, 'r.json');
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'eval',
        '--checkpoint',
        path.join(ROOT, 'media/models/sudoku-small/model.safetensors'),
        '--data',
        path.join(ROOT, 'sample-workspace/sudoku/generated-moderate.csv'),
        '--out',
        out,
        '--backend',
        'cpu',
      ],
      { encoding: 'utf8', env: ENV },
    );
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      metrics: Record<string, number>;
      puzzles: { row: number; exact: boolean; haltStep: number; firstCorrectStep: number; revisions: number[] }[];
      records: EvalPuzzleRecord[];
      failureModes: Record<string, number>;
      haltMaxSteps: number;
    };
    for (const k of ['count', 'exact_accuracy', 'accuracy', 'q_halt_accuracy', 'mean_steps', 'lm_loss'])
      assert.equal(typeof j.metrics[k], 'number', k);
    assert.equal(j.records.length, 8);
    assert.equal(j.puzzles.length, 8);
    for (const [i, rec] of j.records.entries()) {
      assert.equal(rec.steps.length, j.haltMaxSteps);
      const c = classifyPuzzle(rec.steps);
      assert.deepEqual(rec.failureModes, c.failureModes, rec.id);
      assert.equal(rec.decisiveStep, c.decisiveStep);
      assert.equal(rec.exact, rec.steps[rec.steps.length - 1].correct);
      const p = j.puzzles[i];
      assert.equal(p.row, rec.index);
      assert.equal(p.exact, rec.exact);
      assert.equal(p.haltStep, rec.haltStep);
      assert.equal(p.firstCorrectStep, rec.firstCorrectStep);
      assert.equal(p.revisions.length, j.haltMaxSteps - 1);
    }
    assert.deepEqual(j.failureModes, failureCounts(j.records));
    assert.equal(j.metrics.exact_accuracy, j.records.filter((x) => x.exact).length / 8);
    assert.match(r.stdout, /failure modes:/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
