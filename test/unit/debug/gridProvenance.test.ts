// The step document (`step N.trm-grid`, the source a stack frame points at) tells each cell's story
// below the grids: a provenance table of the cells that changed or are wrong, over the y revisions of
// steps 1..N. Over the wire (node dist/debugAdapter.js under DebugClient) on the parity fixture;
// the expected answers and wrong cells come from the fixture's logits, not from the adapter.
import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { CHECKPOINT, S, Session, V, argmax, fixtureArray, fixtureRow } from './dapHarness';

const row0 = fixtureRow(0);
const logitsSteps = fixtureArray('logits_steps.npy'); // [16, 4, 81, 11]
/** A Sudoku token as the document writes it: its digit, or '.' for blank / padding. */
const glyph = (id: number): string => (id >= 2 && id <= 10 ? String(id - 1) : '.');
/** Decoded value of a cell of fixture row 0 after step `step` (1-based). */
const digitAfter = (step: number, cell: number): string => {
  const off = (((step - 1) * 4 + 0) * S + cell) * V;
  return glyph(argmax(logitsSteps.subarray(off, off + V)));
};
const label = (cell: number): string => glyph(row0.labels[cell]);

let s: Session;
before(async () => {
  s = new Session();
  await s.start();
});
after(async () => {
  await s.stop();
});

async function documentAt(step: number, ordinal: number): Promise<string> {
  await s.motion(() => s.dc.customRequest('trm/seek', { step, ordinal }));
  const src = (await s.frames())[0].source!;
  return (await s.dc.sourceRequest({ source: src, sourceReference: src.sourceReference! })).body.content;
}

test('the step document lists each changed or wrong cell: value now, label, correct for good from, last flip', async () => {
  await s.launch({ checkpoint: CHECKPOINT, puzzle: row0.puzzle, solution: row0.solution, stopOnEntry: true, steps: 2 });
  for (const step of [1, 2]) {
    const doc = await documentAt(step, 20);
    const at = doc.indexOf(`provenance over steps 1..${step}`);
    assert.ok(at > doc.indexOf('halting:'), `a provenance section after the halting line:\n${doc}`);
    const lines = doc.slice(at).trimEnd().split('\n');
    const header = lines[2];
    assert.match(header, /^cell\s+now\s+label\s+correct for good from\s+changes\s+last flip\s+confidence$/);
    const rows = new Map(lines.slice(3).map((l) => [l.split(/\s+/)[0], l]));
    const wrong: string[] = [];
    for (let cell = 0; cell < S; cell++) {
      const name = `r${Math.floor(cell / 9) + 1}c${(cell % 9) + 1}`;
      const now = digitAfter(step, cell);
      if (now !== label(cell)) wrong.push(name);
      const line = rows.get(name);
      if (!line) {
        // Not listed: right now and never changed (a given, or decided from the start).
        assert.equal(now, label(cell), `${name} is wrong after step ${step} but not listed`);
        continue;
      }
      const cols = line.split(/ {2,}/);
      assert.equal(cols[1], `${now}${now !== label(cell) ? ' !' : ''}`, line);
      assert.equal(cols[2], label(cell), line);
      if (now !== label(cell)) assert.equal(cols[3], 'never (wrong now)', line);
      else assert.match(cols[3], /^(step \d+ › cycle [123] \(t \d+\)|the start \(t 0\))$/, line);
      const n = Number(cols[4]);
      assert.ok(Number.isInteger(n) && n >= 0, line);
      if (n === 0) assert.equal(cols[5], 'never changed', line);
      else assert.match(cols[5], new RegExp(`^[.\\d]→${now} at step \\d+ › cycle [123] \\(t \\d+\\)$`), line);
      assert.match(cols[6], /^\d+% → \d+%$/, line);
    }
    assert.match(lines[1], new RegExp(`; ${wrong.length} wrong now`));
    // A cell correct for good from step k is right after every later step the table covers.
    for (const [name, line] of rows) {
      const m = /correct|step (\d+) › cycle/.exec(line.split(/ {2,}/)[3] ?? '');
      if (!m || !m[1]) continue;
      const cell = (Number(name[1]) - 1) * 9 + Number(name[3]) - 1;
      for (let k = Number(m[1]); k <= step; k++) assert.equal(digitAfter(k, cell), label(cell), `${line} (step ${k})`);
    }
  }
});
