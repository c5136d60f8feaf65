// Nothing TRM Lens did not write is deleted or replaced: pruning old checkpoints touches only folders
// with TRM Lens's checkpoint marker (official step_N files and a user's step_N folder in the same
// --out survive), stale-temp cleanup touches only its own temp names, a checkpoint never replaces a
// foreign step_N, and `trm eval` refuses a dataset whose test split is missing instead of quietly
// evaluating the train split.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useCpu } from '../model/fixture';
import { runTraining } from '../../../src/engine/train/trainer';
import { CHECKPOINT_MARKER, readCheckpoint, removeStaleTemps, writeCheckpoint } from '../../../src/engine/train/runDir';
import { loadCheckpoint } from '../../../src/engine/checkpoint';
import { tmpDir, writeReverseDataset, writeTinyConfig } from './helpers';

before(async () => {
  await useCpu();
});

const CLI = path.resolve(__dirname, '../../../../dist/cli.js');
const ENV = { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '' };

/** Bytes of every file under `dir`, keyed by relative path. */
function files(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out.set(f, fs.readFileSync(p).toString('base64'));
  }
  return out;
}

test('training into a folder with official step_N files prunes only its own checkpoints', async () => {
  const dir = tmpDir('foreign');
  const data = writeReverseDataset(dir, 16, 4);
  const out = path.join(dir, 'run');
  fs.mkdirSync(out);
  // Official checkpoints are files named step_N (torch zip); a user's folder may be named so too.
  for (const n of [1, 3, 5]) fs.writeFileSync(path.join(out, `step_${n}`), `official checkpoint ${n}`);
  fs.mkdirSync(path.join(out, 'step_7'));
  fs.writeFileSync(path.join(out, 'step_7', 'notes.txt'), 'my experiment');
  fs.writeFileSync(path.join(out, '.tmp-notes'), 'a file of the user that looks like a temp name');
  const foreign = [...files(out)];
  await runTraining(
    {
      configPath: writeTinyConfig(dir, { total_steps: 6 }),
      data,
      out,
      resume: false,
      checkpointEvery: 2,
    },
    () => {},
    undefined,
    { keepBackend: true },
  );
  const after = files(out);
  for (const [f, bytes] of foreign) assert.equal(after.get(f), bytes, `${f} is untouched`);
  const own = fs.readdirSync(out).filter((n) => fs.existsSync(path.join(out, n, CHECKPOINT_MARKER)));
  assert.deepEqual(own.sort(), ['step_4', 'step_6'], 'the two newest TRM Lens checkpoints are kept, step_2 pruned');
  // The kept checkpoint still loads.
  assert.equal(loadCheckpoint(path.join(out, 'step_6', 'model.safetensors')).config.hidden_size, 16);
});

test('a checkpoint never replaces a step_N that TRM Lens did not write; stale-temp cleanup keeps foreign names', async () => {
  const dir = tmpDir('collide');
  const data = writeReverseDataset(dir, 16, 4);
  const out = path.join(dir, 'run');
  await runTraining(
    { configPath: writeTinyConfig(dir, { total_steps: 2 }), data, out, resume: false },
    () => {},
    undefined,
    { keepBackend: true },
  );
  const ck = readCheckpoint(path.join(out, 'step_2'));
  const model = loadCheckpoint(path.join(out, 'step_2', 'model.safetensors'));
  const official = path.join(out, 'step_9');
  fs.writeFileSync(official, 'official checkpoint 9');
  assert.throws(
    () => writeCheckpoint(out, model.config, model.weights, { ...ck, state: { ...ck.state, step: 9 } }),
    /step_9 exists and was not written by TRM Lens; it is left alone/,
  );
  assert.equal(fs.readFileSync(official, 'utf8'), 'official checkpoint 9');
  assert.deepEqual(
    fs.readdirSync(out).filter((n) => n.startsWith('.')),
    [],
    'the refused write leaves no temp folder',
  );
  fs.writeFileSync(path.join(out, '.tmp-mine'), 'x');
  fs.mkdirSync(path.join(out, '.tmp-step_3-abcdef'));
  fs.writeFileSync(path.join(out, 'latest.json.tmp-12-34'), 'x');
  removeStaleTemps(out);
  assert.deepEqual(
    fs.readdirSync(out).filter((n) => n.startsWith('.') || n.includes('.tmp-')),
    ['.tmp-mine'],
  );
});

test('trm eval: a dataset whose test split is missing is an error, not an evaluation of the train split', () => {
  const dir = tmpDir('nosplit');
  const data = writeReverseDataset(dir, 8, 4);
  fs.rmSync(path.join(data, 'test', 'dataset.json'));
  const run = (d: string) =>
    spawnSync(
      process.execPath,
      [CLI, 'eval', '--checkpoint', path.join(dir, 'none.safetensors'), '--data', d, '--backend', 'cpu'],
      { encoding: 'utf8', env: ENV },
    );
  let r = run(data);
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    /no test split to evaluate: .*test has no dataset\.json; to evaluate another split, pass its folder/,
  );
  fs.rmSync(path.join(data, 'test'), { recursive: true });
  r = run(data);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /no test split to evaluate: there is no test\/ folder \(splits found: train\)/);
  // Naming a split folder explicitly still evaluates it (here it fails later, on the missing checkpoint).
  r = run(path.join(data, 'train'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /none\.safetensors/);
});
