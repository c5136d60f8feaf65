// A seeded random generator whose whole state is four 32-bit words, so a training run can write it
// into its checkpoint and continue the exact same stream after `--resume` (sfc32, like model/rng.ts,
// which hides its state in a closure).

export type RngState = [number, number, number, number];

export class TrainRng {
  private a: number; private b: number; private c: number; private d: number;

  constructor(seed: number | RngState) {
    if (Array.isArray(seed)) {
      if (seed.length !== 4 || seed.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
        throw new Error(`rng state must be four unsigned 32-bit integers (got ${JSON.stringify(seed)})`);
      }
      [this.a, this.b, this.c, this.d] = seed;
      return;
    }
    if (!Number.isFinite(seed)) throw new Error(`rng seed must be a finite number (got ${seed})`);
    let sm = (Math.trunc(seed) >>> 0) ^ 0x5bd1e995;
    const splitmix = (): number => {
      sm = (sm + 0x9e3779b9) >>> 0;
      let z = sm;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix(); this.b = splitmix(); this.c = splitmix(); this.d = splitmix();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  random(): number { return this.nextU32() / 4294967296; }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new Error(`rng.int: n must be a positive integer (got ${n})`);
    return Math.floor(this.random() * n);
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) { const j = this.int(i + 1); const t = items[i]; items[i] = items[j]; items[j] = t; }
    return items;
  }

  state(): RngState { return [this.a, this.b, this.c, this.d]; }

  /** A `() => number` view for APIs that take a plain generator (ACT exploration). */
  fn(): () => number { return () => this.random(); }
}
