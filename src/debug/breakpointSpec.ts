// Function-breakpoint names of the `trm` debugger: a small grammar that addresses places in the
// recursion instead of functions. Examples: `step 3`, `cycle 2 update 6`, `step 3 cycle 2`, `y`,
// `z 4`, `halt`. Without an update clause a name means "entering" that step or cycle (its first
// update), like a function breakpoint stops on a function's first line.

import { UpdateRef, updateAt } from '../engine/trace/types';

export interface RecursionShape {
  hCycles: number; // T = H_cycles
  lCycles: number; // n = L_cycles
  maxSteps: number; // steps this session may run
}

export type FunctionTarget =
  { kind: 'halt' } | { kind: 'place'; step?: number; cycle?: number; update?: UpdateKindFilter };

/** `update N` (1..n+1, n+1 = the y update), `z` / `z N`, or `y`. */
export type UpdateKindFilter = { what: 'z'; index?: number } | { what: 'y' } | { what: 'update'; number: number };

export type ParseResult = { ok: true; target: FunctionTarget; canonical: string } | { ok: false; message: string };

const HELP = "use 'step N', 'cycle N', 'update N', 'z [N]', 'y' (combinable, e.g. 'step 3 cycle 2 update 6') or 'halt'";

/** Parses a function-breakpoint name; bounds are checked against the model's recursion shape. */
export function parseFunctionBreakpoint(name: string, shape: RecursionShape): ParseResult {
  const words = name
    .toLowerCase()
    .replace(/[›>,/]/g, ' ')
    .trim()
    .split(/\s+/)
    .filter((w) => w.length > 0);
  if (words.length === 0) return { ok: false, message: `empty breakpoint name: ${HELP}` };
  if (words.length === 1 && words[0] === 'halt') return { ok: true, target: { kind: 'halt' }, canonical: 'halt' };

  let step: number | undefined;
  let cycle: number | undefined;
  let update: UpdateKindFilter | undefined;
  const seen = new Set<string>();
  let i = 0;
  const number = (clause: string, max: number, what: string): number | string => {
    const w = words[i + 1];
    if (w === undefined || !/^\d+$/.test(w)) return `'${clause}' needs a number after it (${what} 1..${max})`;
    const n = Number(w);
    if (n < 1 || n > max) return `${clause} ${n} is out of range: ${what} 1..${max}`;
    return n;
  };
  while (i < words.length) {
    const w = words[i];
    const key = w === 'z' || w === 'y' ? 'update' : w;
    if (seen.has(key))
      return { ok: false, message: `'${name}': '${w}' given twice or combined with another update clause` };
    seen.add(key);
    if (w === 'step') {
      const n = number('step', shape.maxSteps, 'supervision steps of this session');
      if (typeof n === 'string') return { ok: false, message: n };
      step = n;
      i += 2;
    } else if (w === 'cycle') {
      const n = number('cycle', shape.hCycles, 'H_cycles (T)');
      if (typeof n === 'string') return { ok: false, message: n };
      cycle = n;
      i += 2;
    } else if (w === 'update') {
      const n = number('update', shape.lCycles + 1, `updates per cycle (n = ${shape.lCycles} z updates, then y)`);
      if (typeof n === 'string') return { ok: false, message: n };
      update = { what: 'update', number: n };
      i += 2;
    } else if (w === 'z') {
      if (words[i + 1] !== undefined && /^\d+$/.test(words[i + 1])) {
        const n = number('z', shape.lCycles, 'z updates per cycle (L_cycles, n)');
        if (typeof n === 'string') return { ok: false, message: n };
        update = { what: 'z', index: n };
        i += 2;
      } else {
        update = { what: 'z' };
        i += 1;
      }
    } else if (w === 'y') {
      update = { what: 'y' };
      i += 1;
    } else if (w === 'halt') {
      return { ok: false, message: `'halt' cannot be combined with other clauses; ${HELP}` };
    } else {
      return { ok: false, message: `'${name}': unknown word '${w}'; ${HELP}` };
    }
  }
  const target: FunctionTarget = { kind: 'place', step, cycle, update };
  return { ok: true, target, canonical: describeTarget(target) };
}

export function describeTarget(t: FunctionTarget): string {
  if (t.kind === 'halt') return 'halt';
  const parts: string[] = [];
  if (t.step !== undefined) parts.push(`step ${t.step}`);
  if (t.cycle !== undefined) parts.push(`cycle ${t.cycle}`);
  if (t.update?.what === 'update') parts.push(`update ${t.update.number}`);
  else if (t.update?.what === 'z') parts.push(t.update.index === undefined ? 'z' : `z ${t.update.index}`);
  else if (t.update?.what === 'y') parts.push('y');
  return parts.join(' ');
}

/** Whether a place target addresses the update at (step, ordinal); `halt` targets are judged elsewhere. */
export function placeMatches(
  t: FunctionTarget,
  shape: Pick<RecursionShape, 'lCycles'>,
  step: number,
  ordinal: number,
): boolean {
  if (t.kind !== 'place') return false;
  const ref: UpdateRef = updateAt({ L_cycles: shape.lCycles }, step, ordinal);
  if (t.step !== undefined && t.step !== step) return false;
  if (t.cycle !== undefined && t.cycle !== ref.cycle) return false;
  const u = t.update;
  if (u === undefined) {
    // Entering: the first update of the addressed cycle, or of the step.
    return t.cycle !== undefined ? ref.kind === 'z' && ref.index === 1 : ordinal === 0;
  }
  if (u.what === 'y') return ref.kind === 'y';
  if (u.what === 'z') return ref.kind === 'z' && (u.index === undefined || u.index === ref.index);
  const numberInCycle = ref.kind === 'z' ? ref.index : shape.lCycles + 1;
  return numberInCycle === u.number;
}
