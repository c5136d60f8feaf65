// The hover's per-cell story of an inline prediction: values per step from the worker's deltas,
// right-for-good step, changes and the last flip, numbered from 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellStory, describeCellStory } from '../../../src/engine/authoring/cellStory';
import type { PuzzlePrediction } from '../../../src/engine/authoring/prediction';

/** A Sudoku prediction whose cell 0 goes 5 → 3 → 3 and cell 80 stays 7 (tokens: digit + 1). */
function prediction(): PuzzlePrediction {
  const first: number[] = [];
  for (let i = 0; i < 81; i++) first.push(i, i === 0 ? 6 : 8);
  return {
    key: 'k',
    steps: [],
    haltStep: 3,
    usedStep: 3,
    deltas: [Int32Array.from(first), Int32Array.of(0, 4), Int32Array.of()],
    confidence: new Float32Array(81).fill(0.9),
  } as unknown as PuzzlePrediction;
}

test('a cell that changes: its values, the step it is right from, the last flip', () => {
  const s = cellStory('sudoku', prediction(), 0, 0, '3')!;
  assert.deepEqual(s.values, ['5', '3', '3']);
  assert.equal(s.rightFrom, 2);
  assert.deepEqual(s.changes, [
    { step: 1, value: '5' },
    { step: 2, value: '3' },
  ]);
  assert.equal(s.lastFlip, 2);
  assert.equal(describeCellStory(s), 'r1c1: 5 (step 1) → 3 (step 2); right from step 2 on; last flip at step 2');
});

test('a steady cell, a wrong one, and one without a label', () => {
  const steady = cellStory('sudoku', prediction(), 8, 8, '7')!;
  assert.equal(steady.rightFrom, 1);
  assert.equal(steady.lastFlip, null);
  const wrong = cellStory('sudoku', prediction(), 0, 0, '5')!;
  assert.equal(wrong.rightFrom, null, 'right at step 1 only, then lost: not right for good');
  assert.match(describeCellStory(wrong), /wrong at the last step \(expected 5\)/);
  const unlabelled = cellStory('sudoku', prediction(), 0, 0)!;
  assert.equal(unlabelled.label, undefined);
  assert.equal(describeCellStory(unlabelled), 'r1c1: 5 (step 1) → 3 (step 2); last flip at step 2');
  assert.equal(cellStory('sudoku', { ...prediction(), deltas: [] }, 0, 0), undefined);
});
