// Output paths never overwrite what the command did not write: `trm trace --out` refuses a folder
// holding other files (pointing it at the folder of its own --inputs used to overwrite them), replaces
// an earlier trace only with --overwrite; `trm eval --out` refuses an existing file without --overwrite.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readNpy, writeNpy } from '../../../src/engine/formats/npy';

const SHARED = process.env.TRM_SHARED ?? path.resolve(process.cwd(), '..', 'shared');
const FIXTURE = path.join(SHARED, 'fixtures', 'trm-sudoku-mlp-small');
const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

function trm(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });
}

test('trm trace --out refuses a folder with other files, and replaces an earlier trace only with --overwrite', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-trace-out-'));
  try {
    // One row of the fixture's inputs keeps the three traces below quick.
    const inputs = path.join(dir, 'inputs.npy');
    const all = readNpy(path.join(FIXTURE, 'inputs.npy'));
    writeNpy(inputs, {
      dtype: all.dtype,
      shape: [1, all.shape[1]],
      data: all.data.slice(0, all.shape[1]) as typeof all.data,
    });
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const before = fs.readFileSync(inputs);
    const args = [
      'trace',
      '--checkpoint',
      path.join(FIXTURE, 'step_150'),
      '--inputs',
      inputs,
      '--steps',
      '1',
      '--backend',
      'cpu',
    ];
    let r = trm(...args, '--out', dir);
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /--out .* already exists and is not empty \(and holds no earlier trace\); choose a new or empty folder/,
    );
    assert.deepEqual(fs.readFileSync(inputs), before, 'the input file is untouched');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['inputs.npy', 'notes.txt']);

    const out = path.join(dir, 'trace');
    r = trm(...args, '--out', out);
    assert.equal(r.status, 0, r.stderr);
    r = trm(...args, '--out', out);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /holds an earlier trace; pass --overwrite to replace it/);
    r = trm(...args, '--out', out, '--overwrite');
    assert.equal(r.status, 0, r.stderr);
    fs.writeFileSync(path.join(out, 'analysis.ipynb'), '{}');
    r = trm(...args, '--out', out, '--overwrite');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /holds an earlier trace and other files \(analysis\.ipynb\)/);
    assert.equal(fs.readFileSync(path.join(out, 'analysis.ipynb'), 'utf8'), '{}');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('trm eval --out refuses an existing file without --overwrite, before any work', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-out-'));
  try {
    const out = path.join(dir, 'results.json');
    fs.writeFileSync(out, 'precious');
    const r = trm('eval', '--checkpoint', path.join(FIXTURE, 'step_150'), '--data', dir, '--out', out);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--out .*results\.json already exists; pass --overwrite to replace it/);
    assert.equal(fs.readFileSync(out, 'utf8'), 'precious');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
