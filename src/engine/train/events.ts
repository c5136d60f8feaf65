// The training event contract shared by the trainer, the worker thread, the CLI and the VS Code
// dashboard: plain JSON objects that survive postMessage, with a runtime validator for the receiver.

export interface TrainMetrics {
  lmLoss: number;
  qHaltLoss: number;
  totalLoss: number;
  accuracy: number;
  exactAccuracy: number;
  qHaltAccuracy: number;
  meanSteps: number;
  /** Optional: examples that halted in the window (accuracy, exactAccuracy, qHaltAccuracy, meanSteps are over these; 0 = not yet meaningful). */
  haltedCount?: number;
}

export type TrainEvent =
  | {
      type: 'started';
      runDir: string;
      preset?: string;
      totalSteps: number;
      startStep: number;
      backend: string;
      resumed: boolean;
      /** Optional: parameter count of the model being trained. */ parameters?: number;
      examplesPerStep?: number;
    }
  | {
      type: 'progress';
      step: number;
      totalSteps: number;
      lr: number;
      metrics: TrainMetrics;
      examplesPerSec: number;
      elapsedSec: number;
    }
  | { type: 'eval'; step: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'finished'; step: number; reason: 'done' | 'cancelled' }
  | { type: 'error'; message: string };

export interface TrainRequest {
  preset?: string;
  configPath?: string;
  data: string;
  out: string;
  resume: boolean;
  steps?: number;
  batchSize?: number;
  lr?: number;
  evalEvery?: number;
  checkpointEvery?: number;
  seed?: number;
  backend?: string;
}

/** Messages the worker thread accepts. */
export type TrainWorkerCommand = { type: 'start'; request: TrainRequest } | { type: 'cancel' };

const METRIC_KEYS: readonly (keyof TrainMetrics)[] = [
  'lmLoss',
  'qHaltLoss',
  'totalLoss',
  'accuracy',
  'exactAccuracy',
  'qHaltAccuracy',
  'meanSteps',
];

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
const isNum = (v: unknown): v is number => typeof v === 'number';
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function isMetrics(v: unknown): v is TrainMetrics {
  return isObj(v) && METRIC_KEYS.every((k) => isNum(v[k]));
}

/** Runtime check of a TrainEvent received over a message channel. */
export function isTrainEvent(v: unknown): v is TrainEvent {
  if (!isObj(v) || !isStr(v.type)) return false;
  switch (v.type) {
    case 'started':
      return (
        isStr(v.runDir) &&
        (v.preset === undefined || isStr(v.preset)) &&
        isInt(v.totalSteps) &&
        isInt(v.startStep) &&
        isStr(v.backend) &&
        typeof v.resumed === 'boolean'
      );
    case 'progress':
      return (
        isInt(v.step) &&
        isInt(v.totalSteps) &&
        isNum(v.lr) &&
        isMetrics(v.metrics) &&
        isNum(v.examplesPerSec) &&
        isNum(v.elapsedSec)
      );
    case 'eval':
      return isInt(v.step) && isObj(v.metrics) && Object.values(v.metrics).every(isNum);
    case 'checkpoint':
      return isInt(v.step) && isStr(v.path);
    case 'finished':
      return isInt(v.step) && (v.reason === 'done' || v.reason === 'cancelled');
    case 'error':
      return isStr(v.message);
    default:
      return false;
  }
}

/** Runtime check of a worker command (start/cancel). */
export function isTrainWorkerCommand(v: unknown): v is TrainWorkerCommand {
  if (!isObj(v)) return false;
  if (v.type === 'cancel') return true;
  return (
    v.type === 'start' &&
    isObj(v.request) &&
    isStr(v.request.data) &&
    isStr(v.request.out) &&
    typeof v.request.resume === 'boolean'
  );
}
