// `trm sweep` as users run it (a real `node dist/cli.js` process on the bundled small model and the
// sample workspace's Sudoku file): the text heatmap has one row per update with the paper's names,
// --out writes a report that passes the protocol's schema and agrees with --csv, copying a run's
// states from the same checkpoint changes nothing, and bad input gives one clear message.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sweepReportProblem, type SweepReport } from '../../../src/protocol/sweep';
import { tmpDir } from '../formats/builders';

const ROOT = path.resolve(__dirname, '../../../..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const SMALL = path.join(ROOT, 'media', 'models', 'sudoku-small', 'model.safetensors');
const CSV = path.join(ROOT, 'sample-workspace', 'sudoku', 'sudoku-extreme-style-sample.csv');
const PUZZLE = '4...3.......6..8..........1....5..9..8....6...7.2........1.27..5.3....4.9........';
const SOLUTION = '468931527751624839392578461134756298289413675675289314846192753513867942927345186';

function trm(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'sweep', ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRM_DEBUG: '' },
    timeout: 300_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function assertCleanFailure(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, 'must exit non-zero');
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test('trm sweep prints the baseline and a heatmap row per update; --out JSON equals --csv and the schema', () => {
  const dir = tmpDir('sweep');
  const out = path.join(dir, 'sweep.json');
  const r = trm('--checkpoint', SMALL, '--puzzle', CSV, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /backend: /);
  assert.match(
    r.stdout,
    /puzzle 1 \(line 2\), step 1: baseline accuracy \d+\.\d % of 81 labelled cells; 6 updates x 81 cells = 486 patched runs \(zeroing\)/,
  );
  // sudoku-small: 2 cycles of (2 z updates, then y).
  const rows = r.stdout.split('\n').filter((l) => /^cycle \d › (z \d|y) /.test(l));
  assert.deepEqual(
    rows.map((l) => l.slice(0, 13).trim()),
    ['cycle 1 › z 1', 'cycle 1 › z 2', 'cycle 1 › y', 'cycle 2 › z 1', 'cycle 2 › z 2', 'cycle 2 › y'],
  );
  for (const l of rows) assert.match(l, /^.{13} {2}([-=#@+*%&.]{9} ){8}[-=#@+*%&.]{9} {2}/, l);

  const report = JSON.parse(fs.readFileSync(out, 'utf8')) as SweepReport;
  assert.equal(sweepReportProblem(report), undefined);
  assert.equal(report.step, 1);
  assert.equal(report.kind, 'zero');
  assert.equal(report.cellLabels[0], 'r1c1');
  assert.equal(report.cellLabels[80], 'r9c9');
  assert.equal(report.accuracy.length, 6 * 81);
  report.accuracy.forEach((a, k) => assert.ok(Math.abs(a! - report.baseline - report.delta[k]!) < 1e-12));
  assert.ok(
    report.delta.some((d) => d !== 0),
    'zeroing a cell state changes the answer somewhere',
  );
  // The heatmap's characters follow the report's deltas ('.' exactly where nothing changed).
  rows.forEach((l, u) => {
    const chars = l.slice(15, 15 + 89).replace(/ /g, '');
    for (let j = 0; j < 81; j++) assert.equal(chars[j] === '.', report.delta[u * 81 + j] === 0, `row ${u} cell ${j}`);
  });

  // Never overwrites.
  const again = trm('--checkpoint', SMALL, '--puzzle', CSV, '--out', out);
  assertCleanFailure(again, /--out .*sweep\.json already exists/);

  // --csv: the same numbers (same backend, same process shape).
  const csv = trm('--checkpoint', SMALL, '--puzzle', CSV, '--csv');
  assert.equal(csv.code, 0, csv.stderr);
  const lines = csv.stdout.trim().split('\n');
  assert.equal(lines[0], 'update,label,cell,cell_label,accuracy,delta');
  assert.equal(lines.length, 1 + 6 * 81);
  const [u, label, cell, name, acc] = lines[1 + 2 * 81 + 40].split(',');
  assert.deepEqual([u, label, cell, name], ['2', 'cycle 1 › y', '40', 'r5c5']);
  assert.equal(Number(acc), report.accuracy[2 * 81 + 40]);
});

test('trm sweep --kind copy from the same checkpoint changes nothing; --step and --updates pick the rows', () => {
  const r = trm(
    '--checkpoint',
    SMALL,
    '--puzzle',
    PUZZLE,
    '--solution',
    SOLUTION,
    '--kind',
    'copy',
    '--source-checkpoint',
    SMALL,
    '--step',
    '2',
    '--updates',
    '1,5',
    '--csv',
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').slice(1);
  assert.equal(lines.length, 2 * 81);
  assert.deepEqual([...new Set(lines.map((l) => l.split(',')[1]))], ['cycle 1 › z 2', 'cycle 2 › y']);
  for (const l of lines) assert.equal(Number(l.split(',')[5]), 0, l);
});

test('trm sweep: bad input gives one clear message', () => {
  assertCleanFailure(trm('--puzzle', CSV), /missing required option --checkpoint/);
  assertCleanFailure(trm('--checkpoint', SMALL, '--puzzle', 'nope.csv'), /no such file, and not an inline Sudoku/);
  assertCleanFailure(
    trm('--checkpoint', SMALL, '--puzzle', PUZZLE),
    /has no solution: a sweep scores each patch against it/,
  );
  assertCleanFailure(
    trm('--checkpoint', SMALL, '--puzzle', CSV, '--kind', 'copy'),
    /--kind copy needs --source-checkpoint/,
  );
  assertCleanFailure(trm('--checkpoint', SMALL, '--puzzle', CSV, '--kind', 'half'), /--kind must be zero or copy/);
  assertCleanFailure(trm('--checkpoint', SMALL, '--puzzle', CSV, '--index', '99'), /'index' 99 is out of range/);
  assertCleanFailure(
    trm('--checkpoint', SMALL, '--puzzle', CSV, '--updates', '6'),
    /--updates: "6" is not an update ordinal 0\.\.5/,
  );
  assertCleanFailure(trm('--checkpoint', SMALL, '--puzzle', CSV, '--step', '99'), /--step 99 exceeds halt_max_steps/);
});
