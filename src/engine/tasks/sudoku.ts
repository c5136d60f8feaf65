// Sudoku token ids (official builder): 0 = PAD, 1 = empty cell, 2..10 = digits 1..9.

export const SUDOKU_SEQ_LEN = 81;
export const SUDOKU_VOCAB = 11;

/** Parses an 81-character puzzle (`.` or `0` blank, `1`-`9` given; whitespace ignored) into ids. */
export function encodeSudoku(text: string): Int32Array {
  const chars = text.replace(/\s+/g, '');
  if (chars.length !== 81) throw new Error(`a Sudoku puzzle needs 81 cells, got ${chars.length} characters`);
  const ids = new Int32Array(81);
  for (let i = 0; i < 81; i++) {
    const ch = chars[i];
    if (ch === '.' || ch === '0') ids[i] = 1;
    else if (ch >= '1' && ch <= '9') ids[i] = Number(ch) + 1;
    else
      throw new Error(
        `Sudoku cell ${i} (r${Math.floor(i / 9) + 1}c${(i % 9) + 1}) has invalid character ${JSON.stringify(ch)}; use 1-9, '.' or '0'`,
      );
  }
  return ids;
}

/** Ids back to an 81-character string ('.' for blanks and anything that is not a digit id). */
export function decodeSudoku(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < 81; i++) s += ids[i] >= 2 && ids[i] <= 10 ? String(ids[i] - 1) : '.';
  return s;
}

/** A 9x9 grid with box separators, for terminals. */
export function formatSudokuGrid(ids: ArrayLike<number>, mark?: (cell: number) => string): string {
  const rows: string[] = [];
  for (let r = 0; r < 9; r++) {
    if (r % 3 === 0 && r > 0) rows.push('------+-------+------');
    let line = '';
    for (let c = 0; c < 9; c++) {
      if (c % 3 === 0 && c > 0) line += '| ';
      const i = r * 9 + c;
      const v = ids[i];
      line += (v >= 2 && v <= 10 ? String(v - 1) : '.') + (mark ? mark(i) : '') + ' ';
    }
    rows.push(line.trimEnd());
  }
  return rows.join('\n');
}

export function cellName(i: number, width = 9): string {
  return `r${Math.floor(i / width) + 1}c${(i % width) + 1}`;
}
