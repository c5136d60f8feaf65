// The authoring status bar item: which model predicts, on which backend (GPU or CPU), and progress
// of the current predictions; says plainly when no model is selected (click: TRM: Select Model).

import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AuthoringController } from './controller';

export const SELECT_MODEL_COMMAND = 'trmLens.selectModel';

export class AuthoringStatus implements vscode.Disposable {
  readonly item = vscode.window.createStatusBarItem('trmLens.authoring', vscode.StatusBarAlignment.Right, 99);

  constructor(private readonly c: AuthoringController) {
    this.item.name = 'TRM Predictions';
    this.item.command = SELECT_MODEL_COMMAND;
  }

  /** Shown only while a dataset document is open. */
  update(): void {
    const anyDataset = this.c.docs.all().some((s) => s.status !== 'not-a-dataset');
    if (!anyDataset) {
      this.item.hide();
      return;
    }
    const m = this.c.model;
    const p = this.c.progress;
    switch (m.state) {
      case 'none':
        this.item.text = '$(warning) TRM: no model selected';
        this.item.tooltip = `${m.reason}\nClick to select a model.`;
        break;
      case 'loading':
        this.item.text = `$(sync~spin) TRM: loading ${path.basename(m.checkpoint)}`;
        this.item.tooltip = m.checkpoint;
        break;
      case 'error':
        this.item.text = '$(error) TRM: model failed to load';
        this.item.tooltip = `${m.checkpoint}\n${m.message}\nClick to select another model.`;
        break;
      case 'ready': {
        const hw = m.backend.gpu ? 'GPU' : 'CPU';
        const name = path.basename(path.dirname(m.checkpoint)) || path.basename(m.checkpoint);
        const prog =
          p.running > 0
            ? `$(sync~spin) ${p.done}/${p.total}${p.step ? ` · step ${p.step.step}/${p.step.of}` : ''}`
            : `${p.done}/${p.total}`;
        this.item.text = `$(beaker) TRM: ${name} · ${m.backend.name} (${hw}) · ${prog}`;
        this.item.tooltip = [
          `model: ${m.checkpoint} (${m.origin})`,
          `task: ${m.info.task}, S = ${m.info.seqLen}, N_sup = ${m.info.haltMaxSteps}, ${m.info.parameterCount.toLocaleString('en-US')} parameters`,
          `backend: ${m.backend.description}`,
          `predicted ${p.done} of ${p.total} wanted puzzles; runs ${this.c.scheduler.stats.runs}, cancelled ${this.c.scheduler.stats.cancelled}`,
          m.identifiersFile
            ? `puzzle identifiers: ${m.identifiersFile}`
            : 'puzzle identifiers: none (identifier 0 for every puzzle)',
          ...(m.identifierWarning ? [m.identifierWarning] : []),
          'Click to select another model.',
        ].join('\n');
        break;
      }
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
