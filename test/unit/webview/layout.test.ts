// Timeline geometry and keyboard navigation: columns per step (21 Sudoku, 15 Maze/ARC, ×L_layers),
// position → column, visible rows, hit-testing, and cursor moves bounded by the reached step.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clampCursor, moveCursor, nextForPlay } from '../../../webview/model/cursor';
import {
  columnOf,
  columnsFor,
  describeColumn,
  hitColumn,
  rowGeometry,
  scrollToRow,
  updatesPerStep,
  visibleRows,
} from '../../../webview/model/layout';

const SUDOKU = { hCycles: 3, lCycles: 6, lLayers: 2 };
const ARC = { hCycles: 3, lCycles: 4, lLayers: 2 };

describe('layout', () => {
  it('has T·(n+1) update columns, ×L_layers at layer level, in the official order', () => {
    assert.equal(updatesPerStep(SUDOKU), 21);
    assert.equal(columnsFor(SUDOKU, 'update').length, 21);
    assert.equal(columnsFor(ARC, 'update').length, 15);
    assert.equal(columnsFor(SUDOKU, 'layer').length, 42);
    assert.equal(columnsFor(ARC, 'layer').length, 30);
    const cols = columnsFor(SUDOKU, 'update');
    assert.deepEqual(
      cols.slice(5, 8).map((c) => c.label),
      ['z6', 'y', 'z1'],
    );
    assert.deepEqual(cols[6], { index: 6, ordinal: 6, cycle: 1, kind: 'y', zIndex: 0, label: 'y' });
    assert.equal(describeColumn(cols[9]), 'cycle 2 › z 3 (z_L)');
    const layers = columnsFor(ARC, 'layer');
    assert.deepEqual(
      layers.slice(8, 10).map((c) => [c.ordinal, c.layer, c.label]),
      [
        [4, 1, 'y·1'],
        [4, 2, 'y·2'],
      ],
    );
    assert.equal(describeColumn(layers[9]), 'cycle 1 › y (z_H) › layer 2');
  });

  it('maps a position to its column: a layer inside an update, else the update output (last layer)', () => {
    const upd = columnsFor(SUDOKU, 'update');
    const lay = columnsFor(SUDOKU, 'layer');
    assert.equal(columnOf(upd, 9), 9);
    assert.equal(columnOf(upd, 9, 1), 9);
    assert.equal(columnOf(lay, 9, 1), 18);
    assert.equal(columnOf(lay, 9), 19);
    assert.equal(columnOf(lay, 99), -1);
  });

  it('row geometry fits the columns into the width, within scale limits', () => {
    const g = rowGeometry(9, 9, 21, 840);
    assert.equal(g.pitch, 10);
    assert.equal(g.dataWidth, 209);
    assert.ok(Math.abs(g.scale - 840 / 209) < 1e-9);
    assert.equal(rowGeometry(30, 30, 15, 100).scale, 1, 'never below minScale');
    assert.equal(rowGeometry(9, 9, 1, 10_000).scale, 6, 'never above maxScale');
    assert.throws(() => rowGeometry(9, 9, 0, 100), /at least one column/);
  });

  it('hit-testing finds the column under x and ignores gaps', () => {
    const g = rowGeometry(9, 9, 21, 209 * 2);
    assert.equal(g.scale, 2);
    assert.equal(hitColumn(0, g, 21), 0);
    assert.equal(hitColumn(17.9, g, 21), 0);
    assert.equal(hitColumn(18.5, g, 21), -1, 'the gap');
    assert.equal(hitColumn(20, g, 21), 1);
    assert.equal(hitColumn(20 * 20 + 5, g, 21), 20);
    assert.equal(hitColumn(21 * 20 + 1, g, 21), -1);
    assert.equal(hitColumn(-1, g, 21), -1);
  });

  it('visible rows cover the viewport plus overscan, clamped to the step count', () => {
    assert.deepEqual(visibleRows(0, 200, 40, 16), { first: 1, last: 6 });
    assert.deepEqual(visibleRows(400, 200, 40, 16), { first: 10, last: 16 });
    assert.deepEqual(visibleRows(0, 10_000, 40, 16, 0), { first: 1, last: 16 });
    assert.deepEqual(visibleRows(0, 100, 40, 0), { first: 1, last: 0 });
    assert.equal(scrollToRow(12, 0, 200, 40), 12 * 40 - 200);
    assert.equal(scrollToRow(2, 200, 200, 40), 40);
    assert.equal(scrollToRow(7, 200, 200, 40), 200, 'already visible: unchanged');
  });
});

describe('cursor navigation', () => {
  const b = { columns: 21, lastStep: 3 };
  it('arrows wrap across steps; up/down keep the column; Home/End go to the ends of the reached range', () => {
    assert.deepEqual(moveCursor({ step: 1, col: 20 }, 'ArrowRight', b), { step: 2, col: 0 });
    assert.deepEqual(moveCursor({ step: 2, col: 0 }, 'ArrowLeft', b), { step: 1, col: 20 });
    assert.deepEqual(moveCursor({ step: 1, col: 0 }, 'ArrowLeft', b), { step: 1, col: 0 });
    assert.deepEqual(moveCursor({ step: 3, col: 20 }, 'ArrowRight', b), { step: 3, col: 20 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'ArrowDown', b), { step: 3, col: 7 });
    assert.deepEqual(moveCursor({ step: 3, col: 7 }, 'ArrowDown', b), { step: 3, col: 7 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'ArrowUp', b), { step: 1, col: 7 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'Home', b), { step: 1, col: 0 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'End', b), { step: 3, col: 20 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'PageDown', b), { step: 3, col: 7 });
    assert.deepEqual(moveCursor({ step: 2, col: 7 }, 'PageUp', b), { step: 1, col: 7 });
  });
  it('a cursor beyond the reached range is pulled back before moving; play stops at the end', () => {
    assert.deepEqual(clampCursor({ step: 9, col: 40 }, b), { step: 3, col: 20 });
    assert.deepEqual(moveCursor({ step: 9, col: 3 }, 'ArrowLeft', b), { step: 3, col: 2 });
    assert.deepEqual(nextForPlay({ step: 1, col: 20 }, b), { step: 2, col: 0 });
    assert.equal(nextForPlay({ step: 3, col: 20 }, b), null);
  });
});
