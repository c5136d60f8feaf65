// A seeded random generator whose whole state is four 32-bit words, so a training run can write it
// into its checkpoint and continue the exact same stream after `--resume` (the engine's sfc32 core from
// model/rng.ts, with its state exposed).

import { Sfc32, splitmixWords } from '../model/rng';

export type RngState = [number, number, number, number];

export class TrainRng extends Sfc32 {
  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      if (seed.length !== 4 || seed.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
        throw new Error(`rng state must be four unsigned 32-bit integers (got ${JSON.stringify(seed)})`);
      }
      super(seed);
      return;
    }
    super(splitmixWords(seed, 0x5bd1e995));
    this.warmUp();
  }

  /** Uniform in [0, 1). */
  random(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`rng.int: n must be a positive integer (got ${n})`);
    return Math.floor(this.random() * n);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
    return items;
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** A `() => number` view for APIs that take a plain generator (ACT exploration). */
  fn(): () => number {
    return () => this.random();
  }
}
