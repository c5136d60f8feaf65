// Patching and ablation in the debugger: trm/patch (and setVariable / setExpression / Debug Console
// statements, src/debug/patchSyntax.ts) turn into engine patches (src/engine/intervene/patch.ts)
// with every value resolved at the stop (a copy from run B carries B's numbers), and the session
// walks a PatchedTrace from then on: positions before the first patch are the trunk's, so stepping
// back past it returns the unpatched states bit for bit, and stepping forward returns the patched
// ones (the patches are part of the recorded history). While patched, run B of the Variables view
// is the unpatched baseline unless the launch named a `compare` run.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { type Patch, comparePatchPositions, describePatch, patchProblem } from '../engine/intervene/patch';
import { describeSwap, parseRowSwap } from '../engine/intervene/puzzleProbe';
import type { PuzzleTrace } from '../engine/trace/types';
import type { TrmPatchArgs, TrmPatches } from '../protocol/debugger';
import type { CloudController } from './cloudRequests';
import { CompareRun } from './compareRun';
import type { DebugEngine } from './engineTypes';
import { cellLabel } from './gridText';
import type { Position, TrmRuntime } from './runtime';

interface Base {
  trace: PuzzleTrace;
  adopted: TrmRuntime['adoptedTrace'];
  /** Adopted cloud links when the first patch was made (a bundle replays those, then the patches). */
  chainLength: number;
}

export class PatchController {
  private base: Base | undefined;
  private patches: Patch[] = [];
  private current: PuzzleTrace | undefined;
  private baseline: CompareRun | undefined;

  constructor(
    private readonly runtime: TrmRuntime,
    private readonly engine: DebugEngine,
    private readonly cloud: CloudController,
  ) {}

  /** Whether the session walks a patched run now. */
  get active(): boolean {
    return this.patches.length > 0 && this.current !== undefined && this.runtime.trace === this.current;
  }

  /** The patches of the walked run (empty when unpatched). */
  get list(): readonly Patch[] {
    return this.active ? this.patches : [];
  }

  /** Whether a position shows patched states (at or after the first patch). */
  patchedAt(pos: Position): boolean {
    const first = this.list[0];
    return first !== undefined && comparePatchPositions(pos, first) >= 0;
  }

  private cellName = (i: number): string =>
    i < 0 ? `prefix ${i + this.engine.derived.puzzleEmbLen}` : cellLabel(i, this.engine.puzzle.gridWidth);

  describe(p: Patch): string {
    return describePatch(this.engine.config, p, this.cellName);
  }

  info(): TrmPatches {
    const list = this.list;
    return {
      count: list.length,
      patches: list.map((p) => ({ op: p.op, step: p.step, ordinal: p.ordinal, description: this.describe(p) })),
      ...(list.length && this.runtime.compare ? { baseline: this.runtime.compare.label } : {}),
    };
  }

  /** The `patches` scope of the Variables view. */
  variables(): DebugProtocol.Variable[] {
    const v = (name: string, value: string): DebugProtocol.Variable => ({ name, value, variablesReference: 0 });
    return [
      ...this.list.map((p, i) => v(`#${i + 1} ${p.op}`, this.describe(p))),
      v('B', this.runtime.compare?.label ?? 'none'),
      v('undo', 'Debug Console: patches = none (step back past the first patch to see the run without them)'),
    ];
  }

  /** Resolves trm/patch arguments at `at` into engine patches (call inside runtime.exclusive). */
  async resolve(args: TrmPatchArgs, at: Position): Promise<Patch[]> {
    const e = this.engine;
    const c = e.config;
    const S = c.seq_len;
    const D = c.hidden_size;
    const P = e.derived.puzzleEmbLen;
    if ((args.step === undefined) !== (args.ordinal === undefined))
      throw new Error("give both 'step' and 'ordinal' (or neither: the current stop)");
    const where = { step: args.step ?? at.step, ordinal: args.ordinal ?? at.ordinal };
    if (where.ordinal < 0 && args.op !== 'embedding')
      throw new Error(`ordinal -1 (before a step) is for puzzle-embedding swaps only; ${args.op} acts on an update`);
    const tensors = (allowBoth: boolean): ('y' | 'z')[] => {
      if (args.tensor === undefined)
        throw new Error(`${args.op} needs 'tensor' (y or z${allowBoth ? ' or both' : ''})`);
      if (args.tensor === 'both') {
        if (!allowBoth) throw new Error(`${args.op} takes tensor y or z, not both`);
        return ['y', 'z'];
      }
      return [args.tensor];
    };
    // No cells: every position of the tensor, the puzzle prefix (-P..-1) included.
    const cells = args.cells ?? Array.from({ length: S + P }, (_, i) => i - P);
    switch (args.op) {
      case 'clear':
        return [];
      case 'skip':
        return [{ op: 'skip', ...where }];
      case 'freeze':
        return tensors(false).map((tensor) => ({ op: 'freeze', ...where, tensor }));
      case 'embedding': {
        if (!e.patching) throw new Error('this engine cannot patch runs');
        if (!args.swap) throw new Error("embedding needs 'swap': blank, mean, random[:seed], puzzle:<id> or B");
        if (args.swap.trim() === 'B') {
          const cmp = this.runtime.compare;
          if (!cmp)
            throw new Error(
              'there is no run B: launch with `compare`, or patch the run first (B is then its baseline)',
            );
          const row =
            cmp === this.baseline
              ? await e.patching.puzzleRow({ mode: 'puzzle', puzzleId: e.puzzle.puzzleIdentifier })
              : await cmp.bPuzzleRow();
          if (row.length !== c.puzzle_emb_ndim)
            throw new Error(`run B's puzzle-embedding row has ${row.length} values, run A's ${c.puzzle_emb_ndim}`);
          return [{ op: 'embedding', ...where, mode: 'copy', row: Array.from(row), detail: `run B: ${cmp.label}` }];
        }
        const swap = parseRowSwap(args.swap);
        const row = await e.patching.puzzleRow(swap);
        return [{ op: 'embedding', ...where, mode: swap.mode, row: Array.from(row), detail: describeSwap(swap) }];
      }
      case 'zero':
        return tensors(true).map((tensor) => ({ op: 'zero', ...where, tensor, cells, value: 0 }));
      case 'set': {
        if (!args.cells) throw new Error("set needs 'cells' (grid cells 0..S-1)");
        const [tensor] = tensors(false);
        if (args.values !== undefined) return [{ op: 'set', ...where, tensor, cells, values: args.values }];
        if (args.value === undefined) throw new Error("set needs 'value' (a number) or 'values' (cells × D numbers)");
        return [
          {
            op: 'set',
            ...where,
            tensor,
            cells,
            value: args.value,
            ...(args.dim !== undefined ? { dim: args.dim } : {}),
          },
        ];
      }
      case 'copy': {
        if (args.source !== undefined && args.source !== 'B') throw new Error("copy takes source 'B'");
        const cmp = this.runtime.compare;
        if (!cmp)
          throw new Error(
            'copy needs run B: launch with `compare` (another checkpoint or a recorded run), or patch the run first (B is then its unpatched baseline)',
          );
        const b = await cmp.bStateAfter(where.step, where.ordinal);
        return tensors(true).map((tensor) => {
          const src = b[tensor];
          if (args.dim !== undefined) {
            if (cells.length !== 1) throw new Error('copying one channel takes one cell');
            if (args.dim < 0 || args.dim >= D)
              throw new Error(`channel ${args.dim} is outside 0..${D - 1} (hidden_size)`);
            return {
              op: 'copy',
              ...where,
              tensor,
              cells,
              dim: args.dim,
              value: src[(P + cells[0]) * D + args.dim],
              from: cmp.label,
            };
          }
          const values: number[] = [];
          for (const cell of cells) {
            if (!Number.isInteger(cell) || cell < -P || cell >= S)
              throw new Error(`cell ${cell} is outside 0..${S - 1} (seq_len)`);
            for (let d = 0; d < D; d++) values.push(src[(P + cell) * D + d]);
          }
          return { op: 'copy', ...where, tensor, cells, values, from: cmp.label };
        });
      }
    }
  }

  /** Adds patches to the walked run (call inside runtime.exclusive); returns the patches now in force. */
  apply(added: readonly Patch[]): readonly Patch[] {
    const rt = this.runtime;
    const support = this.engine.patching;
    if (!support) throw new Error('this engine cannot patch runs');
    for (const p of added) {
      const problem = patchProblem(this.engine.config, p, rt.maxSteps);
      if (problem) throw new Error(`invalid patch: ${problem}`);
    }
    const fresh = !this.active;
    const base: Base = fresh
      ? { trace: rt.trace, adopted: rt.adoptedTrace, chainLength: this.cloud.chain.length }
      : this.base!;
    const patches = [...(fresh ? [] : this.patches), ...added];
    const trace = support.patched(base.trace, patches, rt.maxSteps); // throws before anything changes
    const old = fresh ? undefined : this.current;
    this.base = base;
    this.patches = patches;
    this.current = trace;
    if (fresh && this.baseline && rt.compare === this.baseline) {
      // A new base (a branch adopted since): its own baseline replaces the old one.
      rt.compare = undefined;
      this.baseline.dispose();
      this.baseline = undefined;
    }
    if (!rt.compare) {
      this.baseline = CompareRun.baseline(this.engine, base.trace, rt.maxSteps);
      rt.compare = this.baseline;
    }
    const first = [...patches].sort(comparePatchPositions)[0];
    rt.adoptTrace({
      trace,
      name: `patched ×${patches.length}`,
      fork: { step: first.step, ordinal: first.ordinal - 1 },
    });
    old?.dispose();
    return this.patches;
  }

  /** Removes every patch: the session walks the run it walked before the first one. */
  clear(): void {
    if (!this.active) {
      this.patches = [];
      return;
    }
    const rt = this.runtime;
    rt.adoptTrace(this.base!.adopted);
    if (this.baseline && rt.compare === this.baseline) {
      rt.compare = undefined;
      this.baseline.dispose();
    }
    this.baseline = undefined;
    this.current?.dispose();
    this.current = undefined;
    this.patches = [];
    this.base = undefined;
  }

  /** For trace bundles: the patches, or why they cannot be saved. */
  forBundle(): Patch[] {
    if (this.patches.length > 0 && !this.active)
      throw new Error(
        'a cloud branch was adopted on top of the patched run: such a session cannot be saved as a bundle yet (adopt the trunk again, or save before adopting)',
      );
    if (this.active && this.cloud.chain.length !== this.base!.chainLength)
      throw new Error('the cloud branches adopted after patching cannot be replayed from a bundle yet');
    return this.patches.map((p) => JSON.parse(JSON.stringify(p)) as Patch);
  }
}
