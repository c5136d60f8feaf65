// A trajectory cloud on the latent trajectory plot: the trunk and each branch's path from the fork
// point, all in the one projection the debug adapter computed for them together (PCA of trunk and
// branches), with the branch the selection rule picked and the one the user adopted singled out.
// Pure: unit-tested.
import type { CloudMessage, TrajectoryMessage } from '../../src/protocol/timeline';

export type BranchRole = 'adopted' | 'selected' | 'other';

export interface FanPath {
  branch: number;
  role: BranchRole;
  /** The fork point first, then the branch's states after each update (finite points only). */
  pts: { x: number; y: number }[];
  title: string;
}

/**
 * The branch a stop says was adopted ("Adopted branch 3/8 from …"), -1 for the trunk, or undefined
 * when the stop says nothing about adoption (the session's stop text, src/debug/session.ts).
 */
export function adoptedBranch(reason: string): number | undefined {
  const m = /Adopted branch (\d+)\/\d+/.exec(reason);
  if (m) return Number(m[1]);
  return /^Adopted (?!branch)/.test(reason) ? -1 : undefined;
}

/** The cloud's trunk as a trajectory (the plot's points and cursor ring use the fan's projection). */
export function fanTrunk(c: CloudMessage): TrajectoryMessage {
  return {
    type: 'trajectory',
    id: -c.forkId,
    tensor: c.tensor,
    steps: c.trunkSteps,
    ordinals: c.trunkOrdinals,
    xs: c.trunkXs,
    ys: c.trunkYs,
  };
}

/** Every branch's path from the fork point; the adopted and selected branches last (drawn on top). */
export function fanPaths(c: CloudMessage, adopted: number | undefined): FanPath[] {
  const fx = c.trunkXs[c.forkIndex];
  const fy = c.trunkYs[c.forkIndex];
  const start = Number.isFinite(fx) && Number.isFinite(fy) ? [{ x: fx, y: fy }] : [];
  const out = c.branches.map((b): FanPath => {
    const pts = [...start];
    for (let i = 0; i < b.xs.length; i++)
      if (Number.isFinite(b.xs[i]) && Number.isFinite(b.ys[i])) pts.push({ x: b.xs[i], y: b.ys[i] });
    const role: BranchRole = b.branch === adopted ? 'adopted' : b.branch === c.selected ? 'selected' : 'other';
    const outcome = b.correct === undefined ? '' : b.correct ? ', correct' : ', wrong';
    const tags = [
      ...(b.branch === c.selected ? [`picked by ${c.select}`] : []),
      ...(b.branch === adopted ? ['adopted'] : []),
    ];
    return {
      branch: b.branch,
      role,
      pts,
      title: `branch ${b.branch}: halts at step ${b.haltStep}, q_halt ${b.qHalt.toFixed(2)}${outcome}${tags.length ? ` (${tags.join(', ')})` : ''}`,
    };
  });
  const rank: Record<BranchRole, number> = { other: 0, selected: 1, adopted: 2 };
  return out.sort((a, b) => rank[a.role] - rank[b.role] || a.branch - b.branch);
}
