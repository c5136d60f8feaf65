// The host side without VS Code: DAP payload conversion (validation, number[] → typed arrays, JSON
// null → NaN), the ready handshake queue, and the panel HTML's CSP.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  heatmapArgs,
  heatmapFromDap,
  positionFromDap,
  seekArgs,
  stepSummaryFromDap,
  traceInfoFromDap,
  trajectoryFromDap,
} from '../../../src/extension/timeline/dapConvert';
import { contentSecurityPolicy, makeNonce, timelineHtml } from '../../../src/extension/timeline/html';
import { ReadyGate } from '../../../src/extension/timeline/readyGate';
import { isStepSummary, isTraceInfo, validateHostToWebview } from '../../../src/protocol/timeline';

const dapInfo = {
  puzzleId: 'p1',
  taskKind: 'maze',
  gridHeight: 2,
  gridWidth: 3,
  seqLen: 6,
  puzzleEmbLen: 0,
  hiddenSize: 8,
  vocabSize: 6,
  hCycles: 3,
  lCycles: 4,
  lLayers: 2,
  maxSteps: 16,
  inputs: [1, 2, 3, 4, 5, 2],
  labels: [1, 2, 3, 4, 5, 5],
  checkpoint: 'ck',
  backend: 'cpu',
  futureField: true,
};

describe('DAP → timeline conversion', () => {
  it('trace info: typed arrays, session identity, extra adapter fields tolerated', () => {
    const t = traceInfoFromDap(dapInfo, { id: 'id1', name: 'Maze' });
    assert.ok(isTraceInfo(t), 'result is a valid protocol TraceInfo');
    assert.ok(t.inputs instanceof Int32Array);
    assert.deepEqual(Array.from(t.labels!), [1, 2, 3, 4, 5, 5]);
    assert.equal(t.sessionId, 'id1');
    assert.throws(
      () => traceInfoFromDap({ ...dapInfo, inputs: [1, 2] }, { id: 'x', name: 'y' }),
      /invalid trm\/traceInfo from the TRM debug adapter: trm\/traceInfo\.inputs: length 2, expected seqLen 6/,
    );
    assert.throws(
      () => traceInfoFromDap({ ...dapInfo, inputs: [1, 2, 3, 4, 5, 2.5] }, { id: 'x', name: 'y' }),
      /trm\/traceInfo\.inputs\[5\]: expected an integer, got 2\.5/,
    );
    assert.throws(
      () => traceInfoFromDap({ ...dapInfo, taskKind: 'chess' }, { id: 'x', name: 'y' }),
      /trm\/traceInfo\.taskKind/,
    );
  });

  it('position, heatmap (null → NaN), summary and trajectory', () => {
    const p = positionFromDap({
      step: 1,
      cycle: 1,
      kind: 'y',
      index: 0,
      ordinal: 4,
      layer: 2,
      description: 'd',
      reason: 'breakpoint',
    });
    assert.equal(p.layer, 2);
    assert.throws(
      () => positionFromDap({ step: 1, cycle: 1, kind: 'z', index: 1, ordinal: 0, description: 'd' }),
      /trm\/position\.reason: expected a string/,
    );
    const h = heatmapFromDap({ values: [1, null, -2], min: -2, max: null });
    assert.ok(h.values instanceof Float32Array);
    assert.ok(Number.isNaN(h.values[1]) && Number.isNaN(h.max));
    assert.throws(() => heatmapFromDap({ values: [], min: 0, max: 0 }), /trm\/heatmap response\.values: empty/);
    assert.throws(
      () => heatmapFromDap({ values: [1, 'x'], min: 0, max: 0 }),
      /values\[1\]: expected a number, got "x"/,
    );
    const dapSummary = {
      step: 2,
      preds: [1, 2],
      confidence: [0.5, null],
      qHalt: 1,
      qContinue: -1,
      haltProbability: 0.7,
      wouldHalt: true,
      halted: false,
      changedCells: [1],
      correct: false,
      accuracy: 0.5,
      wrongCells: [0],
      nonFinite: true,
    };
    const s = stepSummaryFromDap(dapSummary, 2);
    assert.ok(isStepSummary(s));
    assert.ok(Number.isNaN(s.confidence[1]));
    assert.throws(
      () => stepSummaryFromDap({ ...dapSummary, confidence: [1] }, 2),
      /confidence: length 1 differs from preds length 2/,
    );
    assert.throws(
      () => stepSummaryFromDap({ ...dapSummary, wouldHalt: 1 }, 2),
      /trm\/stepSummary response\.wouldHalt: expected a boolean, got 1/,
    );
    assert.throws(
      () =>
        stepSummaryFromDap(
          {
            step: 3,
            preds: [],
            confidence: [],
            qHalt: 0,
            qContinue: 0,
            haltProbability: 0.5,
            wouldHalt: false,
            halted: false,
            changedCells: [],
            nonFinite: false,
          },
          2,
        ),
      /asked for step 2, got step 3/,
    );
    const t = trajectoryFromDap({
      points: [
        { step: 1, ordinal: 0, x: 0.5, y: null },
        { step: 1, ordinal: 1, x: 1, y: 2 },
      ],
    });
    assert.deepEqual(Array.from(t.ordinals), [0, 1]);
    assert.ok(Number.isNaN(t.ys[0]));
    assert.equal(validateHostToWebview({ type: 'trajectory', id: 1, tensor: 'z', ...t }), undefined);
    assert.throws(() => trajectoryFromDap({ points: [{ step: 0, ordinal: 0, x: 0, y: 0 }] }), /points\[0\]\.step/);
  });

  it('webview requests become DAP arguments field by field', () => {
    assert.deepEqual(heatmapArgs({ type: 'requestHeatmap', id: 1, step: 2, ordinal: 3, tensor: 'z', view: 'norm' }), {
      step: 2,
      ordinal: 3,
      tensor: 'z',
      view: 'norm',
    });
    assert.deepEqual(
      heatmapArgs({
        type: 'requestHeatmap',
        id: 1,
        step: 2,
        ordinal: 3,
        layer: 1,
        tensor: 'y',
        view: 'channel',
        channel: 4,
      }),
      { step: 2, ordinal: 3, layer: 1, tensor: 'y', view: 'channel', channel: 4 },
    );
    assert.deepEqual(seekArgs({ type: 'seek', step: 4, ordinal: 0 }), { step: 4, ordinal: 0 });
  });
});

describe('ready handshake', () => {
  type M = { type: string; n?: number };
  it('queues until ready, answers ready with init first, drops state that init supersedes', () => {
    const sent: M[] = [];
    let initN = 0;
    const gate = new ReadyGate<M>(
      (m) => sent.push(m),
      () => ({ type: 'init', n: ++initN }),
      new Set(['init', 'position']),
    );
    gate.post({ type: 'position', n: 1 });
    gate.post({ type: 'error', n: 2 });
    gate.reinit();
    assert.deepEqual(sent, [], 'nothing reaches a webview that is not ready');
    assert.equal(gate.queued, 1);
    gate.onReady();
    assert.deepEqual(sent, [
      { type: 'init', n: 1 },
      { type: 'error', n: 2 },
    ]);
    gate.post({ type: 'position', n: 3 });
    assert.deepEqual(sent[2], { type: 'position', n: 3 });
    gate.reset(); // hidden: VS Code dropped the page
    gate.post({ type: 'error', n: 4 });
    assert.equal(sent.length, 3);
    gate.onReady(); // reloaded
    assert.deepEqual(sent.slice(3), [
      { type: 'init', n: 2 },
      { type: 'error', n: 4 },
    ]);
  });
  it('caps the queue', () => {
    const gate = new ReadyGate<M>(
      () => undefined,
      () => ({ type: 'init' }),
      new Set(),
      3,
    );
    for (let i = 0; i < 10; i++) gate.post({ type: 'error', n: i });
    assert.equal(gate.queued, 3);
  });
});

describe('panel HTML', () => {
  it('has a strict CSP: nothing by default, scripts only by nonce, resources only from the webview origin', () => {
    const nonce = makeNonce();
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(makeNonce(), nonce);
    const html = timelineHtml({
      cspSource: 'https://x.vscode-cdn.test',
      nonce,
      scriptUri: 'https://x.vscode-cdn.test/dist/webview.js',
      styleUri: 'https://x.vscode-cdn.test/media/timeline.css',
    });
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
    assert.equal(csp, contentSecurityPolicy({ cspSource: 'https://x.vscode-cdn.test', nonce }));
    assert.match(csp, /^default-src 'none'; /);
    assert.match(csp, new RegExp(`script-src 'nonce-${nonce.replace(/[+/=]/g, (c) => `\\${c}`)}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|https?:(?!\/\/x\.vscode-cdn\.test)/);
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://x.vscode-cdn.test/dist/webview.js">`));
    assert.ok(
      html.includes(`<link rel="stylesheet" nonce="${nonce}" href="https://x.vscode-cdn.test/media/timeline.css">`),
    );
    assert.throws(
      () => timelineHtml({ cspSource: 'a', nonce: 'short', scriptUri: 's', styleUri: 's' }),
      /CSP nonce must be base64/,
    );
  });
});
