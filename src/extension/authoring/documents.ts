// What the authoring features know about each open dataset document: the puzzles located in its last
// valid text, the prediction request (content key) of each, the embedding row chosen per ARC task,
// and the labels a challenges file gets from its sibling solutions file. Invalid JSON mid-edit keeps
// the last valid state and only waits; nothing is interpreted until the text parses again. A large
// file (a 4 MB ARC challenges file takes seconds to locate) is located in the locate worker: the host
// posts the text and keeps showing the previous state until the answer for the newest version comes.

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
import { type LocateModel, type PackedLocate, unpackLocate } from '../../engine/authoring/locateJob';
import type { LocateRequest } from '../../engine/authoring/locateWorker';

/** Texts at least this long are located in the worker (a 256 KB file locates in about 100 ms here). */
export const WORKER_TEXT_LENGTH = 256 * 1024;

/** The text's length without building the string (getText() of 4 MB is not free). */
const isLarge = (doc: vscode.TextDocument): boolean =>
  doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end) >= WORKER_TEXT_LENGTH;

/** Runs a locate job off the host (LocateWorkerClient.locate). */
export type Locator = (job: LocateRequest['job']) => Promise<PackedLocate>;

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
  /** Per document: the version (and model) a worker job is running for. */
  private readonly pending = new Map<string, { version: number; modelKey: string | undefined }>();

  constructor(
    private model: () => ModelContext | undefined,
    private readonly locator?: Locator,
    /** A worker answer was applied: the document's state changed. */
    private readonly onLocated?: (uri: vscode.Uri) => void,
    private readonly onError?: (message: string) => void,
  ) {}

  get(uri: vscode.Uri): DocState | undefined {
    return this.states.get(uri.toString());
  }

  all(): DocState[] {
    return [...this.states.values()];
  }

  delete(uri: vscode.Uri): void {
    this.states.delete(uri.toString());
    this.pending.delete(uri.toString());
  }

  /** True while the state shown is older than the document (a worker job is running). */
  isStale(doc: vscode.TextDocument): boolean {
    const st = this.states.get(doc.uri.toString());
    return !st || st.version !== doc.version;
  }

  /**
   * Re-locates the document if its text changed since the last call; returns its state. A large
   * document goes to the worker: the previous state is returned (a placeholder the first time) and
   * `onLocated` fires when the newest version's state is in.
   */
  refresh(doc: vscode.TextDocument, force = false): DocState {
    const k = doc.uri.toString();
    const prev = this.states.get(k);
    if (prev && prev.version === doc.version && !force) return prev;
    if (this.locator && isLarge(doc)) return this.refreshInWorker(doc, prev, force);
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

  private refreshInWorker(doc: vscode.TextDocument, prev: DocState | undefined, force: boolean): DocState {
    const k = doc.uri.toString();
    const m = this.model();
    const job = this.pending.get(k);
    if (!job || job.version !== doc.version || job.modelKey !== m?.key || force) {
      const version = doc.version;
      const modelKey = m?.key;
      this.pending.set(k, { version, modelKey });
      const fileName = doc.uri.fsPath || doc.uri.path;
      const solutionsFile = solutionsFileFor(fileName);
      const openSolutions = solutionsFile
        ? vscode.workspace.textDocuments.find((d) => d.uri.fsPath === solutionsFile)
        : undefined;
      const model: LocateModel | undefined = m && {
        key: m.key,
        identifierMode: m.identifierMode,
        identifierNames: m.identifierNames,
        numPuzzleIdentifiers: m.numPuzzleIdentifiers,
      };
      this.locator!({
        text: doc.getText(),
        fileName,
        model,
        solutions: solutionsFile ? { file: solutionsFile, text: openSolutions?.getText() } : undefined,
      }).then(
        (r) => {
          const now = this.pending.get(k);
          if (!now || now.version !== version || now.modelKey !== modelKey) return; // a newer job is running
          this.pending.delete(k);
          this.apply(doc.uri, version, r);
          this.onLocated?.(doc.uri);
        },
        (e: unknown) => {
          if (this.pending.get(k)?.version === version) this.pending.delete(k);
          this.onError?.(`locating ${fileName} failed: ${e instanceof Error ? e.message : String(e)}`);
        },
      );
    }
    if (prev) return prev;
    // Nothing located yet: a placeholder that shows nothing until the worker answers.
    const placeholder: DocState = {
      uri: doc.uri,
      version: -1,
      status: 'not-a-dataset',
      requests: [],
      identifiers: new Map(),
      changed: new Set(),
    };
    this.states.set(k, placeholder);
    return placeholder;
  }

  /** Takes in a worker's answer: O(puzzles) on the host, grids read lazily from the packed arrays. */
  private apply(uri: vscode.Uri, version: number, r: PackedLocate): void {
    const k = uri.toString();
    const prev = this.states.get(k);
    const st: DocState = prev ?? {
      uri,
      version,
      status: 'not-a-dataset',
      requests: [],
      identifiers: new Map(),
      changed: new Set(),
    };
    const before = prev?.version === -1 ? [] : (prev?.requests ?? []);
    st.version = version;
    if (r.status === 'invalid-json') {
      st.status = 'invalid-json';
      st.invalid = { message: r.message ?? 'invalid JSON', offset: r.offset ?? 0 };
    } else {
      const u = unpackLocate(r);
      if (!u) {
        st.status = 'not-a-dataset';
        st.located = undefined;
        st.invalid = undefined;
        st.requests = [];
        st.changed = new Set();
      } else {
        st.status = 'ok';
        st.invalid = undefined;
        st.located = u.doc;
        st.solutions = u.sibling?.grids;
        st.solutionsFile = u.sibling ? { file: u.sibling.file, text: u.sibling.text } : undefined;
        const m = this.model();
        st.changed = new Set();
        st.mismatch = m ? mismatchOf(u.doc.puzzles, m) : undefined;
        if (!m || st.mismatch || !u.requests) {
          st.requests = [];
          st.identifiers = new Map();
        } else {
          st.identifiers = u.identifiers ?? new Map<string, IdentifierChoice>();
          st.requests = u.requests;
          const beforeKeys = new Set(before.map((q) => q?.key));
          if (before.length > 0) st.requests.forEach((q, i) => q && !beforeKeys.has(q.key) && st.changed.add(i));
        }
      }
    }
    this.states.set(k, st);
  }

  /** Recomputes every document's requests (a new model changes keys and identifiers). */
  recomputeAll(): void {
    for (const st of this.states.values()) {
      const doc = this.locator && vscode.workspace.textDocuments.find((d) => d.uri.toString() === st.uri.toString());
      if (doc && isLarge(doc)) this.refreshInWorker(doc, st, true);
      else if (st.located) this.computeRequests(st, []);
    }
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
