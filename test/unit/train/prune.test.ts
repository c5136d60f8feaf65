// Pruning old checkpoints must never leave a half-deleted step_N folder behind, whenever the process
// dies (found by the SIGKILL test: a kill inside the recursive delete of an old checkpoint left a
// step_N folder without its weights).

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHECKPOINT_MARKER, pruneCheckpoints, removeStaleTemps } from '../../../src/engine/train/runDir';

// The CommonJS module object itself (ES imports are read-only bindings), to stand in for rmSync.
const mutableFs = require('node:fs') as { rmSync: typeof fs.rmSync };

function fakeRun(): string {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-prune-'));
  for (const s of [3, 6, 9, 12]) {
    fs.mkdirSync(path.join(out, `step_${s}`));
    for (const f of ['model.safetensors', 'state.json']) fs.writeFileSync(path.join(out, `step_${s}`, f), 'x');
    fs.writeFileSync(
      path.join(out, `step_${s}`, CHECKPOINT_MARKER),
      JSON.stringify({ format: 'trm-lens-checkpoint/1', step: s }),
    );
  }
  return out;
}

test('a kill in the middle of deleting an old checkpoint leaves only complete step_N folders', () => {
  const out = fakeRun();
  const realRm = fs.rmSync;
  // Simulate the process dying inside the recursive delete: one file goes, then nothing more happens.
  mutableFs.rmSync = (p: fs.PathLike) => {
    const first = fs.readdirSync(p)[0];
    fs.unlinkSync(path.join(p as string, first));
    throw new Error('killed');
  };
  try {
    assert.throws(() => pruneCheckpoints(out, 'step_12', 2), /killed/);
  } finally {
    mutableFs.rmSync = realRm;
  }
  for (const n of fs.readdirSync(out).filter((x) => /^step_\d+$/.test(x))) {
    assert.deepEqual(
      fs.readdirSync(path.join(out, n)).sort(),
      [CHECKPOINT_MARKER, 'model.safetensors', 'state.json'],
      `${n} is complete`,
    );
  }
  removeStaleTemps(out);
  assert.deepEqual(
    fs.readdirSync(out).filter((x) => x.startsWith('.')),
    [],
    'the next start removes the leftover',
  );
  pruneCheckpoints(out, 'step_12', 2);
  assert.deepEqual(fs.readdirSync(out).sort(), ['step_12', 'step_9']);
  fs.rmSync(out, { recursive: true, force: true });
});
