// The dashboard's HTML (strict CSP, nonce, nothing from the network) and the text of the output
// channel and progress notification.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dashboardHtml, makeNonce } from '../../../src/extension/training/dashboardHtml';
import { describeEvent, describeRequest, duration, progressText } from '../../../src/extension/training/eventText';
import { progress, REQUEST, STARTED } from './fixtures';

describe('dashboardHtml', () => {
  const parts = {
    cspSource: 'https://x.vscode-cdn.net',
    nonce: makeNonce(),
    scriptUri: 'https://x.vscode-cdn.net/dist/dashboard.js',
    styleUri: 'https://x.vscode-cdn.net/media/dashboard.css',
  };
  it('has a strict CSP whose nonce is on the one script and stylesheet', () => {
    const html = dashboardHtml(parts);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.ok(csp.includes(`script-src 'nonce-${parts.nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:\/\/(?!x\.vscode-cdn\.net)/);
    assert.equal(html.match(/<script/g)?.length, 1);
    assert.ok(html.includes(`<script nonce="${parts.nonce}" src="${parts.scriptUri}">`));
    assert.ok(html.includes(`<link rel="stylesheet" nonce="${parts.nonce}" href="${parts.styleUri}">`));
    assert.doesNotMatch(html, /style="/);
  });
  it('uses a fresh crypto nonce and refuses a weak one', () => {
    assert.notEqual(makeNonce(), makeNonce());
    assert.match(makeNonce(), /^[A-Za-z0-9+/=]{24}$/);
    assert.throws(() => dashboardHtml({ ...parts, nonce: 'abc' }), /nonce must be base64 of at least 16 chars/);
  });
});

describe('event text', () => {
  it('describes requests and events', () => {
    assert.equal(
      describeRequest(REQUEST),
      'train · preset sudoku-mlp-small · data /data/sudoku · out /runs/a · steps 100',
    );
    assert.equal(
      describeEvent(STARTED),
      'started sudoku-mlp-small on wasm (simd, 2 threads): steps 0→100, 123,456 parameters → /runs/a',
    );
    assert.match(
      describeEvent(progress(10)),
      /^step 10\/100 {2}loss 0\.2250 \(lm 0\.2000, q_halt 0\.0500\) {2}acc 10\.0% exact 5\.0% q_halt 50\.0% {2}steps 1\.20 {2}lr 0\.0010 {2}320\.0 ex\/s {2}0:05$/,
    );
    assert.match(describeEvent(progress(10, { totalLoss: NaN })), /loss NaN/);
    assert.equal(
      describeEvent({ type: 'eval', step: 5, metrics: { accuracy: 0.5 } }),
      'eval @ step 5: accuracy 0.5000',
    );
    assert.equal(
      describeEvent({ type: 'finished', step: 5, reason: 'cancelled' }),
      'cancelled at step 5 (checkpoint written)',
    );
    assert.equal(describeEvent({ type: 'error', message: 'boom' }), 'error: boom');
  });
  it('formats progress with the time left at the recent pace', () => {
    assert.equal(progressText(progress(10)), 'step 10/100 · loss 0.225 · acc 10.0%');
    // 90 steps of 32 examples at 320 examples/s.
    assert.equal(progressText(progress(10), 32), 'step 10/100 · loss 0.225 · acc 10.0% · 0:09 left');
    assert.equal(duration(3725), '1:02:05');
    assert.equal(duration(-1), '?');
  });
});
