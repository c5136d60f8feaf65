// Generators: Sudoku puzzles have exactly one solution and the requested number of givens; mazes
// have S, G and an answer path that is a shortest path (checked by an independent BFS here).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { generateMaze } from '../../../src/engine/data/mazeGen';
import { DataRng } from '../../../src/engine/data/rng';
import { generateSudoku } from '../../../src/engine/data/sudokuGen';
import { isValidSudokuSolution, solveSudoku } from '../../../src/engine/data/sudokuSolver';

test('Sudoku generator: unique solution, exact givens, givens are part of the solution, seeded', () => {
  for (const givens of [24, 30, 45, 81]) {
    const rng = new DataRng(givens);
    for (let k = 0; k < 3; k++) {
      const g = generateSudoku(rng, givens);
      assert.equal(g.givens, givens);
      assert.equal(g.puzzle.filter((d) => d !== 0).length, givens);
      assert.ok(isValidSudokuSolution(g.solution));
      const res = solveSudoku(g.puzzle, 2);
      assert.equal(res.count, 1, 'exactly one solution');
      assert.deepEqual([...(res.solution as Int8Array)], [...g.solution]);
      for (let i = 0; i < 81; i++) if (g.puzzle[i]) assert.equal(g.puzzle[i], g.solution[i]);
    }
  }
  assert.deepEqual([...generateSudoku(new DataRng(5), 30).puzzle], [...generateSudoku(new DataRng(5), 30).puzzle]);
  assert.notDeepEqual([...generateSudoku(new DataRng(5), 30).puzzle], [...generateSudoku(new DataRng(6), 30).puzzle]);
  assert.throws(() => generateSudoku(new DataRng(1), 16), /givens must be an integer in 17\.\.81/);
});

test('solver counts solutions: empty grid has many, conflicting givens none', () => {
  assert.equal(solveSudoku(new Int8Array(81), 2).count, 2);
  const clash = new Int8Array(81);
  clash[0] = 5;
  clash[1] = 5;
  assert.equal(solveSudoku(clash, 2).count, 0);
});

/** Independent BFS distance from S to G over non-wall cells. */
function shortest(q: string, n: number): number {
  const s = q.indexOf('S');
  const g = q.indexOf('G');
  const dist = new Map<number, number>([[s, 0]]);
  const queue = [s];
  while (queue.length) {
    const i = queue.shift() as number;
    if (i === g) return dist.get(i) as number;
    const r = Math.floor(i / n);
    const c = i % n;
    for (const [rr, cc] of [
      [r - 1, c],
      [r + 1, c],
      [r, c - 1],
      [r, c + 1],
    ]) {
      const j = rr * n + cc;
      if (rr < 0 || cc < 0 || rr >= n || cc >= n || q[j] === '#' || dist.has(j)) continue;
      dist.set(j, (dist.get(i) as number) + 1);
      queue.push(j);
    }
  }
  return -1;
}

test('maze generator: any size, answer = question + a connected shortest S-G path of o cells', () => {
  for (const [size, braid] of [
    [3, 0],
    [8, 0],
    [11, 0.5],
    [30, 0.5],
    [30, 1],
    [41, 0],
  ] as Array<[number, number]>) {
    const m = generateMaze(new DataRng(size * 10 + braid * 2), { size, braid });
    assert.equal(m.question.length, size * size);
    assert.equal(m.answer.length, size * size);
    assert.equal([...m.question].filter((c) => c === 'S').length, 1);
    assert.equal([...m.question].filter((c) => c === 'G').length, 1);
    assert.ok(/^[# SG]+$/.test(m.question));
    const pathCells: number[] = [];
    for (let i = 0; i < m.answer.length; i++) {
      if (m.answer[i] === 'o') {
        assert.equal(m.question[i], ' ');
        pathCells.push(i);
      } else assert.equal(m.answer[i], m.question[i]);
    }
    const d = shortest(m.question, size);
    assert.ok(d > 0, `size ${size}: G reachable`);
    assert.equal(m.pathLength, d);
    assert.equal(pathCells.length, d - 1, 'path cells = moves - 1');
    // The o cells form a walk from S to G: each step moves to an adjacent cell.
    const onPath = new Set(pathCells);
    let cur = m.question.indexOf('S');
    const goal = m.question.indexOf('G');
    let steps = 0;
    const used = new Set<number>([cur]);
    while (cur !== goal && steps <= d) {
      const r = Math.floor(cur / size);
      const c = cur % size;
      const next = [
        [r - 1, c],
        [r + 1, c],
        [r, c - 1],
        [r, c + 1],
      ]
        .filter(([rr, cc]) => rr >= 0 && cc >= 0 && rr < size && cc < size)
        .map(([rr, cc]) => rr * size + cc)
        .find((j) => !used.has(j) && (onPath.has(j) || j === goal));
      assert.ok(next !== undefined, `size ${size}: path breaks after ${steps} steps`);
      used.add(next);
      cur = next;
      steps++;
    }
    assert.equal(steps, d);
  }
  assert.throws(() => generateMaze(new DataRng(0), { size: 2 }), /maze size must be an integer in 3\.\./);
});
