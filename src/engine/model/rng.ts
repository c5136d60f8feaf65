// Seeded pseudo-random numbers for initialisation, ACT exploration, training and data generation, so
// runs are reproducible from one integer seed (torch's generator is not reproduced: parity is checked
// with loaded weights). One seeding routine and one sfc32 core serve every generator of the engine.

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** Four 32-bit words from a seed through splitmix32; `salt` separates the streams of different users. */
export function splitmixWords(seed: number, salt: number): [number, number, number, number] {
  if (!Number.isFinite(seed)) throw new Error(`rng seed must be a finite number (got ${seed})`);
  let sm = (Math.trunc(seed) >>> 0) ^ salt;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  return [splitmix(), splitmix(), splitmix(), splitmix()];
}

/** sfc32: fast, 128-bit state, good statistical quality; the state is plain words (checkpointable). */
export class Sfc32 {
  protected a: number;
  protected b: number;
  protected c: number;
  protected d: number;

  constructor(words: readonly number[]) {
    [this.a, this.b, this.c, this.d] = words;
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = (this.b ^ (this.b >>> 9)) >>> 0;
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = (((this.c << 21) | (this.c >>> 11)) + t) >>> 0;
    return t;
  }

  /** Discards the first outputs (weak mixing right after seeding). */
  protected warmUp(): void {
    for (let i = 0; i < 12; i++) this.nextU32();
  }
}

/** A seeded uniform generator on [0, 1) (sfc32 seeded through splitmix32). */
export function createRng(seed: number): Rng {
  const g = new (class extends Sfc32 {
    constructor() {
      super(splitmixWords(seed, 0x9e3779b9));
      this.warmUp();
    }
  })();
  return () => g.nextU32() / 4294967296;
}

/** Uniform integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
