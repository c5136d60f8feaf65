// The resumable evaluation cache: records survive a reopen, a torn last line (a kill mid-write) is
// cut off, a different checkpoint or dataset never reuses records, and an evaluation killed in a
// child process resumes with `trm eval --resume` without recomputing finished puzzles.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CACHE_VERSION, EvalCache, contentHash } from '../../../src/engine/eval/cache';
import type { EvalPuzzleRecord } from '../../../src/engine/eval/types';
import { record } from './records';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const ROOT = path.resolve(__dirname, '../../../..');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

const header = (ck = 'a'.repeat(64), ds = 'b'.repeat(64)) => ({
  version: CACHE_VERSION,
  checkpointHash: ck,
  datasetHash: ds,
  checkpoint: '/x/model.safetensors',
  data: '/x/data.csv',
  haltMaxSteps: 4,
});

test('records survive a reopen; a torn tail is cut; another hash starts empty', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-cache-'));
  try {
    const c = EvalCache.open(dir, header(), true);
    c.append([record(0, '++++', [1]), record(1, '----', [1])]);
    fs.appendFileSync(c.file, '{"index": 2, "steps": [');
    const again = EvalCache.open(dir, header(), true);
    assert.deepEqual([...again.records.keys()], [0, 1]);
    again.append([record(2, '-+++', [1])]);
    const third = EvalCache.open(dir, header(), true);
    assert.deepEqual(
      third.ordered(5).map((r) => r.index),
      [0, 1, 2],
    );
    assert.equal(EvalCache.open(dir, header('c'.repeat(64)), true).records.size, 0);
    // resume = false starts over.
    assert.equal(EvalCache.open(dir, header(), false).records.size, 0);
    assert.equal(EvalCache.open(dir, header(), true).records.size, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('content hashes follow the bytes, not the path', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-hash-'));
  try {
    fs.writeFileSync(path.join(dir, 'a.csv'), 'x');
    fs.writeFileSync(path.join(dir, 'b.csv'), 'x');
    assert.equal(contentHash(path.join(dir, 'a.csv')), contentHash(path.join(dir, 'b.csv')));
    const before = contentHash(dir);
    fs.writeFileSync(path.join(dir, 'b.csv'), 'y');
    assert.notEqual(contentHash(dir), before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('trm eval killed mid-evaluation resumes without recomputing finished puzzles', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-resume-'));
  try {
    // 48 puzzles: the sample's 8 lines six times (ids are line numbers, so each is its own puzzle).
    const lines = fs
      .readFileSync(path.join(ROOT, 'sample-workspace/sudoku/generated-moderate.csv'), 'utf8')
      .trim()
      .split('\n');
    const data = path.join(dir, 'puzzles.csv');
    fs.writeFileSync(data, [lines[0], ...Array.from({ length: 6 }, () => lines.slice(1)).flat()].join('\n') + '\n');
    const args = (out: string) => [
      CLI,
      'eval',
      '--checkpoint',
      path.join(ROOT, 'media/models/sudoku-small/model.safetensors'),
      '--data',
      data,
      '--out',
      out,
      '--batch-size',
      '4',
      '--backend',
      'cpu',
    ];
    const out = path.join(dir, 'r.json');
    const cacheDir = path.join(dir, '.trm-eval-cache');
    const child = spawn(process.execPath, args(out), { env: ENV, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    // Kill it once at least two batches are on disk (and before it can finish: 12 batches).
    const lineCount = (): number => {
      if (!fs.existsSync(cacheDir)) return 0;
      const f = fs.readdirSync(cacheDir).find((n) => n.endsWith('.jsonl'));
      return f ? fs.readFileSync(path.join(cacheDir, f), 'utf8').split('\n').filter(Boolean).length - 1 : 0;
    };
    let finishedFirst = false;
    child.on('exit', (code) => (finishedFirst = code === 0));
    while (lineCount() < 8 && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    await exited;
    assert.ok(!finishedFirst, 'the first run finished before it could be killed');
    assert.ok(!fs.existsSync(out), 'a killed run writes no --out file');
    const kept = lineCount();
    assert.ok(kept >= 8 && kept < 48, `kept ${kept} records`);

    const resumed = spawnSync(process.execPath, [...args(out), '--resume'], { encoding: 'utf8', env: ENV });
    assert.equal(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, new RegExp(`resuming: ${kept} of 48 puzzles already evaluated`));
    const j = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      records: EvalPuzzleRecord[];
      resumedPuzzles: number;
      computedPuzzles: number;
      metrics: Record<string, number>;
    };
    assert.equal(j.resumedPuzzles, kept);
    assert.equal(j.computedPuzzles, 48 - kept);
    assert.deepEqual(
      j.records.map((r) => r.index),
      Array.from({ length: 48 }, (_, i) => i),
    );
    // The same puzzle six times gets the same record, whether it was resumed or computed.
    for (let i = 8; i < 48; i++) {
      assert.equal(j.records[i].exact, j.records[i % 8].exact, `puzzle ${i}`);
      assert.deepEqual(j.records[i].failureModes, j.records[i % 8].failureModes, `puzzle ${i}`);
      assert.equal(j.records[i].haltStep, j.records[i % 8].haltStep, `puzzle ${i}`);
    }
    assert.equal(j.metrics.count, 48);
    // A second --resume computes nothing.
    fs.rmSync(out);
    const again = spawnSync(process.execPath, [...args(out), '--resume'], { encoding: 'utf8', env: ENV });
    assert.equal(again.status, 0, again.stderr);
    assert.equal((JSON.parse(fs.readFileSync(out, 'utf8')) as { computedPuzzles: number }).computedPuzzles, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('trm eval --resume without --out is a usage error', () => {
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'eval',
      '--checkpoint',
      path.join(ROOT, 'media/models/sudoku-small/model.safetensors'),
      '--data',
      path.join(ROOT, 'sample-workspace/sudoku/generated-moderate.csv'),
      '--resume',
    ],
    { encoding: 'utf8', env: ENV },
  );
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--resume needs --out/);
});
