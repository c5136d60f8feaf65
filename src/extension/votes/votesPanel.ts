// The ARC vote explorer panel: one webview (webview/votes/) showing one test input's votes at a
// time; the page asks for another input of the same report or opens a variant's row in the debugger.
// Messages are checked both ways against src/protocol/votes.ts.
import * as vscode from 'vscode';
import { VOTES_VIEW_TYPE, type VotesToHost, type VotesView, validateVotesToHost } from '../../protocol/votes';
import { makeNonce, webviewPageHtml } from '../timeline/html';

export interface VotesHost {
  /** The view of test input `index` of the current report. */
  viewOf(index: number): VotesView;
  openRow?(row: number): void;
}

export interface VotesPanelState {
  open: boolean;
  ready: boolean;
  sent: number;
  view: VotesView | null;
  webviewErrors: string[];
}

export class VotesPanel {
  private static current: VotesPanel | undefined;
  private ready = false;
  private sent = 0;
  private view: VotesView | null = null;
  private readonly errors: string[] = [];

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private host: VotesHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    panel.onDidDispose(() => (VotesPanel.current = undefined));
    panel.webview.onDidReceiveMessage((m: unknown) => {
      const problem = validateVotesToHost(m);
      if (problem) {
        this.log.warn(`ARC vote explorer: ${problem}`);
        return;
      }
      const msg = m as VotesToHost;
      if (msg.type === 'ready') {
        this.ready = true;
        this.post();
      } else if (msg.type === 'selectInput') {
        try {
          this.view = this.host.viewOf(msg.index);
          this.post();
        } catch (e) {
          void vscode.window.showErrorMessage(`TRM: ${(e as Error).message}`);
        }
      } else if (msg.type === 'openRow') this.host.openRow?.(msg.row);
      else if (msg.type === 'error') {
        this.errors.push(msg.message);
        this.log.error(`ARC vote explorer page: ${msg.message}`);
      }
    });
  }

  private post(): void {
    if (!this.ready || !this.view) return;
    this.sent++;
    void this.panel.webview.postMessage({ type: 'votes', view: this.view });
  }

  static show(extensionUri: vscode.Uri, host: VotesHost, view: VotesView, log: vscode.LogOutputChannel): void {
    let p = VotesPanel.current;
    if (!p) {
      const panel = vscode.window.createWebviewPanel(
        VOTES_VIEW_TYPE,
        'TRM ARC Votes',
        { viewColumn: vscode.ViewColumn.Active },
        {
          enableScripts: true,
          retainContextWhenHidden: true,
          localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
        },
      );
      const w = panel.webview;
      w.html = webviewPageHtml(
        {
          cspSource: w.cspSource,
          nonce: makeNonce(),
          scriptUri: w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'votesView.js')).toString(),
          styleUri: w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'votes.css')).toString(),
        },
        'TRM ARC Votes',
        'ARC vote explorer',
      );
      p = new VotesPanel(panel, host, log);
      VotesPanel.current = p;
    }
    p.host = host;
    p.view = view;
    p.panel.title = `TRM ARC Votes: ${view.task}`;
    p.post();
    p.panel.reveal(undefined, false);
  }

  static state(): VotesPanelState {
    const p = VotesPanel.current;
    return {
      open: !!p,
      ready: p?.ready ?? false,
      sent: p?.sent ?? 0,
      view: p?.view ?? null,
      webviewErrors: p ? [...p.errors] : [],
    };
  }
}
