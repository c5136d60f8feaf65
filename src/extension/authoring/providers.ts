// The interactive views of inline predictions: CodeLens per puzzle (Predict, Debug this puzzle, Show
// in timeline, Copy prediction), hovers that draw input / expected / predicted grids, and the quick
// fix that writes the prediction into the expected output as one undoable WorkspaceEdit.

import * as vscode from 'vscode';
import type { LocatedPuzzle } from '../../engine/authoring/locate';
import { puzzleAt } from '../../engine/authoring/locate';
import { arcGridSvg, predictionEdit, svgDataUri, textGrid, type GridLike } from '../../engine/authoring/render';
import type { AuthoringController } from './controller';
import type { DocState } from './documents';
import type { JudgementCache } from './judgements';
import { viewOf } from './present';
import { DIAGNOSTIC_SOURCE, WRONG_CELL_CODE, WRONG_SIZE_CODE } from './views';

export const PREDICT_COMMAND = 'trmLens.predictPuzzle';
export const DEBUG_PUZZLE_COMMAND = 'trmLens.debugPuzzle';
export const COPY_PREDICTION_COMMAND = 'trmLens.copyPrediction';
export const SHOW_TIMELINE_COMMAND = 'trmLens.showTimeline';

export class PuzzleCodeLenses implements vscode.CodeLensProvider {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(
    private readonly c: AuthoringController,
    private readonly judgements: JudgementCache,
  ) {}

  changed(): void {
    this.emitter.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const st = this.c.stateOf(doc);
    if (!st?.located || st.status !== 'ok') return [];
    const lenses: vscode.CodeLens[] = [];
    for (const p of st.located.puzzles) {
      const at = doc.positionAt(p.span.offset);
      const range = new vscode.Range(at, at);
      const args = [doc.uri, p.index];
      if (!p.problem) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(play) Predict',
            tooltip: `Run the model on ${p.id} now`,
            command: PREDICT_COMMAND,
            arguments: args,
          }),
        );
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(debug-alt) Debug this puzzle',
            tooltip: `Start a trm debug session on ${p.id}`,
            command: DEBUG_PUZZLE_COMMAND,
            arguments: args,
          }),
        );
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(graph) Show in timeline',
            tooltip: 'Open the recursion timeline',
            command: SHOW_TIMELINE_COMMAND,
            arguments: [],
          }),
        );
      }
      const v = viewOf(this.c, this.judgements, st, p);
      if (
        v.status === 'judged' &&
        v.judgement.predicted &&
        v.judgement.status !== 'correct' &&
        (v.label === undefined || v.label.inThisFile)
      ) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: v.label ? 'Copy prediction into output' : 'Copy prediction as output',
            command: COPY_PREDICTION_COMMAND,
            arguments: args,
          }),
        );
      }
    }
    return lenses;
  }
}

/** The edit writing puzzle `index`'s current prediction as its expected output, if there is one. */
export function copyPredictionEdit(
  c: AuthoringController,
  judgements: JudgementCache,
  doc: vscode.TextDocument,
  index: number,
): vscode.WorkspaceEdit | undefined {
  const st = c.stateOf(doc, { fresh: true });
  const p = st?.located?.puzzles[index];
  if (!st || !p || st.status !== 'ok') return undefined;
  const v = viewOf(c, judgements, st, p);
  if (v.status !== 'judged' || !v.judgement.predicted) return undefined;
  const e = predictionEdit(doc.getText(), p, v.judgement.predicted, p.label);
  if (!e) return undefined;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.offset), doc.positionAt(e.offset + e.length)), e.newText);
  return edit;
}

export class PredictionQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(
    private readonly c: AuthoringController,
    private readonly judgements: JudgementCache,
  ) {}

  provideCodeActions(
    doc: vscode.TextDocument,
    _range: vscode.Range,
    ctx: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const ours = ctx.diagnostics.filter(
      (d) => d.source === DIAGNOSTIC_SOURCE && (d.code === WRONG_CELL_CODE || d.code === WRONG_SIZE_CODE),
    );
    if (ours.length === 0) return [];
    const st = this.c.stateOf(doc, { fresh: true });
    if (!st?.located) return [];
    const index = puzzleAt(st.located.puzzles, doc.offsetAt(ours[0].range.start));
    if (index < 0) return [];
    const edit = copyPredictionEdit(this.c, this.judgements, doc, index);
    if (!edit) return [];
    const a = new vscode.CodeAction(
      `Copy TRM prediction into the expected output of ${st.located.puzzles[index].id}`,
      vscode.CodeActionKind.QuickFix,
    );
    a.edit = edit;
    a.diagnostics = ours;
    a.isPreferred = true;
    return [a];
  }
}

function gridMarkdown(p: LocatedPuzzle, title: string, g: GridLike, wrong: ReadonlySet<number> = new Set()): string {
  if (p.kind === 'arc')
    return `**${title}** ${g.height}×${g.width}\n\n![${title}](${svgDataUri(arcGridSvg(g, wrong))})\n\n`;
  return `**${title}**${wrong.size ? ' (* = wrong)' : ''}\n\n\`\`\`\n${textGrid(p.kind, g, wrong)}\n\`\`\`\n\n`;
}

export class PuzzleHovers implements vscode.HoverProvider {
  constructor(
    private readonly c: AuthoringController,
    private readonly judgements: JudgementCache,
  ) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const st: DocState | undefined = this.c.stateOf(doc, { fresh: true });
    if (!st?.located || st.status !== 'ok') return undefined;
    const offset = doc.offsetAt(pos);
    const index = puzzleAt(st.located.puzzles, offset);
    if (index < 0) return undefined;
    const p = st.located.puzzles[index];
    const inValue = [p.input?.value, p.label?.value].find(
      (s) => s && offset >= s.offset && offset <= s.offset + s.length,
    );
    if (!inValue) return undefined;
    const v = viewOf(this.c, this.judgements, st, p);
    const md = new vscode.MarkdownString(undefined, true);
    md.supportHtml = false;
    md.appendMarkdown(`**TRM** \`${p.id}\`${v.text ? ` — ${v.text}` : ''}\n\n`);
    if (p.kind === 'arc' && p.taskName !== undefined) {
      const id = st.identifiers.get(p.taskName);
      if (id) md.appendMarkdown(`puzzle identifier ${id.id}${id.warning ? ` — ${id.warning}` : ''}\n\n`);
    }
    if (p.input) md.appendMarkdown(gridMarkdown(p, 'input', p.input));
    const label = v.status === 'judged' ? v.label?.grid : p.label;
    const wrong = new Set(v.status === 'judged' ? v.judgement.wrongCells : []);
    if (label)
      md.appendMarkdown(
        gridMarkdown(
          p,
          v.status === 'judged' && !v.label?.inThisFile ? 'expected (solutions file)' : 'expected',
          label,
          wrong,
        ),
      );
    if (v.status === 'judged' && v.judgement.predicted)
      md.appendMarkdown(gridMarkdown(p, `predicted (step ${v.prediction.usedStep})`, v.judgement.predicted, wrong));
    return new vscode.Hover(
      md,
      new vscode.Range(doc.positionAt(inValue.offset), doc.positionAt(inValue.offset + inValue.length)),
    );
  }
}
