// `trm dataset`: build datasets in the official TRM layout (Sudoku, maze, ARC, from raw files or our
// generators, with the official augmentations), convert raw files to that layout and back, generate
// raw puzzles, and describe what a dataset path holds. Inputs are fully read and validated before
// anything is written; outputs are written atomically and never replace a file without --overwrite.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildArcDataset, ArcSubset } from '../../engine/data/buildArc';
import {
  arcSubsetFromPath,
  arcSubsetsFromPrefix,
  generatedMazeRecords,
  generatedSudokuRecords,
  readMazeRecords,
  readSudokuRecords,
} from '../../engine/data/buildInputs';
import { buildMazeSplit } from '../../engine/data/buildMaze';
import { buildSudokuSplit } from '../../engine/data/buildSudoku';
import {
  BuiltDataset,
  BuiltSplit,
  readBuiltDataset,
  whyNotReplaceable,
  writeBuiltDataset,
} from '../../engine/data/built';
import { datasetInfo, formatInfo } from '../../engine/data/datasetInfo';
import { MAX_MAZE_SIZE, generateMaze } from '../../engine/data/mazeGen';
import { NumpyRandomState } from '../../engine/data/numpyRandom';
import { builtKind, csvTaskKind } from '../../engine/data/puzzleFile';
import { readArcFile } from '../../engine/data/rawArc';
import { MazeRecord } from '../../engine/data/rawMaze';
import { SudokuRecord, isCsvHeader } from '../../engine/data/rawSudoku';
import { splitLines } from '../../engine/data/textLines';
import { arcTasksJson, builtArcToTasks, mazeRow, rawCsv, sudokuRow, writeFileAtomic } from '../../engine/data/rawWrite';
import { DataRng } from '../../engine/data/rng';
import { MIN_SUDOKU_GIVENS, digitsToString, generateSudoku } from '../../engine/data/sudokuGen';
import { OptionSpec, ParsedArgs, UsageError, flag, int, parseArgs, str, usage } from '../args';

const HELP: OptionSpec = { value: false, description: 'show this help' };
const OUT_DIR: OptionSpec = {
  value: true,
  valueName: 'dir',
  description: 'output dataset folder (train/, test/, identifiers.json)',
};
const OVERWRITE: OptionSpec = { value: false, description: 'replace an existing output' };

const MAIN_USAGE = [
  'usage: trm dataset <subcommand> [options]',
  '',
  'subcommands:',
  '  build sudoku|maze|arc   build a dataset in the official TRM layout (with augmentation)',
  '  convert <input>         raw puzzle file -> built layout, or built dataset -> raw file',
  '  generate sudoku|maze    generate raw puzzles (CSV: source,question,answer,rating)',
  '  info <path>             what a dataset (built folder or raw file) holds',
  '',
  'Run `trm dataset <subcommand> --help` for its options.',
].join('\n');

export async function runDatasetCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(MAIN_USAGE);
    return sub ? 0 : 2;
  }
  switch (sub) {
    case 'build':
      return runBuild(rest);
    case 'convert':
      return runConvert(rest);
    case 'generate':
      return runGenerate(rest);
    case 'info':
      return runInfo(rest);
    default:
      throw new UsageError(`unknown subcommand "${sub}"; use build, convert, generate or info`);
  }
}

// ---------------------------------------------------------------------------------------------
// build

const SUDOKU_BUILD_SPEC: Record<string, OptionSpec> = {
  train: {
    value: true,
    valueName: 'file',
    description: 'training puzzles: Sudoku CSV, 81-char lines or tdoku list (unsolved ones are solved)',
  },
  test: { value: true, valueName: 'file', description: 'test puzzles (same formats)' },
  'generate-train': { value: true, valueName: 'N', description: 'generate N training puzzles instead of --train' },
  'generate-test': { value: true, valueName: 'N', description: 'generate N test puzzles instead of --test' },
  givens: {
    value: true,
    valueName: 'N',
    description: `givens of generated puzzles (${MIN_SUDOKU_GIVENS}..81, default 30)`,
  },
  'num-aug': {
    value: true,
    valueName: 'N',
    description: 'shuffled copies per training puzzle (official README: 1000; default 0)',
  },
  subsample: { value: true, valueName: 'N', description: 'keep N random training puzzles' },
  'min-difficulty': { value: true, valueName: 'N', description: 'keep rows with rating >= N' },
  seed: {
    value: true,
    valueName: 'S',
    description: 'NumPy-compatible seed of the build (default 0; upstream is unseeded)',
  },
  out: { ...OUT_DIR, required: true },
  overwrite: OVERWRITE,
  help: HELP,
};
const MAZE_BUILD_SPEC: Record<string, OptionSpec> = {
  train: { value: true, valueName: 'file', description: 'training mazes: maze CSV (source,question,answer,rating)' },
  test: { value: true, valueName: 'file', description: 'test mazes (maze CSV)' },
  'generate-train': { value: true, valueName: 'N', description: 'generate N training mazes instead of --train' },
  'generate-test': { value: true, valueName: 'N', description: 'generate N test mazes instead of --test' },
  size: { value: true, valueName: 'N', description: 'side of generated mazes (default 30)' },
  braid: {
    value: true,
    valueName: 'p',
    description: 'generated mazes: probability of opening each dead end (0..1, default 0.5)',
  },
  aug: { value: false, description: 'add the 8 dihedral transforms of each training maze' },
  subsample: { value: true, valueName: 'N', description: 'keep N random training mazes' },
  seed: { value: true, valueName: 'S', description: 'seed (default 0)' },
  out: { ...OUT_DIR, required: true },
  overwrite: OVERWRITE,
  help: HELP,
};
const ARC_BUILD_SPEC: Record<string, OptionSpec> = {
  'input-prefix': {
    value: true,
    valueName: 'prefix',
    description: 'read <prefix>_<subset>_challenges.json (+ _solutions.json), as upstream',
  },
  subsets: {
    value: true,
    valueName: 'a,b,...',
    description: 'with --input-prefix: subsets (default training,evaluation,concept)',
  },
  inputs: {
    value: true,
    valueName: 'p1,p2,...',
    description:
      'instead: task folders, challenges files or task files (subset = folder name / word before _challenges.json)',
  },
  'test-set': {
    value: true,
    valueName: 'name',
    description: 'subset whose test pairs form the test split (default evaluation)',
  },
  'test-set2': { value: true, valueName: 'name', description: 'a second such subset (default evaluation2)' },
  'num-aug': {
    value: true,
    valueName: 'N',
    description: 'variants per task (dihedral + colour permutation; default 1000 as upstream)',
  },
  seed: { value: true, valueName: 'S', description: 'seed (default 42 as upstream)' },
  'identifiers-start': { value: true, valueName: 'N', description: 'first puzzle identifier (default 1)' },
  out: { ...OUT_DIR, required: true },
  overwrite: OVERWRITE,
  help: HELP,
};

async function runBuild(argv: string[]): Promise<number> {
  const [task, ...rest] = argv;
  const specs: Record<string, Record<string, OptionSpec>> = {
    sudoku: SUDOKU_BUILD_SPEC,
    maze: MAZE_BUILD_SPEC,
    arc: ARC_BUILD_SPEC,
  };
  if (!task || task === '--help') {
    console.log(
      [
        'usage: trm dataset build sudoku|maze|arc --out <dir> [options]',
        ...Object.keys(specs).map((k) => `  trm dataset build ${k} --help`),
      ].join('\n'),
    );
    return task ? 0 : 2;
  }
  const spec = specs[task];
  if (!spec) throw new UsageError(`build: unknown task "${task}"; use sudoku, maze or arc`);
  if (rest.includes('--help')) {
    console.log(
      usage(`dataset build ${task} --out <dir> [options]`, `Build a ${task} dataset in the official TRM layout.`, spec),
    );
    return 0;
  }
  const args = parseArgs(rest, spec, `dataset build ${task}`);
  const out = str(args, 'out') as string;
  refuseExisting(out, flag(args, 'overwrite'));
  let ds: BuiltDataset;
  if (task === 'sudoku') ds = buildSudoku(args);
  else if (task === 'maze') ds = buildMaze(args);
  else ds = buildArc(args);
  writeBuiltDataset(out, ds, { overwrite: flag(args, 'overwrite'), tokenDtype: 'keep' });
  console.log(formatInfo(datasetInfo(out)));
  return 0;
}

/** Fails before any work when --out holds something a dataset write may not replace. */
function refuseExisting(out: string, overwrite: boolean): void {
  if (!overwrite && fs.existsSync(out) && (!fs.statSync(out).isDirectory() || fs.readdirSync(out).length > 0)) {
    throw new UsageError(`${out} already exists and is not empty; choose another --out or pass --overwrite`);
  }
  const why = overwrite ? whyNotReplaceable(out) : undefined;
  if (why) throw new UsageError(`--overwrite: ${out} cannot be overwritten: ${why}; it is left alone`);
}

function seedOf(args: ParsedArgs, dflt: number): number {
  const s = int(args, 'seed', 0) ?? dflt;
  if (s > 0xffffffff) throw new UsageError(`--seed must be at most 4294967295 (got ${s})`);
  return s;
}

/** Exactly one of --<split> file and --generate-<split> N (test is optional). */
function source(args: ParsedArgs, split: 'train' | 'test'): { file: string } | { count: number } | undefined {
  const file = str(args, split);
  const count = int(args, `generate-${split}`, 1);
  if (file !== undefined && count !== undefined)
    throw new UsageError(`give either --${split} or --generate-${split}, not both`);
  if (file !== undefined) return { file };
  if (count !== undefined) return { count };
  if (split === 'train') throw new UsageError('missing training data: --train <file> or --generate-train <N>');
  return undefined;
}

function buildSudoku(args: ParsedArgs): BuiltDataset {
  const givens = int(args, 'givens', MIN_SUDOKU_GIVENS) ?? 30;
  if (givens > 81) throw new UsageError(`--givens must be in ${MIN_SUDOKU_GIVENS}..81 (got ${givens})`);
  const seed = seedOf(args, 0);
  const gen = new DataRng(seed);
  const load = (s: { file: string } | { count: number }): SudokuRecord[] =>
    'file' in s ? readSudokuRecords(s.file) : generatedSudokuRecords(s.count, givens, gen);
  const trainSrc = source(args, 'train');
  const testSrc = source(args, 'test');
  const train = load(trainSrc as { file: string } | { count: number });
  const test = testSrc ? load(testSrc) : undefined;
  const rng = new NumpyRandomState(seed);
  const o = {
    numAug: int(args, 'num-aug', 0) ?? 0,
    subsampleSize: int(args, 'subsample', 1),
    minDifficulty: int(args, 'min-difficulty', 0),
  };
  const splits: Record<string, BuiltSplit> = {
    train: buildSudokuSplit(
      train,
      { split: 'train', ...o },
      rng,
      'file' in (trainSrc as object) ? (trainSrc as { file: string }).file : 'generated',
    ),
  };
  if (test)
    splits.test = buildSudokuSplit(
      test,
      { split: 'test', ...o },
      rng,
      testSrc && 'file' in testSrc ? testSrc.file : 'generated',
    );
  return { identifiers: ['<blank>'], splits };
}

function buildMaze(args: ParsedArgs): BuiltDataset {
  const size = int(args, 'size', 3) ?? 30;
  if (size > MAX_MAZE_SIZE) throw new UsageError(`--size must be in 3..${MAX_MAZE_SIZE} (got ${size})`);
  const braid = floatOpt(args, 'braid', 0, 1) ?? 0.5;
  const seed = seedOf(args, 0);
  const gen = new DataRng(seed);
  const load = (s: { file: string } | { count: number }): MazeRecord[] =>
    'file' in s ? readMazeRecords(s.file) : generatedMazeRecords(s.count, size, braid, gen);
  const train = load(source(args, 'train') as { file: string } | { count: number });
  const testSrc = source(args, 'test');
  const test = testSrc ? load(testSrc) : undefined;
  if (test && test[0] && train[0] && test[0].side !== train[0].side)
    throw new Error(
      `test mazes are ${test[0].side}x${test[0].side} but training mazes ${train[0].side}x${train[0].side}`,
    );
  const rng = new NumpyRandomState(seed);
  const o = { aug: flag(args, 'aug'), subsampleSize: int(args, 'subsample', 1) };
  const splits: Record<string, BuiltSplit> = { train: buildMazeSplit(train, { split: 'train', ...o }, rng) };
  if (test) splits.test = buildMazeSplit(test, { split: 'test', ...o }, rng);
  return { identifiers: ['<blank>'], splits };
}

function buildArc(args: ParsedArgs): BuiltDataset {
  const prefix = str(args, 'input-prefix');
  const inputs = str(args, 'inputs');
  if ((prefix === undefined) === (inputs === undefined))
    throw new UsageError('give exactly one of --input-prefix <prefix> or --inputs <paths>');
  let subsets: ArcSubset[];
  if (prefix !== undefined)
    subsets = arcSubsetsFromPrefix(prefix, list(str(args, 'subsets') ?? 'training,evaluation,concept', 'subsets'));
  else {
    if (str(args, 'subsets') !== undefined)
      throw new UsageError('--subsets goes with --input-prefix; with --inputs the subset names come from the paths');
    subsets = list(inputs as string, 'inputs').map(arcSubsetFromPath);
  }
  const testSets = [str(args, 'test-set') ?? 'evaluation', str(args, 'test-set2') ?? 'evaluation2'];
  if (!subsets.some((s) => testSets.includes(s.name))) {
    console.error(
      `note: no subset is named ${testSets.map((t) => JSON.stringify(t)).join(' or ')} (subsets: ${subsets.map((s) => s.name).join(', ')}); the build has no test split`,
    );
  }
  return buildArcDataset(subsets, {
    testSets,
    numAug: int(args, 'num-aug', 0) ?? 1000,
    seed: seedOf(args, 42),
    identifiersStart: int(args, 'identifiers-start', 1),
  });
}

function list(v: string, name: string): string[] {
  const parts = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (!parts.length) throw new UsageError(`--${name} must be a comma-separated list`);
  return parts;
}

function floatOpt(args: ParsedArgs, name: string, lo: number, hi: number): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < lo || n > hi)
    throw new UsageError(`--${name} must be a number in ${lo}..${hi} (got ${JSON.stringify(v)})`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// convert

const CONVERT_SPEC: Record<string, OptionSpec> = {
  out: {
    value: true,
    valueName: 'path',
    required: true,
    description: 'output: a dataset folder (to built) or a .csv / .json file (to raw)',
  },
  to: {
    value: true,
    valueName: 'built|raw',
    description: 'direction (default: raw input -> built, built input -> raw)',
  },
  split: {
    value: true,
    valueName: 'train|test',
    description:
      'to built: the split the puzzles go to (default test); to raw: the split to export (default all for ARC, else test if present)',
  },
  overwrite: OVERWRITE,
  help: HELP,
};

function isBuiltPath(p: string): boolean {
  const base = path.basename(p).toLowerCase();
  if (base === 'dataset.json' || base === 'identifiers.json' || base.endsWith('.npy')) return true;
  return fs.existsSync(p) && fs.statSync(p).isDirectory();
}

async function runConvert(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'dataset convert <input> --out <path> [options]',
        'Convert a raw puzzle file to the built layout (no augmentation), or a built dataset back to a raw file.',
        CONVERT_SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, CONVERT_SPEC, 'dataset convert');
  if (args.positionals.length !== 1)
    throw new UsageError(`convert takes one input path (got ${args.positionals.length})`);
  const input = args.positionals[0];
  if (!fs.existsSync(input)) throw new Error(`${input}: not found`);
  const to = str(args, 'to') ?? (isBuiltPath(input) ? 'raw' : 'built');
  if (to !== 'raw' && to !== 'built') throw new UsageError(`--to must be built or raw (got ${JSON.stringify(to)})`);
  const split = str(args, 'split');
  if (split !== undefined && split !== 'train' && split !== 'test')
    throw new UsageError(`--split must be train or test (got ${JSON.stringify(split)})`);
  const out = str(args, 'out') as string;
  const overwrite = flag(args, 'overwrite');
  if (to === 'built') {
    if (isBuiltPath(input)) throw new UsageError(`${input} is already a built dataset; use --to raw`);
    refuseExisting(out, overwrite);
    const ds = rawToBuilt(input, split ?? 'test');
    writeBuiltDataset(out, ds, { overwrite });
    console.log(formatInfo(datasetInfo(out)));
    return 0;
  }
  if (!isBuiltPath(input)) throw new UsageError(`${input} is a raw file; --to raw needs a built dataset folder`);
  const text = builtToRaw(input, split);
  writeFileAtomic(out, text, overwrite);
  console.log(`wrote ${out}`);
  return 0;
}

function rawToBuilt(input: string, split: 'train' | 'test'): BuiltDataset {
  const ext = path.extname(input).toLowerCase();
  if (ext === '.json') {
    // ARC: demonstration pairs always go to train (they train the task's embedding row); test pairs to `split`.
    const tasks = readArcFile(input);
    return buildArcDataset([{ name: split === 'test' ? 'test' : 'train', tasks }], {
      testSets: ['test'],
      numAug: 0,
      seed: 42,
    });
  }
  const text = fs.readFileSync(input, 'utf8');
  const first = splitLines(text).find((l) => l.text.length > 0 && !l.text.startsWith('#'));
  const rng = new NumpyRandomState(0);
  if (first && isCsvHeader(first.text) && csvTaskKind(text) === 'maze') {
    return { identifiers: ['<blank>'], splits: { [split]: buildMazeSplit(readMazeRecords(input), { split }, rng) } };
  }
  return {
    identifiers: ['<blank>'],
    splits: { [split]: buildSudokuSplit(readSudokuRecords(input), { split }, rng, input) },
  };
}

function builtToRaw(input: string, split: string | undefined): string {
  const dir = fs.statSync(input).isDirectory() ? input : path.dirname(input);
  const isSplit = fs.existsSync(path.join(dir, 'dataset.json'));
  const ds = readBuiltDataset(dir);
  if (isSplit) {
    // readBuiltDataset names a lone split by its folder; pick up identifiers.json from the root.
    const idFile = path.join(path.dirname(path.resolve(dir)), 'identifiers.json');
    if (fs.existsSync(idFile)) ds.identifiers = JSON.parse(fs.readFileSync(idFile, 'utf8')) as string[];
  }
  const names = Object.keys(ds.splits);
  if (split !== undefined && !ds.splits[split])
    throw new Error(`${input}: has no ${split} split (splits: ${names.join(', ')})`);
  const first = ds.splits[names[0]];
  const kind = builtKind(first.meta.vocab_size, first.meta.seq_len, input);
  if (kind === 'arc') {
    const chosen: BuiltDataset = split ? { identifiers: ds.identifiers, splits: { [split]: ds.splits[split] } } : ds;
    return arcTasksJson(builtArcToTasks(chosen));
  }
  const name = split ?? (ds.splits.test ? 'test' : names[0]);
  const rows = [];
  for (const set of ds.splits[name].sets) {
    const S = set.seqLen;
    for (let e = 0; e < set.numExamples; e++) {
      const q = set.inputs.subarray(e * S, (e + 1) * S);
      const a = set.labels.subarray(e * S, (e + 1) * S);
      rows.push(kind === 'sudoku' ? sudokuRow(`${name}/${e}`, q, a) : mazeRow(`${name}/${e}`, q, a));
    }
  }
  return rawCsv(rows);
}

// ---------------------------------------------------------------------------------------------
// generate

const GEN_SPEC: Record<string, Record<string, OptionSpec>> = {
  sudoku: {
    givens: {
      value: true,
      valueName: 'N',
      required: true,
      description: `number of givens (${MIN_SUDOKU_GIVENS}..81; fewer = harder)`,
    },
    count: { value: true, valueName: 'K', description: 'how many puzzles (default 1)' },
    seed: { value: true, valueName: 'S', description: 'seed (default 0)' },
    out: { value: true, valueName: 'file.csv', description: 'write here instead of standard output' },
    overwrite: OVERWRITE,
    help: HELP,
  },
  maze: {
    size: {
      value: true,
      valueName: 'N',
      required: true,
      description: `side of the square maze (3..${MAX_MAZE_SIZE}; official datasets are 30)`,
    },
    count: { value: true, valueName: 'K', description: 'how many mazes (default 1)' },
    braid: {
      value: true,
      valueName: 'p',
      description: 'probability of opening each dead end (0 = perfect maze, default 0.5)',
    },
    seed: { value: true, valueName: 'S', description: 'seed (default 0)' },
    out: { value: true, valueName: 'file.csv', description: 'write here instead of standard output' },
    overwrite: OVERWRITE,
    help: HELP,
  },
};

async function runGenerate(argv: string[]): Promise<number> {
  const [task, ...rest] = argv;
  if (!task || task === '--help') {
    console.log('usage: trm dataset generate sudoku --givens N [--count K] | maze --size N [--count K]');
    return task ? 0 : 2;
  }
  const spec = GEN_SPEC[task];
  if (!spec) throw new UsageError(`generate: unknown task "${task}"; use sudoku or maze`);
  if (rest.includes('--help')) {
    console.log(
      usage(
        `dataset generate ${task} [options]`,
        `Generate ${task} puzzles with solutions as CSV (source,question,answer,rating).`,
        spec,
      ),
    );
    return 0;
  }
  const args = parseArgs(rest, spec, `dataset generate ${task}`);
  if (args.positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const count = int(args, 'count', 1) ?? 1;
  const rng = new DataRng(seedOf(args, 0));
  const out = str(args, 'out');
  if (out !== undefined && fs.existsSync(out) && !flag(args, 'overwrite'))
    throw new UsageError(`${out} already exists; choose another --out or pass --overwrite`);
  const rows = [];
  if (task === 'sudoku') {
    const givens = int(args, 'givens', MIN_SUDOKU_GIVENS) as number;
    if (givens > 81) throw new UsageError(`--givens must be in ${MIN_SUDOKU_GIVENS}..81 (got ${givens})`);
    let short = 0;
    for (let k = 0; k < count; k++) {
      const g = generateSudoku(rng, givens);
      if (g.givens > givens) short++;
      rows.push({
        source: `generated-givens${g.givens}`,
        question: digitsToString(g.puzzle),
        answer: digitsToString(g.solution),
        rating: g.guesses,
      });
    }
    if (short)
      console.error(
        `note: ${short} of ${count} puzzles could not be reduced to ${givens} givens with a unique solution; they have more (see the source column)`,
      );
  } else {
    const size = int(args, 'size', 3) as number;
    if (size > MAX_MAZE_SIZE) throw new UsageError(`--size must be in 3..${MAX_MAZE_SIZE} (got ${size})`);
    const braid = floatOpt(args, 'braid', 0, 1) ?? 0.5;
    for (let k = 0; k < count; k++) {
      const m = generateMaze(rng, { size, braid });
      rows.push({ source: `generated-${size}x${size}`, question: m.question, answer: m.answer, rating: m.pathLength });
    }
  }
  const text = rawCsv(rows);
  if (out === undefined) process.stdout.write(text);
  else {
    writeFileAtomic(out, text, flag(args, 'overwrite'));
    console.error(`wrote ${count} ${task} puzzle${count === 1 ? '' : 's'} to ${out}`);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// info

const INFO_SPEC: Record<string, OptionSpec> = { json: { value: false, description: 'print JSON' }, help: HELP };

async function runInfo(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'dataset info <path> [--json]',
        'Show what a dataset holds: splits, shapes, dtypes, vocabulary (built) or puzzle kind and count (raw).',
        INFO_SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, INFO_SPEC, 'dataset info');
  if (args.positionals.length !== 1) throw new UsageError(`info takes one path (got ${args.positionals.length})`);
  const p = args.positionals[0];
  if (!fs.existsSync(p)) throw new Error(`${p}: not found`);
  const info = datasetInfo(p);
  console.log(flag(args, 'json') ? JSON.stringify(info, null, 2) : formatInfo(info));
  return 0;
}
