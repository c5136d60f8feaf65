// The passive views of inline predictions: an after-line decoration per puzzle with its verdict, and
// diagnostics on the exact label cells where the prediction differs (plus file-level notes such as
// an ARC task the model has no embedding row for). Redrawn when the controller says so.

import * as vscode from 'vscode';
import type { AuthoringController } from './controller';
import * as path from 'node:path';
import type { Judgement } from '../../engine/authoring/judge';
import type { LocatedGrid } from '../../engine/authoring/locate';
import type { DocState } from './documents';
import type { JudgementCache } from './judgements';
import { viewOf } from './present';

export const DIAGNOSTIC_SOURCE = 'TRM';
export const WRONG_CELL_CODE = 'prediction-mismatch';
export const WRONG_SIZE_CODE = 'prediction-size-mismatch';
export const IDENTIFIER_CODE = 'puzzle-identifier';
export const SOLUTIONS_CODE = 'prediction-vs-solutions-file';

/**
 * Diagnostics on the expected output's cells where the prediction differs, numbered from 1 like the
 * grids in the hover, the timeline and the Variables view ("r3c7": row 3, column 7).
 */
function labelDiagnostics(
  id: string,
  j: Judgement,
  label: LocatedGrid,
  range: (offset: number, length: number) => vscode.Range,
): vscode.Diagnostic[] {
  const out: vscode.Diagnostic[] = [];
  if (j.sizeMismatch) {
    const d = new vscode.Diagnostic(
      range(label.value.offset, label.value.length),
      `TRM predicts a ${j.sizeMismatch.predicted.join('×')} grid here; the expected output is ${j.sizeMismatch.expected.join('×')} · ${id}`,
      vscode.DiagnosticSeverity.Warning,
    );
    d.source = DIAGNOSTIC_SOURCE;
    d.code = WRONG_SIZE_CODE;
    out.push(d);
  }
  for (const i of j.wrongCells) {
    const s = label.spans[i];
    const r = Math.floor(i / label.width) + 1;
    const col = (i % label.width) + 1;
    const d = new vscode.Diagnostic(
      range(s.offset, s.length),
      `TRM predicts ${JSON.stringify(j.predicted!.cells[i])} at r${r}c${col} (row ${r}, column ${col}); expected ${JSON.stringify(label.cells[i])} · ${id}`,
      vscode.DiagnosticSeverity.Warning,
    );
    d.source = DIAGNOSTIC_SOURCE;
    d.code = WRONG_CELL_CODE;
    out.push(d);
  }
  return out;
}

/** Line/character of an offset in a text that is not open in an editor. */
function positionIn(text: string, offset: number): vscode.Position {
  let line = 0;
  let start = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return new vscode.Position(line, offset - start);
}

type Tone = 'correct' | 'wrong' | 'muted' | 'warning';

function decorationType(color: vscode.ThemeColor): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    after: { color, margin: '0 0 0 2em', fontStyle: 'italic' },
    rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
  });
}

export class AuthoringViews implements vscode.Disposable {
  private readonly types: Record<Tone, vscode.TextEditorDecorationType> = {
    correct: decorationType(new vscode.ThemeColor('testing.iconPassed')),
    wrong: decorationType(new vscode.ThemeColor('testing.iconFailed')),
    muted: decorationType(new vscode.ThemeColor('editorCodeLens.foreground')),
    warning: decorationType(new vscode.ThemeColor('editorWarning.foreground')),
  };
  readonly diagnostics = vscode.languages.createDiagnosticCollection('trm-authoring');
  /** Decoration texts per document (for the state command and tests). */
  readonly shown = new Map<string, { line: number; text: string }[]>();
  /** Challenges document → the solutions file whose cells got its diagnostics. */
  private readonly solutionTargets = new Map<string, string>();
  /** Diagnostics per file: a document's own, and those a challenges file puts on its solutions file. */
  private readonly own = new Map<string, vscode.Diagnostic[]>();
  private readonly external = new Map<string, vscode.Diagnostic[]>();

  private publish(uri: vscode.Uri): void {
    const all = [...(this.own.get(uri.fsPath) ?? []), ...(this.external.get(uri.fsPath) ?? [])];
    if (all.length) this.diagnostics.set(uri, all);
    else this.diagnostics.delete(uri);
  }

  constructor(
    private readonly c: AuthoringController,
    private readonly judgements: JudgementCache,
  ) {}

  refresh(uri?: vscode.Uri): void {
    // A challenges file that was closed takes its diagnostics on the solutions file with it.
    for (const [k, file] of this.solutionTargets) {
      if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === k)) continue;
      this.solutionTargets.delete(k);
      this.external.delete(file);
      this.publish(vscode.Uri.file(file));
    }
    for (const doc of vscode.workspace.textDocuments) {
      if (uri && doc.uri.toString() !== uri.toString()) continue;
      const st = this.c.docs.get(doc.uri);
      if (!st || st.status === 'not-a-dataset' || !st.located) {
        this.own.delete(doc.uri.fsPath);
        this.publish(doc.uri);
        this.shown.delete(doc.uri.toString());
        for (const e of vscode.window.visibleTextEditors)
          if (e.document === doc) for (const t of Object.values(this.types)) e.setDecorations(t, []);
        continue;
      }
      // Mid-edit invalid JSON: keep what is shown (VS Code moves it with the edits) and wait.
      if (st.status === 'invalid-json' || st.version !== doc.version) continue;
      this.render(doc, st);
    }
  }

  private render(doc: vscode.TextDocument, st: DocState): void {
    const byTone: Record<Tone, vscode.DecorationOptions[]> = { correct: [], wrong: [], muted: [], warning: [] };
    const diags: vscode.Diagnostic[] = [];
    const shown: { line: number; text: string }[] = [];
    const range = (o: number, l: number) => new vscode.Range(doc.positionAt(o), doc.positionAt(o + l));
    const usedLines = new Set<number>();
    // A model that cannot run the file: said once, on the first puzzle's line.
    if (st.mismatch) {
      const first = st.located!.puzzles[0];
      const line = doc.positionAt(first?.span.offset ?? st.located!.head.offset).line;
      const end = doc.lineAt(line).range.end;
      const text = `TRM: ${st.mismatch}`;
      byTone.warning.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: text } } });
      shown.push({ line, text });
      usedLines.add(line);
    }
    /** Diagnostics for labels that live in the sibling solutions file, by that file. */
    const elsewhere = new Map<string, vscode.Diagnostic[]>();
    for (const p of st.located!.puzzles) {
      const v = viewOf(this.c, this.judgements, st, p);
      if (v.text) {
        const line = doc.positionAt(p.span.offset).line;
        // Two puzzles on one line (a compact file): the first one's verdict is shown there.
        if (!usedLines.has(line)) {
          usedLines.add(line);
          const end = doc.lineAt(line).range.end;
          const tone: Tone =
            v.status === 'judged'
              ? v.judgement.status === 'correct'
                ? 'correct'
                : v.judgement.status === 'wrong'
                  ? 'wrong'
                  : v.judgement.status === 'error'
                    ? 'warning'
                    : 'muted'
              : v.status === 'problem' || v.status === 'no-model'
                ? 'warning'
                : 'muted';
          byTone[tone].push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: v.text } } });
          shown.push({ line, text: v.text });
        }
      }
      if (v.status !== 'judged' || !v.label) continue;
      const j = v.judgement;
      const label = v.label.grid;
      if (v.label.inThisFile) {
        diags.push(...labelDiagnostics(p.id, j, label, range));
        continue;
      }
      // Challenges file: the expected output is in the sibling *_solutions.json. Its cells get the
      // diagnostics (Problems lists them even while that file is closed), and the test input here
      // gets one summary, so the file being edited says that its prediction disagrees.
      const solutions = st.solutionsFile;
      if (!solutions) continue;
      const other = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === solutions.file);
      const otherRange = (o: number, l: number): vscode.Range =>
        other
          ? new vscode.Range(other.positionAt(o), other.positionAt(o + l))
          : new vscode.Range(positionIn(solutions.text, o), positionIn(solutions.text, o + l));
      const list = elsewhere.get(solutions.file) ?? [];
      list.push(...labelDiagnostics(p.id, j, label, otherRange));
      elsewhere.set(solutions.file, list);
      if (j.status === 'wrong' && p.input) {
        const wrong = j.sizeMismatch
          ? `a ${j.sizeMismatch.predicted.join('×')} grid, the solution is ${j.sizeMismatch.expected.join('×')}`
          : `${j.wrongCells.length} cell${j.wrongCells.length === 1 ? '' : 's'} differ from the solution`;
        const d = new vscode.Diagnostic(
          range(p.input.value.offset, p.input.value.length),
          `TRM's prediction for ${p.id}: ${wrong} in ${path.basename(solutions.file)}`,
          vscode.DiagnosticSeverity.Information,
        );
        d.source = DIAGNOSTIC_SOURCE;
        d.code = SOLUTIONS_CODE;
        diags.push(d);
      }
    }
    const before = this.solutionTargets.get(doc.uri.toString());
    if (before && !elsewhere.has(before)) {
      this.external.delete(before);
      this.publish(vscode.Uri.file(before));
    }
    for (const [file, list] of elsewhere) {
      this.external.set(file, list);
      this.publish(vscode.Uri.file(file));
    }
    if (elsewhere.size) this.solutionTargets.set(doc.uri.toString(), [...elsewhere.keys()][0]);
    else this.solutionTargets.delete(doc.uri.toString());
    for (const [task, choice] of st.identifiers) {
      if (!choice.warning) continue;
      const d = new vscode.Diagnostic(
        range(st.located!.head.offset, st.located!.head.length),
        `TRM (${task}): ${choice.warning}`,
        vscode.DiagnosticSeverity.Information,
      );
      d.source = DIAGNOSTIC_SOURCE;
      d.code = IDENTIFIER_CODE;
      diags.push(d);
    }
    this.own.set(doc.uri.fsPath, diags);
    this.publish(doc.uri);
    this.shown.set(doc.uri.toString(), shown);
    for (const e of vscode.window.visibleTextEditors) {
      if (e.document !== doc) continue;
      for (const [tone, t] of Object.entries(this.types) as [Tone, vscode.TextEditorDecorationType][])
        e.setDecorations(t, byTone[tone]);
    }
  }

  dispose(): void {
    for (const t of Object.values(this.types)) t.dispose();
    this.diagnostics.dispose();
  }
}
