// Two runs on one timeline, pure parts: the lanes inside a row, which lane a pixel row is in, the
// first update where the runs part (unknown until every earlier step is loaded), the strip's
// tooltip, the trm/divergence schemas of both encodings and their conversion by the glue.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeDivergence,
  divergenceAt,
  firstDivergence,
  laneAt,
  laneLayout,
  normRange,
} from '../../../webview/model/divergence';
import { rowGeometry } from '../../../webview/model/layout';
import { divergenceFromDap, heatmapArgs } from '../../../src/extension/timeline/dapConvert';
import { TRM_REQUESTS } from '../../../src/protocol/debugger';
import { validateHostToWebview, validateWebviewToHost, type Divergence } from '../../../src/protocol/timeline';

const U = 4;
function series(step: number, zMax: number[], cells = [0, 0, 0, 0]): Divergence {
  const f = (a: number[]) => Float32Array.from(a);
  return {
    step,
    label: 'B',
    zNorm: f(zMax.map((x) => x * 10)),
    yNorm: f(zMax.map((x) => x * 5)),
    zMax: f(zMax),
    yMax: f(zMax.map((x) => x / 2)),
    cellsDiffer: Int32Array.from(cells),
  };
}

describe('divergence lanes', () => {
  it('lays out A, B and a four-band strip; one lane without a comparison', () => {
    assert.deepEqual(laneLayout(9, false), { compare: false, aTop: 0, bTop: -1, stripTop: -1, band: 0, height: 9 });
    const l = laneLayout(9, true);
    assert.deepEqual(l, { compare: true, aTop: 0, bTop: 10, stripTop: 20, band: 1, height: 24 });
    assert.equal(laneLayout(30, true).band, 3, 'bands grow with the cell so the strip stays visible');
    assert.deepEqual(
      [0, 8, 9, 10, 18, 19, 20, 23, 24].map((y) => laneAt(y, l)),
      ['A', 'A', 'gap', 'B', 'B', 'gap', 'strip', 'strip', 'gap'],
    );
    assert.equal(laneAt(5, laneLayout(9, false)), 'A');
    const g = rowGeometry(9, 9, 22, 440, 0.75, 6, l.height);
    assert.equal(g.rowHeightCss, 24 * g.scale, 'the row is as tall as its lanes');
    assert.equal(rowGeometry(9, 9, 22, 440).rowHeightCss, 9 * rowGeometry(9, 9, 22, 440).scale);
  });

  it('finds the first divergence in recursion order, and only once earlier steps are known', () => {
    const s1 = series(1, [0, 1e-5, 2e-4, 5e-4]);
    const s2 = series(2, [1e-4, 2e-3, 0.5, 1]);
    assert.deepEqual(firstDivergence([undefined, s1, s2], 2, 1e-3), { step: 2, ordinal: 1 });
    assert.equal(firstDivergence([undefined, undefined, s2], 2, 1e-3), undefined, 'step 1 not loaded yet');
    assert.equal(firstDivergence([undefined, s1], 1, 1e-3), null, 'never above the threshold');
    assert.deepEqual(firstDivergence([undefined, s1, s2], 2, 1e-6), { step: 1, ordinal: 1 });
    // NaN (B did not record y) does not hide z's difference.
    const partial = series(1, [0.1, 0.1, 0.1, 0.1]);
    partial.yMax.fill(NaN);
    assert.equal(divergenceAt(partial, 0)!.max, Math.fround(0.1));
    assert.deepEqual(firstDivergence([undefined, partial], 1, 1e-3), { step: 1, ordinal: 0 });
    assert.equal(divergenceAt(s1, U), undefined);
  });

  it('says what an update of the strip shows', () => {
    const d = series(1, [2e-3, 0, 0, 0], [3, 0, -1, 1]);
    const text = describeDivergence(divergenceAt(d, 0)!, true, 1e-3);
    assert.match(
      text,
      /‖zA − zB‖ = 2\.00e-2 · ‖yA − yB‖ = 1\.00e-2 · max \|A − B\| = 2\.00e-3 · 3 cells decode differently/,
    );
    assert.match(text, /first divergence/);
    assert.match(describeDivergence(divergenceAt(d, 2)!, false, 1e-3), /decoded cells: unknown/);
    assert.match(describeDivergence(divergenceAt(d, 3)!, false, 1e-3), /1 cell decode/);
    assert.deepEqual(normRange(d), { max: Math.fround(2e-2), minPositive: Math.fround(1e-2) });
  });

  it('validates trm/divergence bodies (JSON) and the webview messages (typed arrays)', () => {
    const body = {
      step: 1,
      label: 'B: step_150',
      zNorm: [0.1, null],
      yNorm: [0, 0],
      zMax: [0.01, null],
      yMax: [0, 0],
      cellsDiffer: [0, -1],
      predsB: [2, 3],
    };
    assert.equal(TRM_REQUESTS.divergence.body(body, 'body'), undefined);
    assert.match(TRM_REQUESTS.divergence.body({ ...body, yMax: [0] }, 'body') ?? '', /body\.yMax: length 1 differs/);
    const d = divergenceFromDap(body, 1);
    assert.ok(Number.isNaN(d.zNorm[1]), 'null is NaN again');
    assert.deepEqual(Array.from(d.predsB!), [2, 3]);
    assert.throws(() => divergenceFromDap(body, 2), /asked for step 2, got step 1/);
    assert.throws(() => divergenceFromDap({ ...body, cellsDiffer: [0.5, 1] }, 1), /cellsDiffer\[0\]/);
    assert.equal(validateHostToWebview({ type: 'divergence', id: 3, divergence: d }), undefined);
    assert.match(
      validateHostToWebview({ type: 'divergence', id: 3, divergence: { ...d, zNorm: [0.1, 0] } }) ?? '',
      /zNorm: expected Float32Array/,
    );
    assert.equal(validateWebviewToHost({ type: 'requestDivergence', id: 1, step: 2 }), undefined);
    const req = { type: 'requestHeatmap', id: 1, step: 1, ordinal: 0, tensor: 'z', view: 'norm', run: 'B' } as const;
    assert.equal(validateWebviewToHost(req), undefined);
    assert.match(validateWebviewToHost({ ...req, layer: 1 }) ?? '', /run B is compared per update/);
    assert.match(validateWebviewToHost({ ...req, run: 'C' }) ?? '', /run: expected one of "A", "B"/);
    assert.equal(heatmapArgs(req).run, 'B', 'the glue forwards the run');
  });
});
