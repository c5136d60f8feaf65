// Colour scales: nice quantised domains that only widen, exact end and middle bins, NaN handling.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  RAMP_BINS,
  absMaxOf,
  binCentre,
  binOf,
  buildRamp,
  niceCeil,
  paintValues,
  parseColor,
  widenDomain,
  widenLogDomain,
  type ColorDomain,
  type Rgba,
} from '../../../webview/model/colors';

const RED: Rgba = [255, 0, 0, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const BLUE: Rgba = [0, 0, 255, 255];

describe('colour scales', () => {
  it('niceCeil picks 1/2/2.5/5 × 10^k at or above x', () => {
    assert.deepEqual([0.3, 1, 1.01, 2.2, 3, 5, 7, 12, 0.0042].map(niceCeil), [0.5, 1, 2, 2.5, 5, 5, 10, 20, 0.005]);
    assert.equal(niceCeil(0), 1);
    assert.equal(niceCeil(NaN), 1);
  });

  it('a domain only widens, in nice steps, so frames stay comparable', () => {
    let d: ColorDomain = { kind: 'diverging', max: 1 };
    d = widenDomain(d, 0.4);
    assert.equal(d.max, 1, 'smaller data does not shrink it');
    d = widenDomain(d, 3.1);
    assert.equal(d.max, 5);
    assert.equal(widenDomain(d, Infinity), d, 'non-finite values never widen it');
  });

  it('absMaxOf ignores NaN and infinities', () => {
    assert.equal(absMaxOf(new Float32Array([1, -7, NaN, Infinity, -Infinity, 3])), 7);
    assert.equal(absMaxOf([1, 2, 3, -9], 0, 3), 3);
  });

  it('binOf: symmetric domain puts 0 in the middle bin and ±max in the end bins; clamps beyond', () => {
    const d: ColorDomain = { kind: 'diverging', max: 5 };
    assert.equal(binOf(0, d), (RAMP_BINS - 1) / 2);
    assert.equal(binOf(5, d), RAMP_BINS - 1);
    assert.equal(binOf(-5, d), 0);
    assert.equal(binOf(50, d), RAMP_BINS - 1);
    assert.equal(binOf(-50, d), 0);
    assert.equal(binOf(NaN, d), -1);
    const s: ColorDomain = { kind: 'sequential', max: 2 };
    assert.equal(binOf(0, s), 0);
    assert.equal(binOf(2, s), RAMP_BINS - 1);
    assert.equal(binOf(1, s), Math.floor(RAMP_BINS / 2));
    assert.ok(Math.abs(binCentre((RAMP_BINS - 1) / 2, d)) < 1e-12, 'the middle bin is centred on 0');
  });

  it('log domain: decades map to equal widths, zero and tiny values take the first bin, the top the last', () => {
    const d: ColorDomain = { kind: 'log', min: 1e-4, max: 10 };
    assert.equal(binOf(0, d), 0);
    assert.equal(binOf(1e-9, d), 0);
    assert.equal(binOf(10, d), RAMP_BINS - 1);
    assert.equal(binOf(1e6, d), RAMP_BINS - 1);
    // 5 decades over 21 bins: 1e-2 sits 2/5 of the way up.
    assert.equal(binOf(1e-2, d), Math.floor((2 / 5) * RAMP_BINS));
    assert.ok(Math.abs(Math.log10(binCentre(10, d)) - Math.log10(1e-4) - (10.5 / RAMP_BINS) * 5) < 1e-9);
    assert.deepEqual(widenLogDomain({ kind: 'log', max: 0 }, 0.03, 12), { kind: 'log', min: 0.01, max: 100 });
  });

  it('buildRamp hits the stops exactly at the ends and the middle', () => {
    const r = buildRamp([BLUE, WHITE, RED], 21);
    assert.equal(r.length, 21 * 4);
    assert.deepEqual(Array.from(r.slice(0, 4)), [...BLUE]);
    assert.deepEqual(Array.from(r.slice(10 * 4, 11 * 4)), [...WHITE]);
    assert.deepEqual(Array.from(r.slice(20 * 4)), [...RED]);
    assert.throws(() => buildRamp([RED]), /at least 2 stops/);
  });

  it('paintValues writes one RGBA pixel per value, NaN in the non-finite colour', () => {
    const ramp = buildRamp([BLUE, WHITE, RED], 21);
    const out = new Uint8ClampedArray(4 * 4);
    paintValues(new Float32Array([99, -5, 0, NaN, 5]), 1, 4, { kind: 'diverging', max: 5 }, ramp, [1, 2, 3, 4], out);
    assert.deepEqual(Array.from(out), [...BLUE, ...WHITE, 1, 2, 3, 4, ...RED]);
  });

  it('parseColor reads hex, rgb() and falls back on empty or invalid input', () => {
    assert.deepEqual(parseColor('#f59322', WHITE), [245, 147, 34, 255]);
    assert.deepEqual(parseColor(' rgba(1, 2, 3, 0.5) ', WHITE), [1, 2, 3, 128]);
    assert.deepEqual(parseColor('', RED), RED);
    assert.deepEqual(parseColor('not-a-colour', RED), RED);
  });
});
