// Training batches from a built split, in the spirit of PuzzleDataset's train mode
// (puzzle_dataset.py `_iter_train`): groups are visited in a fresh random order every epoch; for each group one random
// puzzle is picked and its examples are taken in random order until the batch is full. The whole
// position (epoch, cursor, rng state) is plain JSON so a checkpoint resumes the exact same stream.
// Dataset labels equal to ignore_label_id become -100 (the loss's ignore index) here.

import type { BuiltSet, DatasetMetadata } from '../data/built';
import type { ActBatch } from '../model/act';
import { IGNORE_LABEL_ID } from '../model/losses';
import { RngState, TrainRng } from './rng';

export interface SamplerPosition {
  epoch: number;
  cursor: number;
  rng: RngState;
  /** Examples of the current puzzle not yet used (continues a puzzle across batches). */
  pending: number[];
}

export class TrainSampler {
  private order: number[] = [];
  private orderEpoch = -1;
  private rng: TrainRng;
  private pos: SamplerPosition;

  constructor(
    private readonly set: BuiltSet,
    private readonly meta: DatasetMetadata,
    private readonly seed: number,
    position?: SamplerPosition,
  ) {
    if (set.groupIndices.length < 2) throw new Error('training split has no groups (empty dataset)');
    if (set.numExamples < 1) throw new Error('training split has no examples');
    this.pos = position
      ? { ...position, pending: [...position.pending] }
      : { epoch: 0, cursor: 0, rng: new TrainRng(seed ^ 0x2545f491).state(), pending: [] };
    this.rng = new TrainRng(this.pos.rng);
  }

  get numGroups(): number {
    return this.set.groupIndices.length - 1;
  }

  position(): SamplerPosition {
    return { ...this.pos, rng: this.rng.state(), pending: [...this.pos.pending] };
  }

  private groupOrder(): number[] {
    if (this.orderEpoch !== this.pos.epoch) {
      const r = new TrainRng((this.seed * 1000003 + this.pos.epoch * 7919) >>> 0);
      this.order = r.shuffle(Array.from({ length: this.numGroups }, (_, i) => i));
      this.orderEpoch = this.pos.epoch;
    }
    return this.order;
  }

  /** The next B example rows. */
  next(B: number): { batch: ActBatch; rows: number[] } {
    const rows: number[] = [];
    while (rows.length < B) {
      if (!this.pos.pending.length) {
        const order = this.groupOrder();
        if (this.pos.cursor >= order.length) {
          this.pos.epoch++;
          this.pos.cursor = 0;
          continue;
        }
        const g = order[this.pos.cursor++];
        const p0 = this.set.groupIndices[g],
          p1 = this.set.groupIndices[g + 1];
        if (p1 <= p0) continue;
        const puzzle = p0 + this.rng.int(p1 - p0);
        const e0 = this.set.puzzleIndices[puzzle],
          e1 = this.set.puzzleIndices[puzzle + 1];
        if (e1 <= e0) continue;
        this.pos.pending = this.rng.shuffle(Array.from({ length: e1 - e0 }, (_, i) => e0 + i));
      }
      rows.push(this.pos.pending.shift() as number);
    }
    return { batch: batchFromRows(this.set, this.meta, rows), rows };
  }
}

/** Puzzle identifier of each example row (via puzzle_indices). */
export function exampleIdentifiers(set: BuiltSet): Int32Array {
  const out = new Int32Array(set.numExamples);
  for (let p = 0; p < set.puzzleIdentifiers.length; p++) {
    for (let e = set.puzzleIndices[p]; e < set.puzzleIndices[p + 1]; e++) out[e] = set.puzzleIdentifiers[p];
  }
  return out;
}

const idCache = new WeakMap<BuiltSet, Int32Array>();

/** A batch of the given rows; `-1` rows are padding (PAD inputs, ignored labels, identifier 0). */
export function batchFromRows(set: BuiltSet, meta: DatasetMetadata, rows: number[]): ActBatch {
  let ids = idCache.get(set);
  if (!ids) {
    ids = exampleIdentifiers(set);
    idCache.set(set, ids);
  }
  const S = set.seqLen;
  const B = rows.length;
  const inputs = new Int32Array(B * S).fill(meta.pad_id);
  const labels = new Int32Array(B * S).fill(IGNORE_LABEL_ID);
  const puzzleIdentifiers = new Int32Array(B).fill(meta.blank_identifier_id);
  const ignore = meta.ignore_label_id;
  rows.forEach((r, b) => {
    if (r < 0) return;
    inputs.set(set.inputs.subarray(r * S, (r + 1) * S), b * S);
    for (let t = 0; t < S; t++) {
      const l = set.labels[r * S + t];
      labels[b * S + t] = ignore !== null && l === ignore ? IGNORE_LABEL_ID : l;
    }
    puzzleIdentifiers[b] = ids[r];
  });
  return { inputs, labels, puzzleIdentifiers };
}
