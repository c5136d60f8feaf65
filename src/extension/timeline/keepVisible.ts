// Keeps the timeline in view while debugging. At every stop VS Code opens the top frame's source
// (the adapter's read-only `.trm-grid` text) in the ACTIVE editor group; after a click or a key
// press in the timeline that is the timeline's own group, so the grid text would cover the
// timeline that caused the stop. This moves such a tab to another group (a new one beside when
// there is none), leaving the timeline where it was: timeline and grid text side by side.
import * as vscode from 'vscode';

/** The adapter's stack-frame source: a `debug:` document named "<puzzle> · step N.trm-grid". */
export function isTrmGridUri(uri: vscode.Uri): boolean {
  return uri.scheme === 'debug' && uri.path.endsWith('.trm-grid');
}

export class KeepTimelineVisible implements vscode.Disposable {
  private readonly sub: vscode.Disposable;
  private moving = false;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.sub = vscode.window.tabGroups.onDidChangeTabs((e) => {
      void this.onTabs([...e.opened, ...e.changed]);
    });
  }

  private async onTabs(tabs: readonly vscode.Tab[]): Promise<void> {
    const column = this.panel.viewColumn;
    if (this.moving || column === undefined) return;
    const tab = tabs.find(
      (t) => t.input instanceof vscode.TabInputText && isTrmGridUri(t.input.uri) && t.group.viewColumn === column,
    );
    if (!tab) return;
    const uri = (tab.input as vscode.TabInputText).uri;
    // Another group, preferring one that already shows grid text (the previous stop's).
    const others = vscode.window.tabGroups.all.filter((g) => g.viewColumn !== column);
    const target =
      others.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && isTrmGridUri(t.input.uri))) ??
      others[0];
    this.moving = true;
    try {
      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc, {
        viewColumn: target?.viewColumn ?? vscode.ViewColumn.Beside,
        preserveFocus: true,
        preview: true,
      });
      const stale = vscode.window.tabGroups.all
        .find((g) => g.viewColumn === column)
        ?.tabs.find((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString());
      if (stale) await vscode.window.tabGroups.close(stale, true);
      this.panel.reveal(column, true);
    } catch (e) {
      this.log.warn(`timeline: could not move ${uri.path} out of the timeline's editor group: ${(e as Error).message}`);
    } finally {
      this.moving = false;
    }
  }

  dispose(): void {
    this.sub.dispose();
  }
}
