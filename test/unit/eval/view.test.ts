// The evaluation browser's view (built from records, pure) passes the protocol's own validation;
// the protocol rejects malformed messages with a message naming the field; cloud outcomes beside a
// cache join the policy list.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evalViewOf } from '../../../src/extension/evalBrowser/viewOf';
import { validateEvalToHost, validateHostToEval } from '../../../src/protocol/evalBrowser';
import type { EvalJobResult } from '../../../src/engine/eval/evalJob';
import { record } from './records';

function result(cacheFile: string): EvalJobResult {
  return {
    checkpoint: '/m/model.safetensors',
    data: '/d/puzzles.csv',
    haltMaxSteps: 4,
    hCycles: 3,
    lCycles: 6,
    records: [record(0, '++++', [-1, 3, 3, 3]), record(1, '--++', [-1, 3, 3, 3]), record(2, '----', [-1, -1, -1, -1])],
    resumed: 1,
    computed: 2,
    seconds: 1.5,
    cacheFile,
  };
}

test('the view of an evaluation is a valid message; official and q_halt policies match the metrics', () => {
  const v = evalViewOf(1, result('/nonexistent/x.jsonl'), 'cpu');
  assert.equal(validateHostToEval({ type: 'view', view: v }), undefined);
  assert.equal(v.puzzles[1].correctSteps, '0011');
  assert.equal(v.failureCounts['halted too early'], 1);
  const off = v.policies.find((p) => p.id === 'official');
  assert.equal(off?.accuracy, v.metrics.exact_accuracy);
  assert.equal(off?.correct, '110');
  assert.equal(v.policies.find((p) => p.id === 'q_halt')?.correct, '100');
  assert.ok(!v.policies.some((p) => p.family === 'cloud'));
});

test('cloud outcomes beside the cache join as a policy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-eval-view-'));
  try {
    const cache = path.join(dir, 'abc-def.jsonl');
    fs.writeFileSync(
      path.join(dir, 'abc-def.clouds.json'),
      JSON.stringify({ label: 'best of 8 by Q', branches: 8, outcomes: { 2: { correct: true, steps: 12 } } }),
    );
    const v = evalViewOf(2, result(cache), 'cpu');
    const c = v.policies.find((p) => p.family === 'cloud');
    assert.equal(c?.label, 'best of 8 by Q');
    assert.equal(c?.correct, '111');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('malformed messages are rejected with the field named', () => {
  assert.match(
    String(validateEvalToHost({ type: 'open', evalId: 1, index: 'x', step: 2, where: 'debugger' })),
    /open\.index/,
  );
  assert.match(
    String(validateEvalToHost({ type: 'open', evalId: 1, index: 0, step: 2, where: 'shell' })),
    /open\.where/,
  );
  assert.match(String(validateEvalToHost({ type: 'nope' })), /unknown type/);
  assert.equal(validateEvalToHost({ type: 'export', evalId: 3, format: 'csv' }), undefined);
  const v = evalViewOf(1, result('/nonexistent/x.jsonl'), 'cpu');
  const bad = { ...v, puzzles: [{ ...v.puzzles[0], correctSteps: '01x' }] };
  assert.match(String(validateHostToEval({ type: 'view', view: bad })), /correctSteps/);
});
