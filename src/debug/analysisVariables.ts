// The "analysis" scope of the Variables view: settling (the run's label and its per-step drift),
// drift at the cursor (‖Δz‖, ‖Δy‖, fixed-point residual), the z-lens (z decoded through lm_head
// beside y) and per-cell provenance (when each cell became correct, its changes, confidence
// sparkline and an attribution of its last flip). A translator only: every value comes from the
// engine's analyses (engine/analysis). The scope is marked expensive, and its children are computed
// when expanded; handles live only while stopped, like VariableStore's.

import type { DebugProtocol } from '@vscode/debugprotocol';
import { attributeLastFlip } from '../engine/analysis/provenance';
import type { CellProvenance, UpdatePoint } from '../engine/analysis/provenance';
import { rmsPerPosition } from '../engine/trace/decode';
import { updateAt, describeUpdate } from '../engine/trace/types';
import type { Position, TrmRuntime } from './runtime';
import { fmt } from './runtime';
import { cellLabel, cellValue, rowText } from './gridText';

type Node =
  | { kind: 'scope'; pos: Position }
  | { kind: 'settling'; pos: Position }
  | { kind: 'drift'; pos: Position }
  | { kind: 'zlens'; pos: Position }
  | { kind: 'provenance'; pos: Position }
  | { kind: 'cell'; cell: number }
  | { kind: 'attribution'; cell: number };

/** Handles far above VariableStore's, so the session can tell whose a reference is. */
const BASE = 1_000_000_000;

const SPARK = '▁▂▃▄▅▆▇█';

/** A confidence series (0..1) as a text sparkline. */
export function sparkline(values: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    const v = Math.min(1, Math.max(0, values[i]));
    s += Number.isFinite(values[i]) ? SPARK[Math.min(SPARK.length - 1, Math.floor(v * SPARK.length))] : '?';
  }
  return s;
}

export class AnalysisVariables {
  private next = BASE;
  private nodes = new Map<number, Node>();

  reset(): void {
    this.nodes.clear();
  }

  owns(ref: number): boolean {
    return ref >= BASE;
  }

  private handle(n: Node): number {
    const h = this.next++;
    this.nodes.set(h, n);
    return h;
  }

  scope(pos: Position): DebugProtocol.Scope {
    return {
      name: 'analysis — settling, z-lens, provenance',
      presentationHint: 'locals',
      variablesReference: this.handle({ kind: 'scope', pos }),
      expensive: true,
    };
  }

  /** Children of a handle; throws on a stale one (the session reports it). */
  async variables(ref: number, runtime: TrmRuntime): Promise<DebugProtocol.Variable[]> {
    const n = this.nodes.get(ref);
    if (!n)
      throw new Error(
        `variable reference ${ref} is not valid at this stop (references are reset whenever execution resumes)`,
      );
    const v = (name: string, value: string, child?: Node, evaluateName?: string): DebugProtocol.Variable => ({
      name,
      value,
      variablesReference: child ? this.handle(child) : 0,
      ...(evaluateName ? { evaluateName } : {}),
    });
    const puzzle = runtime.engine.puzzle;
    const width = puzzle.gridWidth;
    const at = (p: UpdatePoint): string =>
      p.t === 0
        ? 't = 0 (initial y)'
        : `t = ${p.t} (${describeUpdate(updateAt(runtime.engine.config, p.step, p.ordinal))})`;
    switch (n.kind) {
      case 'scope': {
        const out: DebugProtocol.Variable[] = [];
        const d = await this.drift(runtime, n.pos);
        out.push(
          v('drift', `‖Δz‖ ${fmt(d.dz)} · ‖Δy‖ ${fmt(d.dy)} · residual ${fmt(d.residual)}`, {
            kind: 'drift',
            pos: n.pos,
          }),
        );
        if (runtime.hasLabels) {
          const label = await runtime.settlingAt(n.pos.step);
          out.push(v('settling', `${label} (run up to step ${n.pos.step})`, { kind: 'settling', pos: n.pos }));
        }
        const vals = await runtime.valuesAt(n.pos);
        const z = await vals.decodedZ();
        const y = (await runtime.envAt(n.pos)).preds;
        let agree = 0;
        for (let i = 0; i < y.length; i++) if (y[i] === z.preds[i]) agree++;
        out.push(v('z-lens', `z decodes ${agree}/${y.length} cells like y`, { kind: 'zlens', pos: n.pos }));
        out.push(
          v('provenance', 'per cell: when it became correct, its changes, confidence', {
            kind: 'provenance',
            pos: n.pos,
          }),
        );
        return out;
      }
      case 'drift': {
        const d = await this.drift(runtime, n.pos);
        return [
          v('‖Δz‖', fmt(d.dz), undefined, 'drift(z)'),
          v('‖Δy‖', fmt(d.dy), undefined, 'drift(y)'),
          v('residual ‖net(z, y + x) − z‖', fmt(d.residual), undefined, 'residual'),
        ];
      }
      case 'settling': {
        const steps = await runtime.summariesUpTo(n.pos.step);
        return steps.map((s) =>
          v(
            `step ${s.step}`,
            `${s.correct ? 'correct' : 'wrong'} · ‖Δz‖ ${fmt(s.dz)} · ‖Δy‖ ${fmt(s.dy)} · ${s.changedCells} changed · q_halt ${fmt(s.qHalt)}`,
          ),
        );
      }
      case 'zlens': {
        const vals = await runtime.valuesAt(n.pos);
        const z = await vals.decodedZ();
        const final = (await runtime.episodeProvenance()).cells.map((c) => c.final);
        const y = (await runtime.envAt(n.pos)).preds;
        const ahead: number[] = [];
        let ent = 0,
          mar = 0;
        for (let i = 0; i < y.length; i++) {
          if (z.preds[i] === final[i] && y[i] !== final[i]) ahead.push(i);
          ent += z.entropy[i];
          mar += Number.isFinite(z.margin[i]) ? z.margin[i] : 0;
        }
        const rows: DebugProtocol.Variable[] = [];
        for (let r = 0; r < puzzle.gridHeight; r++)
          rows.push(v(`row ${r + 1}`, rowText(puzzle.kind, z.preds, r, width)));
        return [
          v(
            'ahead of y',
            ahead.length
              ? `${ahead.length} cell${ahead.length === 1 ? '' : 's'}: z already decodes the value y adopts later (${ahead
                  .slice(0, 12)
                  .map((i) => `${cellLabel(i, width)}=${cellValue(puzzle.kind, z.preds[i])}`)
                  .join(', ')}${ahead.length > 12 ? ', …' : ''})`
              : 'none',
          ),
          v('mean entropy', fmt(ent / y.length), undefined, 'mean(entropy(z))'),
          v('mean margin', fmt(mar / y.length), undefined, 'mean(margin(z))'),
          ...rows,
        ];
      }
      case 'provenance': {
        const table = await runtime.episodeProvenance();
        return table.cells
          .filter((c) => puzzle.inputs[c.cell] !== 0 || c.label !== undefined)
          .map((c) => v(cellLabel(c.cell, width), this.cellSummary(c, runtime), { kind: 'cell', cell: c.cell }));
      }
      case 'cell': {
        const table = await runtime.episodeProvenance();
        const c = table.cells[n.cell];
        const name = cellLabel(c.cell, width);
        const show = (id: number): string => String(cellValue(puzzle.kind, id));
        return [
          v(
            'final',
            `${show(c.final)}${c.label !== undefined ? (c.final === c.label ? ' (correct)' : ` (label ${show(c.label)})`) : ''}`,
          ),
          v(
            'first correct',
            c.firstCorrect ? at(c.firstCorrect) : c.label === undefined ? 'no label' : 'never (ends wrong)',
            undefined,
            `first_correct(${name})`,
          ),
          v(
            'last flip',
            c.lastFlip ? `${show(c.lastFlip.from)} → ${show(c.lastFlip.to)} at ${at(c.lastFlip)}` : 'never changed',
            undefined,
            `last_flip(${name})`,
          ),
          v(
            'changes',
            c.changes.length ? c.changes.map((ch) => `${show(ch.from)}→${show(ch.to)} @t${ch.t}`).join(', ') : 'none',
            undefined,
            `flips(${name})`,
          ),
          v(
            'confidence',
            `${sparkline(c.confidence)} (${c.confidence.length} y revisions, ${fmt(c.confidence[0])} → ${fmt(c.confidence[c.confidence.length - 1])})`,
          ),
          ...(c.lastFlip
            ? [
                v('attribution of the last flip', 'gradient x input on z, y and the puzzle embedding (expand)', {
                  kind: 'attribution',
                  cell: c.cell,
                }),
              ]
            : []),
        ];
      }
      case 'attribution': {
        const table = await runtime.episodeProvenance();
        const c = table.cells[n.cell];
        const a = await attributeLastFlip(runtime.trace, c);
        if (!a) return [v('attribution', 'the cell never changed')];
        const top = Array.from(a.perCell, (x, i) => [x, i] as const)
          .sort((p, q) => q[0] - p[0])
          .slice(0, 5)
          .map(([x, i]) => `${cellLabel(i, width)} ${fmt(x)}`)
          .join(', ');
        return [
          v(
            'objective',
            `logit(${cellValue(puzzle.kind, a.target)}) − logit(${cellValue(puzzle.kind, a.runnerUp)}) = ${fmt(a.objective)}`,
          ),
          v('z (z_L)', fmt(a.z)),
          v('y (z_H)', fmt(a.y)),
          v('puzzle embedding', fmt(a.puzzleEmbedding)),
          v('question tokens', fmt(a.question)),
          v('strongest cells', top),
        ];
      }
    }
  }

  private cellSummary(c: CellProvenance, runtime: TrmRuntime): string {
    const kind = runtime.engine.puzzle.kind;
    const first = c.firstCorrect
      ? `correct from t=${c.firstCorrect.t}`
      : c.label !== undefined
        ? 'ends wrong'
        : `final ${cellValue(kind, c.final)}`;
    return `${first} · ${c.changes.length} change${c.changes.length === 1 ? '' : 's'}${c.lastFlip ? ` · last flip t=${c.lastFlip.t}` : ''} · ${sparkline(c.confidence)}`;
  }

  private async drift(runtime: TrmRuntime, pos: Position): Promise<{ dz: number; dy: number; residual: number }> {
    const vals = await runtime.valuesAt(pos);
    const [s, b] = [await vals.state(), await vals.before()];
    const T = vals.positions;
    return { dz: rmsPerPosition(s.z, b.z, T), dy: rmsPerPosition(s.y, b.y, T), residual: await vals.residual() };
  }
}
