// Seeded Gaussian noise for trajectory clouds. Every draw is keyed by (seed, puzzle key, branch,
// step, ordinal, tensor), not by the order of draws: a branch recomputed alone (the debugger's
// adopted branch) or inside any batch gets the same noise, so clouds are reproducible bit for bit.

import { Sfc32, splitmixWords } from '../model/rng';

/** Where noise goes and how much: `scale` is the standard deviation per element (states are RMS-normed, about 1). */
export interface NoiseSpec {
  scale: number;
  /** Which latent receives noise: z (= z_L), y (= z_H) or both. */
  target: 'z' | 'y' | 'both';
  /** After every update (of a targeted tensor) or once per supervision step (at each step boundary). */
  at: 'update' | 'step';
  seed: number;
}

export function checkNoiseSpec(n: NoiseSpec): void {
  if (!Number.isFinite(n.scale) || n.scale < 0)
    throw new Error(`noise scale must be a finite number >= 0 (got ${n.scale})`);
  if (n.target !== 'z' && n.target !== 'y' && n.target !== 'both')
    throw new Error(`noise target must be 'z', 'y' or 'both' (got ${JSON.stringify(n.target)})`);
  if (n.at !== 'update' && n.at !== 'step')
    throw new Error(`noise 'at' must be 'update' or 'step' (got ${JSON.stringify(n.at)})`);
  if (!Number.isInteger(n.seed)) throw new Error(`noise seed must be an integer (got ${n.seed})`);
}

export function targets(n: NoiseSpec, kind: 'z' | 'y'): boolean {
  return n.target === 'both' || n.target === kind;
}

/** A stable 32-bit key of a puzzle id (FNV-1a), so a puzzle's cloud does not depend on its place in a dataset. */
export function puzzleKey(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

class Gen extends Sfc32 {
  constructor(words: [number, number, number, number]) {
    super(words);
    this.warmUp();
  }
}

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v >>> 0), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}

/**
 * `count` standard normal values times `scale` for one (branch, step, ordinal, tensor) of one
 * puzzle, by Box–Muller on a sfc32 stream seeded from the key.
 */
export function noiseValues(
  n: NoiseSpec,
  key: { puzzle: number; branch: number; step: number; ordinal: number; tensor: 'z' | 'y' },
  count: number,
): Float32Array {
  let h = mix(0x12345678, key.puzzle);
  h = mix(h, key.branch);
  h = mix(h, key.step);
  h = mix(h, key.ordinal + 1);
  h = mix(h, key.tensor === 'z' ? 1 : 2);
  const g = new Gen(splitmixWords(n.seed, h));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    // u1 in (0, 1]: never log(0).
    const u1 = (g.nextU32() + 1) / 4294967296;
    const u2 = g.nextU32() / 4294967296;
    const r = Math.sqrt(-2 * Math.log(u1)) * n.scale;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}
