// `trm dataset`: generate, build (sudoku / maze / arc), convert both ways, info, and usage errors.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDatasetCommand } from '../../../src/cli/commands/dataset';
import { UsageError } from '../../../src/cli/args';
import { readBuiltDataset } from '../../../src/engine/data/built';
import { readPuzzleFile } from '../../../src/engine/data/puzzleFile';
import { parseSudokuCsv } from '../../../src/engine/data/rawSudoku';
import { solveSudoku } from '../../../src/engine/data/sudokuSolver';
import { DATASETS, SAMPLES, headFile, sameTree, snapshot, tmpDir, sp } from './helpers';

/** Runs the command with console output captured. */
async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stdout.write;
  console.log = (...a: unknown[]) => {
    out.push(a.join(' '));
  };
  console.error = (...a: unknown[]) => {
    err.push(a.join(' '));
  };
  process.stdout.write = (s: string) => {
    out.push(s);
    return true;
  };
  try {
    const code = await runDatasetCommand(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    process.stdout.write = write;
  }
}

test('generate sudoku: unique puzzles with the requested givens; to stdout or a file', async () => {
  const dir = tmpDir('cli');
  const f = path.join(dir, 'gen.csv');
  assert.equal((await run('generate', 'sudoku', '--givens', '28', '--count', '3', '--seed', '4', '--out', f)).code, 0);
  const recs = parseSudokuCsv(fs.readFileSync(f, 'utf8'), f);
  assert.equal(recs.length, 3);
  for (const r of recs) {
    assert.equal(r.question.filter((v) => v !== 1).length, 28);
    assert.equal(
      solveSudoku(
        Array.from(r.question, (v) => v - 1),
        2,
      ).count,
      1,
    );
  }
  const r = await run('generate', 'sudoku', '--givens', '28', '--count', '3', '--seed', '4');
  assert.equal(r.out, fs.readFileSync(f, 'utf8'));
  // An existing output is not replaced.
  const before = snapshot(f);
  await assert.rejects(run('generate', 'sudoku', '--givens', '30', '--out', f), /already exists/);
  assert.deepEqual(snapshot(f), before);
});

test('generate maze, then build maze with --aug from generated and CSV mazes', async () => {
  const dir = tmpDir('clim');
  const f = path.join(dir, 'm.csv');
  assert.equal((await run('generate', 'maze', '--size', '12', '--count', '2', '--out', f)).code, 0);
  const m = readPuzzleFile(f);
  assert.deepEqual(
    m.map((e) => [e.kind, e.inputs.length]),
    [
      ['maze', 144],
      ['maze', 144],
    ],
  );
  const out = path.join(dir, 'ds');
  assert.equal(
    (await run('build', 'maze', '--generate-train', '3', '--test', f, '--size', '12', '--aug', '--out', out)).code,
    0,
  );
  const ds = readBuiltDataset(out);
  assert.equal(sp(ds, 'train').sets[0].numExamples, 24);
  assert.equal(sp(ds, 'test').sets[0].numExamples, 2);
  assert.equal(sp(ds, 'train').meta.seq_len, 144);
  await assert.rejects(
    run('build', 'maze', '--generate-train', '3', '--size', '10', '--test', f, '--out', path.join(dir, 'x')),
    /test mazes are 12x12 but training mazes 10x10/,
  );
});

test('build sudoku from a CSV and a generator; build arc reproduces the official sample', async () => {
  const dir = tmpDir('clib');
  const train = headFile(path.join(DATASETS, 'sudoku', 'derived-solved', 'train.csv'), 6, dir, 'train.csv');
  const out = path.join(dir, 'sud');
  const r = await run(
    'build',
    'sudoku',
    '--train',
    train,
    '--generate-test',
    '2',
    '--givens',
    '40',
    '--num-aug',
    '2',
    '--out',
    out,
  );
  assert.equal(r.code, 0);
  assert.match(r.out, /\[train\] sudoku: 18 examples, 18 puzzles, 6 groups/);
  const ds = readBuiltDataset(out);
  assert.equal(sp(ds, 'test').sets[0].numExamples, 2);
  assert.equal(sp(ds, 'train').sets[0].fileDtypes?.inputs, 'int64');
  // Plain 81-char lines are solved during the build.
  const lines = headFile(
    path.join(DATASETS, 'sudoku', 'tdoku-benchmarks', 'puzzles6_forum_hardest_1106'),
    3,
    dir,
    'p6.txt',
    2,
  );
  assert.equal((await run('build', 'sudoku', '--train', lines, '--out', path.join(dir, 'p6'))).code, 0);
  assert.ok(sp(readBuiltDataset(path.join(dir, 'p6')), 'train').sets[0].labels.every((v) => v >= 2));

  const arc = path.join(dir, 'arc');
  assert.equal(
    (
      await run(
        'build',
        'arc',
        '--input-prefix',
        path.join(SAMPLES, 'arc-mini-aug-3-input', 'arc-agi'),
        '--num-aug',
        '3',
        '--out',
        arc,
      )
    ).code,
    0,
  );
  assert.deepEqual(sameTree(arc, path.join(SAMPLES, 'arc-mini-aug-3')), []);
  const arc2 = path.join(dir, 'arc2');
  assert.equal(
    (
      await run(
        'build',
        'arc',
        '--inputs',
        path.join(DATASETS, 'conceptarc', 'MinimalTasks'),
        '--test-set',
        'MinimalTasks',
        '--num-aug',
        '2',
        '--out',
        arc2,
      )
    ).code,
    0,
  );
  const d2 = readBuiltDataset(arc2);
  assert.equal(d2.identifiers?.length, 1 + 16 * 3);
  assert.equal(sp(d2, 'test').meta.total_groups, 16);
});

test('convert: raw -> built -> raw round trips (Sudoku CSV, ARC task)', async () => {
  const dir = tmpDir('clic');
  const csv = headFile(path.join(DATASETS, 'sudoku', 'derived-solved', 'test.csv'), 5, dir, 'in.csv');
  const built = path.join(dir, 'built');
  assert.equal((await run('convert', csv, '--out', built)).code, 0);
  assert.deepEqual(Object.keys(readBuiltDataset(built).splits), ['test']);
  const back = path.join(dir, 'back.csv');
  assert.equal((await run('convert', built, '--out', back)).code, 0);
  const a = readPuzzleFile(csv);
  const b = readPuzzleFile(back);
  assert.deepEqual(
    b.map((e) => [...e.inputs, ...(e.labels as Int32Array)]),
    a.map((e) => [...e.inputs, ...(e.labels as Int32Array)]),
  );

  const task = path.join(DATASETS, 'arc-agi-1', 'training', '007bbfb7.json');
  const abuilt = path.join(dir, 'arc');
  assert.equal((await run('convert', task, '--out', abuilt)).code, 0);
  const ads = readBuiltDataset(abuilt);
  assert.equal(sp(ads, 'test').sets[0].numExamples, 1);
  assert.equal(sp(ads, 'train').sets[0].numExamples, 5);
  const ajson = path.join(dir, 'arc.json');
  assert.equal((await run('convert', abuilt, '--out', ajson)).code, 0);
  const orig = JSON.parse(fs.readFileSync(task, 'utf8'));
  const got = JSON.parse(fs.readFileSync(ajson, 'utf8'))['007bbfb7'];
  assert.deepEqual(got.test, orig.test);
  assert.deepEqual(
    new Set(got.train.map((p: unknown) => JSON.stringify(p))),
    new Set(orig.train.map((p: unknown) => JSON.stringify(p))),
  );
});

test('info: built and raw, text and JSON', async () => {
  const r = await run('info', path.join(SAMPLES, 'sudoku-mini-aug-3'));
  assert.match(r.out, /\[train\] sudoku: 80 examples, 80 puzzles, 20 groups/);
  assert.match(r.out, /inputs \[80, 81\] int64/);
  assert.match(r.out, /vocab_size 11 \(0 PAD, 1 blank, 2\.\.10 digits 1\.\.9\)/);
  const j = JSON.parse(
    (await run('info', path.join(DATASETS, 'arc-agi-1', 'training', '007bbfb7.json'), '--json')).out,
  );
  assert.deepEqual([j.format, j.kind, j.puzzles, j.labelled, j.seqLen], ['raw', 'arc', 6, 6, [900]]);
});

test('usage errors are clear; a failed build modifies nothing', async () => {
  await assert.rejects(
    run('frobnicate'),
    (e: Error) => e instanceof UsageError && /unknown subcommand "frobnicate"/.test(e.message),
  );
  await assert.rejects(run('build', 'chess', '--out', 'x'), /unknown task "chess"; use sudoku, maze or arc/);
  await assert.rejects(run('build', 'sudoku', '--generate-train', '2'), /missing required option --out/);
  await assert.rejects(
    run('build', 'sudoku', '--out', 'x'),
    /missing training data: --train <file> or --generate-train <N>/,
  );
  await assert.rejects(
    run('build', 'sudoku', '--train', 'a', '--generate-train', '2', '--out', 'x'),
    /either --train or --generate-train/,
  );
  await assert.rejects(run('generate', 'sudoku', '--givens', '10'), /--givens must be an integer >= 17/);
  await assert.rejects(run('generate', 'maze', '--size', '9', '--braid', '2'), /--braid must be a number in 0\.\.1/);
  await assert.rejects(run('convert', 'a', 'b', '--out', 'x'), /convert takes one input path \(got 2\)/);
  await assert.rejects(run('build', 'arc', '--out', 'x'), /exactly one of --input-prefix <prefix> or --inputs <paths>/);

  const dir = tmpDir('clie');
  const bad = path.join(dir, 'bad.csv');
  const good = fs
    .readFileSync(path.join(DATASETS, 'sudoku', 'derived-solved', 'train.csv'), 'utf8')
    .split('\n')
    .slice(0, 4);
  good[3] = good[3].replace(/,\d+$/, ',x');
  fs.writeFileSync(bad, good.join('\n') + '\n');
  // A dataset TRM Lens wrote may be replaced with --overwrite, but a failed build leaves it as it was.
  const out = path.join(dir, 'out');
  await run('build', 'sudoku', '--generate-train', '2', '--out', out);
  const before = [snapshot(bad), snapshot(out)];
  await assert.rejects(
    run('build', 'sudoku', '--train', bad, '--out', out, '--overwrite'),
    /bad\.csv:4: rating "x" is not a number/,
  );
  assert.deepEqual([snapshot(bad), snapshot(out)], before);
  await assert.rejects(run('build', 'sudoku', '--train', bad, '--out', out), /already exists and is not empty/);
  // A folder TRM Lens did not write is refused by --overwrite before any work, and kept.
  const mine = path.join(dir, 'mine');
  fs.mkdirSync(mine);
  fs.writeFileSync(path.join(mine, 'keep.txt'), 'mine');
  const kept = snapshot(mine);
  await assert.rejects(
    run('build', 'sudoku', '--generate-train', '2', '--out', mine, '--overwrite'),
    /--overwrite: .*mine cannot be overwritten: it was not written by TRM Lens \(no \.trm-lens-dataset marker\); it is left alone/,
  );
  await assert.rejects(
    run('convert', path.join(DATASETS, 'sudoku', 'derived-solved', 'train.csv'), '--out', mine, '--overwrite'),
    /cannot be overwritten: it was not written by TRM Lens/,
  );
  assert.deepEqual(snapshot(mine), kept);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['bad.csv', 'mine', 'out']);
});

test('the bundled CLI exits 2 with a usage message', () => {
  const cli = path.resolve('dist', 'cli.js');
  assert.ok(fs.existsSync(cli), 'dist/cli.js is built by esbuild.mjs');
  const r = spawnSync(process.execPath, [cli, 'dataset', 'generate', 'maze'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /trm dataset: dataset generate maze: missing required option --size <N>/);
});
