// Messages between the extension host and the prediction worker (dist/predictWorker.js), one
// interface per message with a `type` discriminant, and runtime guards for both directions: a
// message is checked before it is trusted, whichever side sent it.

import { type BackendChoice, DTYPE_CHOICES, type DtypeChoice, isBackendChoice } from '../native/select';
import type { ModelInfo } from './predictEngine';
import type { HaltPolicy, PuzzlePrediction } from './prediction';
import type { PredictRequest } from './puzzleSpec';

export interface LoadMessage {
  type: 'load';
  checkpoint: string;
  config?: string;
  wasmDir: string;
  /** Default: the fastest path that loads (native ONNX Runtime, else TF.js's best backend). */
  backend?: BackendChoice;
  /** Default: the checkpoint's forward_dtype. */
  dtype?: DtypeChoice;
}
export interface PredictMessage {
  type: 'predict';
  runId: number;
  puzzles: PredictRequest[];
  policy: HaltPolicy;
}
export interface CancelMessage {
  type: 'cancel';
  runId: number;
}
export type ToWorker = LoadMessage | PredictMessage | CancelMessage;

export interface BackendSummary {
  name: string;
  description: string;
  gpu: boolean;
  threads: number;
}
export interface LoadedMessage {
  type: 'loaded';
  model: ModelInfo;
  backend: BackendSummary;
}
export interface LoadErrorMessage {
  type: 'loadError';
  message: string;
}
export interface StepMessage {
  type: 'step';
  runId: number;
  step: number;
  of: number;
}
export interface ResultMessage {
  type: 'result';
  runId: number;
  results: PuzzlePrediction[];
}
export interface CancelledMessage {
  type: 'cancelled';
  runId: number;
}
export interface RunErrorMessage {
  type: 'runError';
  runId: number;
  message: string;
}
export type FromWorker =
  LoadedMessage | LoadErrorMessage | StepMessage | ResultMessage | CancelledMessage | RunErrorMessage;

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number';

function isRequest(v: unknown): v is PredictRequest {
  return isRec(v) && isStr(v.key) && v.inputs instanceof Int32Array && isInt(v.puzzleIdentifier);
}

function isPrediction(v: unknown): v is PuzzlePrediction {
  return (
    isRec(v) &&
    isStr(v.key) &&
    (v.error === undefined || isStr(v.error)) &&
    Array.isArray(v.steps) &&
    v.steps.every((s) => isRec(s) && isInt(s.step) && isNum(s.qHalt) && isInt(s.changed)) &&
    (v.haltStep === null || isInt(v.haltStep)) &&
    isInt(v.usedStep) &&
    Array.isArray(v.deltas) &&
    v.deltas.every((d) => d instanceof Int32Array) &&
    v.confidence instanceof Float32Array
  );
}

function isModelInfo(v: unknown): v is ModelInfo {
  return (
    isRec(v) &&
    isStr(v.checkpoint) &&
    isStr(v.configSource) &&
    isInt(v.seqLen) &&
    isInt(v.vocabSize) &&
    isInt(v.numPuzzleIdentifiers) &&
    isInt(v.haltMaxSteps) &&
    isStr(v.task) &&
    isInt(v.parameterCount) &&
    Array.isArray(v.warnings) &&
    v.warnings.every(isStr)
  );
}

export function isToWorker(v: unknown): v is ToWorker {
  if (!isRec(v)) return false;
  switch (v.type) {
    case 'load':
      return (
        isStr(v.checkpoint) &&
        (v.config === undefined || isStr(v.config)) &&
        isStr(v.wasmDir) &&
        (v.backend === undefined || isBackendChoice(v.backend)) &&
        (v.dtype === undefined || DTYPE_CHOICES.includes(v.dtype as DtypeChoice))
      );
    case 'predict':
      return (
        isInt(v.runId) &&
        (v.policy === 'first' || v.policy === 'all') &&
        Array.isArray(v.puzzles) &&
        v.puzzles.every(isRequest)
      );
    case 'cancel':
      return isInt(v.runId);
    default:
      return false;
  }
}

export function isFromWorker(v: unknown): v is FromWorker {
  if (!isRec(v)) return false;
  switch (v.type) {
    case 'loaded':
      return (
        isModelInfo(v.model) &&
        isRec(v.backend) &&
        isStr(v.backend.name) &&
        isStr(v.backend.description) &&
        typeof v.backend.gpu === 'boolean' &&
        isInt(v.backend.threads)
      );
    case 'loadError':
      return isStr(v.message);
    case 'step':
      return isInt(v.runId) && isInt(v.step) && isInt(v.of);
    case 'result':
      return isInt(v.runId) && Array.isArray(v.results) && v.results.every(isPrediction);
    case 'cancelled':
      return isInt(v.runId);
    case 'runError':
      return isInt(v.runId) && isStr(v.message);
    default:
      return false;
  }
}
