// When the "copy the prediction into the expected output" offer makes sense (no answer yet, a
// malformed one, a Sudoku answer that breaks the rules while the model's is valid) and when it does
// not (a valid Sudoku answer the model gets wrong, any ARC label): the model's mistakes must not be
// offered as fixes. Also the hover's side-by-side grids.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { judge } from '../../../src/engine/authoring/judge';
import { locateDataset, type LocatedPuzzle } from '../../../src/engine/authoring/locate';
import { encodeDelta, type PuzzlePrediction } from '../../../src/engine/authoring/prediction';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';
import { copyOffer, incompletePrediction, sudokuLabelProblem } from '../../../src/extension/authoring/copyPolicy';
import { arcPanelsSvg, textPanels } from '../../../src/extension/authoring/hoverGrids';

const Q = '......8.95967..1.3.1...54.7167359.4..38.4.7.5..9.7231698.5276347..4.39.1..3198.7.';
const SOL = '374216859596784123812935467167359248238641795459872316981527634725463981643198572';

function puzzle(answer?: string): LocatedPuzzle {
  const text = `{"kind": "sudoku", "puzzles": [{"id": "m1", "question": "${Q}"${answer === undefined ? '' : `, "answer": "${answer}"`}}]}`;
  const r = locateDataset(text, 'x.puzzles.json');
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') throw new Error('unreachable');
  return r.doc.puzzles[0];
}

/** A one-step prediction of `digits` (81 chars), in the shape the worker reports. */
function prediction(digits: string): PuzzlePrediction {
  return {
    key: 'k',
    usedStep: 1,
    haltStep: 1,
    steps: [{ step: 1, qHalt: 2, changed: [] }],
    confidence: new Float32Array(81).fill(0.9),
    deltas: [encodeDelta(undefined, encodeSudoku(digits))],
  } as unknown as PuzzlePrediction;
}

const offerFor = (answer: string | undefined, predicted: string) => {
  const p = puzzle(answer);
  const j = judge(p, prediction(predicted), p.label);
  return copyOffer(p, j, p.label ? { grid: p.label, inThisFile: true } : undefined);
};

test('sudokuLabelProblem: valid solutions pass; blanks, changed givens and rule breaks are named', () => {
  assert.equal(sudokuLabelProblem(puzzle(SOL), puzzle(SOL).label!), undefined);
  assert.match(
    sudokuLabelProblem(puzzle(`5${SOL.slice(1)}`), puzzle(`5${SOL.slice(1)}`).label!)!,
    /breaks the rules: row 1 repeats 5/,
  );
  // r1c7 is a given 8 in the question.
  const changed = `${SOL.slice(0, 6)}9${SOL.slice(7)}`;
  assert.match(sudokuLabelProblem(puzzle(changed), puzzle(changed).label!)!, /changes the given 8 at r1c7/);
});

test('a prediction with blank cells is never offered nor copied: it would make a malformed answer', () => {
  // A lightly trained model predicts the blank token for some cells (the in-editor test once wrote such
  // a prediction into the file as an answer, which the file then rejects as malformed).
  const withBlank = `${SOL.slice(0, 40)}.${SOL.slice(41)}`;
  assert.equal(offerFor(undefined, withBlank), undefined);
  assert.equal(offerFor(`.${SOL.slice(1)}`, withBlank), undefined);
  const p = puzzle(undefined);
  const j = judge(p, prediction(withBlank), p.label);
  assert.match(
    incompletePrediction(p, j.predicted!)!,
    /prediction of m1 has 1 blank cell: it is not a complete answer/,
  );
  assert.equal(incompletePrediction(p, judge(p, prediction(SOL), p.label).predicted!), undefined);
});

test('copy offer: only where the answer, not the model, is the likely mistake', () => {
  // No answer: fill it in; a malformed one (a blank): replace it.
  assert.equal(offerFor(undefined, SOL)?.lens, 'Fill in output from prediction');
  assert.equal(offerFor(`.${SOL.slice(1)}`, SOL)?.lens, 'Replace malformed output with prediction');
  // A valid answer and a wrong model: nothing to offer.
  const wrongModel = `${SOL.slice(0, 3)}${SOL[4]}${SOL[3]}${SOL.slice(5)}`;
  assert.equal(offerFor(SOL, wrongModel), undefined);
  // A right answer: nothing either.
  assert.equal(offerFor(SOL, SOL), undefined);
  // An answer that breaks the rules, and a model with a valid solution: replace, and say why.
  const offer = offerFor(`5${SOL.slice(1)}`, SOL);
  assert.match(
    offer?.title ?? '',
    /^Replace the expected answer of m1 with the model's valid solution \(the expected answer breaks the rules: row 1 repeats 5/,
  );
  // ...but not when the model's answer is no valid solution either.
  assert.equal(offerFor(`5${SOL.slice(1)}`, wrongModel), undefined);
});

test('hover grids: input, expected and prediction side by side', () => {
  const g = (cells: string) => ({ height: 9, width: 9, cells: cells.split('') });
  const text = textPanels('sudoku', [
    { title: 'input', grid: g(Q) },
    { title: 'expected', grid: g(SOL), wrong: new Set([0]) },
    { title: 'predicted (step 2)', grid: g(SOL), wrong: new Set([0]) },
  ]);
  const lines = text.split('\n');
  assert.equal(lines.length, 1 + 9 + 2, 'titles, 9 rows, 2 box rules');
  assert.match(lines[0], /^input\s+expected\s+predicted \(step 2\)$/);
  assert.equal(lines[1], '. . . | . . . | 8 . 9   3*7 4 | 2 1 6 | 8 5 9   3*7 4 | 2 1 6 | 8 5 9');
  const svg = arcPanelsSvg([
    { title: 'input', grid: { height: 3, width: 3, cells: '312312312'.split('') } },
    { title: 'expected', grid: { height: 3, width: 3, cells: '456456456'.split('') } },
  ]);
  // 3×3 grids at 16 px per cell, each panel at least as wide as its title, under one title line.
  assert.match(svg, /^<svg [^>]*width="(\d+)" height="64"/);
  assert.ok(Number(/width="(\d+)"/.exec(svg)![1]) >= 48 + 14 + 48);
  assert.equal((svg.match(/<rect /g) ?? []).length, 18);
  assert.match(svg, />input<\/text>.*>expected<\/text>/);
});
