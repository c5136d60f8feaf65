// `trm eval --where`: the debugger's watch-expression language as a per-puzzle filter over an
// evaluation, on the bundled demo model and three puzzles whose settling is known (see
// test/unit/analysis): one quick success, one delayed success, one that keeps wandering.

import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const DEMO = path.resolve(__dirname, '../../../../media/models/sudoku-small/model.safetensors');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };
const ROWS = [
  // puzzle (0 = blank), solution: delayed success, quick success, wandering
  [
    '080002050600850217005701000700460580002005009854920060030570100208006900500049036',
    '187692453693854217425731698719463582362185749854927361936578124248316975571249836',
  ],
  [
    '835160402600000000047238906079604520400050090006071340000093765960007204750000189',
    '835169472692745813147238956379684521481352697526971348214893765968517234753426189',
  ],
  [
    '000000906923007048608910703000001067000002000089056030347080215806400309000003600',
    '471238956923567148658914723234891567765342891189756432347689215816425379592173684',
  ],
].map(([q, a]) => `${q.replace(/0/g, '.')},${a}`);

let dir: string;
let data: string;
const trm = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-where-'));
  const csv = path.join(dir, 'puzzles.csv');
  fs.writeFileSync(csv, ['source,question,answer,rating', ...ROWS.map((r) => `t,${r},0`)].join('\n') + '\n');
  data = path.join(dir, 'data');
  const r = trm('dataset', 'build', 'sudoku', '--train', csv, '--test', csv, '--out', data);
  assert.equal(r.status, 0, r.stderr);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const evalWhere = (where: string, ...more: string[]) =>
  trm('eval', '--checkpoint', DEMO, '--data', data, '--backend', 'cpu', '--where', where, ...more);

test('trm eval --where lists the puzzles where the expression holds at the end of the episode', () => {
  let r = evalWhere('wandering', '--out', path.join(dir, 'w.json'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--where wandering: 1 of 3 puzzles/);
  assert.match(r.stdout, /row 2 +wandering +wrong, last ‖Δz‖/);
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'w.json'), 'utf8'));
  assert.deepEqual(
    json.where.matches.map((m: { row: number }) => m.row),
    [2],
  );

  r = evalWhere('correct && first_correct(r1c1) >= 0 && drift(z) < 1e-2');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /: 2 of 3 puzzles/);
  assert.match(r.stdout, /row 0 +delayed success +correct/);
  assert.match(r.stdout, /row 1 +quick success +correct/);
});

test('trm eval --where: a bad expression fails before any work, pointing at the column', () => {
  const r = evalWhere('entropy(y) < 0.5');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--where 'entropy\(y\) < 0\.5': '<' at column 12: entropy\(y\) is a per-cell grid/);
  assert.match(r.stderr, /\n {2}entropy\(y\) < 0\.5\n {13}\^\n/);
  const d = evalWhere('div(A, B) > 0');
  assert.equal(d.status, 2);
  assert.match(d.stderr, /div needs a comparison run/);
});
