// Seeded pseudo-random numbers for initialisation and ACT exploration, so runs are reproducible from
// one integer seed (torch's generator is not reproduced: parity is checked with loaded weights).

/** A uniform generator on [0, 1). */
export type Rng = () => number;

/** sfc32 seeded through splitmix32: fast, 128-bit state, good statistical quality. */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`rng seed must be a finite number (got ${seed})`);
  let sm = (Math.trunc(seed) >>> 0) ^ 0x9e3779b9;
  const splitmix = (): number => {
    sm = (sm + 0x9e3779b9) >>> 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next: Rng = () => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // discard the first outputs (weak mixing right after seeding)
  return next;
}

/** Uniform integer in [lo, hi] inclusive. */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}
