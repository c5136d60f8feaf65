// Trajectory clouds (src/engine/cloud): a one-branch cloud without noise is the deterministic run
// bit for bit, clouds are reproducible from their seed and independent of the batch they share,
// noise really moves the branches, and the Q rule picks the branch with the highest q_halt at halt.

import { before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ARCH_DEFAULTS, TrmConfig } from '../../../src/engine/config';
import { TrmModel } from '../../../src/engine/model/trm';
import { createPuzzleTrace } from '../../../src/engine/trace/tracer';
import { runCloud, runCloudBatch, selectByQ, voteOf, type CloudBranch } from '../../../src/engine/cloud/cloud';
import { noiseValues, puzzleKey } from '../../../src/engine/cloud/noise';
import { BranchTrace } from '../../../src/engine/cloud/branchTrace';
import { updateAt } from '../../../src/engine/trace/types';
import { useCpu } from '../model/fixture';

before(useCpu);

function tinyConfig(over: Partial<TrmConfig> = {}): TrmConfig {
  return {
    ...ARCH_DEFAULTS,
    seq_len: 6,
    vocab_size: 5,
    num_puzzle_identifiers: 2,
    hidden_size: 8,
    num_heads: 2,
    expansion: 2,
    puzzle_emb_ndim: 8,
    puzzle_emb_len: 2,
    L_layers: 2,
    H_cycles: 2,
    L_cycles: 3,
    halt_max_steps: 4,
    forward_dtype: 'float32',
    ...over,
  };
}

const PUZZLE = {
  id: 'tiny-1',
  inputs: Int32Array.of(1, 2, 0, 4, 3, 1),
  puzzleIdentifier: 1,
  labels: Int32Array.of(2, 2, 0, 4, 3, 3),
};

/** An initialised model whose q_head is not zero (the official init zeroes it, so q_halt would be constant). */
async function modelWithQ(seed: number): Promise<TrmModel> {
  const m = TrmModel.initialise(tinyConfig(), seed);
  const w = await m.getWeights();
  m.dispose();
  const q = w.get('q_head.weight')!;
  const data = new Float32Array(q.data.length);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 12.9898 + seed) * 0.8;
  w.set('q_head.weight', { ...q, data });
  return TrmModel.fromWeights(tinyConfig(), w);
}

const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Buffer.compare(Buffer.from(new Float32Array(a).buffer), Buffer.from(new Float32Array(b).buffer)) === 0;

test('cloud: N = 1 at scale 0 from the initial state is the deterministic run bit for bit (every step)', async () => {
  const model = TrmModel.initialise(tinyConfig(), 5);
  const trace = createPuzzleTrace(model, PUZZLE);
  try {
    const [r] = await runCloudBatch(model, [PUZZLE], {
      n: 1,
      noise: { scale: 0, target: 'both', at: 'update', seed: 1 },
      halt: 'all',
      maxSteps: 4,
    });
    assert.equal(r.branches[0].steps.length, 4);
    for (const s of r.branches[0].steps) {
      const o = await trace.stepOutputs(s.step);
      assert.ok(Object.is(s.qHalt, o.qHalt), `step ${s.step}: q_halt ${s.qHalt} vs ${o.qHalt}`);
      assert.ok(Object.is(s.qContinue, o.qContinue));
      assert.deepEqual(Array.from(s.preds), Array.from(o.preds));
    }
    // From a stop inside step 2 (runCloud with the trunk's state), with means recorded: same again.
    const fork = { step: 2, ordinal: 3 };
    const start = await trace.stateAfter({ step: 2, cycle: 1, kind: 'y', index: 0 });
    const c = await runCloud(model, PUZZLE, await trace.x(), start, fork, {
      n: 1,
      noise: { scale: 0, target: 'z', at: 'update', seed: 1 },
      halt: 'all',
      maxSteps: 4,
      recordMeans: true,
    });
    assert.deepEqual(
      c.branches[0].steps.map((s) => s.step),
      [2, 3, 4],
    );
    for (const s of c.branches[0].steps) assert.ok(Object.is(s.qHalt, (await trace.stepOutputs(s.step)).qHalt));
    assert.equal(c.positions.length, c.branches[0].means!.z.length);
    assert.equal(c.positions.length, 8 - 4 + 16);
  } finally {
    trace.dispose();
    model.dispose();
  }
});

test('cloud: seeded noise is reproducible, keyed per branch (independent of N and of the batch), and moves the branches', async () => {
  const model = await modelWithQ(9);
  try {
    const opts = {
      noise: { scale: 0.5, target: 'both' as const, at: 'update' as const, seed: 42 },
      halt: 'all' as const,
      maxSteps: 3,
    };
    const a = await runCloudBatch(model, [PUZZLE], { ...opts, n: 4 });
    const b = await runCloudBatch(model, [PUZZLE], { ...opts, n: 4 });
    const other = { ...PUZZLE, id: 'tiny-2', inputs: Int32Array.of(3, 1, 0, 2, 2, 4) };
    const c = await runCloudBatch(model, [other, PUZZLE], { ...opts, n: 2 });
    for (let k = 0; k < 4; k++) {
      assert.ok(Object.is(a[0].branches[k].qHalt, b[0].branches[k].qHalt), `branch ${k} differs between two runs`);
    }
    for (let k = 0; k < 2; k++)
      assert.ok(Object.is(a[0].branches[k].qHalt, c[1].branches[k].qHalt), `branch ${k}: batch-dependent`);
    const qs = new Set(a[0].branches.map((x) => x.qHalt));
    assert.equal(qs.size, 4, 'four noisy branches should not share q_halt');
    const d = await runCloudBatch(model, [PUZZLE], { ...opts, n: 4, noise: { ...opts.noise, seed: 43 } });
    assert.ok(!Object.is(d[0].branches[0].qHalt, a[0].branches[0].qHalt), 'another seed gives another cloud');
  } finally {
    model.dispose();
  }
});

test('cloud: the Q rule picks the branch with the highest q_halt at halt; the vote counts cells', () => {
  const mk = (branch: number, qHalt: number, answer: number[]): CloudBranch => ({
    branch,
    steps: [],
    haltStep: 1,
    haltedByRule: true,
    answer: Int32Array.from(answer),
    qHalt,
  });
  const bs = [mk(0, -1, [1, 2, 3]), mk(1, 2.5, [1, 3, 3]), mk(2, 0.3, [1, 3, 4]), mk(3, 2.5, [2, 2, 4])];
  assert.equal(selectByQ(bs).branch, 1);
  const v = voteOf(
    bs.map((b) => b.answer),
    5,
  );
  assert.deepEqual(Array.from(v.majority), [1, 2, 3]);
  assert.deepEqual(Array.from(v.agreement), [0.75, 0.5, 0.5]);
  assert.ok(Math.abs(v.entropy[0] - 0.8112781) < 1e-6);
  assert.equal(v.entropy[1], 1);
});

test('cloud: the selection on a real cloud is the branch with the largest q_halt, and oracle finds a right branch when one exists', async () => {
  const model = await modelWithQ(3);
  try {
    const [r] = await runCloudBatch(model, [PUZZLE], {
      n: 8,
      noise: { scale: 1, target: 'z', at: 'step', seed: 5 },
      halt: 'first',
      maxSteps: 4,
    });
    const maxQ = Math.max(...r.branches.map((b) => b.qHalt));
    assert.ok(new Set(r.branches.map((b) => b.qHalt)).size > 1, 'the branches should differ in q_halt');
    const q = r.selections.q!;
    assert.equal(r.branches[q.branch!].qHalt, maxQ);
    assert.deepEqual(Array.from(q.answer), Array.from(r.branches[q.branch!].answer));
    for (const b of r.branches) {
      const last = b.steps[b.steps.length - 1];
      assert.equal(b.haltStep, last.step);
      assert.ok(b.haltedByRule ? last.qHalt > 0 : b.haltStep === 4);
    }
    const anyRight = r.branches.some((b) => b.correct);
    assert.equal(r.selections.oracle!.correct, anyRight);
  } finally {
    model.dispose();
  }
});

test('noise: values are keyed, standard normal in distribution, scaled', () => {
  const n = { scale: 2, target: 'z' as const, at: 'update' as const, seed: 1 };
  const k = { puzzle: 1, branch: 0, step: 1, ordinal: 0, tensor: 'z' as const };
  const a = noiseValues(n, k, 20000);
  assert.ok(sameBits(a, noiseValues(n, k, 20000)));
  assert.ok(!sameBits(a, noiseValues(n, { ...k, branch: 1 }, 20000)));
  let m = 0,
    v = 0;
  for (const x of a) m += x / a.length;
  for (const x of a) v += (x - m) ** 2 / a.length;
  assert.ok(Math.abs(m) < 0.05, `mean ${m}`);
  assert.ok(Math.abs(Math.sqrt(v) - 2) < 0.05, `std ${Math.sqrt(v)}`);
});

test('branch trace: an adopted branch recomputed alone equals its row of the cloud, and is the trunk up to the fork', async () => {
  const model = await modelWithQ(11);
  const trunk = createPuzzleTrace(model, PUZZLE);
  try {
    const fork = { step: 1, ordinal: 5 };
    const noise = { scale: 0.7, target: 'both' as const, at: 'update' as const, seed: 4 };
    const start = await trunk.stateAfter(updateAt(model.config, 1, 5));
    const cloud = await runCloud(model, PUZZLE, await trunk.x(), start, fork, {
      n: 4,
      noise,
      halt: 'all',
      maxSteps: 4,
    });
    const branch = new BranchTrace(model, trunk, { fork, noise, branch: 2, puzzleKey: puzzleKey(PUZZLE.id) });
    for (const s of cloud.branches[2].steps) {
      const o = await branch.stepOutputs(s.step);
      assert.ok(Object.is(o.qHalt, s.qHalt), `step ${s.step}: ${o.qHalt} vs ${s.qHalt}`);
      assert.deepEqual(Array.from(o.preds), Array.from(s.preds));
    }
    for (let o = 0; o <= 5; o++) {
      const ref = updateAt(model.config, 1, o);
      const a = await branch.stateAfter(ref);
      const b = await trunk.stateAfter(ref);
      assert.ok(sameBits(a.y, b.y) && sameBits(a.z, b.z), `ordinal ${o} is the trunk's`);
    }
    const after = await branch.stateAfter(updateAt(model.config, 1, 6));
    assert.ok(
      !sameBits(after.z, (await trunk.stateAfter(updateAt(model.config, 1, 6))).z),
      'the branch leaves the trunk',
    );
    // Layers inside a branch update end in the update's output.
    const last = await branch.stateAfter({ ...updateAt(model.config, 2, 1), layer: model.config.L_layers });
    assert.ok(sameBits(last.z, (await branch.stateAfter(updateAt(model.config, 2, 1))).z));
    branch.dispose();
  } finally {
    trunk.dispose();
    model.dispose();
  }
});
