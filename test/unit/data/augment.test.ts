// Augmentations: dihedral transforms match NumPy's definitions and invert; ARC variants (colour
// permutation then dihedral) invert for voting, from TRM and HRM names; Sudoku shuffles keep
// validity and invert.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  DIHEDRAL_INVERSE,
  DihedralId,
  applyArcVariant,
  applySudokuShuffle,
  dihedralGrid,
  dihedralSquare,
  invertArcVariant,
  invertPrediction,
  invertSudokuShuffle,
  parseVariantName,
  randomArcVariant,
  randomSudokuShuffle,
  variantName,
} from '../../../src/engine/data/augment';
import { NumpyRandomState } from '../../../src/engine/data/numpyRandom';
import { isValidSudokuSolution } from '../../../src/engine/data/sudokuSolver';
import { encodeSudoku } from '../../../src/engine/tasks/sudoku';

const G = [
  [1, 2, 3],
  [4, 5, 6],
];

test('dihedral transforms equal NumPy rot90 / fliplr / flipud / .T on a 2x3 grid', () => {
  const expected: number[][][] = [
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    [
      [3, 6],
      [2, 5],
      [1, 4],
    ], // np.rot90(a, 1)
    [
      [6, 5, 4],
      [3, 2, 1],
    ],
    [
      [4, 1],
      [5, 2],
      [6, 3],
    ],
    [
      [3, 2, 1],
      [6, 5, 4],
    ],
    [
      [4, 5, 6],
      [1, 2, 3],
    ],
    [
      [1, 4],
      [2, 5],
      [3, 6],
    ],
    [
      [6, 3],
      [5, 2],
      [4, 1],
    ], // np.fliplr(np.rot90(a, 1))
  ];
  for (let t = 0; t < 8; t++) {
    assert.deepEqual(dihedralGrid(G, t as DihedralId), expected[t], `t${t}`);
    assert.deepEqual(dihedralGrid(dihedralGrid(G, t as DihedralId), DIHEDRAL_INVERSE[t]), G, `inverse of t${t}`);
  }
  const sq = Int32Array.from({ length: 16 }, (_, i) => i);
  for (let t = 0; t < 8; t++)
    assert.deepEqual([...dihedralSquare(dihedralSquare(sq, 4, t as DihedralId), 4, DIHEDRAL_INVERSE[t])], [...sq]);
});

test('ARC variants: names round-trip (TRM and HRM styles), inverse undoes the variant', () => {
  const rng = new NumpyRandomState(1);
  const grid = [
    [0, 1, 2, 3],
    [4, 5, 6, 7],
    [8, 9, 0, 1],
  ];
  for (let k = 0; k < 20; k++) {
    const v = randomArcVariant('task', rng);
    assert.equal(v.colours[0], 0);
    const name = variantName(v);
    assert.match(name, /^task\|\|\|t[0-7]\|\|\|0\d{9}$/);
    assert.deepEqual(parseVariantName(name), v);
    const fwd = applyArcVariant(grid, v);
    assert.deepEqual(invertArcVariant(fwd, v), grid);
    assert.deepEqual(invertPrediction(fwd, name), { task: 'task', grid });
  }
  assert.deepEqual(parseVariantName('009d5c81_t2_0614732958'), {
    task: '009d5c81',
    transform: 2,
    colours: [0, 6, 1, 4, 7, 3, 2, 9, 5, 8],
  });
  assert.deepEqual(parseVariantName('007bbfb7')?.transform, 0);
  assert.equal(parseVariantName('<blank>'), undefined);
  assert.equal(parseVariantName('x|||t9|||0123456789'), undefined);
  assert.throws(() => invertPrediction(grid, '<blank>'), /not an ARC task or variant name/);
});

test('Sudoku shuffles keep a solution valid, keep blanks blank, and invert', () => {
  const a = encodeSudoku('981752643752643819463198275514867932629431758837529164348976521296315487175284396');
  const q = encodeSudoku('98.7..6..75..4......3..8.7.5....7.3...94.........2.1..3.......1.9...5.8...52....6');
  const rng = new NumpyRandomState(9);
  let transposed = 0;
  for (let k = 0; k < 40; k++) {
    const s = randomSudokuShuffle(rng);
    if (s.transpose) transposed++;
    const sa = applySudokuShuffle(a, s);
    const sq = applySudokuShuffle(q, s);
    assert.ok(isValidSudokuSolution(Array.from(sa, (v) => v - 1)));
    assert.equal(sq.filter((v) => v === 1).length, q.filter((v) => v === 1).length);
    for (let i = 0; i < 81; i++) if (sq[i] !== 1) assert.equal(sq[i], sa[i]);
    const inv = invertSudokuShuffle(s);
    assert.deepEqual([...applySudokuShuffle(sa, inv)], [...a]);
    assert.deepEqual([...applySudokuShuffle(sq, inv)], [...q]);
  }
  assert.ok(transposed > 5 && transposed < 35);
});
