// Bitmask Sudoku solver: constraint propagation (naked singles) plus fewest-candidates branching.
// Counts solutions up to a limit (2 is enough to prove uniqueness), which the generator and the
// readers use to validate puzzles and to fill in missing solutions.

const ALL = 0x1ff;
const ROW = new Int8Array(81),
  COL = new Int8Array(81),
  BOX = new Int8Array(81);
for (let i = 0; i < 81; i++) {
  ROW[i] = Math.floor(i / 9);
  COL[i] = i % 9;
  BOX[i] = Math.floor(ROW[i] / 3) * 3 + Math.floor(COL[i] / 3);
}
const POPCOUNT = new Int8Array(512);
for (let m = 1; m < 512; m++) POPCOUNT[m] = POPCOUNT[m >> 1] + (m & 1);

export interface SolveResult {
  /** Number of solutions found, capped at the limit. */
  count: number;
  /** The first solution found (digits 1..9, 81 entries), if any. */
  solution?: Int8Array;
  /** Branching decisions taken (a rough difficulty measure). */
  guesses: number;
}

/**
 * Solves digits (81 entries, 0 = blank, 1..9 = given). Stops after `limit` solutions. Givens that
 * conflict with each other give count 0.
 */
export function solveSudoku(digits: ArrayLike<number>, limit = 2, order?: (cands: number[]) => number[]): SolveResult {
  if (digits.length !== 81) throw new Error(`a Sudoku needs 81 cells, got ${digits.length}`);
  const grid = new Int8Array(81);
  const rows = new Int16Array(9),
    cols = new Int16Array(9),
    boxes = new Int16Array(9);
  for (let i = 0; i < 81; i++) {
    const d = digits[i];
    if (d === 0) continue;
    if (!(d >= 1 && d <= 9)) throw new Error(`cell ${i} holds ${d}; expected 0 (blank) or 1..9`);
    const bit = 1 << (d - 1);
    if ((rows[ROW[i]] | cols[COL[i]] | boxes[BOX[i]]) & bit) return { count: 0, guesses: 0 };
    grid[i] = d;
    rows[ROW[i]] |= bit;
    cols[COL[i]] |= bit;
    boxes[BOX[i]] |= bit;
  }
  const res: SolveResult = { count: 0, guesses: 0 };
  const trail: number[] = [];
  const place = (i: number, d: number): void => {
    const bit = 1 << (d - 1);
    grid[i] = d;
    rows[ROW[i]] |= bit;
    cols[COL[i]] |= bit;
    boxes[BOX[i]] |= bit;
    trail.push(i);
  };
  const undoTo = (n: number): void => {
    while (trail.length > n) {
      const i = trail.pop() as number;
      const bit = ~(1 << (grid[i] - 1));
      rows[ROW[i]] &= bit;
      cols[COL[i]] &= bit;
      boxes[BOX[i]] &= bit;
      grid[i] = 0;
    }
  };
  const search = (): boolean => {
    // Propagate naked singles; find the blank cell with fewest candidates.
    for (;;) {
      let best = -1,
        bestCount = 10,
        progress = false;
      for (let i = 0; i < 81; i++) {
        if (grid[i]) continue;
        const m = ALL & ~(rows[ROW[i]] | cols[COL[i]] | boxes[BOX[i]]);
        const n = POPCOUNT[m];
        if (n === 0) return false;
        if (n === 1) {
          place(i, 31 - Math.clz32(m) + 1);
          progress = true;
          continue;
        }
        if (n < bestCount) {
          bestCount = n;
          best = i;
        }
      }
      if (progress) continue;
      if (best < 0) {
        res.count++;
        if (!res.solution) res.solution = Int8Array.from(grid);
        return res.count >= limit;
      }
      const m = ALL & ~(rows[ROW[best]] | cols[COL[best]] | boxes[BOX[best]]);
      let cands: number[] = [];
      for (let d = 1; d <= 9; d++) if (m & (1 << (d - 1))) cands.push(d);
      if (order) cands = order(cands);
      const mark = trail.length;
      for (const d of cands) {
        res.guesses++;
        place(best, d);
        if (search()) return true;
        undoTo(mark);
      }
      return false;
    }
  };
  search();
  return res;
}

/** True when `solution` (81 digits 1..9) satisfies every row, column and box. */
export function isValidSudokuSolution(solution: ArrayLike<number>): boolean {
  const seen = new Int16Array(27);
  for (let i = 0; i < 81; i++) {
    const d = solution[i];
    if (!(d >= 1 && d <= 9)) return false;
    const bit = 1 << (d - 1);
    for (const k of [ROW[i], 9 + COL[i], 18 + BOX[i]]) {
      if (seen[k] & bit) return false;
      seen[k] |= bit;
    }
  }
  return true;
}

/** The first rule a complete grid breaks, e.g. "row 3 repeats 5", or undefined when valid. */
export function sudokuViolation(solution: ArrayLike<number>): string | undefined {
  const seen = new Int16Array(27);
  for (let i = 0; i < 81; i++) {
    const d = solution[i];
    if (!(d >= 1 && d <= 9)) return `cell r${ROW[i] + 1}c${COL[i] + 1} is not a digit 1-9`;
    const bit = 1 << (d - 1);
    const units: Array<[number, string]> = [
      [ROW[i], `row ${ROW[i] + 1}`],
      [9 + COL[i], `column ${COL[i] + 1}`],
      [18 + BOX[i], `box ${BOX[i] + 1}`],
    ];
    for (const [k, name] of units) {
      if (seen[k] & bit) return `${name} repeats ${d} (at r${ROW[i] + 1}c${COL[i] + 1})`;
      seen[k] |= bit;
    }
  }
  return undefined;
}
