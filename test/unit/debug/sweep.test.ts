// trm/patchSweep over the wire (DebugClient + the real adapter, bundled small Sudoku model, pure-JS
// cpu backend): the report passes the protocol schema and equals `trm sweep --backend cpu` on the
// same files, progress events count up to every patched run, a cancel request stops a running sweep
// (its response says cancelled, with no report), and bad arguments get a clear error.

import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { TrmPatchSweepBody, TrmPatchSweepProgress } from '../../../src/protocol/debugger';
import { sweepReportProblem, type SweepReport } from '../../../src/protocol/sweep';
import { Session } from './dapHarness';

const CHECKPOINT = path.resolve('media/models/sudoku-small/model.safetensors');
const DATASET = path.resolve('sample-workspace/sudoku/sudoku-extreme-style-sample.csv');

let s: Session;
const progress: TrmPatchSweepProgress[] = [];
before(async () => {
  s = new Session();
  await s.start();
  s.dc.on('trm/patchSweepProgress', (e: DebugProtocol.Event) => progress.push(e.body as TrmPatchSweepProgress));
});
after(() => s.stop());

test('trm/patchSweep: the CLI’s numbers, progress events, cancel, bad arguments', async () => {
  await s.launch({ checkpoint: CHECKPOINT, dataset: DATASET, index: 0, stopOnEntry: true, backend: 'cpu' });
  const body = (await s.dc.customRequest('trm/patchSweep', {})).body as TrmPatchSweepBody;
  assert.equal(body.cancelled, false);
  const report = body.report!;
  assert.equal(sweepReportProblem(report), undefined);
  assert.equal(report.step, 1);
  assert.equal(report.updates.length, 6);
  assert.equal(report.cells.length, 81);
  assert.match(report.puzzle, /sudoku-extreme-style-sample\.csv · puzzle 1 \(line 2\)/);
  assert.match(report.backend, /^TF\.js: /);
  assert.equal(progress.at(-1)?.done, 486);
  assert.equal(progress.at(-1)?.total, 486);
  assert.ok(progress.length >= 6, `${progress.length} progress events (one per batch)`);

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-sweep-dap-'));
  try {
    const out = path.join(tmp, 'cli.json');
    const r = spawnSync(
      process.execPath,
      [
        path.resolve('dist/cli.js'),
        'sweep',
        '--checkpoint',
        CHECKPOINT,
        '--puzzle',
        DATASET,
        '--backend',
        'cpu',
        '--out',
        out,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const cli = JSON.parse(fs.readFileSync(out, 'utf8')) as SweepReport;
    assert.equal(report.baseline, cli.baseline);
    assert.deepEqual(report.accuracy, cli.accuracy);
    assert.deepEqual(report.delta, cli.delta);
    assert.deepEqual(report.cellLabels, cli.cellLabels);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // Nothing to cancel.
  const idle = (await s.dc.customRequest('trm/patchSweep', { cancel: true })).body as TrmPatchSweepBody;
  assert.deepEqual(idle, { report: null, cancelled: false });
  // Cancel a running sweep after its first batch.
  const seen = progress.length;
  const running = s.dc.customRequest('trm/patchSweep', { step: 2 });
  while (progress.length === seen) await new Promise((r) => setTimeout(r, 5));
  const cancel = (await s.dc.customRequest('trm/patchSweep', { cancel: true })).body as TrmPatchSweepBody;
  assert.deepEqual(cancel, { report: null, cancelled: true });
  assert.deepEqual((await running).body, { report: null, cancelled: true });
  assert.ok(progress.at(-1)!.done < 486, 'stopped before the end');

  const bad = await s.dc.customRequest('trm/patchSweep', { step: 0 }).catch((e: Error) => e);
  assert.ok(bad instanceof Error && /trm\/patchSweep: invalid arguments/.test(bad.message), JSON.stringify(bad));
  const far = await s.dc.customRequest('trm/patchSweep', { step: 99 }).catch((e: Error) => e);
  assert.ok(far instanceof Error && /trm\/patchSweep: /.test(far.message), JSON.stringify(far));
});
