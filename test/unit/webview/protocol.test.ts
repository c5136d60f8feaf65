// The timeline protocol's runtime validators: every valid message passes, and each kind of bad
// field is rejected with a message naming the field.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isHeatmapMessage,
  isHostToWebviewMessage,
  isInitMessage,
  isPositionMessage,
  isReadyMessage,
  isRequestHeatmapMessage,
  isSeekMessage,
  isStepSummaryMessage,
  isTrajectoryMessage,
  isWebviewToHostMessage,
  validateHostToWebview,
  validateWebviewToHost,
  type HostToWebviewMessage,
  type TraceInfo,
  type WebviewToHostMessage,
} from '../../../src/protocol/timeline';

const info = (): TraceInfo => ({
  sessionId: 's',
  sessionName: 'n',
  puzzleId: 'p',
  taskKind: 'sudoku',
  gridHeight: 9,
  gridWidth: 9,
  seqLen: 81,
  puzzleEmbLen: 16,
  hiddenSize: 512,
  vocabSize: 11,
  hCycles: 3,
  lCycles: 6,
  lLayers: 2,
  maxSteps: 16,
  inputs: new Int32Array(81),
  labels: new Int32Array(81),
  checkpoint: 'c',
  backend: 'wasm',
});
const position = {
  step: 2,
  cycle: 1,
  kind: 'z',
  index: 3,
  ordinal: 2,
  description: 'step 2 › cycle 1 › z 3 (z_L)',
  reason: 'step',
} as const;
const summary = () => ({
  step: 1,
  preds: new Int32Array(81),
  confidence: new Float32Array(81),
  qHalt: NaN,
  qContinue: 0,
  haltProbability: 0.5,
  wouldHalt: false,
  halted: false,
  changedCells: new Int32Array([1, 2]),
  nonFinite: true,
});

const validHost: HostToWebviewMessage[] = [
  { type: 'init', protocolVersion: 1, theme: 'dark', view: null, traceInfo: null, position: null, notice: 'x' },
  {
    type: 'init',
    protocolVersion: 1,
    theme: 'highContrastLight',
    view: { tensor: 'y', view: 'pca', channel: 0, diff: 'label', granularity: 'layer' },
    traceInfo: info(),
    position: { ...position, layer: 2 },
    notice: '',
  },
  { type: 'position', sessionId: 's', position },
  { type: 'heatmap', id: 3, values: new Float32Array([NaN, 1]), min: NaN, max: 1 },
  { type: 'stepSummary', id: 4, summary: summary() },
  {
    type: 'trajectory',
    id: 5,
    tensor: 'z',
    steps: new Int32Array(2),
    ordinals: new Int32Array(2),
    xs: new Float32Array(2),
    ys: new Float32Array(2),
  },
  { type: 'sessionEnded', sessionId: 's', notice: 'bye' },
  { type: 'error', id: null, message: 'seek failed' },
  { type: 'error', id: 7, message: 'no' },
  { type: 'theme', theme: 'light' },
];
const validWebview: WebviewToHostMessage[] = [
  { type: 'ready', protocolVersion: 1 },
  { type: 'requestHeatmap', id: 1, step: 1, ordinal: 0, tensor: 'z', view: 'norm' },
  { type: 'requestHeatmap', id: 2, step: 3, ordinal: 20, layer: 2, tensor: 'y', view: 'channel', channel: 17 },
  { type: 'requestStepSummary', id: 3, step: 2 },
  { type: 'requestTrajectory', id: 4, tensor: 'y', steps: 16 },
  { type: 'seek', step: 2, ordinal: 6 },
  { type: 'seek', step: 2, ordinal: 6, layer: 1 },
  { type: 'setView', view: { tensor: 'z', view: 'norm', channel: 3, diff: 'previous', granularity: 'update' } },
  { type: 'webviewError', message: 'boom' },
];

describe('timeline protocol validators', () => {
  it('accept every well-formed message, in each direction only', () => {
    for (const m of validHost) assert.equal(validateHostToWebview(m), undefined, m.type);
    for (const m of validWebview) assert.equal(validateWebviewToHost(m), undefined, m.type);
    for (const m of validHost) assert.equal(isWebviewToHostMessage(m), false, `${m.type} is not webview→host`);
    for (const m of validWebview) assert.equal(isHostToWebviewMessage(m), false, `${m.type} is not host→webview`);
    assert.ok(isInitMessage(validHost[1]) && isPositionMessage(validHost[2]) && isHeatmapMessage(validHost[3]));
    assert.ok(isStepSummaryMessage(validHost[4]) && isTrajectoryMessage(validHost[5]));
    assert.ok(
      isReadyMessage(validWebview[0]) && isRequestHeatmapMessage(validWebview[2]) && isSeekMessage(validWebview[6]),
    );
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', 42, /expected an object, got 42/],
    ['unknown type', { type: 'launch' }, /unknown type "launch"/],
    ['missing type', {}, /unknown type undefined/],
    [
      'plain array for bulk data',
      { type: 'heatmap', id: 1, values: [1, 2], min: 0, max: 1 },
      /heatmap\.values: expected Float32Array, got an array/,
    ],
    [
      'wrong typed array',
      { type: 'heatmap', id: 1, values: new Float64Array(2), min: 0, max: 1 },
      /heatmap\.values: expected Float32Array, got a Float64Array/,
    ],
    [
      'empty heatmap',
      { type: 'heatmap', id: 1, values: new Float32Array(0), min: 0, max: 1 },
      /heatmap\.values: empty/,
    ],
    [
      'negative id',
      { type: 'heatmap', id: -1, values: new Float32Array(1), min: 0, max: 1 },
      /heatmap\.id: expected an integer/,
    ],
    ['extra field', { type: 'theme', theme: 'dark', colour: 'red' }, /theme\.colour: unknown field/],
    ['bad theme', { type: 'theme', theme: 'sepia' }, /theme\.theme: expected one of "light", "dark"/],
    [
      'step 0',
      { type: 'position', sessionId: 's', position: { ...position, step: 0 } },
      /position\.position\.step: expected an integer in \[1,/,
    ],
    [
      'y with a z index',
      { type: 'position', sessionId: 's', position: { ...position, kind: 'y' } },
      /position\.position\.index: 3 does not fit kind y/,
    ],
    [
      'grid ≠ seqLen',
      { ...validHost[1], traceInfo: { ...info(), gridWidth: 8 } },
      /init\.traceInfo: gridHeight × gridWidth = 72 must equal seqLen 81/,
    ],
    [
      'short inputs',
      { ...validHost[1], traceInfo: { ...info(), inputs: new Int32Array(80) } },
      /init\.traceInfo\.inputs: length 80, expected seqLen 81/,
    ],
    [
      'labels as array',
      { ...validHost[1], traceInfo: { ...info(), labels: [1] } },
      /init\.traceInfo\.labels: expected Int32Array/,
    ],
    [
      'summary lengths',
      { type: 'stepSummary', id: 1, summary: { ...summary(), confidence: new Float32Array(80) } },
      /summary\.confidence: length 80 differs from preds length 81/,
    ],
    [
      'accuracy > 1',
      { type: 'stepSummary', id: 1, summary: { ...summary(), accuracy: 1.5 } },
      /summary\.accuracy: expected a finite number in \[0, 1\], got 1\.5/,
    ],
    [
      'trajectory lengths',
      { ...validHost[5], ys: new Float32Array(3) },
      /trajectory\.ys: length 3 differs from steps length 2/,
    ],
    ['error id as string', { type: 'error', id: '1', message: 'x' }, /error\.id: expected an integer/],
  ];
  for (const [name, m, re] of bad) {
    it(`rejects host→webview: ${name}`, () => {
      const problem = validateHostToWebview(m);
      assert.ok(problem, 'should be rejected');
      assert.match(problem, re);
    });
  }

  const badWebview: [string, unknown, RegExp][] = [
    [
      'channel view without channel',
      { type: 'requestHeatmap', id: 1, step: 1, ordinal: 0, tensor: 'z', view: 'channel' },
      /requestHeatmap\.channel: required when view is "channel"/,
    ],
    ['fractional ordinal', { type: 'seek', step: 1, ordinal: 0.5 }, /seek\.ordinal: expected an integer/],
    ['layer 0', { type: 'seek', step: 1, ordinal: 0, layer: 0 }, /seek\.layer: expected an integer in \[1,/],
    [
      'tensor x',
      { type: 'requestTrajectory', id: 1, tensor: 'x', steps: 1 },
      /requestTrajectory\.tensor: expected one of "y", "z"/,
    ],
    [
      'bad view state',
      { type: 'setView', view: { tensor: 'z', view: 'norm', channel: 0, diff: 'all', granularity: 'update' } },
      /setView\.view\.diff/,
    ],
    ['ready without version', { type: 'ready' }, /ready\.protocolVersion: expected an integer/],
  ];
  for (const [name, m, re] of badWebview) {
    it(`rejects webview→host: ${name}`, () => {
      const problem = validateWebviewToHost(m);
      assert.ok(problem, 'should be rejected');
      assert.match(problem, re);
    });
  }
});
