// The passive views of inline predictions: an after-line decoration per puzzle with its verdict, and
// diagnostics on the exact label cells where the prediction differs (plus file-level notes such as
// an ARC task the model has no embedding row for). Redrawn when the controller says so.

import * as vscode from 'vscode';
import type { AuthoringController } from './controller';
import type { DocState } from './documents';
import type { JudgementCache } from './judgements';
import { viewOf } from './present';

export const DIAGNOSTIC_SOURCE = 'TRM';
export const WRONG_CELL_CODE = 'prediction-mismatch';
export const WRONG_SIZE_CODE = 'prediction-size-mismatch';
export const IDENTIFIER_CODE = 'puzzle-identifier';

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

  constructor(
    private readonly c: AuthoringController,
    private readonly judgements: JudgementCache,
  ) {}

  refresh(uri?: vscode.Uri): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (uri && doc.uri.toString() !== uri.toString()) continue;
      const st = this.c.docs.get(doc.uri);
      if (!st || st.status === 'not-a-dataset' || !st.located) {
        this.diagnostics.delete(doc.uri);
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
      if (v.status !== 'judged' || !v.label?.inThisFile) continue;
      const j = v.judgement;
      const label = v.label.grid;
      if (j.sizeMismatch) {
        const d = new vscode.Diagnostic(
          range(label.value.offset, label.value.length),
          `TRM predicts a ${j.sizeMismatch.predicted.join('×')} grid here; the expected output is ${j.sizeMismatch.expected.join('×')}`,
          vscode.DiagnosticSeverity.Warning,
        );
        d.source = DIAGNOSTIC_SOURCE;
        d.code = WRONG_SIZE_CODE;
        diags.push(d);
      }
      for (const i of j.wrongCells) {
        const s = label.spans[i];
        const r = Math.floor(i / label.width),
          col = i % label.width;
        const d = new vscode.Diagnostic(
          range(s.offset, s.length),
          `TRM predicts ${JSON.stringify(j.predicted!.cells[i])} at row ${r}, column ${col} (expected ${JSON.stringify(label.cells[i])}) · ${p.id}`,
          vscode.DiagnosticSeverity.Warning,
        );
        d.source = DIAGNOSTIC_SOURCE;
        d.code = WRONG_CELL_CODE;
        diags.push(d);
      }
    }
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
    this.diagnostics.set(doc.uri, diags);
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
