// A tiny seeded TRM with a real puzzle-embedding table (3 identifiers, rows drawn at random: the
// official initialisation leaves the table at zeros, which a probe could not tell apart from
// blank) and a q_head that is not all zeros, for the patching and probe tests.

import { ARCH_DEFAULTS, type TrmConfig } from '../../../src/engine/config';
import type { HostTensor } from '../../../src/engine/hostTensor';
import { initialWeights } from '../../../src/engine/model/init';
import { createRng } from '../../../src/engine/model/rng';
import { TrmModel } from '../../../src/engine/model/trm';
import type { PuzzleInput } from '../../../src/engine/trace/types';

export function tinyConfig(over: Partial<TrmConfig> = {}): TrmConfig {
  return {
    ...ARCH_DEFAULTS,
    seq_len: 6,
    vocab_size: 5,
    num_puzzle_identifiers: 3,
    hidden_size: 8,
    num_heads: 2,
    expansion: 2,
    puzzle_emb_ndim: 8,
    puzzle_emb_len: 1,
    L_layers: 2,
    H_cycles: 2,
    L_cycles: 2,
    halt_max_steps: 3,
    forward_dtype: 'float32',
    ...over,
  };
}

/** Initial weights with a random puzzle table and q_head (seeded). */
export function tinyWeights(c: TrmConfig, seed = 5): Map<string, HostTensor> {
  const w = initialWeights(c, seed);
  const rng = createRng(seed + 1);
  for (const name of ['puzzle_emb.weights', 'q_head.weight']) {
    const t = w.get(name);
    if (!t) continue;
    const data = t.data as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] = (rng() - 0.5) * 2;
  }
  return w;
}

export function tinyModel(over: Partial<TrmConfig> = {}, seed = 5): TrmModel {
  const c = tinyConfig(over);
  return TrmModel.fromWeights(c, tinyWeights(c, seed));
}

export const TINY_PUZZLE: PuzzleInput = {
  inputs: Int32Array.of(1, 2, 0, 4, 3, 1),
  puzzleIdentifier: 1,
  labels: Int32Array.of(2, 2, 1, 4, 3, 3),
};
