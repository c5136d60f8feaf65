// Raw maze reader: the HRM/TRM maze CSV (`source,question,answer,rating`, each maze a square string
// of '#', ' ', 'S', 'G' and, in the answer, 'o'). Cells may be spaces, so nothing is ever trimmed.

import { encodeMaze } from '../tasks/maze';
import { csvBody, parseRating } from './rawSudoku';
import { RawFormatError, splitCsvRecord, splitLines } from './textLines';

export interface MazeRecord {
  line: number;
  side: number;
  /** side*side token ids (1 '#', 2 ' ', 3 'S', 4 'G'). */
  question: Int32Array;
  /** Same plus 5 'o' on the path. */
  answer: Int32Array;
  source: string;
  rating?: number;
}

export function parseMazeCsv(text: string, file: string): MazeRecord[] {
  const out: MazeRecord[] = [];
  let side: number | undefined;
  for (const l of csvBody(splitLines(text), file)) {
    const where = `${file}:${l.line}`;
    const f = splitCsvRecord(l.text, where);
    if (f.length !== 4)
      throw new RawFormatError(
        `${where}: expected 4 comma-separated fields (source,question,answer,rating), got ${f.length}`,
      );
    const [source, q, a, rating] = f;
    const n = Math.round(Math.sqrt(q.length));
    if (n * n !== q.length || n < 2)
      throw new RawFormatError(
        `${where}: question has ${q.length} characters, not a square maze (e.g. 900 = 30x30); note that cells may be spaces`,
      );
    if (side !== undefined && n !== side)
      throw new RawFormatError(`${where}: maze is ${n}x${n} but earlier rows are ${side}x${side}`);
    side = n;
    if (a.length !== q.length)
      throw new RawFormatError(`${where}: answer has ${a.length} characters, question has ${q.length}`);
    for (let i = 0; i < q.length; i++) {
      const cell = `cell ${i} (row ${Math.floor(i / n)}, column ${i % n})`;
      if (!'# SG'.includes(q[i]))
        throw new RawFormatError(
          `${where}: question ${cell} is ${JSON.stringify(q[i])}; a maze question uses '#', ' ', 'S' and 'G'`,
        );
      if (!'# SGo'.includes(a[i]))
        throw new RawFormatError(
          `${where}: answer ${cell} is ${JSON.stringify(a[i])}; a maze answer uses '#', ' ', 'S', 'G' and 'o'`,
        );
      if ((q[i] === '#') !== (a[i] === '#'))
        throw new RawFormatError(
          `${where}: ${cell} is ${JSON.stringify(q[i])} in the question but ${JSON.stringify(a[i])} in the answer (walls must agree)`,
        );
      if (a[i] === 'o' && q[i] !== ' ')
        throw new RawFormatError(
          `${where}: answer marks ${cell} as path 'o' but the question has ${JSON.stringify(q[i])} there (the path runs over open cells)`,
        );
    }
    out.push({
      line: l.line,
      side: n,
      question: encodeMaze(q),
      answer: encodeMaze(a),
      source,
      rating: parseRating(rating, where),
    });
  }
  return out;
}
