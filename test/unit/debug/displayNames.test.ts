// The short names the debug session shows: the bundled model by its folder, the checkpoint line of the
// banner without the extension's install path, puzzles numbered from 1.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkpointLine, modelName, puzzleLabel, relativeTo } from '../../../src/debug/displayNames';

const BUNDLED = '/home/u/.vscode/extensions/trm-lens.trm-lens-0.1.0/media/models/sudoku/model.safetensors';

test('a bundled model: named by its folder, its checkpoint line without the install path', () => {
  assert.equal(modelName(BUNDLED), 'sudoku (bundled)');
  assert.equal(checkpointLine(BUNDLED), 'media/models/sudoku/model.safetensors (inside the extension)');
  assert.equal(
    checkpointLine('C:\\Users\\u\\.vscode\\extensions\\trm-lens\\media\\models\\sudoku-small\\model.safetensors'),
    'media/models/sudoku-small/model.safetensors (inside the extension)',
  );
});

test("a user's checkpoint: workspace-relative name, full path once in the banner", () => {
  assert.equal(modelName('/w/runs/a/step_10/model.safetensors', '/w'), 'runs/a/step_10/model.safetensors');
  assert.equal(modelName('/elsewhere/run-a/step_1000', '/w'), 'run-a/step_1000');
  assert.equal(checkpointLine('/elsewhere/run-a/step_1000'), '/elsewhere/run-a/step_1000');
  // A folder called media/models deeper in a user's tree is not the extension's.
  assert.equal(checkpointLine('/d/media/models/x/y/model.safetensors'), '/d/media/models/x/y/model.safetensors');
  assert.equal(relativeTo('/a/b/c.json', '/a'), 'b/c.json');
  assert.equal(relativeTo('/x/c.json', '/a'), '/x/c.json');
});

test('puzzles are numbered from 1, with the file id when it says more', () => {
  assert.equal(puzzleLabel(0, '1'), 'puzzle 1');
  assert.equal(puzzleLabel(2, 'line 4'), 'puzzle 3 (line 4)');
});
