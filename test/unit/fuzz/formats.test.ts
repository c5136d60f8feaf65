// Fuzz suite over the file formats, through the shipped CLI bundle (dist/cli.js): deterministic
// (seeded), bounded (about a thousand mutants, a couple of minutes on 2 busy cores). Each mutant of a
// .npy array, a built dataset, a safetensors file, a torch.save zip (pickle-aware), a config file
// or a raw puzzle file runs one CLI command, and for every mutant the suite asserts: a valid result
// or one clean error (no TypeError / RangeError / stack overflow, exit code 0, 1 or 2), no hang (a
// watchdog kills a mutant after 10 s), peak memory under a bound (the worker's maxRSS after every
// mutant, and a hard kill above it), and nothing written outside the mutant's output folder (cwd
// and TMPDIR stay empty, inputs unchanged). Workers are child processes that require dist/cli.js and
// call its main() once per mutant; a sample of mutants also runs as `node dist/cli.js` itself.
// TRM_FUZZ_SEED changes the seed, TRM_FUZZ_SCALE the number of mutants (e.g. 10 for a long run).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrmConfig, getPreset } from '../../../src/engine/config';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { encodeNpy } from '../../../src/engine/formats/npy';
import { writeSafetensors } from '../../../src/engine/formats/safetensors';
import { HostTensor } from '../../../src/engine/hostTensor';
import { expectedWeightShapes } from '../../../src/engine/weights';
import { FIXTURE, TensorSpec, torchStateDictPickle, torchZip } from '../formats/builders';
import { CLI, ROOT, describeRun, runNode } from './childRun';
import { FuzzRng, Mutant, mutateBytes, mutateNpy, mutateSafetensors, mutateText, mutateTorchZip } from './mutate';

const SEED = Number(process.env.TRM_FUZZ_SEED ?? 20261210);
/** The CLI bundle under test (see childRun: TRM_FUZZ_CLI). */
const TARGET = CLI;
const SCALE = Number(process.env.TRM_FUZZ_SCALE ?? 1);
const DATASETS = path.join(path.dirname(FIXTURE), '..', 'datasets');
const SUDOKU = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
/**
 * A mutant hangs when it burns this much CPU time (the slowest honest mutant takes well under a second
 * of CPU). CPU time, not wall time: on a loaded machine an honest mutant can wait many seconds for a core.
 */
const MUTANT_CPU_LIMIT_MS = 10_000;
/** A mutant that neither finishes nor uses the CPU (a blocked wait) for this long hangs too. */
const MUTANT_WALL_LIMIT_MS = 180_000;
/** Peak resident memory of a worker after any mutant (inputs are at most a few hundred KB). */
const RSS_BOUND_MIB = 450;
/** The watchdog kills a worker above this (so a regression cannot exhaust the machine). */
const RSS_KILL_MIB = 900;

interface Job {
  format: string;
  how: string;
  argv: string[];
  input: string;
  out: string;
}

interface Report {
  i: number;
  event: 'start' | 'done';
  code?: number;
  threw?: string;
  out?: string;
  err?: string;
  ms?: number;
  maxRSS?: number;
  written?: string[];
  inputChanged?: boolean;
}

/** A tiny attention TRM (hidden 8) whose weights are small enough to mutate hundreds of times. */
const TINY: TrmConfig = {
  ...getPreset('sudoku-att-small'),
  hidden_size: 8,
  num_heads: 2,
  expansion: 1,
  puzzle_emb_ndim: 8,
  puzzle_emb_len: 1,
  H_cycles: 2,
  L_cycles: 2,
  L_layers: 1,
  halt_max_steps: 2,
};

function tinyWeights(rng: FuzzRng): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [k, shape] of expectedWeightShapes(TINY)) {
    const n = shape.reduce((a, b) => a * b, 1);
    out.set(k, { dtype: 'float32', shape, data: Float32Array.from({ length: n }, () => (rng.next() - 0.5) * 0.2) });
  }
  return out;
}

const TINY_YAML = `arch:\n${Object.entries({
  hidden_size: 8,
  num_heads: 2,
  expansion: 1.0,
  puzzle_emb_ndim: 8,
  puzzle_emb_len: 1,
  H_cycles: 2,
  L_cycles: 2,
  L_layers: 1,
  halt_max_steps: 2,
  pos_encodings: 'rope',
  mlp_t: false,
  forward_dtype: 'float32',
})
  .map(([k, v]) => `  ${k}: ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(1) : v}`)
  .join('\n')}\n  loss:\n    loss_type: stablemax_cross_entropy\n`;

interface Seeds {
  npy: string[];
  datasetSplit: string;
  safetensors: string;
  torch: string[];
  torchConfig: string;
  bareModel: string;
  raw: string[];
}

function writeSeeds(dir: string): Seeds {
  fs.mkdirSync(dir, { recursive: true });
  const rng = new FuzzRng(SEED);
  const weights = tinyWeights(rng);
  const safetensors = path.join(dir, 'tiny.safetensors');
  saveSafetensorsCheckpoint(safetensors, TINY, weights);
  const bareModel = path.join(dir, 'bare.safetensors');
  writeSafetensors(bareModel, weights);
  const torchConfig = path.join(dir, 'all_config.yaml');
  fs.writeFileSync(torchConfig, TINY_YAML);
  const specs: TensorSpec[] = [];
  const storages: Record<string, Uint8Array> = {};
  [...weights.entries()].forEach(([k, t], i) => {
    const n = t.data.length;
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    specs.push({
      name: `_orig_mod.model.inner.${k}`,
      storageType: 'FloatStorage',
      key: String(i),
      numel: n,
      shape: t.shape,
      stride,
    });
    storages[String(i)] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  });
  const torch = path.join(dir, 'step_10');
  fs.writeFileSync(torch, torchZip('step_10', torchStateDictPickle(specs), storages));
  const npy: string[] = [];
  for (const f of ['inputs.npy', 'q_halt_steps.npy', 'halted_steps.npy', 'puzzle_identifiers.npy']) {
    const p = path.join(dir, f);
    fs.writeFileSync(p, fs.readFileSync(path.join(FIXTURE, f)));
    npy.push(p);
  }
  const tokens = path.join(dir, 'tokens_u8.npy');
  fs.writeFileSync(tokens, encodeNpy({ dtype: 'uint8', shape: [2, 81], data: new Uint8Array(162).fill(1) }));
  npy.push(tokens);
  const datasetSplit = path.join(dir, 'split');
  fs.mkdirSync(datasetSplit);
  const sample = path.join(DATASETS, 'trm-built-samples', 'sudoku-mini-aug-3', 'test');
  for (const f of fs.readdirSync(sample))
    fs.writeFileSync(path.join(datasetSplit, f), fs.readFileSync(path.join(sample, f)));
  const raw: string[] = [];
  for (const src of [
    path.join(DATASETS, 'arc-agi-1', 'training', '007bbfb7.json'),
    path.join(ROOT, 'sample-workspace', 'arc', '0d3d703e.json'),
  ]) {
    if (!fs.existsSync(src)) continue;
    const p = path.join(dir, `raw-${raw.length}.json`);
    fs.writeFileSync(p, fs.readFileSync(src));
    raw.push(p);
  }
  const csv = path.join(dir, 'raw.csv');
  fs.writeFileSync(csv, `source,question,answer,rating\nx,${SUDOKU.replace(/\./g, '0')},,0\n`);
  raw.push(csv);
  return {
    npy,
    datasetSplit,
    safetensors,
    torch: [torch, path.join(FIXTURE, 'official_layout_bf16_cuda.pt')],
    torchConfig,
    bareModel,
    raw,
  };
}

/** Builds every mutant file and the CLI command that reads it. */
function makeJobs(seeds: Seeds, inDir: string, outDir: string): Job[] {
  const rng = new FuzzRng(SEED ^ 0x5eed);
  const jobs: Job[] = [];
  const n = (k: number): number => Math.max(1, Math.round(k * SCALE));
  const add = (format: string, ext: string, m: Mutant, argv: (input: string, out: string) => string[]): void => {
    const id = jobs.length;
    const input = path.join(inDir, `${id}-${format}${ext}`);
    const out = path.join(outDir, String(id));
    fs.writeFileSync(input, m.bytes);
    jobs.push({ format, how: m.how, argv: argv(input, out), input, out });
  };
  for (let k = 0; k < n(200); k++) {
    const src = rng.pick(seeds.npy);
    add('npy', '.npy', mutateNpy(rng, fs.readFileSync(src)), (i) => ['dataset', 'info', i]);
  }
  const splitFiles = fs.readdirSync(seeds.datasetSplit);
  for (let k = 0; k < n(120); k++) {
    const id = jobs.length;
    const dir = path.join(inDir, `${id}-dataset`);
    fs.mkdirSync(dir);
    for (const f of splitFiles) fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(seeds.datasetSplit, f)));
    const f = rng.pick(splitFiles);
    const bytes = fs.readFileSync(path.join(dir, f));
    let m: Mutant;
    if (f.endsWith('.json')) {
      const t = mutateText(rng, bytes.toString('utf8'));
      m = { bytes: Buffer.from(t.text), how: `${f}: ${t.how}` };
    } else {
      const mm = mutateNpy(rng, bytes);
      m = { bytes: mm.bytes, how: `${f}: ${mm.how}` };
    }
    fs.writeFileSync(path.join(dir, f), m.bytes);
    const out = path.join(outDir, String(id));
    const convert = rng.chance(0.5);
    jobs.push({
      format: 'dataset',
      how: m.how,
      argv: convert
        ? ['dataset', 'convert', dir, '--to', 'raw', '--out', path.join(out, 'x.csv')]
        : ['dataset', 'info', dir],
      input: dir,
      out,
    });
  }
  for (let k = 0; k < n(200); k++) {
    add('safetensors', '.safetensors', mutateSafetensors(rng, fs.readFileSync(seeds.safetensors)), (i) => [
      'info',
      '--checkpoint',
      i,
      '--backend',
      'cpu',
    ]);
  }
  for (let k = 0; k < n(250); k++) {
    const src = k % 5 === 4 ? seeds.torch[1] : seeds.torch[0];
    add('torch', '.pt', mutateTorchZip(rng, fs.readFileSync(src)), (i) => [
      'info',
      '--checkpoint',
      i,
      '--config',
      src === seeds.torch[0] ? seeds.torchConfig : path.join(FIXTURE, 'all_config.yaml'),
      '--backend',
      'cpu',
    ]);
  }
  for (let k = 0; k < n(150); k++) {
    const t = mutateText(rng, TINY_YAML);
    const predict = k % 3 === 0;
    add('config', '.yaml', { bytes: Buffer.from(t.text), how: t.how }, (i) =>
      predict
        ? ['predict', '--checkpoint', seeds.bareModel, '--config', i, '--sudoku', SUDOKU, '--backend', 'cpu']
        : ['info', '--checkpoint', seeds.bareModel, '--config', i, '--backend', 'cpu'],
    );
  }
  for (let k = 0; k < n(100); k++) {
    const src = rng.pick(seeds.raw);
    const text = fs.readFileSync(src, 'utf8');
    const m = rng.chance(0.5)
      ? mutateBytes(rng, Buffer.from(text))
      : ((t) => ({ bytes: Buffer.from(t.text), how: t.how }))(mutateText(rng, text));
    add('raw', path.extname(src), m, (i) => ['dataset', 'info', i]);
  }
  return jobs;
}

/** The worker: requires the CLI bundle and runs main() once per job, reporting on fd 3. */
const WORKER = `
const fs = require('fs');
const path = require('path');
const [cli, jobsFile, indicesFile, start] = process.argv.slice(2);
const jobs = JSON.parse(fs.readFileSync(jobsFile, 'utf8'));
const indices = JSON.parse(fs.readFileSync(indicesFile, 'utf8'));
const report = (o) => fs.writeSync(3, JSON.stringify(o) + '\\n');
const stamp = (p) => {
  try {
    const st = fs.statSync(p);
    if (!st.isDirectory()) return st.size + ':' + st.mtimeMs;
    return fs.readdirSync(p).sort().map((f) => f + '=' + stamp(path.join(p, f))).join(',');
  } catch (e) { return 'missing'; }
};
const { main } = require(cli);
(async () => {
  for (let pos = Number(start); pos < indices.length; pos++) {
    const i = indices[pos];
    const job = jobs[i];
    const before = stamp(job.input);
    report({ i, event: 'start' });
    const out = [], err = [];
    const saved = [console.log, console.info, console.error, console.warn, process.stdout.write, process.stderr.write];
    console.log = console.info = (...a) => { out.push(a.join(' ')); };
    console.error = console.warn = (...a) => { err.push(a.join(' ')); };
    process.stdout.write = (s) => { out.push(String(s)); return true; };
    process.stderr.write = (s) => { err.push(String(s)); return true; };
    const t0 = Date.now();
    let code, threw;
    try { code = await main(job.argv); } catch (e) { threw = String((e && e.stack) || e); }
    [console.log, console.info, console.error, console.warn, process.stdout.write, process.stderr.write] = saved;
    const ms = Date.now() - t0;
    if (global.gc) global.gc();
    const written = [...fs.readdirSync(process.cwd()), ...fs.readdirSync(process.env.TMPDIR).map((f) => 'TMPDIR/' + f)];
    report({ i, event: 'done', code, threw, out: out.join('\\n').slice(0, 2000), err: err.join('\\n').slice(0, 4000), ms,
      maxRSS: process.resourceUsage().maxRSS, written, inputChanged: stamp(job.input) !== before });
  }
})();
`;

/** Internal errors that must never surface: they mean a check is missing somewhere. */
const UNCLEAN =
  /^(TypeError|RangeError|ReferenceError|SyntaxError|EvalError|URIError)\b|Maximum call stack size exceeded|Invalid array length|Invalid typed array length|Array buffer allocation failed|Cannot read properties of|is not a function|is not iterable/m;

interface Failure {
  job: Job;
  problem: string;
}

/** CPU time (user + system, ms) a process has used so far, from /proc (0 when it is gone). */
function cpuTimeMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] = utime, stime (fields 14 and 15 of proc(5)), in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

function vmRssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the jobs at `indices` in a worker process, restarted after a kill, collecting failures and peaks. */
async function runWorker(
  jobs: Job[],
  indices: number[],
  files: { jobsFile: string; worker: string; cwd: string; tmp: string; indicesFile: string },
  failures: Failure[],
  peaks: number[],
): Promise<void> {
  fs.writeFileSync(files.indicesFile, JSON.stringify(indices));
  let next = 0; // position in indices of the next job to run
  while (next < indices.length) {
    const from = next;
    await new Promise<void>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--expose-gc', files.worker, TARGET, files.jobsFile, files.indicesFile, String(from)],
        {
          cwd: files.cwd,
          env: {
            ...process.env,
            NODE_TEST_CONTEXT: undefined,
            TRM_DEBUG: '1',
            TMPDIR: files.tmp,
            TRM_LIMITS: '',
            TRM_DEBUG_LOG: path.join(files.tmp, 'never.log'),
          },
          stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
        },
      );
      let current = -1;
      let buf = '';
      let stderr = '';
      let killed: string | undefined;
      /** When the current mutant started: wall clock and the worker's CPU time. */
      let started: { wall: number; cpu: number } | undefined;
      const poll = setInterval(() => {
        if (child.pid === undefined || killed) return;
        if (vmRssMiB(child.pid) > RSS_KILL_MIB) {
          killed = `resident memory passed ${RSS_KILL_MIB} MiB`;
          child.kill('SIGKILL');
        } else if (started && cpuTimeMs(child.pid) - started.cpu > MUTANT_CPU_LIMIT_MS) {
          killed = `no result after ${MUTANT_CPU_LIMIT_MS} ms of CPU time (hang)`;
          child.kill('SIGKILL');
        } else if (started && Date.now() - started.wall > MUTANT_WALL_LIMIT_MS) {
          killed = `no result within ${MUTANT_WALL_LIMIT_MS} ms (hang)`;
          child.kill('SIGKILL');
        }
      }, 50);
      child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
      (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => {
        buf += b.toString();
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const r = JSON.parse(buf.slice(0, nl)) as Report;
          buf = buf.slice(nl + 1);
          if (r.event === 'start') {
            current = r.i;
            started = { wall: Date.now(), cpu: child.pid === undefined ? 0 : cpuTimeMs(child.pid) };
            continue;
          }
          started = undefined;
          checkReport(jobs[r.i], r, failures, peaks);
          current = -1;
          next = indices.indexOf(r.i) + 1;
        }
      });
      child.on('close', () => {
        clearInterval(poll);
        if (current >= 0) {
          failures.push({ job: jobs[current], problem: killed ?? `the worker died: ${stderr.slice(-600)}` });
          next = indices.indexOf(current) + 1;
        } else if (next === from) {
          failures.push({ job: jobs[indices[from]], problem: `the worker did not start: ${stderr.slice(-600)}` });
          next = indices.length;
        }
        resolve();
      });
    });
  }
}

/** How mutants ended, by format and exit code (printed, to show the mutants reach past the first check). */
const outcomes = new Map<string, number>();

/** The assertions for one mutant's report. */
function checkReport(job: Job, r: Report, failures: Failure[], peaks: number[]): void {
  const key = `${job.format} exit ${r.code ?? 'none'}`;
  outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
  const fail = (problem: string): void => {
    failures.push({ job, problem });
  };
  const peak = (r.maxRSS ?? 0) / 1024;
  peaks.push(peak);
  if (r.threw) fail(`main() threw: ${r.threw.slice(0, 300)}`);
  else if (r.code !== 0 && r.code !== 1 && r.code !== 2) fail(`exit code ${r.code}`);
  else if (r.code !== 0 && !/^trm[\w ]*: /m.test(r.err ?? '')) fail(`no error message: ${r.err?.slice(0, 300)}`);
  const unclean = UNCLEAN.exec(r.err ?? '');
  if (unclean) fail(`unclean error (${unclean[0]}): ${r.err?.slice(0, 600)}`);
  if (peak > RSS_BOUND_MIB) fail(`peak memory ${peak.toFixed(0)} MiB > ${RSS_BOUND_MIB} MiB`);
  if (r.written?.length) fail(`wrote outside its output folder: ${r.written.join(', ')}`);
  if (r.inputChanged) fail('modified its input');
}

test(
  `fuzz: mutated files through the CLI (seed ${SEED}): clean error or result, no hang, bounded memory, no stray writes`,
  { timeout: 600_000 },
  async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-fuzz-'));
    const dirs = {
      seeds: path.join(root, 'seeds'),
      in: path.join(root, 'in'),
      out: path.join(root, 'out'),
      cwd: path.join(root, 'cwd'),
      tmp: path.join(root, 'tmp'),
    };
    for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true });
    const seeds = writeSeeds(dirs.seeds);
    const jobs = makeJobs(seeds, dirs.in, dirs.out);
    const jobsFile = path.join(root, 'jobs.json');
    fs.writeFileSync(jobsFile, JSON.stringify(jobs));
    const worker = path.join(root, 'worker.js');
    fs.writeFileSync(worker, WORKER);
    const inputsBefore = (fs.readdirSync(dirs.in, { recursive: true }) as string[]).sort();
    const failures: Failure[] = [];
    const peaks: number[] = [];
    const t0 = Date.now();
    // Two workers (this machine has two cores), interleaved so both see every format.
    const halves = [0, 1].map((w) => jobs.map((_, i) => i).filter((i) => i % 2 === w));
    await Promise.all(
      halves.map((idx, w) =>
        runWorker(
          jobs,
          idx,
          { jobsFile, worker, cwd: dirs.cwd, tmp: dirs.tmp, indicesFile: path.join(root, `indices-${w}.json`) },
          failures,
          peaks,
        ),
      ),
    );
    const seconds = (Date.now() - t0) / 1000;

    // A sample through `node dist/cli.js` itself: the same outcome as in the worker, its own peak bounded.
    for (const format of [...new Set(jobs.map((j) => j.format))]) {
      for (const job of jobs.filter((j) => j.format === format).slice(0, 2)) {
        const r = await runNode([TARGET, ...job.argv], {
          cwd: dirs.cwd,
          env: { TMPDIR: dirs.tmp },
          timeoutMs: 30_000,
          rssCapMiB: RSS_KILL_MIB,
        });
        if (r.code === null || r.code > 2) failures.push({ job, problem: `node dist/cli.js: ${describeRun(r)}` });
        else if (r.peakMiB > RSS_BOUND_MIB)
          failures.push({ job, problem: `node dist/cli.js peak ${r.peakMiB.toFixed(0)} MiB` });
        else if (UNCLEAN.test(r.stderr))
          failures.push({ job, problem: `node dist/cli.js: unclean error: ${r.stderr.slice(0, 400)}` });
      }
    }
    const inputsAfter = (fs.readdirSync(dirs.in, { recursive: true }) as string[]).sort();
    if (inputsAfter.join('|') !== inputsBefore.join('|'))
      failures.push({
        job: jobs[0],
        problem: `files appeared among the inputs: ${inputsAfter.filter((f) => !inputsBefore.includes(f)).join(', ')}`,
      });
    const strayRoot = fs
      .readdirSync(root)
      .filter(
        (f) =>
          !['seeds', 'in', 'out', 'cwd', 'tmp', 'jobs.json', 'worker.js', 'indices-0.json', 'indices-1.json'].includes(
            f,
          ),
      );
    if (strayRoot.length)
      failures.push({ job: jobs[0], problem: `files appeared beside the fuzz folders: ${strayRoot.join(', ')}` });

    const byFormat = new Map<string, number>();
    for (const j of jobs) byFormat.set(j.format, (byFormat.get(j.format) ?? 0) + 1);
    console.log(
      `fuzz (formats): seed ${SEED}, ${jobs.length} mutants (${[...byFormat].map(([f, c]) => `${f} ${c}`).join(', ')}) in ${seconds.toFixed(1)} s; worker peak ${Math.max(...peaks).toFixed(0)} MiB; ${failures.length} failures`,
    );
    console.log(
      `fuzz (formats) outcomes: ${[...outcomes]
        .sort()
        .map(([k, c]) => `${k}: ${c}`)
        .join(', ')}`,
    );
    if (failures.length) {
      const keep = path.join(root, 'failures.json');
      fs.writeFileSync(keep, JSON.stringify(failures, null, 2));
      assert.fail(
        `${failures.length} mutants failed (inputs kept in ${dirs.in}, list in ${keep}):\n` +
          failures
            .slice(0, 12)
            .map((f) => `- [${f.job.format}] ${f.job.how} | trm ${f.job.argv.join(' ')}\n    ${f.problem}`)
            .join('\n'),
      );
    }
    fs.rmSync(root, { recursive: true, force: true });
  },
);
