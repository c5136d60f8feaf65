// What the authoring features know about each open dataset document: the puzzles located in its last
// valid text, the prediction request (content key) of each, the embedding row chosen per ARC task,
// and the labels a challenges file gets from its sibling solutions file. Invalid JSON mid-edit keeps
// the last valid state and only waits; nothing is interpreted until the text parses again.

import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { type IdentifierChoice, type IdentifierMode, chooseIdentifier } from '../../engine/authoring/identifiers';
import {
  type DatasetDocument,
  type LocatedGrid,
  type LocatedPuzzle,
  type SolutionGrids,
  type TaskKind,
  locateDataset,
  solutionsFileFor,
} from '../../engine/authoring/locate';
import { type PredictRequest, requestFor } from '../../engine/authoring/puzzleSpec';

/** The loaded model facts the requests depend on. */
export interface ModelContext {
  key: string;
  /** What the model was trained on (from its vocabulary), and its name for people. */
  task: TaskKind | 'unknown';
  /** S; 0 = any length. */
  seqLen: number;
  label: string;
  numPuzzleIdentifiers: number;
  identifierNames?: readonly string[];
  identifierMode: IdentifierMode;
}

export interface DocState {
  uri: vscode.Uri;
  /** Document version the state was computed from. */
  version: number;
  status: 'ok' | 'invalid-json' | 'not-a-dataset';
  invalid?: { message: string; offset: number };
  /** From the last text that parsed (kept while the JSON is invalid). */
  located?: DatasetDocument;
  /** Request per puzzle index (undefined: the input cannot be predicted). */
  requests: (PredictRequest | undefined)[];
  /** Per ARC task: the embedding row and any warning. */
  identifiers: Map<string, IdentifierChoice>;
  /** Puzzle indices whose request key changed in the last update. */
  changed: Set<number>;
  /** Expected outputs from the sibling solutions file (challenges files only). */
  solutions?: SolutionGrids;
  /** That solutions file and the text its grids' offsets refer to (for diagnostics on its cells). */
  solutionsFile?: { file: string; text: string };
  /**
   * Set when the loaded model cannot run this file's puzzles at all (the Sudoku model on ARC tasks):
   * said once for the file, and nothing is predicted.
   */
  mismatch?: string;
}

/** Only JSON documents on disk or untitled are considered; others are ignored cheaply. */
export function isCandidate(doc: vscode.TextDocument): boolean {
  return (
    (doc.languageId === 'json' || doc.languageId === 'jsonc') &&
    (doc.uri.scheme === 'file' || doc.uri.scheme === 'untitled')
  );
}

export class DatasetDocuments {
  private readonly states = new Map<string, DocState>();

  constructor(private model: () => ModelContext | undefined) {}

  get(uri: vscode.Uri): DocState | undefined {
    return this.states.get(uri.toString());
  }

  all(): DocState[] {
    return [...this.states.values()];
  }

  delete(uri: vscode.Uri): void {
    this.states.delete(uri.toString());
  }

  /** Re-locates the document if its text changed since the last call; returns its state. */
  refresh(doc: vscode.TextDocument, force = false): DocState {
    const k = doc.uri.toString();
    const prev = this.states.get(k);
    if (prev && prev.version === doc.version && !force) return prev;
    const r = locateDataset(doc.getText(), doc.uri.fsPath || doc.uri.path);
    const st: DocState = prev ?? {
      uri: doc.uri,
      version: doc.version,
      status: 'not-a-dataset',
      requests: [],
      identifiers: new Map(),
      changed: new Set(),
    };
    st.version = doc.version;
    if (r.status === 'invalid-json') {
      st.status = 'invalid-json';
      st.invalid = { message: r.message, offset: r.offset };
    } else if (r.status === 'not-a-dataset') {
      st.status = 'not-a-dataset';
      st.located = undefined;
      st.invalid = undefined;
      st.requests = [];
      st.changed = new Set();
    } else {
      st.status = 'ok';
      st.invalid = undefined;
      st.located = r.doc;
      const sol = r.doc.kind === 'arc-challenges' ? readSolutions(doc.uri) : undefined;
      st.solutions = sol?.grids;
      st.solutionsFile = sol ? { file: sol.file, text: sol.text } : undefined;
      this.computeRequests(st, prev?.requests ?? []);
    }
    this.states.set(k, st);
    return st;
  }

  /** Recomputes every document's requests (a new model changes keys and identifiers). */
  recomputeAll(): void {
    for (const st of this.states.values()) if (st.located) this.computeRequests(st, []);
  }

  private computeRequests(st: DocState, before: readonly (PredictRequest | undefined)[]): void {
    const m = this.model();
    const beforeKeys = new Set(before.map((r) => r?.key));
    st.identifiers = new Map();
    st.changed = new Set();
    st.mismatch = undefined;
    if (!m || !st.located) {
      st.requests = [];
      return;
    }
    st.mismatch = mismatchOf(st.located.puzzles, m);
    if (st.mismatch) {
      st.requests = [];
      return;
    }
    st.requests = st.located.puzzles.map((p, i) => {
      const id = this.identifierFor(st, p, m);
      const req = requestFor(p, id, m.key);
      // The first parse or a new model is not an edit: only what is visible gets predicted then.
      if (req && before.length > 0 && !beforeKeys.has(req.key)) st.changed.add(i);
      return req;
    });
  }

  private identifierFor(st: DocState, p: LocatedPuzzle, m: ModelContext): number {
    if (p.kind !== 'arc' || p.taskName === undefined) return 0;
    let c = st.identifiers.get(p.taskName);
    if (!c) {
      c = chooseIdentifier(m.identifierMode, p.taskName, m.identifierNames, m.numPuzzleIdentifiers);
      st.identifiers.set(p.taskName, c);
    }
    return c.id;
  }
}

const TASK_WORDS: Record<TaskKind, { one: string; many: string }> = {
  sudoku: { one: '9×9 Sudoku puzzles', many: 'Sudoku puzzles' },
  maze: { one: 'mazes', many: 'mazes' },
  arc: { one: 'ARC tasks', many: 'ARC tasks' },
};

/** Why the model cannot run any puzzle of the file (its task differs), in one sentence; undefined when it can. */
export function mismatchOf(
  puzzles: readonly LocatedPuzzle[],
  m: Pick<ModelContext, 'task' | 'label'>,
): string | undefined {
  const kind = puzzles.find((p) => !p.problem)?.kind;
  if (!kind || m.task === 'unknown' || m.task === kind) return undefined;
  return `no model for ${TASK_WORDS[kind].many} here: the model ${m.label} solves ${TASK_WORDS[m.task].one}. Choose one with "TRM: Select Model".`;
}

/** The expected output of a puzzle: its own label, or (challenges files) the solutions file's grid. */
export function labelOf(st: DocState, p: LocatedPuzzle): { grid: LocatedGrid; inThisFile: boolean } | undefined {
  if (p.label && !p.labelProblem) return { grid: p.label, inThisFile: true };
  if (p.split === 'test' && p.taskName !== undefined && st.solutions) {
    const g = st.solutions.get(p.taskName)?.[p.pairIndex];
    if (g) return { grid: g, inThisFile: false };
  }
  return undefined;
}

/** The sibling `<prefix>_solutions.json` of a challenges file, from an open editor or the disk. */
function readSolutions(uri: vscode.Uri): { grids: SolutionGrids; file: string; text: string } | undefined {
  const file = solutionsFileFor(uri.fsPath);
  if (!file) return undefined;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file);
  let text: string;
  try {
    text = open ? open.getText() : fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const r = locateDataset(text, file);
  return r.status === 'ok' && r.doc.kind === 'arc-solutions' && r.doc.solutions
    ? { grids: r.doc.solutions, file, text }
    : undefined;
}
