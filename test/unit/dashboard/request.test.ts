// Training requests from command arguments and pickers: field-by-field checks with named errors,
// the built dataset layout, output folders, checkpoints and what a run folder remembers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  checkBuiltDatasetFolder,
  checkOutputFolder,
  defaultRunFolder,
  findCheckpoints,
  parseTrainRequest,
  presetsBySize,
  readRunSettings,
  resolveAgainst,
} from '../../../src/extension/training/request';
import { noticeFor } from '../../../src/extension/training/dashboardFeed';
import { PRESETS } from '../../../src/engine/config';
import { NO_RUN_NOTICE } from '../../../src/protocol/dashboard';

let tmp = '';
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-train-req-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function builtDataset(name: string, withTest = true): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'train'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'train', 'dataset.json'),
    JSON.stringify({ seq_len: 81, vocab_size: 11, sets: ['all'] }),
  );
  if (withTest) {
    fs.mkdirSync(path.join(dir, 'test'));
    fs.writeFileSync(path.join(dir, 'test', 'dataset.json'), '{}');
  }
  return dir;
}

describe('parseTrainRequest', () => {
  it('accepts a full request and resolves relative paths against the workspace', () => {
    const r = parseTrainRequest(
      {
        preset: 'sudoku-mlp-small',
        data: 'data/sudoku',
        out: '/abs/run',
        steps: 5,
        batchSize: 4,
        lr: 0.001,
        evalEvery: 0,
        checkpointEvery: 5,
        seed: 1,
        backend: 'cpu',
      },
      '/ws',
    );
    assert.deepEqual(r, {
      preset: 'sudoku-mlp-small',
      data: '/ws/data/sudoku',
      out: '/abs/run',
      resume: false,
      steps: 5,
      batchSize: 4,
      lr: 0.001,
      evalEvery: 0,
      checkpointEvery: 5,
      seed: 1,
      backend: 'cpu',
    });
    assert.equal(resolveAgainst('x', '/ws'), '/ws/x');
    assert.equal(resolveAgainst('/y', '/ws'), '/y');
  });

  it('names the bad field', () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /expected an object like/],
      [[], /got an array/],
      [{ data: '/d' }, /"out" must be a non-empty string \(missing\)/],
      [{ out: '/o', data: '' }, /"data" must be a non-empty string, got ""/],
      [{ data: '/d', out: '/o' }, /choose a model with "preset" \(one of sudoku-mlp, .*\) or "configPath"/],
      [{ data: '/d', out: '/o', preset: 'huge' }, /unknown preset "huge"; known presets: sudoku-mlp/],
      [{ data: '/d', out: '/o', preset: 'sudoku-mlp-small', steps: 0 }, /"steps" must be an integer ≥ 1, got 0/],
      [
        { data: '/d', out: '/o', preset: 'sudoku-mlp-small', batchSize: 2.5 },
        /"batchSize" must be an integer ≥ 1, got 2.5/,
      ],
      [{ data: '/d', out: '/o', preset: 'sudoku-mlp-small', lr: -1 }, /"lr" must be a positive number, got -1/],
      [
        { data: '/d', out: '/o', preset: 'sudoku-mlp-small', resume: 'yes' },
        /"resume" must be true or false, got "yes"/,
      ],
      [
        { data: '/d', out: '/o', preset: 'sudoku-mlp-small', stepz: 3 },
        /unknown field\(s\) stepz; known: preset, configPath/,
      ],
    ];
    for (const [arg, re] of cases) assert.throws(() => parseTrainRequest(arg), re);
  });

  it('resume needs no model choice and can be forced', () => {
    assert.equal(parseTrainRequest({ data: '/d', out: '/o', resume: true }).resume, true);
    assert.equal(parseTrainRequest({ data: '/d', out: '/o' }, undefined, true).resume, true);
  });
});

describe('dataset and output folders', () => {
  it('checks the built layout', () => {
    assert.equal(checkBuiltDatasetFolder(builtDataset('ok')), 'seq_len 81, vocab 11, with a test split');
    assert.match(checkBuiltDatasetFolder(builtDataset('notest', false)), /no test split/);
    assert.throws(() => checkBuiltDatasetFolder(path.join(tmp, 'missing')), /does not exist or is not a folder/);
    const raw = path.join(tmp, 'raw');
    fs.mkdirSync(raw);
    assert.throws(() => checkBuiltDatasetFolder(raw), /has no train\/dataset.json: choose a built dataset/);
    const bad = builtDataset('bad');
    fs.writeFileSync(path.join(bad, 'train', 'dataset.json'), '{"seq_len": "81"');
    assert.throws(() => checkBuiltDatasetFolder(bad), /cannot read it as JSON/);
    fs.writeFileSync(path.join(bad, 'train', 'dataset.json'), '{"seq_len": "81", "vocab_size": 11}');
    assert.throws(() => checkBuiltDatasetFolder(bad), /"seq_len" must be an integer, got "81"/);
  });

  it('finds checkpoints newest first and refuses to mix runs', () => {
    const run = path.join(tmp, 'run');
    assert.deepEqual(findCheckpoints(run), []);
    checkOutputFolder(run, false); // a new folder under an existing parent is fine
    assert.throws(
      () => checkOutputFolder(path.join(tmp, 'no', 'such', 'parent'), false),
      /neither its parent .* nor .* exists/,
    );
    assert.throws(() => checkOutputFolder(run, true), /cannot resume: run folder .* holds no checkpoint/);
    for (const s of [5, 40, 10]) {
      fs.mkdirSync(path.join(run, `step_${s}`), { recursive: true });
      fs.writeFileSync(path.join(run, `step_${s}`, 'model.safetensors'), 'x');
    }
    fs.mkdirSync(path.join(run, 'step_99')); // no model file: not a checkpoint
    fs.mkdirSync(path.join(run, '.tmp-step_50-abc'));
    assert.deepEqual(
      findCheckpoints(run).map((f) => path.relative(run, f)),
      ['step_40/model.safetensors', 'step_10/model.safetensors', 'step_5/model.safetensors'],
    );
    checkOutputFolder(run, true);
    assert.throws(() => checkOutputFolder(run, false), /already holds a training run: resume it/);
    const file = path.join(tmp, 'afile');
    fs.writeFileSync(file, '');
    assert.throws(() => checkOutputFolder(file, false), /is a file/);
  });

  it('reads what a run folder remembers', () => {
    const run = path.join(tmp, 'remember');
    fs.mkdirSync(run);
    assert.deepEqual(readRunSettings(run), {});
    fs.writeFileSync(
      path.join(run, 'run.json'),
      JSON.stringify({ format: 'trm-lens-train-run/1', preset: 'sudoku-mlp-small', data: '/data/sudoku' }),
    );
    assert.deepEqual(readRunSettings(run), { preset: 'sudoku-mlp-small', data: '/data/sudoku' });
    fs.writeFileSync(path.join(run, 'run.json'), JSON.stringify({ preset: 'not-a-preset', data: 'rel/data' }));
    assert.deepEqual(readRunSettings(run), { data: path.join(run, 'rel/data') });
    fs.writeFileSync(path.join(run, 'run.json'), 'not json');
    assert.deepEqual(readRunSettings(run), {});
  });
});

describe('the defaults of TRM: Train Model', () => {
  it('offers the presets smallest first: Enter picks one a CPU trains in minutes', () => {
    const order = presetsBySize();
    assert.deepEqual([...order].sort(), Object.keys(PRESETS).sort(), 'every preset, once');
    assert.equal(order[0], 'sudoku-mlp-small');
    const hidden = order.map((n) => PRESETS[n].config.hidden_size);
    assert.deepEqual(
      hidden,
      [...hidden].sort((a, b) => a - b),
      'hidden sizes ascend',
    );
    assert.ok(order.indexOf('sudoku-mlp') > order.indexOf('sudoku-mlp-demo'));
  });

  it('puts each run in a new folder under runs/ in the workspace, named by preset and time', () => {
    const at = new Date(2026, 11, 6, 4, 7);
    assert.equal(defaultRunFolder('sudoku-mlp-small', at), 'runs/sudoku-mlp-small-2026-12-06-0407');
    const ws = path.join(tmp, 'ws-default-out');
    fs.mkdirSync(ws);
    // The parent runs/ does not exist yet: the trainer creates the folder and its parent.
    assert.doesNotThrow(() => checkOutputFolder(resolveAgainst(defaultRunFolder('sudoku-mlp-small', at), ws), false));
  });

  it("the dashboard's notice: the empty-state hint, or why training did not start (even above an earlier run)", () => {
    assert.equal(noticeFor(undefined, false), NO_RUN_NOTICE);
    assert.equal(noticeFor(undefined, true), '');
    assert.equal(
      noticeFor('dataset folder /x has no train/dataset.json', true),
      'Training did not start: dataset folder /x has no train/dataset.json',
    );
  });
});
