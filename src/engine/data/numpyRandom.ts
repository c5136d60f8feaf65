// NumPy's legacy global RNG (`np.random.seed`, `RandomState`: MT19937 with the legacy draws), so the
// builders can reproduce the official build_*_dataset.py outputs exactly when given the same seed.
// Only the draws the builders use are implemented: randint, rand, shuffle, permutation, choice.

const N = 624;
const M = 397;

export class NumpyRandomState {
  private readonly mt = new Uint32Array(N);
  private pos = N;

  /** `np.random.seed(seed)` for an integer seed in 0..2^32-1 (NumPy's `mt19937_seed`). */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
      throw new Error(`seed must be an integer in 0..4294967295 (got ${seed})`);
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.mt[i] = s;
      const x = (s ^ (s >>> 30)) >>> 0;
      // 1812433253 * x + i + 1 (mod 2^32), split to stay exact in doubles.
      s = (((((x & 0xffff0000) >>> 16) * 1812433253) << 16) + (x & 0x0000ffff) * 1812433253 + i + 1) >>> 0;
    }
  }

  private generate(): void {
    const mt = this.mt;
    for (let k = 0; k < N; k++) {
      const y = (mt[k] & 0x80000000) | (mt[(k + 1) % N] & 0x7fffffff);
      mt[k] = mt[(k + M) % N] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
    }
    this.pos = 0;
  }

  /** Next tempered 32-bit output (`mt19937_next32`). */
  nextU32(): number {
    if (this.pos >= N) this.generate();
    let y = this.mt[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `np.random.rand()`: 53-bit double from two outputs. */
  random(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** `random_interval(max)`: uniform in 0..max by masked rejection (max < 2^32). */
  interval(max: number): number {
    if (max === 0) return 0;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff)
      throw new Error(`interval: max must be an integer in 0..2^32-1 (got ${max})`);
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    for (;;) {
      const v = (this.nextU32() & mask) >>> 0;
      if (v <= max) return v;
    }
  }

  /** `np.random.randint(low, high)` (high exclusive); draws nothing when the range has one value. */
  randint(low: number, high: number): number {
    if (!(high > low)) throw new Error(`randint: low >= high (${low}, ${high})`);
    return low + this.interval(high - low - 1);
  }

  /** `np.random.shuffle(list)` in place (Fisher-Yates from the end). */
  shuffle<T>(x: T[]): T[] {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = x[i];
      x[i] = x[j];
      x[j] = t;
    }
    return x;
  }

  /** `np.random.permutation(n)`. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** `np.random.choice(n, k, replace=False)` (legacy: the first k of a permutation). */
  choiceNoReplace(n: number, k: number): number[] {
    if (k > n) throw new Error(`cannot choose ${k} of ${n} without replacement`);
    return this.permutation(n).slice(0, k);
  }
}
