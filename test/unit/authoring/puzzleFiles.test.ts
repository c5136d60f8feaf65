// The first-hour helpers behind F5 and "Debug Puzzle": which files look like puzzle files (from
// their first kilobytes only), what a checkpoint's task is (from a safetensors header alone), and
// the plain sentence said when a model cannot run a puzzle (the Sudoku model on an ARC task).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { looksLikePuzzleFile } from '../../../src/extension/debug/puzzleSniff';
import { fitProblem, readModelTask, taskKindOf } from '../../../src/extension/modelFit';

const ROOT = process.cwd();
const sample = (f: string): string => fs.readFileSync(path.join(ROOT, 'sample-workspace', f), 'utf8');

test('puzzle files are recognised from their head; other JSON, CSV and text files are not', () => {
  assert.ok(looksLikePuzzleFile('a/sudoku-extreme-style-sample.csv', sample('sudoku/sudoku-extreme-style-sample.csv')));
  assert.ok(looksLikePuzzleFile('a/generated-moderate.csv', sample('sudoku/generated-moderate.csv')));
  assert.ok(looksLikePuzzleFile('a/moderate.trm.json', sample('sudoku/moderate.trm.json')));
  assert.ok(looksLikePuzzleFile('a/0d3d703e.json', sample('arc/0d3d703e.json')));
  assert.ok(looksLikePuzzleFile('a/arc-agi_evaluation_challenges.json', '{'));
  assert.ok(looksLikePuzzleFile('a/lines.txt', `${'.'.repeat(40)}1${'.'.repeat(40)}\n`));
  assert.ok(!looksLikePuzzleFile('a/package.json', '{"name": "x", "version": "1.0.0"}'));
  assert.ok(!looksLikePuzzleFile('a/data.csv', 'a,b,c\n1,2,3\n'));
  assert.ok(!looksLikePuzzleFile('a/header-only.csv', 'source,question,answer,rating\n'));
  assert.ok(!looksLikePuzzleFile('a/notes.txt', 'hello world\n'));
  assert.ok(!looksLikePuzzleFile('a/model.safetensors', 'x'));
  // Only the head is read: a huge file's tail does not matter.
  const huge = `{"train": [${'{"input": [[1]], "output": [[2]]},'.repeat(1000)}`;
  assert.ok(looksLikePuzzleFile('a/big.json', huge));
});

test("a checkpoint's task comes from the safetensors header (both bundled models are 9×9 Sudoku)", () => {
  for (const name of ['sudoku', 'sudoku-small']) {
    const file = path.join(ROOT, 'media', 'models', name, 'model.safetensors');
    if (!fs.existsSync(file)) continue; // the default model may be absent in a partial checkout
    assert.deepEqual(readModelTask(file), { vocabSize: 11, seqLen: 81, kind: 'sudoku' });
  }
  // No embedded config: the config.json beside it; neither: unknown (the launch then checks).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-fit-'));
  try {
    const bare = path.join(dir, 'model.safetensors');
    const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt' } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(bare, Buffer.concat([len, header]));
    assert.equal(readModelTask(bare), undefined);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ vocab_size: 12, seq_len: 900 }));
    assert.deepEqual(readModelTask(bare), { vocabSize: 12, seqLen: 900, kind: 'arc' });
    fs.writeFileSync(bare, 'not a safetensors file');
    assert.deepEqual(readModelTask(bare), { vocabSize: 12, seqLen: 900, kind: 'arc' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a model that cannot run a puzzle is said plainly, with the way out', () => {
  const sudokuModel = { vocabSize: 11, seqLen: 81, kind: taskKindOf(11, 81) };
  const sudoku = { kind: 'sudoku', inputs: new Int32Array(81).fill(1) };
  assert.equal(fitProblem(sudoku, sudokuModel, 'sudoku (bundled)', 'a.csv (puzzle 1)'), undefined);
  const arc = { kind: 'arc', inputs: new Int32Array(900).fill(2) };
  assert.equal(
    fitProblem(arc, sudokuModel, 'sudoku (bundled)', 'arc/0d3d703e.json (puzzle 1)'),
    'the model sudoku (bundled) solves 9×9 Sudoku puzzles; arc/0d3d703e.json (puzzle 1) is an ARC task. ' +
      'Choose a model trained for ARC tasks with "TRM: Select Model".',
  );
  const maze = { kind: 'maze', inputs: new Int32Array(900).fill(1) };
  assert.match(fitProblem(maze, sudokuModel, 'm', 'p') ?? '', /p is a maze\. Choose a model trained for 30×30 mazes/);
  // Same length, tokens beyond the vocabulary: still no fit.
  assert.match(
    fitProblem({ kind: 'sudoku', inputs: new Int32Array(81).fill(11) }, sudokuModel, 'm', 'p') ?? '',
    /Choose/,
  );
});
