// What an evaluation runs over, whatever the file format: a count of puzzles and, for any list of
// their indices, a padded batch in the ACT wrapper's layout with labels in the loss convention.
// Built datasets go through the training sampler's batchFromRows (their ignore_label_id), so
// `trm eval` keeps its exact numbers; any other file goes through readPuzzleFile's examples.

import type { BuiltSet, DatasetMetadata } from '../data/built';
import type { PuzzleExample } from '../data/puzzleFile';
import type { ActBatch } from '../model/act';
import { IGNORE_LABEL_ID } from '../model/losses';
import { batchFromRows } from '../train/sampler';

export interface EvalSource {
  count: number;
  seqLen: number;
  /** A batch of the given indices; -1 entries are padding rows (all labels ignored). Labels: -100 = ignored. */
  batch(indices: number[]): ActBatch;
  id(index: number): string;
  puzzleIdentifier(index: number): number;
  name?(index: number): string | undefined;
}

/** The rows of one built set (e.g. a test split), ids "<split>/<row>". */
export function builtSource(
  set: BuiltSet,
  meta: DatasetMetadata,
  split = 'test',
  identifiers?: string[],
  limit = 0,
): EvalSource {
  const count = limit > 0 ? Math.min(limit, set.numExamples) : set.numExamples;
  let ids: Int32Array | undefined;
  const pid = (i: number): number => {
    if (!ids) {
      ids = new Int32Array(set.numExamples);
      for (let p = 0; p < set.puzzleIdentifiers.length; p++)
        for (let e = set.puzzleIndices[p]; e < set.puzzleIndices[p + 1]; e++) ids[e] = set.puzzleIdentifiers[p];
    }
    return ids[i];
  };
  return {
    count,
    seqLen: set.seqLen,
    batch: (indices) => batchFromRows(set, meta, indices),
    id: (i) => `${split}/${i}`,
    puzzleIdentifier: pid,
    name: (i) => (identifiers && pid(i) > 0 ? identifiers[pid(i)] : undefined),
  };
}

/** Examples read by readPuzzleFile (CSV, ARC JSON, puzzle lists, built folders); label 0 (PAD) is ignored. */
export function examplesSource(examples: PuzzleExample[], limit = 0): EvalSource {
  if (!examples.length) throw new Error('the dataset has no puzzles');
  const S = examples[0].inputs.length;
  const unlabeled = examples.findIndex((e) => !e.labels);
  if (unlabeled >= 0)
    throw new Error(`puzzle ${examples[unlabeled].id} has no solution: an evaluation needs the answer of every puzzle`);
  const bad = examples.findIndex((e) => e.inputs.length !== S);
  if (bad >= 0)
    throw new Error(
      `puzzle ${examples[bad].id} has ${examples[bad].inputs.length} cells but the first has ${S}: one evaluation runs one task size`,
    );
  const count = limit > 0 ? Math.min(limit, examples.length) : examples.length;
  return {
    count,
    seqLen: S,
    batch: (indices) => {
      const B = indices.length;
      const inputs = new Int32Array(B * S);
      const labels = new Int32Array(B * S).fill(IGNORE_LABEL_ID);
      const puzzleIdentifiers = new Int32Array(B);
      indices.forEach((i, b) => {
        if (i < 0) return;
        const e = examples[i];
        inputs.set(e.inputs, b * S);
        const l = e.labels as Int32Array;
        for (let t = 0; t < S; t++) labels[b * S + t] = l[t] === 0 ? IGNORE_LABEL_ID : l[t];
        puzzleIdentifiers[b] = e.puzzleIdentifier;
      });
      return { inputs, labels, puzzleIdentifiers };
    },
    id: (i) => examples[i].id,
    puzzleIdentifier: (i) => examples[i].puzzleIdentifier,
    name: (i) => examples[i].name,
  };
}
