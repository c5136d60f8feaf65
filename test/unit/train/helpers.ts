// Shared helpers for the training tests: a tiny generated task as a built dataset and tiny configs.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BuiltDataset, BuiltSet, SetBuilder, metadataFor, writeBuiltDataset } from '../../../src/engine/data/built';
import { DataRng } from '../../../src/engine/data/rng';

/** "Reverse the sequence" over tokens 2..5 (seq_len 6, vocab 6): learnable in a few dozen steps by a tiny model. */
export function reverseTask(n: number, seed: number, S = 6): BuiltSet {
  const rng = new DataRng(seed);
  const b = new SetBuilder(S);
  for (let i = 0; i < n; i++) {
    const input = Int32Array.from({ length: S }, () => 2 + rng.int(4));
    b.addPuzzle(0, [{ input, label: Int32Array.from(input).reverse() }]);
    b.endGroup();
  }
  return b.build('all');
}

export function reverseDataset(nTrain: number, nTest: number): BuiltDataset {
  const train = reverseTask(nTrain, 1),
    test = reverseTask(nTest, 2);
  const meta = (s: BuiltSet) => metadataFor(s, { vocabSize: 6, numPuzzleIdentifiers: 1 });
  return {
    identifiers: ['<blank>'],
    splits: { train: { meta: meta(train), sets: [train] }, test: { meta: meta(test), sets: [test] } },
  };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `trm-train-${prefix}-`));
}

export function writeReverseDataset(dir: string, nTrain = 64, nTest = 16): string {
  const out = path.join(dir, 'data');
  writeBuiltDataset(out, reverseDataset(nTrain, nTest));
  return out;
}

/** Tiny attention model config file (pure training hyperparameters in cfg_pretrain.yaml names). */
let configCounter = 0;

export function writeTinyConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, `tiny-${++configCounter}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      preset: 'sudoku-att-small',
      arch: {
        hidden_size: 16,
        num_heads: 2,
        expansion: 2,
        puzzle_emb_ndim: 16,
        puzzle_emb_len: 1,
        H_cycles: 2,
        L_cycles: 1,
        L_layers: 1,
        halt_max_steps: 3,
      },
      global_batch_size: 8,
      total_steps: 40,
      lr: 3e-3,
      lr_warmup_steps: 5,
      lr_min_ratio: 1,
      eval_interval: 0,
      eval_max_examples: 8,
      log_every: 1,
      ema: true,
      ema_rate: 0.9,
      ...extra,
    }),
  );
  return file;
}
