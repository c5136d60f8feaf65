// Which puzzle-embedding row an ARC puzzle uses. TRM learns one embedding per task variant; the
// official builder writes the names in identifiers.json (index = identifier, "<blank>" at 0). A task
// the model never saw has no row of its own: it gets identifier 0, the blank (untrained) embedding,
// and the user is told so plainly. Sudoku and maze models share identifier 0.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** 'byTaskName' looks the task up in identifiers.json; 'blank' always uses row 0; a number forces that row. */
export type IdentifierMode = 'byTaskName' | 'blank' | number;

export interface IdentifierChoice {
  id: number;
  /** Set when the choice is a fallback the user should know about. */
  warning?: string;
}

/** Parses an identifiers.json text: a list of names (strings). */
export function parseIdentifiers(text: string, file: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(v)) throw new Error(`${file}: expected a JSON list of puzzle names (index = puzzle identifier)`);
  const bad = v.findIndex((x) => typeof x !== 'string');
  if (bad >= 0)
    throw new Error(`${file}: entry ${bad} is ${JSON.stringify(v[bad])}; every entry must be a puzzle name string`);
  return v as string[];
}

/** identifiers.json next to the checkpoint (and one folder up, where the builder's dataset folder sits), first that exists. */
export function findIdentifiersFile(checkpoint: string, explicit?: string): string | undefined {
  if (explicit) return explicit;
  const dir = path.dirname(checkpoint);
  for (const f of [path.join(dir, 'identifiers.json'), path.join(dir, '..', 'identifiers.json')])
    if (fs.existsSync(f)) return f;
  return undefined;
}

export function chooseIdentifier(
  mode: IdentifierMode,
  taskName: string | undefined,
  names: readonly string[] | undefined,
  rows: number,
): IdentifierChoice {
  if (typeof mode === 'number') {
    if (!Number.isInteger(mode) || mode < 0 || mode >= rows) {
      return {
        id: 0,
        warning: `puzzle identifier ${mode} is outside the model's ${rows} embedding rows; using identifier 0 (blank embedding)`,
      };
    }
    return { id: mode };
  }
  if (mode === 'blank' || rows <= 1) return { id: 0 };
  if (!names) {
    return {
      id: 0,
      warning:
        'no identifiers.json found for this model (set trmLens.modelIdentifiers); using identifier 0, the blank puzzle embedding: predictions may be poor',
    };
  }
  const id = taskName === undefined ? -1 : names.indexOf(taskName);
  if (id <= 0) {
    return {
      id: 0,
      warning: `task "${taskName}" is not among the model's ${names.length} puzzle identifiers; using identifier 0, the blank (untrained) puzzle embedding: predictions may be poor`,
    };
  }
  if (id >= rows)
    return {
      id: 0,
      warning: `identifiers.json gives "${taskName}" row ${id}, but the model has ${rows} embedding rows: wrong identifiers.json? Using identifier 0`,
    };
  return { id };
}
