// The interactive views of inline predictions: CodeLens per puzzle (Predict, Debug this puzzle, and
// the copy offer where it makes sense; one group per line when puzzles share a line; one "Select
// Model…" lens when the model cannot run the file), hovers that draw input / expected / predicted
// grids side by side, and the quick fix that writes the prediction into the expected output as one
// undoable WorkspaceEdit.

import * as vscode from 'vscode';
import type { LocatedPuzzle } from '../../engine/authoring/locate';
import { puzzleAt } from '../../engine/authoring/locate';
import { predictionEdit, svgDataUri } from '../../engine/authoring/render';
import { type HoverPanel, arcPanelsSvg, textPanels } from './hoverGrids';
import type { AuthoringController } from './controller';
import type { DocState } from './documents';
import type { JudgementCache } from './judgements';
import { viewOf } from './present';
import { copyOffer, incompletePrediction } from './copyPolicy';
import { SELECT_MODEL_COMMAND } from './statusBar';
import { cellStory, describeCellStory } from '../../engine/authoring/cellStory';
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
    // A model that cannot run this file: one lens with the way out, none that would lead to an error.
    if (st.mismatch) {
      const at = doc.positionAt(st.located.puzzles[0]?.span.offset ?? st.located.head.offset);
      return [
        new vscode.CodeLens(new vscode.Range(at, at), {
          title: '$(warning) No model for these puzzles: Select Model…',
          tooltip: st.mismatch,
          command: SELECT_MODEL_COMMAND,
          arguments: [],
        }),
      ];
    }
    // Puzzles that start on the same line (a one-line ARC file) share one group of lenses.
    const byLine = new Map<number, LocatedPuzzle[]>();
    for (const p of st.located.puzzles) {
      const line = doc.positionAt(p.span.offset).line;
      const group = byLine.get(line);
      if (group) group.push(p);
      else byLine.set(line, [p]);
    }
    const lenses: vscode.CodeLens[] = [];
    for (const [, group] of byLine) {
      const at = doc.positionAt(group[0].span.offset);
      const range = new vscode.Range(at, at);
      const runnable = group.filter((p) => !p.problem);
      if (group.length > 1) {
        if (runnable.length === 0) continue;
        const indices = runnable.map((p) => p.index);
        lenses.push(
          new vscode.CodeLens(range, {
            title: `$(play) Predict ${runnable.length} puzzles`,
            tooltip: runnable.map((p) => p.id).join(', '),
            command: PREDICT_COMMAND,
            arguments: [doc.uri, indices],
          }),
          new vscode.CodeLens(range, {
            title: '$(debug-alt) Debug a puzzle…',
            tooltip: 'Choose one of the puzzles on this line and step through its recursion',
            command: DEBUG_PUZZLE_COMMAND,
            arguments: [doc.uri, indices],
          }),
        );
        continue;
      }
      const p = group[0];
      const args = [doc.uri, p.index];
      if (!p.problem) {
        lenses.push(
          new vscode.CodeLens(range, {
            title: '$(play) Predict',
            tooltip: `Run the model on ${p.id} now`,
            command: PREDICT_COMMAND,
            arguments: args,
          }),
          new vscode.CodeLens(range, {
            title: '$(debug-alt) Debug this puzzle',
            tooltip: `Step through the recursion on ${p.id} (the timeline follows: TRM: Show Recursion Timeline)`,
            command: DEBUG_PUZZLE_COMMAND,
            arguments: args,
          }),
        );
      }
      const v = viewOf(this.c, this.judgements, st, p);
      const offer = v.status === 'judged' ? copyOffer(p, v.judgement, v.label) : undefined;
      if (offer)
        lenses.push(
          new vscode.CodeLens(range, {
            title: offer.lens,
            tooltip: offer.title,
            command: COPY_PREDICTION_COMMAND,
            arguments: args,
          }),
        );
    }
    return lenses;
  }
}

/**
 * The edit writing puzzle `index`'s current prediction as its expected output, when copying makes
 * sense (copyPolicy.ts) or, with `force` (the command run on purpose), whenever there is a complete
 * prediction; a string says why nothing can be copied.
 */
export function copyPredictionEdit(
  c: AuthoringController,
  judgements: JudgementCache,
  doc: vscode.TextDocument,
  index: number,
  opts: { force?: boolean } = {},
): vscode.WorkspaceEdit | string | undefined {
  const st = c.stateOf(doc, { fresh: true });
  const p = st?.located?.puzzles[index];
  if (!st || !p || st.status !== 'ok') return undefined;
  const v = viewOf(c, judgements, st, p);
  if (v.status !== 'judged' || !v.judgement.predicted) return undefined;
  const incomplete = incompletePrediction(p, v.judgement.predicted);
  if (incomplete) return incomplete;
  if (!opts.force && !copyOffer(p, v.judgement, v.label)) return undefined;
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
    const p = st.located.puzzles[index];
    const v = viewOf(this.c, this.judgements, st, p);
    const offer = v.status === 'judged' ? copyOffer(p, v.judgement, v.label) : undefined;
    const made = offer ? copyPredictionEdit(this.c, this.judgements, doc, index) : undefined;
    const edit = typeof made === 'string' ? undefined : made;
    if (!offer || !edit) return [];
    const a = new vscode.CodeAction(offer.title, vscode.CodeActionKind.QuickFix);
    a.edit = edit;
    a.diagnostics = ours;
    a.isPreferred = true;
    return [a];
  }
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
    // Input, expected and predicted side by side, small enough to need no scrolling.
    const label = v.status === 'judged' ? v.label?.grid : p.label;
    const wrong = new Set(v.status === 'judged' ? v.judgement.wrongCells : []);
    const panels: HoverPanel[] = [];
    if (p.input) panels.push({ title: 'input', grid: p.input });
    if (label)
      panels.push({
        title: v.status === 'judged' && !v.label?.inThisFile ? 'expected (solutions file)' : 'expected',
        grid: label,
        wrong,
      });
    if (v.status === 'judged' && v.judgement.predicted)
      panels.push({ title: `predicted (step ${v.prediction.usedStep})`, grid: v.judgement.predicted, wrong });
    // The cell under the mouse: its story over the supervision steps (when a prediction exists).
    if (v.status === 'judged') {
      const grid = [p.input, p.label].find((g) => g && g.value.offset === inValue.offset);
      const cell = grid?.spans.findIndex((sp) => offset >= sp.offset && offset < sp.offset + sp.length) ?? -1;
      if (grid && cell >= 0) {
        const row = Math.floor(cell / grid.width);
        const col = cell % grid.width;
        const expected =
          label && label.height === grid.height && label.width === grid.width ? label.cells[cell] : undefined;
        const story = cellStory(p.kind, v.prediction, row, col, expected);
        if (story) md.appendMarkdown(`${escapeMarkdown(describeCellStory(story))}\n\n`);
      }
    }
    if (p.kind === 'arc') {
      const sizes = panels.map((x) => `${x.title} ${x.grid.height}×${x.grid.width}`).join(' · ');
      md.appendMarkdown(`![${sizes}](${svgDataUri(arcPanelsSvg(panels))})\n\n${sizes}\n\n`);
    } else {
      md.appendMarkdown(`${wrong.size ? '(* = wrong)\n\n' : ''}\`\`\`\n${textPanels(p.kind, panels)}\n\`\`\`\n\n`);
    }
    return new vscode.Hover(
      md,
      new vscode.Range(doc.positionAt(inValue.offset), doc.positionAt(inValue.offset + inValue.length)),
    );
  }
}

/** Text shown literally inside a Markdown hover. */
function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}
