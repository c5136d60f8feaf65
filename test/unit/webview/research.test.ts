// Pure parts of the timeline's research views: the provenance hover text (sparkline, tokens,
// updates in the paper's names), the cloud fan (branch paths from the fork point, roles, adopted
// branch read from a stop) and the cloud message's schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adoptedBranch, fanPaths, fanTrunk } from '../../../webview/model/fan';
import { describeProvenance, describeUpdate, sparkline, tokenText } from '../../../webview/model/provenance';
import { validateHostToWebview, type CloudMessage, type Provenance } from '../../../src/protocol/timeline';

const SIZES = { hCycles: 3, lCycles: 6, lLayers: 2 };

describe('provenance hover', () => {
  it('draws confidence as a sparkline and names tokens and updates', () => {
    assert.equal(sparkline([0, 0.5, 1, NaN, null]), '▁▅█  ');
    assert.equal(
      sparkline(
        Array.from({ length: 100 }, (_, i) => i / 99),
        10,
      ).length,
      10,
      'sampled to the width',
    );
    assert.equal(sparkline([]), '');
    assert.equal(tokenText('sudoku', 6), '5');
    assert.equal(tokenText('sudoku', 1), '·');
    assert.equal(tokenText('maze', 3), 'S');
    assert.equal(tokenText('arc', 4), 'colour 2');
    assert.equal(describeUpdate({ step: 2, ordinal: 6 }, SIZES), 'step 2 › cycle 1 › y (z_H)');
    assert.equal(describeUpdate({ step: 0, ordinal: -1 }, SIZES), 'the start (initial y)');
  });

  it('says when a cell became correct for good, its changes, confidence and last flip', () => {
    const prov: Provenance = {
      steps: 2,
      samples: [{ step: 0, ordinal: -1 }, ...[6, 13, 20].map((o) => ({ step: 1, ordinal: o }))],
      cells: [
        {
          cell: 10,
          final: 6,
          label: 6,
          initial: 1,
          stableFrom: { step: 1, ordinal: 13 },
          firstCorrect: { step: 1, ordinal: 13 },
          lastFlip: { step: 1, ordinal: 13, from: 3, to: 6 },
          changes: [
            { step: 1, ordinal: 6, from: 1, to: 3 },
            { step: 1, ordinal: 13, from: 3, to: 6 },
          ],
          confidence: [0.1, 0.4, 0.8, 0.99],
        },
        {
          cell: 11,
          final: 4,
          label: 9,
          initial: 4,
          stableFrom: { step: 0, ordinal: -1 },
          changes: [],
          confidence: [0.5, 0.5, 0.5, 0.5],
        },
      ],
    };
    const info = { ...SIZES, taskKind: 'sudoku' as const, gridWidth: 9 };
    const t = describeProvenance(prov, 10, info);
    assert.match(t, /^r2c2 after the episode \(2 steps\): 5 \(correct\)/);
    assert.match(t, /correct for good from step 1 › cycle 2 › y \(z_H\)/);
    assert.match(t, /last flipped 2 → 5 at step 1 › cycle 2 › y \(z_H\)/);
    assert.match(t, /changes \(2\): ·→2 @ step 1 › cycle 1 › y \(z_H\), 2→5 @ step 1 › cycle 2 › y \(z_H\)/);
    assert.match(t, /confidence ▁▄▇█ 0\.10 → 0\.99/);
    const w = describeProvenance(prov, 11, info);
    assert.match(w, /3 \(wrong, label 8\)/);
    assert.match(w, /never correct for good/);
    assert.match(w, /never changed \(3 from the start\)/);
    assert.match(describeProvenance(prov, 12, info), /no provenance/);
  });
});

describe('cloud fan', () => {
  const cloud: CloudMessage = {
    type: 'cloud',
    sessionId: 's',
    forkId: 2,
    description: 'step 1 › cycle 1 › y (z_H)',
    tensor: 'z',
    select: 'q',
    selected: 1,
    trunkSteps: Int32Array.from([1, 1, 1]),
    trunkOrdinals: Int32Array.from([0, 1, 2]),
    trunkXs: Float32Array.from([0, 1, 2]),
    trunkYs: Float32Array.from([0, 0, 0]),
    forkIndex: 1,
    branches: [0, 1, 2].map((b) => ({
      branch: b,
      haltStep: 2,
      qHalt: b - 1,
      ...(b === 0 ? { correct: false } : {}),
      xs: Float32Array.from([1 + b, b === 2 ? NaN : 2 + b]),
      ys: Float32Array.from([b, b]),
    })),
  };

  it('validates the cloud message', () => {
    assert.equal(validateHostToWebview(cloud), undefined);
    assert.match(validateHostToWebview({ ...cloud, forkIndex: 3 }) ?? '', /forkIndex: 3 beyond the trunk/);
    assert.match(
      validateHostToWebview({ ...cloud, trunkXs: Float32Array.from([0]) }) ?? '',
      /trunkXs: length 1 differs/,
    );
  });

  it('draws each branch from the fork point, the picked and adopted ones last', () => {
    const paths = fanPaths(cloud, 2);
    assert.deepEqual(
      paths.map((p) => [p.branch, p.role]),
      [
        [0, 'other'],
        [1, 'selected'],
        [2, 'adopted'],
      ],
    );
    for (const p of paths) assert.deepEqual(p.pts[0], { x: 1, y: 0 }, 'from the fork point');
    assert.equal(paths[2].pts.length, 2, 'non-finite points are left out');
    assert.match(paths[0].title, /branch 0: halts at step 2, q_halt -1\.00, wrong$/);
    assert.match(paths[1].title, /\(picked by q\)/);
    assert.match(paths[2].title, /\(adopted\)/);
    assert.equal(fanTrunk(cloud).xs, cloud.trunkXs);
  });

  it('reads the adopted branch from the stop text', () => {
    assert.equal(adoptedBranch('Adopted branch 3/8 from step 1 › cycle 1 › z 2 (z_L): Paused'), 3);
    assert.equal(adoptedBranch('Adopted trunk: Paused'), -1);
    assert.equal(adoptedBranch('Paused on step'), undefined);
  });
});
