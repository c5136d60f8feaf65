// `npm run train:demo` (via scripts/train-demo.mjs): builds generated Sudoku data, trains a bundled
// model with the project's own trainer (resumable: rerunning continues the run), then exports
// media/models/<name>/{model.safetensors,config.json,README.md} with measured accuracies on held-out
// generated puzzles and, when given, on a CSV of hard puzzles. `--recipe trm42` (default) is the
// default model with the paper's recursion (media/models/sudoku), `--recipe small` the fast one
// (media/models/sudoku-small).
//
//   node out/train-demo/demo.js --work <dir> --media <dir> [--recipe trm42|small] [--minutes M] [--steps N]
//        [--hard file.csv] [--backend wasm] [--readme-only]
// --minutes caps this session's training time (the run stops cleanly and is exported as it is);
// --steps changes a resumed run's total step count; --readme-only rewrites <media>/README.md from
// <work>/results.json and <media>/config.json without training or measuring again.

import * as fs from 'node:fs';
import * as path from 'node:path';
import './gradients';
import { selectBackend, type BackendName } from '../backend';
import { loadCheckpoint } from '../checkpoint';
import { readBuiltDataset, writeBuiltDataset } from '../data/built';
import { parseSudokuCsv } from '../data/rawSudoku';
import type { TrmConfig } from '../config';
import { TrmModel } from '../model/trm';
import { generateSudokuDataset, sudokuTestDataset } from './demoData';
import { evaluateSplit, testSplitOf } from './evaluate';
import type { TrainEvent } from './events';
import { latestCheckpointDir } from './runDir';
import { runTraining } from './trainer';
import { DEMO_DATA, DEMO_RECIPES, type DemoRecipeName } from './demoRecipe';

function arg(name: string): string | undefined {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const recipeName = (arg('recipe') ?? 'trm42') as DemoRecipeName;
  const DEMO_RECIPE = DEMO_RECIPES[recipeName];
  if (!DEMO_RECIPE) throw new Error(`--recipe must be one of ${Object.keys(DEMO_RECIPES).join(', ')}`);
  const work = path.resolve(arg('work') ?? 'out/train-demo');
  const media = path.resolve(
    arg('media') ?? (recipeName === 'small' ? 'media/models/sudoku-small' : 'media/models/sudoku'),
  );
  if (process.argv.includes('--readme-only')) {
    const results = JSON.parse(fs.readFileSync(path.join(work, 'results.json'), 'utf8')) as DemoResults;
    const config = JSON.parse(fs.readFileSync(path.join(media, 'config.json'), 'utf8')) as TrmConfig;
    const bytes = fs.statSync(path.join(media, 'model.safetensors')).size;
    fs.writeFileSync(path.join(media, 'README.md'), readme(results, recipeName, config, results.step, bytes));
    console.error(`wrote ${path.join(media, 'README.md')}`);
    return;
  }
  const minutes = Number(arg('minutes') ?? '40');
  const hardCsv = arg('hard');
  const wasmDir = arg('wasm-dir') ?? path.resolve('dist') + path.sep;
  fs.mkdirSync(work, { recursive: true });
  const dataDir = path.join(work, 'data');
  if (!fs.existsSync(path.join(dataDir, 'train', 'dataset.json'))) {
    const t0 = Date.now();
    writeBuiltDataset(dataDir, generateSudokuDataset(DEMO_DATA), { overwrite: true });
    console.error(
      `generated ${DEMO_DATA.trainPuzzles} + ${DEMO_DATA.testPuzzles} puzzles (${DEMO_DATA.minGivens}-${DEMO_DATA.maxGivens} givens) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  const cfgFile = path.join(work, 'demo-config.json');
  fs.writeFileSync(cfgFile, JSON.stringify(DEMO_RECIPE, null, 2));
  const runDir = path.join(work, 'run');
  const controller = new AbortController();
  const timer = setTimeout(() => {
    console.error(`time budget of ${minutes} min reached: stopping after this step`);
    controller.abort();
  }, minutes * 60_000);
  timer.unref();
  const resume = fs.existsSync(path.join(runDir, 'run.json'));
  const t0 = Date.now();
  const onEvent = (e: TrainEvent): void => {
    if (e.type === 'progress') {
      const m = e.metrics;
      console.error(
        `step ${e.step}/${e.totalSteps} loss ${m.totalLoss.toFixed(3)} lm ${m.lmLoss.toFixed(3)} acc ${m.accuracy.toFixed(3)} exact ${m.exactAccuracy.toFixed(3)} steps ${m.meanSteps.toFixed(2)} ${e.examplesPerSec.toFixed(1)} ex/s ${(e.elapsedSec / 60).toFixed(1)} min`,
      );
    } else if (e.type !== 'checkpoint') console.error(JSON.stringify(e));
  };
  const steps = arg('steps') !== undefined ? Number(arg('steps')) : undefined;
  await runTraining(
    { configPath: cfgFile, data: dataDir, out: runDir, resume, steps, backend: arg('backend') },
    onEvent,
    controller.signal,
    { wasmDir, threads: arg('threads') !== undefined ? Number(arg('threads')) : undefined },
  );
  clearTimeout(timer);
  console.error(`training session took ${((Date.now() - t0) / 60000).toFixed(1)} min`);

  // Export and measure.
  const ck = latestCheckpointDir(runDir);
  if (!ck) throw new Error(`no checkpoint in ${runDir}`);
  const state = JSON.parse(fs.readFileSync(path.join(ck, 'state.json'), 'utf8')) as {
    step: number;
    elapsedSec: number;
  };
  const loaded = loadCheckpoint(path.join(ck, 'model.safetensors'));
  const backend = await selectBackend({
    prefer: arg('backend') as BackendName | undefined,
    wasmDir,
    threads: arg('threads') !== undefined ? Number(arg('threads')) : undefined,
  });
  const model = TrmModel.fromWeights(loaded.config, loaded.weights);
  const heldOut = testSplitOf(readBuiltDataset(dataDir), dataDir);
  const r1 = await evaluateSplit(model, heldOut.set, heldOut.meta, { batchSize: 100, perPuzzle: true });
  let hard: { metrics: Record<string, number>; n: number; file: string } | undefined;
  if (hardCsv && fs.existsSync(hardCsv)) {
    const rows = parseSudokuCsv(fs.readFileSync(hardCsv, 'utf8'), hardCsv)
      .filter((r) => r.answer)
      .slice(0, 200)
      .map((r) => ({ question: r.question, answer: r.answer! }));
    const ds = sudokuTestDataset(rows);
    const t = testSplitOf(ds, hardCsv);
    hard = {
      metrics: (await evaluateSplit(model, t.set, t.meta, { batchSize: 100 })).metrics,
      n: rows.length,
      file: hardCsv,
    };
  }
  model.dispose();
  const revising = r1.puzzles.filter((p) => p.revisions.some((x) => x > 0)).length;
  const meanRevised =
    r1.puzzles.reduce((a, p) => a + p.revisions.reduce((x, y) => x + y, 0), 0) / Math.max(1, r1.puzzles.length);
  fs.mkdirSync(media, { recursive: true });
  fs.copyFileSync(path.join(ck, 'model.safetensors'), path.join(media, 'model.safetensors'));
  fs.writeFileSync(path.join(media, 'config.json'), JSON.stringify(loaded.config, null, 2) + '\n');
  const firstCorrect: Record<string, number> = {};
  for (const p of r1.puzzles) {
    const k = p.firstCorrectStep ? String(p.firstCorrectStep) : 'never';
    firstCorrect[k] = (firstCorrect[k] ?? 0) + 1;
  }
  const results = {
    firstCorrect,
    step: state.step,
    trainingMinutes: state.elapsedSec / 60,
    backend: backend.description,
    heldOut: r1.metrics,
    revising,
    meanRevised,
    hard,
  };
  fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(results, null, 2));
  fs.writeFileSync(
    path.join(media, 'README.md'),
    readme(results, recipeName, loaded.config, state.step, fs.statSync(path.join(media, 'model.safetensors')).size),
  );
  console.log(JSON.stringify(results, null, 2));
}

interface DemoResults {
  firstCorrect: Record<string, number>;
  step: number;
  trainingMinutes: number;
  backend: string;
  heldOut: Record<string, number>;
  revising: number;
  meanRevised: number;
  hard?: { metrics: Record<string, number>; n: number; file: string };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** The paper's recursion: T = 3 cycles of (n = 6 z updates + 1 y update), 2 layers, N_sup = 16. */
export function isPaperRecursion(c: Pick<TrmConfig, 'H_cycles' | 'L_cycles' | 'L_layers' | 'halt_max_steps'>): boolean {
  return c.H_cycles === 3 && c.L_cycles === 6 && c.L_layers === 2 && c.halt_max_steps === 16;
}

/** What a model's README says about its shape, from its config (never from what we hoped to train). */
export function shapeParagraph(c: TrmConfig, trainingMinutes: number): string[] {
  const updates = c.H_cycles * (c.L_cycles + 1);
  const recursion =
    `T = H_cycles ${c.H_cycles} cycles of (n = L_cycles ${c.L_cycles} z updates + 1 y update) = ${updates} updates per ` +
    `supervision step, each ${c.L_layers} layer${c.L_layers === 1 ? '' : 's'} deep: ${updates * c.L_layers} layer applications per step, ` +
    `up to N_sup = halt_max_steps ${c.halt_max_steps} steps.`;
  if (isPaperRecursion(c))
    return [
      "A TRM (MLP-T variant) with the paper's recursion: " + recursion,
      `Only its width is smaller than the paper's (hidden_size ${c.hidden_size} instead of 512), so that the project's own`,
      `trainer (\`src/engine/train/\`) could train it on a CPU (${trainingMinutes.toFixed(0)} min). In the debugger the Call Stack`,
      'reaches `cycle 3 › z 6` and `layer 2` of every step, as in the paper.',
    ];
  return [
    "A small, fast TRM (MLP-T variant) trained on a CPU by the project's own trainer (`src/engine/train/`). Its",
    "recursion is smaller than the paper's (T = 3, n = 6, 2 layers, N_sup = 16): " + recursion,
    "It is the quick second choice; the default bundled model (`media/models/sudoku/`) has the paper's recursion.",
  ];
}

function readme(r: DemoResults, recipeName: DemoRecipeName, c: TrmConfig, step: number, bytes: number): string {
  const DEMO_RECIPE = DEMO_RECIPES[recipeName];
  const h = r.heldOut;
  const paper = isPaperRecursion(c);
  const media = paper ? 'media/models/sudoku' : 'media/models/sudoku-small';
  const lines = [
    paper ? "# Sudoku model with the paper's recursion (the default bundled model)" : '# Small Sudoku model',
    '',
    ...shapeParagraph(c, r.trainingMinutes),
    '',
    '## How it was made',
    '',
    '```',
    `node esbuild.mjs && node scripts/train-demo.mjs --recipe ${recipeName} --media ${media} --hard ../shared/datasets/sudoku/derived-solved/test.csv`,
    '```',
    '',
    'Rerunning resumes the run in `out/train-demo/run/` (or `--work <dir>`) from its latest checkpoint and re-exports;',
    '`--minutes M` caps one sitting, so it can train over several sittings (or on a GPU when one is installed).',
    '',
    `- Data: ${DEMO_DATA.trainPuzzles} generated 9x9 puzzles with a unique solution and ${DEMO_DATA.minGivens}-${DEMO_DATA.maxGivens} givens`,
    `  (${81 - DEMO_DATA.maxGivens}-${81 - DEMO_DATA.minGivens} blanks), each plus ${DEMO_DATA.augment} shuffled copy (digit relabelling, transpose, band/row permutations),`,
    `  seed ${DEMO_DATA.seed}; ${DEMO_DATA.testPuzzles} further generated puzzles of the same difficulty held out for testing.`,
    `- Model: hidden_size ${c.hidden_size}, L_layers ${c.L_layers}, mlp_t, H_cycles (T) ${c.H_cycles}, L_cycles (n) ${c.L_cycles},`,
    `  halt_max_steps (N_sup) ${c.halt_max_steps}, puzzle_emb_len ${c.puzzle_emb_len}, float32, ${c.loss_type}.`,
    `- Recipe: the official one (deep supervision with the carry kept across batches, ACT with exploration, q-halt BCE, AdamATan2,`,
    `  SignSGD puzzle embedding, warm-up + cosine, EMA, gradients through the last cycle only) with CPU-sized settings:`,
    `  batch ${DEMO_RECIPE.global_batch_size}, lr ${DEMO_RECIPE.lr}, warm-up ${DEMO_RECIPE.lr_warmup_steps}, lr_min_ratio ${DEMO_RECIPE.lr_min_ratio}, weight decay ${DEMO_RECIPE.weight_decay}, EMA ${DEMO_RECIPE.ema_rate}.`,
    `- Trained ${step} steps (one ACT step of one batch each) in ${r.trainingMinutes.toFixed(1)} min of training time on ${r.backend}.`,
    `- File: model.safetensors, ${(bytes / 1e6).toFixed(2)} MB (EMA weights, config embedded; config.json beside it).`,
    '',
    '## Measured accuracy (full N_sup supervision steps, official evaluation)',
    '',
    '| test set | puzzles | exact (whole grid right) | cell accuracy | q-halt accuracy |',
    '| --- | --- | --- | --- | --- |',
    `| held-out generated, ${DEMO_DATA.minGivens}-${DEMO_DATA.maxGivens} givens | ${h.count} | ${pct(h.exact_accuracy)} | ${pct(h.accuracy)} | ${pct(h.q_halt_accuracy)} |`,
  ];
  if (r.hard) {
    const m = r.hard.metrics;
    lines.push(
      `| hard puzzles (first ${r.hard.n} rows of shared/datasets/sudoku/derived-solved/test.csv: magictour top1465, 17-25 givens) | ${m.count} | ${pct(m.exact_accuracy)} | ${pct(m.accuracy)} | ${pct(m.q_halt_accuracy)} |`,
    );
  }
  lines.push(
    '',
    `Cell accuracy counts all 81 cells, givens included (as the official metric does). Mean first step with q_halt > 0`,
    `on the held-out set: ${h.mean_steps.toFixed(2)} of ${c.halt_max_steps}. ${r.revising} of ${h.count} held-out puzzles change their answer between`,
    `supervision steps (on average ${r.meanRevised.toFixed(1)} cell changes per puzzle over the episode)${r.revising >= 0.1 * h.count ? ': the model visibly revises its answers' : ''}.`,
    `Inside every step the answer y is revised ${c.H_cycles} times (once per cycle): step to the debugger's`,
    '`cycle k › y (z_H)` frames, or look at the y columns of the timeline, to see each revision.',
    `Supervision step at which held-out puzzles were first entirely right: ${Object.entries(r.firstCorrect)
      .map(([k, v]) => `${k === 'never' ? 'never' : `step ${k}`}: ${v}`)
      .join(', ')}.`,
    'Open the model in the debugger (`predict`/trace) to watch y (the answer) change from step to step.',
    r.hard && r.hard.metrics.exact_accuracy === 0
      ? 'The hard puzzles are far beyond this model: it solves none of them.'
      : '',
    '',
  );
  return lines.join('\n');
}

main().catch((e) => {
  console.error(`train-demo: error: ${(e as Error).message}`);
  process.exitCode = 1;
});
