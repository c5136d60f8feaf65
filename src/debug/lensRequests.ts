// The timeline's analysis views of one run: the z-lens heatmap (z decoded through the output head
// at an update: per cell the margin, signed by whether z decodes to the value y ends the episode
// with, and the cells where z is ahead of y) and per-cell provenance for the answer hovers. Bodies
// of trm/heatmap {view: 'zlens'} and trm/provenance (src/protocol/debugger.ts); the analyses live
// in the engine (src/engine/analysis/zlens.ts, provenance.ts), read through the runtime's caches as
// the Variables view reads them. Call inside runtime.exclusive().
import type { ProvenanceTable, UpdatePoint } from '../engine/analysis/provenance';
import type { TrmHeatmap, TrmProvenance } from '../protocol/debugger';
import type { Position, TrmRuntime } from './runtime';

/**
 * z-lens of the update at `pos`: margin logit(top) − logit(runner-up) of z decoded through lm_head,
 * + where z decodes to y's final value (the episode's end), − where it decodes another; `ahead`:
 * cells where z holds y's final value and y, at this update, does not yet (zlens.ts's "ahead").
 */
export async function zLensHeatmap(runtime: TrmRuntime, pos: Position): Promise<TrmHeatmap> {
  const vals = await runtime.valuesAt(pos);
  const z = await vals.decodedZ();
  const y = (await runtime.envAt(pos)).preds;
  const final = (await runtime.episodeProvenance()).cells.map((c) => c.final);
  const values: number[] = [];
  const ahead: number[] = [];
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < z.preds.length; i++) {
    const m = Number.isFinite(z.margin[i]) ? z.margin[i] : 0;
    const v = z.preds[i] === final[i] ? m : -m;
    values.push(v);
    if (v < min) min = v;
    if (v > max) max = v;
    if (z.preds[i] === final[i] && y[i] !== final[i]) ahead.push(i);
  }
  return { values, min: Number.isFinite(min) ? min : null, max: Number.isFinite(max) ? max : null, ahead };
}

const point = (p: UpdatePoint): { step: number; ordinal: number } => ({ step: p.step, ordinal: p.ordinal });

/** trm/provenance: the episode's per-cell provenance table. */
export async function provenanceBody(runtime: TrmRuntime): Promise<TrmProvenance> {
  const t: ProvenanceTable = await runtime.episodeProvenance();
  return {
    steps: t.steps,
    samples: t.samples.map(point),
    cells: t.cells.map((c) => ({
      cell: c.cell,
      final: c.final,
      ...(c.label !== undefined ? { label: c.label } : {}),
      initial: c.initial,
      stableFrom: point(c.stableFrom),
      ...(c.firstCorrect ? { firstCorrect: point(c.firstCorrect) } : {}),
      ...(c.lastFlip
        ? { lastFlip: { step: c.lastFlip.step, ordinal: c.lastFlip.ordinal, from: c.lastFlip.from, to: c.lastFlip.to } }
        : {}),
      changes: c.changes.map((ch) => ({ step: ch.step, ordinal: ch.ordinal, from: ch.from, to: ch.to })),
      confidence: Array.from(c.confidence, (x) => (Number.isFinite(x) ? x : null)),
    })),
  };
}
