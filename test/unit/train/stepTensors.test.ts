// A training step releases every tensor it makes: over several steps the count stays at the model's
// variables plus the carried y / z. (The puzzle-row variable's initial value used to stay alive, one
// tensor per step.) On the cpu backend; test/unit/backend/webgpu.test.ts checks a step on webgpu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '../../../src/engine/train/gradients';
import { getPreset, type TrmConfig } from '../../../src/engine/config';
import { initialCarry } from '../../../src/engine/model/act';
import { TrmModel } from '../../../src/engine/model/trm';
import { initialHostParams, weightsFor } from '../../../src/engine/train/modelState';
import { TRAIN_DEFAULTS } from '../../../src/engine/train/recipe';
import { TrainRng } from '../../../src/engine/train/rng';
import { trainStep } from '../../../src/engine/train/step';
import { useCpu } from '../model/fixture';
import { reverseTask } from './helpers';

test('trainStep leaves no tensor behind (puzzle embedding rows included)', async () => {
  await useCpu();
  const config: TrmConfig = {
    ...getPreset('sudoku-att-small'),
    hidden_size: 16,
    num_heads: 2,
    expansion: 2,
    puzzle_emb_ndim: 16,
    puzzle_emb_len: 1,
    H_cycles: 2,
    L_cycles: 1,
    L_layers: 1,
    halt_max_steps: 3,
    seq_len: 6,
    vocab_size: 6,
    num_puzzle_identifiers: 1,
  };
  const set = reverseTask(4, 5, 6);
  const batch = {
    inputs: set.inputs.slice(0, 24),
    labels: set.labels.slice(0, 24),
    puzzleIdentifiers: new Int32Array(4),
  };
  const p = initialHostParams(config, 3, true);
  const model = TrmModel.fromWeights(config, weightsFor(p, 'live'));
  const rng = new TrainRng(1);
  const h = { ...TRAIN_DEFAULTS, global_batch_size: 4 };
  let carry = initialCarry(model, 4);
  const counts: number[] = [];
  try {
    for (let s = 0; s < 4; s++) {
      carry = (await trainStep(model, p, carry, batch, h, 1e-3, 1e-3, rng)).carry;
      counts.push(tf.memory().numTensors);
    }
  } finally {
    tf.dispose([carry.state.y, carry.state.z]);
    model.dispose();
  }
  assert.deepEqual(
    counts,
    [counts[0], counts[0], counts[0], counts[0]],
    `tensors after each step: ${counts.join(', ')}`,
  );
});
