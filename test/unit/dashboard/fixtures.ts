// Shared test data for the dashboard tests: trainer events and protocol values.
import type { TrainEvent, TrainMetrics, TrainRequest } from '../../../src/engine/train/events';
import type { ProgressPoint, RunInfo, RunSnapshot } from '../../../src/protocol/dashboard';

export const REQUEST: TrainRequest = {
  preset: 'sudoku-mlp-small',
  data: '/data/sudoku',
  out: '/runs/a',
  resume: false,
  steps: 100,
};

export function metrics(step: number, over: Partial<TrainMetrics> = {}): TrainMetrics {
  return {
    lmLoss: 2 / step,
    qHaltLoss: 0.5 / step,
    totalLoss: 2 / step + 0.25 / step,
    accuracy: Math.min(1, step / 100),
    exactAccuracy: step / 200,
    qHaltAccuracy: 0.5,
    meanSteps: 1 + step / 50,
    ...over,
  };
}

export function progress(
  step: number,
  over: Partial<TrainMetrics> = {},
  totalSteps = 100,
): Extract<TrainEvent, { type: 'progress' }> {
  return {
    type: 'progress',
    step,
    totalSteps,
    lr: 1e-3 * Math.min(1, step / 10),
    metrics: metrics(step, over),
    examplesPerSec: 320,
    elapsedSec: step * 0.5,
  };
}

export const STARTED: TrainEvent = {
  type: 'started',
  runDir: '/runs/a',
  preset: 'sudoku-mlp-small',
  totalSteps: 100,
  startStep: 0,
  backend: 'wasm (simd, 2 threads)',
  resumed: false,
  parameters: 123456,
  examplesPerStep: 32,
};

export function point(step: number, over: Partial<ProgressPoint> = {}): ProgressPoint {
  return {
    step,
    lr: 1e-3,
    lmLoss: 1,
    qHaltLoss: 0.5,
    totalLoss: 1.25,
    accuracy: 0.5,
    exactAccuracy: 0.1,
    qHaltAccuracy: 0.6,
    meanSteps: 2,
    examplesPerSec: 100,
    elapsedSec: step,
    ...over,
  };
}

export function info(runId = 1, over: Partial<RunInfo> = {}): RunInfo {
  return {
    runId,
    runDir: '/runs/a',
    dataDir: '/data/sudoku',
    preset: 'sudoku-mlp-small',
    resumed: false,
    backend: 'wasm',
    totalSteps: 100,
    startStep: 0,
    parameters: 1000,
    examplesPerStep: 32,
    ...over,
  };
}

export function snapshot(runId = 1, steps: number[] = [10, 20, 30]): RunSnapshot {
  return {
    info: info(runId),
    status: 'running',
    message: '',
    progress: steps.map((s) => point(s)),
    evals: [{ step: 20, metrics: { accuracy: 0.4 } }],
    checkpoints: [{ step: 20, path: '/runs/a/step_20/model.safetensors' }],
  };
}
