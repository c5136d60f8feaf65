// Trajectory clouds in the debugger: trm/cloudFork forks N noisy branches from the current stop
// (computed on the TF.js model, N rows of one batch) and answers what the timeline draws: each
// branch's halting and answer, the selections (Q head, vote, oracle), per-cell vote and entropy
// maps and the fan of branches on the latent trajectory (PCA of the mean z or y after each
// update). trm/cloudAdopt makes one branch the walked trace: the history becomes a tree, and
// stepping back from the branch walks to its fork point, then along the trunk.

import { meanState, trajectoryPca } from '../engine/trace/views';
import { updateAt, type PuzzleTrace } from '../engine/trace/types';
import type { CloudResult, HaltRule } from '../engine/cloud/cloud';
import type { NoiseSpec } from '../engine/cloud/noise';
import type { CloudAdoptArgs, CloudForkArgs, CloudSelect, CloudView } from '../protocol/cloud';
import type { DebugEngine } from './engineTypes';
import { describeHaltPolicy } from './launchConfig';
import type { Position, TrmRuntime } from './runtime';

/** One adopted link of the tree, enough to recompute the branch (saved in trace bundles). */
export interface AdoptedLink {
  fork: { step: number; ordinal: number };
  noise: NoiseSpec;
  n: number;
  branch: number;
}

interface ForkRecord {
  id: number;
  fork: Position;
  noise: NoiseSpec;
  n: number;
  /** What was walked when the cloud was forked (its trunk). */
  before: TrmRuntime['adoptedTrace'];
  chainBefore: AdoptedLink[];
}

export class CloudController {
  private readonly forks = new Map<number, ForkRecord>();
  private nextId = 1;
  /** The adopted links from the engine's trace to the walked one. */
  chain: AdoptedLink[] = [];

  constructor(
    private readonly runtime: TrmRuntime,
    private readonly engine: DebugEngine,
  ) {}

  /** Runs a cloud from the current stop (call inside runtime.exclusive). */
  async fork(args: CloudForkArgs): Promise<CloudView> {
    const rt = this.runtime;
    const cloud = this.engine.cloud;
    if (!cloud) throw new Error('this engine cannot run trajectory clouds');
    const pos: Position = { step: rt.position.step, ordinal: rt.position.ordinal };
    if (pos.ordinal === rt.U - 1 && (await rt.haltsAfter(pos.step)))
      throw new Error(
        `the episode ends here (step ${pos.step}, ${describeHaltPolicy(rt.haltPolicy)}): step back to fork from an earlier update`,
      );
    const trace = rt.trace;
    const ref = updateAt(this.engine.config, pos.step, pos.ordinal);
    const noise: NoiseSpec = {
      scale: args.scale,
      target: args.target ?? 'z',
      at: args.at ?? 'update',
      seed: args.seed ?? 0,
    };
    const halt: HaltRule = rt.haltPolicy;
    const result = await cloud.run(await trace.x(), await trace.stateAfter(ref), pos, {
      n: args.n,
      noise,
      halt,
      maxSteps: rt.maxSteps,
      recordMeans: true,
    });
    const id = this.nextId++;
    this.forks.set(id, { id, fork: pos, noise, n: args.n, before: rt.adoptedTrace, chainBefore: [...this.chain] });
    const select: CloudSelect = args.select ?? 'q';
    return this.view(id, result, trace, select, args.tensor ?? 'z');
  }

  private async view(
    id: number,
    r: CloudResult,
    trunk: PuzzleTrace,
    select: CloudSelect,
    tensor: 'y' | 'z',
  ): Promise<CloudView> {
    const e = this.engine;
    const T = e.derived.totalSeqLen;
    const D = e.config.hidden_size;
    const U = this.runtime.U;
    const last = Math.max(...r.branches.map((b) => b.haltStep), r.fork.step);
    const trunkPts: Float64Array[] = [];
    const steps: number[] = [];
    const ordinals: number[] = [];
    for (let s = 1; s <= last; s++)
      for (let o = 0; o < U; o++) {
        const st = await trunk.stateAfter(updateAt(e.config, s, o));
        trunkPts.push(meanState(st[tensor], T, D));
        steps.push(s);
        ordinals.push(o);
      }
    const branchPts = r.branches.map((b) => (b.means?.[tensor] ?? []).map((m) => Float64Array.from(m)));
    const xy = trajectoryPca([...trunkPts, ...branchPts.flat()]);
    let k = trunkPts.length;
    const branches = branchPts.map((pts) => {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < pts.length; i++, k++) {
        xs.push(xy[k].x);
        ys.push(xy[k].y);
      }
      return { xs, ys };
    });
    const sel = r.selections[select];
    return {
      forkId: id,
      fork: { ...r.fork, description: this.runtime.describe(r.fork) },
      n: r.n,
      noise: { ...r.noise },
      halt: describeHaltPolicy(this.runtime.haltPolicy),
      select,
      ...(sel?.branch !== undefined ? { selected: sel.branch } : {}),
      branches: r.branches.map((b) => ({
        branch: b.branch,
        haltStep: b.haltStep,
        haltedByRule: b.haltedByRule,
        qHalt: b.qHalt,
        ...(b.correct !== undefined ? { correct: b.correct } : {}),
        answer: Array.from(b.answer),
        steps: b.steps.map((s) => s.step),
        qHalts: b.steps.map((s) => s.qHalt),
      })),
      selections: Object.fromEntries(
        Object.entries(r.selections).map(([rule, s]) => [
          rule,
          {
            ...(s.branch !== undefined ? { branch: s.branch } : {}),
            ...(s.correct !== undefined ? { correct: s.correct } : {}),
            answer: Array.from(s.answer),
          },
        ]),
      ),
      votes: {
        majority: Array.from(r.votes.majority),
        agreement: Array.from(r.votes.agreement),
        entropy: Array.from(r.votes.entropy),
      },
      fan: {
        tensor,
        trunk: {
          steps,
          ordinals,
          xs: xy.slice(0, trunkPts.length).map((p) => p.x),
          ys: xy.slice(0, trunkPts.length).map((p) => p.y),
        },
        forkIndex: (r.fork.step - 1) * U + r.fork.ordinal,
        steps: r.positions.map((p) => p.step),
        ordinals: r.positions.map((p) => p.ordinal),
        branches,
      },
      gridWidth: e.puzzle.gridWidth,
      gridHeight: e.puzzle.gridHeight,
      taskKind: e.puzzle.kind,
    };
  }

  /** Makes a branch of a forked cloud the walked trace (-1: the cloud's trunk); returns where to stop. */
  adopt(args: CloudAdoptArgs): { name: string; position: Position } {
    const f = this.forks.get(args.forkId);
    if (!f) throw new Error(`no cloud with id ${args.forkId} in this session (fork one first with trm/cloudFork)`);
    if (args.branch >= f.n)
      throw new Error(`branch ${args.branch} is out of range: the cloud has branches 0..${f.n - 1}`);
    if (args.branch < 0) {
      this.runtime.adoptTrace(f.before);
      this.chain = [...f.chainBefore];
      return { name: f.before?.name ?? 'trunk', position: f.fork };
    }
    const link: AdoptedLink = { fork: { ...f.fork }, noise: f.noise, n: f.n, branch: args.branch };
    const name = this.adoptLink(link, f.before?.trace ?? this.engine.trace);
    this.chain = [...f.chainBefore, link];
    return { name, position: this.after(f.fork) };
  }

  /** Adopts a link on top of `trunk` (restoring a bundle replays the chain this way). */
  adoptLink(link: AdoptedLink, trunk: PuzzleTrace): string {
    const cloud = this.engine.cloud;
    if (!cloud) throw new Error('this engine cannot run trajectory clouds');
    const trace = cloud.branch(trunk, {
      fork: link.fork,
      noise: link.noise,
      branch: link.branch,
      puzzleKey: cloud.puzzleKey,
    });
    const name = `branch ${link.branch}/${link.n} from ${this.runtime.describe(link.fork)}`;
    this.runtime.adoptTrace({ trace, name, fork: { ...link.fork } });
    return name;
  }

  /** Replays a saved chain from the engine's trace. */
  restoreChain(chain: AdoptedLink[]): void {
    let trunk: PuzzleTrace = this.engine.trace;
    for (const link of chain) {
      this.adoptLink(link, trunk);
      trunk = this.runtime.trace;
    }
    this.chain = [...chain];
  }

  private after(p: Position): Position {
    return p.ordinal < this.runtime.U - 1 ? { step: p.step, ordinal: p.ordinal + 1 } : { step: p.step + 1, ordinal: 0 };
  }
}
