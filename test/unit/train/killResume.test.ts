// Crash safety: `node dist/cli.js train` is killed with SIGKILL at random moments several times and
// resumed with --resume each time. After every kill the latest checkpoint (and every step_N folder
// present) must load completely, the step counter must never go backwards, and the run must finish.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { latestCheckpointDir, readCheckpoint } from '../../../src/engine/train/runDir';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
// Children must not inherit node --test's NODE_TEST_CONTEXT (they would report as test files).
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

function checkAllCheckpoints(out: string): number {
  const names = fs.readdirSync(out);
  for (const n of names) assert.ok(!n.endsWith('.tmp'), `stray file ${n}`);
  const latest = latestCheckpointDir(out);
  if (!latest) return 0;
  for (const n of names.filter((x) => /^step_\d+$/.test(x))) {
    const dir = path.join(out, n);
    const ck = readCheckpoint(dir);
    assert.equal(`step_${ck.state.step}`, n);
    const m = loadCheckpoint(path.join(dir, 'model.safetensors'));
    assert.equal(m.config.hidden_size, 16);
  }
  return readCheckpoint(latest).state.step;
}

// The run is far longer than the test (TOTAL steps): a kill always lands in a running process, however
// fast the machine, and the last round finishes it early with --steps.
const TOTAL = 100000;
const CHECKPOINT_EVERY = 3;

/** Resolves when the child has exited and its stdio has closed; attach before anything can make it exit. */
function closed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => child.once('close', () => resolve()));
}

test('SIGKILL at random points, then --resume: checkpoints always load and the step counter advances', async () => {
  const dir = tmpDir('kill');
  const data = writeReverseDataset(dir, 32, 8);
  const cfg = writeTinyConfig(dir, { total_steps: TOTAL, checkpoint_every: CHECKPOINT_EVERY, eval_interval: 0 });
  const out = path.join(dir, 'run');
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let lastStep = 0;
  const history: number[] = [];
  for (let round = 0; round < 4; round++) {
    const args = [
      CLI,
      'train',
      '--config',
      cfg,
      '--data',
      data,
      '--out',
      out,
      '--backend',
      'cpu',
      ...(round > 0 ? ['--resume'] : []),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: ENV });
    const exited = closed(child);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    // Kill once training has gone two steps past the next checkpoint (so every round makes progress however
    // slow the machine), at a random moment within the next 1.5 s (which lands anywhere: inside a step,
    // inside a checkpoint write, between the two).
    const early = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        if (child.exitCode !== null || child.signalCode !== null) {
          clearInterval(timer);
          resolve(true);
          return;
        }
        const steps = [...stderr.matchAll(new RegExp(`(\\d+)/${TOTAL}\\b`, 'g'))].map((m) => Number(m[1]));
        if (steps.length && steps[steps.length - 1] >= lastStep + CHECKPOINT_EVERY + 2) {
          clearInterval(timer);
          setTimeout(
            () => {
              child.kill('SIGKILL');
              resolve(false);
            },
            Math.floor(rand() * 1500),
          );
        }
      }, 20);
    });
    await exited;
    assert.ok(!early, `training exited by itself before it was killed (exit ${child.exitCode}):\n${stderr}`);
    const step = checkAllCheckpoints(out);
    history.push(step);
    assert.ok(step >= lastStep, `step went backwards: ${lastStep} -> ${step} (${history.join(', ')})`);
    lastStep = step;
  }
  // Finish the run a few steps later.
  const finish = lastStep + 3;
  const r = spawnSync(
    process.execPath,
    [CLI, 'train', '--data', data, '--out', out, '--resume', '--steps', String(finish), '--backend', 'cpu'],
    { encoding: 'utf8', env: ENV },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`resuming .* from step \\d+/${finish}`));
  assert.equal(checkAllCheckpoints(out), finish);
  console.log(`checkpoint step after each kill: ${history.join(', ')}; finished at ${finish}`);
  assert.ok(history.at(-1)! > 0, 'no checkpoint was ever written before the kills');
});
