// Messages of trajectory clouds and trace bundles between the debug adapter, the extension and the
// timeline webview: fork N noisy branches from the current stop, adopt one, save a bundle.
import { checks as c, type Infer } from './schema';

export const TRM_REQUEST_CLOUD_FORK = 'trm/cloudFork';
export const TRM_REQUEST_CLOUD_ADOPT = 'trm/cloudAdopt';
export const TRM_REQUEST_BUNDLE_SAVE = 'trm/bundleSave';
/** Event after a cloud was forked (the timeline draws the fan). */
export const TRM_EVENT_CLOUD = 'trm/cloud';

export type CloudTarget = 'z' | 'y' | 'both';
export type CloudAt = 'update' | 'step';
export type CloudSelect = 'q' | 'vote' | 'oracle';

export interface CloudForkArgs {
  /** Branches, 1..256. */
  n: number;
  /** Standard deviation of the noise per element (states are RMS-normed, about 1). */
  scale: number;
  target?: CloudTarget;
  at?: CloudAt;
  seed?: number;
  select?: CloudSelect;
  /** Which latent the fan projects (default z). */
  tensor?: 'y' | 'z';
}

export interface CloudBranchView {
  branch: number;
  haltStep: number;
  haltedByRule: boolean;
  qHalt: number;
  correct?: boolean;
  answer: number[];
  /** q_halt at the end of each step the branch ran, with its step numbers. */
  steps: number[];
  qHalts: number[];
}

export interface CloudFan {
  tensor: 'y' | 'z';
  /** The walked trajectory (trunk, or the adopted branch), every update of steps 1..last. */
  trunk: { steps: number[]; ordinals: number[]; xs: number[]; ys: number[] };
  /** Index in trunk of the fork point. */
  forkIndex: number;
  /** Each branch after the fork, at `steps`/`ordinals` (shared by all branches, cut at each one's halt). */
  steps: number[];
  ordinals: number[];
  branches: { xs: number[]; ys: number[] }[];
}

export interface CloudView {
  forkId: number;
  fork: { step: number; ordinal: number; description: string };
  n: number;
  noise: { scale: number; target: CloudTarget; at: CloudAt; seed: number };
  halt: string;
  select: CloudSelect;
  /** The branch the selection rule picks (absent for a vote). */
  selected?: number;
  branches: CloudBranchView[];
  selections: Partial<Record<CloudSelect, { branch?: number; correct?: boolean; answer: number[] }>>;
  votes: { majority: number[]; agreement: number[]; entropy: number[] };
  fan: CloudFan;
  gridWidth: number;
  gridHeight: number;
  taskKind: string;
}

export interface CloudAdoptArgs {
  forkId: number;
  /** A branch number, or -1 to walk the trunk again. */
  branch: number;
}

export interface CloudAdoptResult {
  /** Name shown in the Call Stack ("branch 3/8 @ step 1 › cycle 1 › z 2"), or "trunk". */
  name: string;
}

export interface BundleSaveArgs {
  notes?: string;
  /** Breakpoints as the client sees them (the extension fills these from VS Code). */
  breakpoints?: unknown[];
}

const isInt = (v: unknown, lo: number, hi: number) =>
  typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

export function cloudForkProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null)
    return 'expected an object {n, scale, target?, at?, seed?, select?, tensor?}';
  const a = v as Record<string, unknown>;
  if (!isInt(a.n, 1, 256)) return `'n' must be an integer in 1..256 (got ${JSON.stringify(a.n)})`;
  if (typeof a.scale !== 'number' || !Number.isFinite(a.scale) || a.scale < 0 || a.scale > 100)
    return `'scale' must be a number in 0..100 (got ${JSON.stringify(a.scale)})`;
  if (a.target !== undefined && !['z', 'y', 'both'].includes(a.target as string))
    return `'target' must be 'z', 'y' or 'both' (got ${JSON.stringify(a.target)})`;
  if (a.at !== undefined && !['update', 'step'].includes(a.at as string))
    return `'at' must be 'update' or 'step' (got ${JSON.stringify(a.at)})`;
  if (a.seed !== undefined && !isInt(a.seed, -(2 ** 31), 2 ** 32))
    return `'seed' must be an integer (got ${JSON.stringify(a.seed)})`;
  if (a.select !== undefined && !['q', 'vote', 'oracle'].includes(a.select as string))
    return `'select' must be 'q', 'vote' or 'oracle' (got ${JSON.stringify(a.select)})`;
  if (a.tensor !== undefined && a.tensor !== 'y' && a.tensor !== 'z') return `'tensor' must be 'y' or 'z'`;
  return undefined;
}

export function cloudAdoptProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'expected an object {forkId, branch}';
  const a = v as Record<string, unknown>;
  if (!isInt(a.forkId, 1, Number.MAX_SAFE_INTEGER)) return `'forkId' must be the id a trm/cloudFork answered`;
  if (!isInt(a.branch, -1, 1 << 20)) return `'branch' must be a branch number, or -1 for the trunk`;
  return undefined;
}

/**
 * The part of the trm/cloud event body (a CloudView) that the timeline draws: the fan of branches
 * on the latent trajectory plot. Validated by the glue; extra fields are allowed (the Cloud panel
 * reads the rest).
 */
const fanPathSchema = c.object(
  { steps: c.numbers('int'), ordinals: c.numbers('int'), xs: c.numbers('float'), ys: c.numbers('float') },
  undefined,
  true,
);
export const trmCloudEventSchema = c.object(
  {
    forkId: c.int(1),
    fork: c.object({ step: c.int(1), ordinal: c.int(0), description: c.str() }, undefined, true),
    n: c.int(1, 256),
    select: c.literal<CloudSelect>('q', 'vote', 'oracle'),
    selected: c.optional(c.int(0)),
    branches: c.array(
      c.object(
        { branch: c.int(0), haltStep: c.int(0), qHalt: c.numOrNull(), correct: c.optional(c.bool()) },
        undefined,
        true,
      ),
      256,
    ),
    fan: c.object(
      {
        tensor: c.literal<'y' | 'z'>('y', 'z'),
        trunk: fanPathSchema,
        forkIndex: c.int(0),
        steps: c.numbers('int'),
        ordinals: c.numbers('int'),
        branches: c.array(c.object({ xs: c.numbers('float'), ys: c.numbers('float') }, undefined, true), 256),
      },
      undefined,
      true,
    ),
  },
  (o, p) => {
    const f = o.fan as { branches: unknown[] };
    return f.branches.length !== (o.branches as unknown[]).length
      ? `${p}.fan.branches: ${f.branches.length} paths for ${(o.branches as unknown[]).length} branches`
      : undefined;
  },
  true,
);
export type TrmCloudEvent = Infer<typeof trmCloudEventSchema>;
