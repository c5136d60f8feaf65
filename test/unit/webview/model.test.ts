// Webview model pieces without a DOM: fetch priorities, the play loop's cancellation, the heatmap
// cache and its fixed domains, grid extraction and diffs, and how answers are coloured and described.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StepSummary } from '../../../src/protocol/timeline';
import {
  answerText,
  describeSummary,
  diffMask,
  paintAnswer,
  tokenColor,
  tokenGlyph,
  type AnswerColors,
} from '../../../webview/model/answer';
import { ARC_PALETTE } from '../../../webview/model/colors';
import { FetchQueue } from '../../../webview/model/fetchQueue';
import { cellMask, diffValues, gridOffset, gridValues } from '../../../webview/model/grid';
import { HeatmapStore, cellKey, domainKey } from '../../../webview/model/heatmapStore';
import { CancellationToken, Player, delay } from '../../../webview/model/player';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('fetch queue', () => {
  it('runs the most urgent wishes first, at most N at a time, and drops wishes not renewed', async () => {
    const started: string[] = [];
    const finish: Record<string, () => void> = {};
    const job = (k: string) => () => {
      started.push(k);
      return new Promise<void>((r) => {
        finish[k] = r;
      });
    };
    const q = new FetchQueue(2);
    q.beginPass();
    q.want('far', 9, job('far'));
    q.want('cursor', 0, job('cursor'));
    q.want('row', 1, job('row'));
    q.want('row', 5, job('row-dup'));
    q.endPass();
    assert.deepEqual(started, ['cursor', 'row']);
    assert.equal(q.pendingCount, 1);
    q.beginPass(); // next frame: "far" scrolled away, "near" appeared; in-flight ones are not duplicated
    q.want('near', 2, job('near'));
    q.want('cursor', 0, job('cursor-again'));
    q.endPass();
    finish.cursor();
    await tick();
    assert.deepEqual(started, ['cursor', 'row', 'near']);
    finish.row();
    finish.near();
    await tick();
    assert.equal(q.inFlightCount, 0);
    assert.equal(q.pendingCount, 0);
    assert.throws(() => new FetchQueue(0), /positive integer/);
  });
  it('a failed job frees its slot', async () => {
    const q = new FetchQueue(1);
    const started: string[] = [];
    q.beginPass();
    q.want('a', 0, () => {
      started.push('a');
      return Promise.reject(new Error('x'));
    });
    q.want('b', 1, () => {
      started.push('b');
      return Promise.resolve();
    });
    q.endPass();
    await tick();
    await tick();
    assert.deepEqual(started, ['a', 'b']);
  });
});

describe('play loop', () => {
  it('ticks until the end, and pausing cancels a tick that is waiting for data', async () => {
    let n = 0;
    const stops: string[] = [];
    const p = new Player(
      async () => ++n < 3,
      (r) => stops.push(r),
      1,
    );
    p.play();
    assert.equal(p.playing, true);
    while (p.playing) await new Promise((r) => setTimeout(r, 2));
    assert.equal(n, 3);
    assert.deepEqual(stops, ['end']);
    let release: () => void = () => undefined;
    let ticks = 0;
    const q = new Player(
      async (token) => {
        ticks++;
        await new Promise<void>((r) => {
          release = r;
        });
        return !token.cancelled;
      },
      (r) => stops.push(r),
      1,
    );
    q.play();
    await tick();
    q.pause();
    release();
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(ticks, 1, 'no tick after pause');
    assert.deepEqual(stops, ['end', 'paused']);
  });
  it('reports errors and stops; delay resolves at once when cancelled', async () => {
    const stops: string[] = [];
    const p = new Player(
      async () => {
        throw new Error('boom');
      },
      (r, e) => stops.push(`${r}:${(e as Error)?.message}`),
      1,
    );
    p.play();
    await tick();
    await tick();
    assert.deepEqual(stops, ['error:boom']);
    assert.equal(p.playing, false);
    const t = new CancellationToken();
    t.cancel();
    await delay(60_000, t);
  });
});

describe('heatmap store and grids', () => {
  it('keys distinguish tensor, view, channel (only for channel view) and address', () => {
    const v = { tensor: 'z', view: 'norm', channel: 5 } as const;
    assert.equal(cellKey(v, { step: 1, ordinal: 2 }), cellKey({ ...v, channel: 9 }, { step: 1, ordinal: 2 }));
    assert.notEqual(
      cellKey({ ...v, view: 'channel' }, { step: 1, ordinal: 2 }),
      cellKey({ ...v, view: 'channel', channel: 9 }, { step: 1, ordinal: 2 }),
    );
    assert.notEqual(cellKey(v, { step: 1, ordinal: 2, layer: 1 }), cellKey(v, { step: 1, ordinal: 2 }));
    assert.notEqual(domainKey(v, true), domainKey(v, false));
  });
  it('evicts least recently used entries; domains widen in nice steps and bump the version', () => {
    const s = new HeatmapStore(2);
    s.put('a', new Float32Array([1]));
    s.put('b', new Float32Array([2]));
    s.get('a');
    s.put('c', new Float32Array([-3]));
    assert.equal(s.has('b'), false);
    assert.equal(s.has('a') && s.has('c'), true);
    assert.equal(s.peek('c')!.absMax, 3);
    const d0 = s.domain('k', 'sequential', 0.7);
    assert.deepEqual(d0, { kind: 'sequential', max: 1 });
    const v0 = s.domainVersion;
    assert.equal(s.domain('k', 'sequential', 0.9), d0, 'within the domain: unchanged');
    assert.deepEqual(s.domain('k', 'sequential', 1.7), { kind: 'sequential', max: 2 });
    assert.equal(s.domainVersion, v0 + 1);
    s.putError('x', 'failed');
    assert.equal(s.error('x'), 'failed');
    // The change of an update spans decades: a log domain in whole decades, growing both ways.
    const l0 = s.domain('delta', 'log', 11.3, 0.02);
    assert.deepEqual(l0, { kind: 'log', max: 100, min: 0.01 });
    assert.equal(s.domain('delta', 'log', 5, 0.5), l0, 'inside: unchanged');
    assert.deepEqual(s.domain('delta', 'log', 0.004, 0.0003), { kind: 'log', max: 100, min: 0.0001 });
    assert.deepEqual(s.domain('delta', 'log', 1, 1e-12), { kind: 'log', max: 100, min: 1e-5 }, 'at most 7 decades');
  });
  it('drops the puzzle prefix, or reports lengths that fit neither', () => {
    const info = { seqLen: 4, puzzleEmbLen: 2 };
    assert.equal(gridOffset(6, info), 2);
    assert.equal(gridOffset(4, info), 0);
    assert.match(gridOffset(5, info) as string, /heatmap has 5 values; expected P \+ S = 6 or S = 4/);
    assert.deepEqual(Array.from(gridValues(new Float32Array([9, 9, 1, 2, 3, 4]), info) as Float32Array), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(diffValues(new Float32Array([3, 1]), new Float32Array([1, 1]))), [2, 0]);
    assert.throws(() => diffValues(new Float32Array(2), new Float32Array(3)), /cannot diff heatmaps of 2 and 3 values/);
    assert.deepEqual(Array.from(cellMask([0, 3, 99, -1], 4)), [1, 0, 0, 1]);
  });
});

describe('answers', () => {
  const colors: AnswerColors = {
    background: [0, 0, 0, 255],
    foreground: [200, 200, 200, 255],
    muted: [100, 100, 100, 255],
    positive: [255, 128, 0, 255],
    changed: [200, 0, 200, 255],
    wrong: [255, 0, 0, 255],
  };
  const summary = (over: Partial<StepSummary> = {}): StepSummary => ({
    step: 2,
    preds: new Int32Array([2, 11, 1, 0]),
    confidence: new Float32Array([1, 1, 0, 1]),
    qHalt: 1.234,
    qContinue: -1,
    haltProbability: 0.7746,
    wouldHalt: true,
    halted: false,
    changedCells: new Int32Array([1]),
    correct: false,
    accuracy: 0.75,
    wrongCells: new Int32Array([2]),
    nonFinite: false,
    ...over,
  });
  it('decodes tokens per task with the official encodings', () => {
    assert.equal(tokenGlyph('sudoku', 2), '1');
    assert.equal(tokenGlyph('sudoku', 10), '9');
    assert.equal(tokenGlyph('sudoku', 1), '');
    assert.equal(tokenGlyph('maze', 3), 'S');
    assert.equal(tokenGlyph('maze', 4), 'G');
    assert.deepEqual(tokenColor('arc', 2, colors), ARC_PALETTE[0]);
    assert.deepEqual(tokenColor('arc', 11, colors), ARC_PALETTE[9]);
    assert.deepEqual(tokenColor('arc', 0, colors), colors.background, 'PAD is background');
    assert.deepEqual(tokenColor('maze', 5, colors), colors.positive, 'the path');
    assert.equal(answerText('sudoku', [2, 1, 10, 1], 2), '1.\n9.');
    assert.equal(answerText('maze', [1, 2, 3, 4, 5, 1], 3), '# S\nGo#');
    assert.equal(answerText('arc', [2, 11, 1, 0], 4), '09|.');
  });
  it('colours a thumbnail: token colour faded by confidence, the diff highlighted', () => {
    const out = new Uint8ClampedArray(16);
    paintAnswer('arc', summary(), 'none', colors, out);
    assert.deepEqual(Array.from(out.slice(0, 4)), [...ARC_PALETTE[0]], 'certain: the token colour');
    assert.deepEqual(Array.from(out.slice(12, 16)), [...colors.background], 'PAD');
    paintAnswer('arc', summary(), 'previous', colors, out);
    assert.deepEqual(Array.from(out.slice(4, 8)), [...colors.changed]);
    paintAnswer('arc', summary(), 'label', colors, out);
    assert.deepEqual(Array.from(out.slice(8, 12)), [...colors.wrong]);
    assert.equal(diffMask(summary({ wrongCells: undefined }), 'label'), null, 'no labels: nothing to mark');
  });
  it('describes a step in words', () => {
    assert.equal(
      describeSummary(summary(), 4),
      'step 2 · 3/4 labelled cells right · 1 changed · q_halt = 1.23 (p = 0.775) → would halt',
    );
    assert.match(
      describeSummary(summary({ halted: true, nonFinite: true, wouldHalt: false }), 0),
      /→ continue · halted here · ⚠ non-finite values$/,
    );
  });
});
