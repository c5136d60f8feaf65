// Which checkpoint solves what: every example of a dataset run through each model with the official
// evaluation (fresh carry, all N_sup steps), batched, giving a per-puzzle x checkpoint table of
// solved / unsolved and the first step whose answer was fully correct. Used by `trm diff --dataset`.

import type { TrmModel } from '../model/trm';
import { runEpisode } from '../trace/episode';

export interface SolveExample {
  id: string;
  inputs: Int32Array;
  labels?: Int32Array;
  puzzleIdentifier: number;
}

export interface SolveRow {
  id: string;
  /** Per model: every labelled cell right after the last step. */
  solved: boolean[];
  /** Per model: the first step (1-based) whose answer was fully correct, or null. */
  firstCorrectStep: (number | null)[];
}

export interface SolveTable {
  labels: string[];
  steps: number;
  rows: SolveRow[];
  /** Per model: examples solved. */
  solvedCount: number[];
}

export async function solveTable(
  models: { label: string; model: TrmModel }[],
  examples: SolveExample[],
  opts: { steps: number; batchSize?: number },
): Promise<SolveTable> {
  const unlabelled = examples.find((e) => !e.labels);
  if (unlabelled) throw new Error(`example ${unlabelled.id} has no labels: cannot say whether it is solved`);
  const batchSize = opts.batchSize ?? 64;
  const rows: SolveRow[] = examples.map((e) => ({ id: e.id, solved: [], firstCorrectStep: [] }));
  const K = opts.steps;
  for (const { model } of models) {
    const S = model.config.seq_len;
    for (let from = 0; from < examples.length; from += batchSize) {
      const chunk = examples.slice(from, from + batchSize);
      const B = chunk.length;
      const inputs = new Int32Array(B * S);
      const labels = new Int32Array(B * S);
      chunk.forEach((e, i) => {
        if (e.inputs.length !== S)
          throw new Error(`example ${e.id}: ${e.inputs.length} tokens, the model expects ${S}`);
        inputs.set(e.inputs, i * S);
        labels.set(e.labels!, i * S);
      });
      const res = await runEpisode(
        model,
        { inputs, labels, puzzleIdentifiers: Int32Array.from(chunk, (e) => e.puzzleIdentifier) },
        { steps: K, keepLogits: false },
      );
      const ok = res.seqIsCorrect!;
      chunk.forEach((_, i) => {
        let first: number | null = null;
        for (let k = 0; k < K && first === null; k++) if (ok[k * B + i]) first = k + 1;
        rows[from + i].solved.push(ok[(K - 1) * B + i] === 1);
        rows[from + i].firstCorrectStep.push(first);
      });
    }
  }
  const solvedCount = models.map((_, m) => rows.filter((r) => r.solved[m]).length);
  return { labels: models.map((m) => m.label), steps: K, rows, solvedCount };
}

/** The table for terminals, plus who alone solves what. */
export function formatSolveTable(t: SolveTable): string[] {
  const w = Math.max(6, ...t.rows.map((r) => r.id.length));
  const cell = (r: SolveRow, m: number) =>
    (r.solved[m]
      ? `✓ (${r.firstCorrectStep[m]})`
      : r.firstCorrectStep[m] !== null
        ? `✗ (was ✓ at ${r.firstCorrectStep[m]})`
        : '✗'
    ).padEnd(18);
  const lines = [
    `${'puzzle'.padEnd(w)}  ${t.labels.map((_, m) => String.fromCharCode(65 + m).padEnd(18)).join('')}`,
    ...t.rows.map((r) => `${r.id.padEnd(w)}  ${t.labels.map((_, m) => cell(r, m)).join('')}`),
    '',
  ];
  t.labels.forEach((l, m) =>
    lines.push(
      `${String.fromCharCode(65 + m)} = ${l}: solves ${t.solvedCount[m]}/${t.rows.length} after ${t.steps} steps`,
    ),
  );
  if (t.labels.length === 2) {
    const only = (m: number) => t.rows.filter((r) => r.solved[m] && !r.solved[1 - m]).map((r) => r.id);
    const both = t.rows.filter((r) => r.solved[0] && r.solved[1]).length;
    const oa = only(0),
      ob = only(1);
    lines.push(
      `only A: ${oa.length}${oa.length ? ` (${oa.slice(0, 10).join(', ')}${oa.length > 10 ? ', …' : ''})` : ''}; only B: ${ob.length}${ob.length ? ` (${ob.slice(0, 10).join(', ')}${ob.length > 10 ? ', …' : ''})` : ''}; both: ${both}; neither: ${t.rows.length - oa.length - ob.length - both}`,
    );
  }
  return lines;
}
