// Maze token ids (official builder): 0 = PAD, 1 = '#' wall, 2 = ' ' open, 3 = 'S', 4 = 'G', 5 = 'o' path.

export const MAZE_VOCAB = 6;
const CHARSET = '# SGo';

/** Encodes a maze given as a string of length side*side (cells may be spaces: never trim). */
export function encodeMaze(text: string): Int32Array {
  const ids = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const k = CHARSET.indexOf(text[i]);
    if (k < 0)
      throw new Error(`maze cell ${i} has invalid character ${JSON.stringify(text[i])}; use '#', ' ', 'S', 'G' or 'o'`);
    ids[i] = k + 1;
  }
  return ids;
}

export function decodeMaze(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < ids.length; i++) s += ids[i] >= 1 && ids[i] <= 5 ? CHARSET[ids[i] - 1] : '?';
  return s;
}
