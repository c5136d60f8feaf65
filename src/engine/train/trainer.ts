// runTraining: the whole training run behind `trm train`, the worker thread and the VS Code
// dashboard. Reads the built dataset, resolves the recipe, starts or resumes from the run folder's
// latest checkpoint (exact: weights, optimiser moments, EMA, carry, data position, RNG states), runs
// the official loop step by step, evaluates and checkpoints on schedule, and reports TrainEvents.
// Cancelling (AbortSignal) stops after the current step and writes a final checkpoint.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import './gradients';
import { BackendName, selectBackend } from '../backend';
import type { TrmConfig } from '../config';
import { BuiltDataset, BuiltSet, DatasetMetadata, readBuiltDataset } from '../data/built';
import { ActCarry, initialCarry } from '../model/act';
import { TrmModel } from '../model/trm';
import { evaluateSplit } from './evaluate';
import type { TrainEvent, TrainRequest } from './events';
import { HostParams, PUZZLE_TABLE, hostParamsFrom, initialHostParams, syncVariables, weightsFor } from './modelState';
import { Recipe, TrainHyperparams, resolveRecipe, validateHyperparams } from './recipe';
import { TrainRng } from './rng';
import { TrainSampler } from './sampler';
import {
  CarrySnapshot,
  LATEST_FILE,
  RUN_FILE,
  latestCheckpointDir,
  readCheckpoint,
  removeStaleTemps,
  writeCheckpoint,
  writeJsonAtomic,
} from './runDir';
import { scheduledLr } from './schedule';
import { MetricWindow, trainStep } from './step';
import { registerTrainingWasmKernels } from '../kernels/wasmSegmentSum';

export interface RunOptions {
  /** Folder holding the wasm binaries (the bundle's folder); default: next to the running script. */
  wasmDir?: string;
  /** Skip backend selection (tests that already picked one). */
  keepBackend?: boolean;
  /** Compute threads for the wasm backend (default: the backend's own choice). */
  threads?: number;
}

interface RunFile {
  format: 'trm-lens-train-run/1';
  preset?: string;
  source: string;
  data: string;
  config: TrmConfig;
  train: TrainHyperparams;
}

function loadData(dir: string): { ds: BuiltDataset; train: BuiltSet; meta: DatasetMetadata } {
  if (!fs.existsSync(dir))
    throw new Error(`--data ${dir} does not exist (expected a built dataset folder with train/ and test/)`);
  const ds = readBuiltDataset(dir);
  const split = ds.splits.train;
  if (!split)
    throw new Error(
      `--data ${dir}: no train/ split (found ${Object.keys(ds.splits).join(', ') || 'none'}); training needs train/dataset.json`,
    );
  if (split.sets.length !== 1)
    throw new Error(
      `--data ${dir}: train split has ${split.sets.length} sets; only single-set datasets (sets: ["all"]) are supported`,
    );
  return { ds, train: split.sets[0], meta: split.meta };
}

function checkRequest(r: TrainRequest): void {
  if (!r || typeof r !== 'object') throw new Error('training request must be an object');
  if (typeof r.data !== 'string' || !r.data) throw new Error('training request needs `data` (a built dataset folder)');
  if (typeof r.out !== 'string' || !r.out) throw new Error('training request needs `out` (the run folder)');
  const pos = (k: keyof TrainRequest, int: boolean, min: number): void => {
    const v = r[k];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min) {
      throw new Error(`${k} must be ${int ? 'an integer' : 'a number'} >= ${min} (got ${JSON.stringify(v)})`);
    }
  };
  pos('steps', true, 1);
  pos('batchSize', true, 1);
  pos('lr', false, 0);
  pos('evalEvery', true, 0);
  pos('checkpointEvery', true, 0);
  pos('seed', true, 0);
}

async function snapshotCarry(carry: ActCarry): Promise<CarrySnapshot> {
  const [B, T, D] = carry.state.y.shape;
  const [y, z] = await Promise.all([carry.state.y.data(), carry.state.z.data()]);
  return {
    y: Float32Array.from(y as Float32Array),
    z: Float32Array.from(z as Float32Array),
    shape: [B, T, D],
    steps: Int32Array.from(carry.steps),
    halted: Uint8Array.from(carry.halted),
    inputs: Int32Array.from(carry.data.inputs),
    labels: Int32Array.from(carry.data.labels!),
    puzzleIdentifiers: Int32Array.from(carry.data.puzzleIdentifiers),
  };
}

function restoreCarry(model: TrmModel, snap: CarrySnapshot | undefined, B: number): ActCarry {
  const [T, D] = [model.derived.totalSeqLen, model.config.hidden_size];
  if (!snap || snap.shape[0] !== B || snap.shape[1] !== T || snap.shape[2] !== D) return initialCarry(model, B);
  return {
    state: { y: tf.tensor3d(snap.y, snap.shape), z: tf.tensor3d(snap.z, snap.shape) },
    steps: Int32Array.from(snap.steps),
    halted: Uint8Array.from(snap.halted),
    data: {
      inputs: Int32Array.from(snap.inputs),
      labels: Int32Array.from(snap.labels),
      puzzleIdentifiers: Int32Array.from(snap.puzzleIdentifiers),
    },
  };
}

/** Runs (or resumes) a training run. Resolves when finished or cancelled; reports failures as an `error` event and rethrows. */
export async function runTraining(
  request: TrainRequest,
  onEvent: (e: TrainEvent) => void,
  signal?: AbortSignal,
  opts: RunOptions = {},
): Promise<void> {
  try {
    await runTrainingInner(request, onEvent, signal, opts);
  } catch (e) {
    onEvent({ type: 'error', message: (e as Error)?.message ?? String(e) });
    throw e;
  }
}

async function runTrainingInner(
  request: TrainRequest,
  onEvent: (e: TrainEvent) => void,
  signal: AbortSignal | undefined,
  opts: RunOptions,
): Promise<void> {
  checkRequest(request);
  const out = path.resolve(request.out);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory())
    throw new Error(`--out ${request.out} exists and is not a folder`);
  fs.mkdirSync(out, { recursive: true });
  removeStaleTemps(out);
  const hasCheckpoint = fs.existsSync(path.join(out, LATEST_FILE));
  const hasRun = fs.existsSync(path.join(out, RUN_FILE));
  if (!request.resume && (hasCheckpoint || hasRun)) {
    throw new Error(
      `--out ${request.out} already holds a training run; pass --resume to continue it or choose another --out`,
    );
  }

  // Recipe: a resumed run keeps its own (only the step count may be extended).
  let recipe: Recipe;
  let dataDir = request.data;
  if (request.resume && hasRun) {
    const run = JSON.parse(fs.readFileSync(path.join(out, RUN_FILE), 'utf8')) as RunFile;
    if (run.format !== 'trm-lens-train-run/1')
      throw new Error(`${path.join(out, RUN_FILE)}: not a TRM Lens training run`);
    recipe = { config: run.config, train: { ...run.train }, preset: run.preset, source: run.source };
    if (request.steps !== undefined) recipe.train.total_steps = request.steps;
    validateHyperparams(recipe.train, `${RUN_FILE}`);
    // A changed step count is part of the run from now on (later resumes and the dashboard see it).
    if (request.steps !== undefined && request.steps !== run.train.total_steps)
      writeJsonAtomic(path.join(out, RUN_FILE), { ...run, train: recipe.train });
    dataDir = request.data || run.data;
  }
  const { ds, train: trainSet, meta } = loadData(dataDir);
  if (request.resume && hasRun) {
    recipe = recipe!;
    for (const k of ['seq_len', 'vocab_size', 'num_puzzle_identifiers'] as const) {
      if (recipe.config[k] !== meta[k])
        throw new Error(
          `cannot resume: the run was trained with ${k} = ${recipe.config[k]}, but --data ${request.data} has ${k} = ${meta[k]}`,
        );
    }
  } else {
    recipe = resolveRecipe(request, meta);
    const run: RunFile = {
      format: 'trm-lens-train-run/1',
      preset: recipe.preset,
      source: recipe.source,
      data: path.resolve(request.data),
      config: recipe.config,
      train: recipe.train,
    };
    writeJsonAtomic(path.join(out, RUN_FILE), run);
  }
  const { config, train: h } = recipe;

  let backendName = tf.getBackend();
  if (!opts.keepBackend) {
    const info = await selectBackend({
      prefer: request.backend as BackendName | undefined,
      wasmDir: opts.wasmDir ?? __dirname + path.sep,
      threads: opts.threads,
    });
    backendName = info.description;
  }
  if (tf.getBackend() === 'wasm') registerTrainingWasmKernels();

  // State: fresh or from the latest checkpoint.
  const ckDir = request.resume ? latestCheckpointDir(out) : undefined;
  let params: HostParams;
  let step = 0,
    elapsedBefore = 0;
  let sampler: TrainSampler;
  let haltRng: TrainRng;
  let carrySnap: CarrySnapshot | undefined;
  if (ckDir) {
    const ck = readCheckpoint(ckDir);
    params = hostParamsFrom(config, ck.weights, h.ema);
    for (const k of params.trainable) {
      const st = params.adam.get(k)!;
      const m = ck.adamM.get(k),
        v = ck.adamV.get(k);
      if (!m || !v || m.length !== st.m.length)
        throw new Error(`${ckDir}: optimiser state for ${k} is missing or has the wrong size`);
      st.m.set(m);
      st.v.set(v);
      st.t = ck.state.adamT[k] ?? ck.state.step;
      if (params.ema) {
        const e = ck.ema?.get(k);
        if (!e) throw new Error(`${ckDir}: EMA state for ${k} is missing`);
        params.ema.get(k)!.set(e);
      }
    }
    step = ck.state.step;
    elapsedBefore = ck.state.elapsedSec;
    sampler = new TrainSampler(trainSet, meta, h.seed, ck.state.sampler);
    haltRng = new TrainRng(ck.state.haltRng);
    carrySnap = ck.carry;
  } else {
    params = initialHostParams(config, h.seed, h.ema);
    sampler = new TrainSampler(trainSet, meta, h.seed);
    haltRng = new TrainRng(h.seed + 17);
  }

  const model = TrmModel.fromWeights(config, weightsFor(params, 'live'), { source: 'training state' });
  const B = h.global_batch_size;
  let carry = restoreCarry(model, carrySnap, B);
  const test = ds.splits.test;
  onEvent({
    type: 'started',
    runDir: out,
    preset: recipe.preset,
    totalSteps: h.total_steps,
    startStep: step,
    backend: backendName,
    resumed: !!ckDir,
    parameters: model.parameterCount(),
    examplesPerStep: B,
  });

  const sched = (base: number, s: number): number =>
    scheduledLr(s, {
      baseLr: base,
      warmupSteps: h.lr_warmup_steps,
      totalSteps: h.total_steps,
      minRatio: h.lr_min_ratio,
    });
  let window = new MetricWindow();
  let windowStart = Date.now(),
    windowExamples = 0;
  const runStart = Date.now();
  let lastEval: Record<string, number> | undefined;

  const evalModel = (): TrmModel => {
    // The official evaluation/checkpoint copy: EMA weights, live buffers (puzzle table included).
    return TrmModel.fromWeights(config, weightsFor(params, h.ema ? 'ema' : 'live'), { source: 'training state' });
  };
  const doEval = async (): Promise<void> => {
    if (!test) return;
    const m = evalModel();
    try {
      const r = await evaluateSplit(m, test.sets[0], test.meta, {
        batchSize: Math.min(B, 256),
        maxExamples: h.eval_max_examples,
        identifiers: ds.identifiers,
        signal,
      });
      lastEval = r.metrics;
      onEvent({ type: 'eval', step, metrics: r.metrics });
    } finally {
      m.dispose();
    }
  };
  const doCheckpoint = async (): Promise<void> => {
    const carrySnapshot = await snapshotCarry(carry);
    const evalWeights = weightsFor(params, h.ema ? 'ema' : 'live');
    const adamT: Record<string, number> = {};
    for (const k of params.trainable) adamT[k] = params.adam.get(k)!.t;
    const dir = writeCheckpoint(out, config, evalWeights, {
      state: {
        step,
        elapsedSec: elapsedBefore + (Date.now() - runStart) / 1000,
        sampler: sampler.position(),
        haltRng: haltRng.state(),
        adamT,
        ema: h.ema,
        lastEval,
      },
      weights: weightsFor(params, 'live'),
      adamM: new Map(params.trainable.map((k) => [k, params.adam.get(k)!.m])),
      adamV: new Map(params.trainable.map((k) => [k, params.adam.get(k)!.v])),
      ema: params.ema,
      carry: carrySnapshot,
    });
    onEvent({ type: 'checkpoint', step, path: path.join(dir, 'model.safetensors') });
  };

  let cancelled = false;
  try {
    while (step < h.total_steps) {
      if (signal?.aborted) {
        cancelled = true;
        break;
      }
      const { batch } = sampler.next(B);
      const s = step + 1;
      const r = await trainStep(model, params, carry, batch, h, sched(h.lr, s), sched(h.puzzle_emb_lr, s), haltRng);
      carry = r.carry;
      step = s;
      window.add(r.metrics, r.batchSize);
      windowExamples += r.batchSize;
      if (step % h.log_every === 0 || step === h.total_steps) {
        const now = Date.now();
        onEvent({
          type: 'progress',
          step,
          totalSteps: h.total_steps,
          lr: sched(h.lr, step),
          metrics: window.summary(),
          examplesPerSec: windowExamples / Math.max(1e-3, (now - windowStart) / 1000),
          elapsedSec: elapsedBefore + (now - runStart) / 1000,
        });
        window = new MetricWindow();
        windowStart = now;
        windowExamples = 0;
      }
      const evalDue = h.eval_interval > 0 && step % h.eval_interval === 0;
      if (evalDue) await doEval();
      const ckDue = h.checkpoint_every > 0 ? step % h.checkpoint_every === 0 : evalDue;
      if (ckDue && step < h.total_steps) await doCheckpoint();
      // Let the event loop deliver cancel messages and flush output between steps.
      await new Promise<void>((res) => setImmediate(res));
    }
    if (!cancelled && (h.eval_interval === 0 || step % h.eval_interval !== 0)) await doEval();
    // Sync the puzzle table into the model for completeness (the checkpoint reads the host copy).
    if (params.values.has(PUZZLE_TABLE)) syncVariables(model, params, [PUZZLE_TABLE]);
    await doCheckpoint();
    onEvent({ type: 'finished', step, reason: cancelled ? 'cancelled' : 'done' });
  } finally {
    carry.state.y.dispose();
    carry.state.z.dispose();
    model.dispose();
  }
}
