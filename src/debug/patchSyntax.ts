// The small patch language of the Debug Console and of setExpression (Watch view "Set Value"):
//
//   y[r4c7] = 0            every channel of y (= z_H) at cell r4c7 (z.r4c7 works too)
//   y[r4c7][12] = 0.5      one channel
//   z[r4c7, r5c1] = zero   zero the cells' state ("zero" = 0)
//   z[r4c7] = B            copy from run B at this update (B: the `compare` run, else the baseline)
//   z = B   /   y = zero   every cell
//   skip                   this update leaves the state unchanged
//   freeze z   /  freeze y  the tensor keeps its value for the rest of the step
//   puzzle_emb = blank | mean | random | random:7 | puzzle:2 | B   swap the puzzle-embedding row from here on
//   puzzle_id = 2          the row of puzzle identifier 2 from here on
//   patches = none         remove every patch
//
// A statement becomes the arguments of trm/patch (src/protocol/debugger.ts), so every way in
// (Variables, Watch, Debug Console, timeline) goes through the same checks.

import type { TrmPatchArgs } from '../protocol/debugger';

export class PatchSyntaxError extends Error {}

export const PATCH_HELP =
  'patches: y[r4c7] = 0, y[r4c7][12] = 0.5, z[r4c7, r5c1] = zero, z[r4c7] = B, z = B, skip, freeze z, puzzle_emb = blank|mean|random:7|puzzle:2|B, puzzle_id = 2, patches = none';

/** Whether a Debug Console line is a patch statement (an assignment to y / z / puzzle_emb, or skip / freeze). */
export function isPatchStatement(text: string): boolean {
  const t = text.trim();
  return /^(skip|freeze\s+[yz])$/.test(t) || /^(y|z|puzzle_emb|puzzle_id|patches)\b[^=]*=(?!=)/.test(t);
}

/** A statement "target = value" (or skip / freeze) as trm/patch arguments; cells by name through `cellOf`. */
export function parsePatchStatement(text: string, cellOf: (name: string) => number | undefined): TrmPatchArgs {
  const t = text.trim();
  if (t === 'skip') return { op: 'skip' };
  const f = /^freeze\s+([yz])$/.exec(t);
  if (f) return { op: 'freeze', tensor: f[1] as 'y' | 'z' };
  const eq = /^([^=]+?)\s*=(?!=)\s*(.+)$/.exec(t);
  if (!eq) throw new PatchSyntaxError(`'${t}' is not a patch (${PATCH_HELP})`);
  return parsePatchAssignment(eq[1], eq[2], cellOf);
}

/** target (y[r4c7], z, puzzle_emb, …) and value as trm/patch arguments. */
export function parsePatchAssignment(
  target: string,
  valueText: string,
  cellOf: (name: string) => number | undefined,
): TrmPatchArgs {
  const lhs = target.trim();
  const value = valueText.trim();
  if (lhs === 'patches') {
    if (value === 'none' || value === '[]' || value === 'clear') return { op: 'clear' };
    throw new PatchSyntaxError(`'patches' can only be set to none (removes every patch), not '${value}'`);
  }
  if (lhs === 'update') {
    if (value === 'skip') return { op: 'skip' };
    throw new PatchSyntaxError(`'update' can only be set to skip, not '${value}'`);
  }
  if (lhs === 'freeze') {
    if (value === 'y' || value === 'z') return { op: 'freeze', tensor: value };
    throw new PatchSyntaxError(`'freeze' takes y or z, not '${value}'`);
  }
  if (lhs === 'puzzle_emb' || lhs === 'puzzle_id') {
    if (lhs === 'puzzle_id') {
      if (!/^\d+$/.test(value))
        throw new PatchSyntaxError(`puzzle_id takes a puzzle identifier (an integer ≥ 0), not '${value}'`);
      return { op: 'embedding', swap: `puzzle:${value}` };
    }
    return { op: 'embedding', swap: value };
  }
  const m = /^([yz])\s*(?:\[\s*([^\]]+?)\s*\]|\.(r\d+c\d+))?\s*(?:\[\s*(\d+)\s*\])?$/.exec(lhs);
  if (!m)
    throw new PatchSyntaxError(
      `cannot patch '${lhs}': the target is y or z, a cell (y[r4c7] or z.r4c7, several: z[r4c7, r5c1]) and optionally one channel (y[r4c7][12]) (${PATCH_HELP})`,
    );
  const tensor = m[1] as 'y' | 'z';
  const names = (m[2] ?? m[3])?.split(',').map((n) => n.trim());
  let cells: number[] | undefined;
  if (names) {
    cells = names.map((n) => {
      const i = cellOf(n);
      if (i === undefined)
        throw new PatchSyntaxError(`'${n}' is not a cell of this puzzle (cells are named like r1c1)`);
      return i;
    });
  }
  const dim = m[4] !== undefined ? Number(m[4]) : undefined;
  if (dim !== undefined && !cells) throw new PatchSyntaxError(`a channel needs a cell: ${tensor}[r1c1][${dim}]`);
  const at = { tensor, ...(cells ? { cells } : {}), ...(dim !== undefined ? { dim } : {}) };
  if (value === 'B') return { op: 'copy', source: 'B', ...at };
  if (value === 'zero') return { op: 'zero', ...at };
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) && !/^[-+]?(Infinity|NaN)$/.test(value))
    throw new PatchSyntaxError(`'${value}' is not a value for ${lhs}: give a number, zero or B (copy from run B)`);
  const x = Number(value);
  if (!Number.isFinite(x)) throw new PatchSyntaxError(`the value must be a finite number, got ${value}`);
  if (!cells) {
    if (x !== 0) throw new PatchSyntaxError(`a whole tensor can be set to zero or B only; name cells to set ${value}`);
    return { op: 'zero', ...at };
  }
  return x === 0 && dim === undefined ? { op: 'zero', ...at } : { op: 'set', value: x, ...at };
}
