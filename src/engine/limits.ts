// Resource limits for everything TRM Lens reads from a file, a request or a setting. Checkpoints and
// datasets come from strangers and are opened inside the VS Code extension host, where one hang or
// one out-of-memory takes down every extension the user has; so sizes are checked before any work is
// done, against the file itself and against these limits. They have safe defaults, can be raised
// per process (`TRM_LIMITS=memory=16GiB,H_cycles=32` in the environment, `trm --limits ...` on the
// command line) or per call (an options object), and every refusal names the limit and how to raise it.

/** Every adjustable limit. Sizes are bytes; the model keys bound the config value of the same name. */
export interface Limits {
  /** Most bytes one file load may allocate for tensors and inflated zip members. */
  memory: number;
  /** Longest header of a .npy or .safetensors file, and longest pickle (data.pkl), in bytes. */
  header: number;
  /** Longest debug adapter message (Content-Length), in bytes. */
  dapMessage: number;
  H_cycles: number;
  L_cycles: number;
  halt_max_steps: number;
  L_layers: number;
  H_layers: number;
  hidden_size: number;
  num_heads: number;
  expansion: number;
  seq_len: number;
  vocab_size: number;
  num_puzzle_identifiers: number;
  puzzle_emb_ndim: number;
  puzzle_emb_len: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  memory: 8 * GiB,
  header: 100 * MiB,
  dapMessage: 16 * MiB,
  // The paper uses T = 3, n = 6, 2 layers, N_sup = 16; HRM 2 / 2 / 4 layers. These leave room for
  // ablations while keeping one episode within minutes on a CPU.
  H_cycles: 16,
  L_cycles: 32,
  halt_max_steps: 64,
  L_layers: 16,
  H_layers: 16,
  hidden_size: 8192,
  num_heads: 256,
  expansion: 64,
  seq_len: 65536,
  vocab_size: 1 << 20,
  num_puzzle_identifiers: 1 << 24,
  puzzle_emb_ndim: 8192,
  puzzle_emb_len: 1024,
});

/** What each limit bounds, for `trm --limits help` and the README. */
export const LIMIT_DESCRIPTIONS: Record<keyof Limits, string> = {
  memory: 'bytes one checkpoint or dataset load may allocate (tensors, inflated zip members)',
  header: 'bytes of a .npy / .safetensors header or a checkpoint pickle (data.pkl)',
  dapMessage: 'bytes of one debug adapter message (Content-Length)',
  H_cycles: 'largest H_cycles (T, cycles per supervision step) a config may ask for',
  L_cycles: 'largest L_cycles (n, z updates per cycle)',
  halt_max_steps: 'largest halt_max_steps (N_sup, supervision steps)',
  L_layers: 'largest L_layers (blocks of the shared network)',
  H_layers: 'largest H_layers (read, unused by TRM)',
  hidden_size: 'largest hidden_size (D)',
  num_heads: 'largest num_heads',
  expansion: 'largest MLP expansion factor',
  seq_len: 'largest seq_len (S)',
  vocab_size: 'largest vocab_size (V)',
  num_puzzle_identifiers: 'largest num_puzzle_identifiers (rows of the puzzle-embedding table)',
  puzzle_emb_ndim: 'largest puzzle_emb_ndim',
  puzzle_emb_len: 'largest puzzle_emb_len (P, puzzle-embedding positions)',
};

const SIZE_KEYS = new Set<keyof Limits>(['memory', 'header', 'dapMessage']);
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: MiB,
  mb: MiB,
  mib: MiB,
  g: GiB,
  gb: GiB,
  gib: GiB,
};

/** How to raise a limit, appended to every refusal. */
export function raiseHint(key: keyof Limits): string {
  return `raise it with TRM_LIMITS=${key}=<value> or trm --limits ${key}=<value>`;
}

export function isLimitKey(k: string): k is keyof Limits {
  return Object.prototype.hasOwnProperty.call(DEFAULT_LIMITS, k);
}

/** Parses `key=value,key=value` (sizes may carry KiB/MiB/GiB); throws naming the bad entry. */
export function parseLimits(text: string, origin: string): Partial<Limits> {
  const out: Partial<Limits> = {};
  for (const part of text.split(',').map((s) => s.trim())) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!isLimitKey(key))
      throw new Error(`${origin}: unknown limit '${key}'; limits are ${Object.keys(DEFAULT_LIMITS).join(', ')}`);
    const m = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(raw);
    const unit = m ? UNITS[m[2].toLowerCase()] : undefined;
    if (!m || unit === undefined || (!SIZE_KEYS.has(key) && m[2] !== ''))
      throw new Error(
        `${origin}: limit '${key}' needs ${SIZE_KEYS.has(key) ? 'a size such as 512MiB or 8GiB' : 'a positive integer'} (got ${JSON.stringify(raw)})`,
      );
    const value = Math.floor(Number(m[1]) * unit);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`${origin}: limit '${key}' must be a positive integer (got ${JSON.stringify(raw)})`);
    out[key] = value;
  }
  return out;
}

function fromEnvironment(): Limits {
  const text = typeof process !== 'undefined' ? process.env.TRM_LIMITS : undefined;
  return { ...DEFAULT_LIMITS, ...(text ? parseLimits(text, 'TRM_LIMITS') : {}) };
}

let active: Limits | undefined;

/** The limits in force: the defaults, then TRM_LIMITS, then whatever setLimits() changed. */
export function getLimits(): Limits {
  active ??= fromEnvironment();
  return active;
}

/** Changes limits for this process (the CLI's --limits); returns the previous ones. */
export function setLimits(changes: Partial<Limits>): Limits {
  const previous = getLimits();
  active = { ...previous, ...changes };
  return previous;
}

/** Resolves an options object's limits over the process-wide ones. */
export function limitsOf(overrides?: Partial<Limits>): Limits {
  return overrides ? { ...getLimits(), ...overrides } : getLimits();
}

export function formatBytes(n: number): string {
  if (n >= GiB && n % GiB === 0) return `${n / GiB} GiB`;
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KiB`;
  return `${n} bytes`;
}

/**
 * Counts the bytes one load allocates and refuses the allocation that would exceed the memory
 * limit, before it is made.
 */
export class MemoryBudget {
  private used = 0;
  constructor(
    readonly limit: number,
    readonly source: string,
  ) {}

  static of(source: string, overrides?: Partial<Limits>): MemoryBudget {
    return new MemoryBudget(limitsOf(overrides).memory, source);
  }

  get bytes(): number {
    return this.used;
  }

  /** Reserves `bytes` for `what`; throws before anything is allocated when the total would exceed the limit. */
  take(bytes: number, what: string): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0)
      throw new Error(`${this.source}: ${what} declares an impossible size (${bytes} bytes)`);
    if (this.used + bytes > this.limit) {
      throw new Error(
        `${this.source}: ${what} needs ${formatBytes(bytes)}, which would bring this load to ${formatBytes(this.used + bytes)}, over the memory limit of ${formatBytes(this.limit)} (${raiseHint('memory')})`,
      );
    }
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}

/** Largest product of the non-zero dimensions of an empty array ([0, 81] is fine, [0, 1e12] is not). */
const MAX_EMPTY_EXTENT = 1 << 24;

/** Product of non-negative integer dimensions, refusing anything past 2^53 (where doubles stop counting). */
export function checkedNumel(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new Error(`${what}: dimension ${d} is not a non-negative integer`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new Error(`${what}: shape [${shape.join(', ')}] has too many elements`);
  }
  // A zero-size dimension makes the product 0 whatever the others say; still refuse absurd ones,
  // which later code may loop over (the rows of an [E, 0] array).
  if (n === 0) {
    let others = 1;
    for (const d of shape) if (d > 0) others = Math.min(others * d, Number.MAX_SAFE_INTEGER);
    if (others > MAX_EMPTY_EXTENT)
      throw new Error(
        `${what}: shape [${shape.join(', ')}] is empty but declares ${others} elements in its other dimensions (at most ${MAX_EMPTY_EXTENT})`,
      );
  }
  return n;
}
