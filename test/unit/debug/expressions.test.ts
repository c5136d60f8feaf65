// The debugger's pure pieces: the condition language and the function-breakpoint grammar.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Condition, ExpressionError, evaluate, parseExpression, variablesOf } from '../../../src/debug/conditions';
import { parseFunctionBreakpoint, placeMatches } from '../../../src/debug/breakpointSpec';

const env: Record<string, number | boolean> = {
  q_halt: 1.5,
  q_continue: -2,
  step: 3,
  cycle: 2,
  changed: 0,
  correct: false,
  accuracy: 0.9,
};
const resolve = (n: string): number | boolean | undefined => env[n];
const ev = (src: string): number | boolean => evaluate(parseExpression(src), resolve) as number | boolean;

test('evaluates comparisons, logic, arithmetic and precedence', () => {
  assert.equal(ev('q_halt > 0'), true);
  assert.equal(ev('q_halt > 0 && step >= 4'), false);
  assert.equal(ev('q_halt > 0 && step >= 4 || cycle == 2'), true);
  assert.equal(ev('q_halt > 0 && (step >= 4 || cycle == 3)'), false);
  assert.equal(ev('!correct && accuracy < 0.95'), true);
  assert.equal(ev('-q_continue * 2 + 1'), 5);
  assert.equal(ev('q_continue < -1.5'), true);
  assert.equal(ev('1e-3 < 0.01'), true);
  assert.equal(ev('changed == 0 && correct == false'), true);
  assert.equal(ev('true'), true);
  assert.deepEqual(variablesOf(parseExpression('q_halt > 0 && (step == 2 || q_halt < 3)')), ['q_halt', 'step']);
});

test('short-circuits: the right side is not evaluated when the left decides', () => {
  assert.equal(ev('step == 1 && unknown_name > 0'), false);
  assert.equal(ev('step == 3 || unknown_name > 0'), true);
});

test('rejects bad expressions with a column', () => {
  const cases: [string, RegExp][] = [
    ['q_halt >', /expected a number, a name or '\(' but found the end/],
    ['q_halt = 1', /use '==' to compare/],
    ['q_halt > 0 & step', /use '&&'/],
    ['(q_halt > 0', /expected '\)'/],
    ['q_halt > 0)', /unexpected '\)' at column 11/],
    ['1 < q_halt < 2', /chained comparison/],
    ['q_halt $ 2', /unexpected character "\$" at column 8/],
    ['', /empty expression/],
  ];
  for (const [src, re] of cases)
    assert.throws(
      () => parseExpression(src),
      (e: unknown) => e instanceof ExpressionError && re.test(e.message),
      src,
    );
});

test('type errors and unknown names are reported, never guessed', () => {
  assert.throws(() => ev('q_halt && step'), /needs true\/false on its left/);
  assert.throws(() => ev('!q_halt'), /needs a true\/false value/);
  assert.throws(() => ev('correct > 1'), /needs numbers on both sides/);
  assert.throws(() => ev('correct == 1'), /compares a true\/false with a number/);
  assert.throws(() => ev('nope > 1'), /unknown name 'nope' at column 1/);
  assert.throws(() => new Condition('q_halt + 1').test(resolve), /gives a number/);
  assert.equal(new Condition('q_halt > 1').test(resolve), true);
});

const shape = { hCycles: 3, lCycles: 6, maxSteps: 16 };

test('function breakpoint grammar: places and halt', () => {
  const ok = (name: string) => {
    const r = parseFunctionBreakpoint(name, shape);
    assert.ok(r.ok, `${name}: ${r.ok ? '' : r.message}`);
    return r;
  };
  assert.equal(ok('step 3').canonical, 'step 3');
  assert.equal(ok('Step 3  Cycle 2').canonical, 'step 3 cycle 2');
  assert.equal(ok('cycle 2 update 6').canonical, 'cycle 2 update 6');
  assert.equal(ok('step 3 › cycle 2 › z 5').canonical, 'step 3 cycle 2 z 5');
  assert.equal(ok('y').canonical, 'y');
  assert.deepEqual(ok('halt').target, { kind: 'halt' });
  const bad: [string, RegExp][] = [
    ['step', /needs a number/],
    ['step 0', /out of range/],
    ['step 17', /step 17 is out of range: supervision steps of this session 1\.\.16/],
    ['cycle 4', /H_cycles/],
    ['update 8', /update 8 is out of range/],
    ['z 7', /z updates per cycle/],
    ['y z', /given twice/],
    ['halt step 2', /cannot be combined/],
    ['layer 2', /unknown word 'layer'/],
    ['', /empty/],
  ];
  for (const [name, re] of bad) {
    const r = parseFunctionBreakpoint(name, shape);
    assert.ok(!r.ok && re.test(r.message), `${name}: ${r.ok ? 'accepted' : r.message}`);
  }
});

test('function breakpoint matching over (step, ordinal)', () => {
  const t = (name: string) => {
    const r = parseFunctionBreakpoint(name, shape);
    if (!r.ok) throw new Error(r.message);
    return r.target;
  };
  const hits = (name: string, steps = 2) => {
    const out: string[] = [];
    for (let s = 1; s <= steps; s++)
      for (let o = 0; o < 21; o++) if (placeMatches(t(name), shape, s, o)) out.push(`${s}:${o}`);
    return out;
  };
  assert.deepEqual(hits('step 2'), ['2:0']);
  assert.deepEqual(hits('step 2 cycle 3'), ['2:14']);
  assert.deepEqual(hits('cycle 2 update 7'), ['1:13', '2:13']);
  assert.deepEqual(hits('cycle 2 update 6'), ['1:12', '2:12']);
  assert.deepEqual(hits('y', 1), ['1:6', '1:13', '1:20']);
  assert.deepEqual(hits('step 1 z 1', 1), ['1:0', '1:7', '1:14']);
  assert.deepEqual(hits('halt'), []);
});
