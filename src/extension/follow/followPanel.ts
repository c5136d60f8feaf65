// Hosts the followed-run dashboard: CSP'd HTML, the ready handshake (init carries the whole current
// view, so a hidden-then-shown or reloaded page re-hydrates), every message from the page validated,
// and a full view after every change of the followed folder. One panel at a time.
import * as vscode from 'vscode';
import {
  FOLLOW_PROTOCOL_VERSION,
  FOLLOW_VIEW_TYPE,
  NO_FOLLOW_NOTICE,
  validateFollowToHost,
  validateHostToFollow,
  type FollowToHostMessage,
  type FollowView,
  type HostToFollowMessage,
} from '../../protocol/followDashboard';
import { themeKindOf } from '../timeline/timelinePanel';
import { followHtml, makeNonce } from './followHtml';

/** What the panel asks of the glue. */
export interface FollowPanelHost {
  view(): FollowView | null;
  onDidChange(f: (v: FollowView) => void): { dispose(): void };
  handle(m: Exclude<FollowToHostMessage, { type: 'ready' | 'webviewError' }>): void;
}

export interface FollowPanelState {
  open: boolean;
  ready: boolean;
  sent: Record<string, number>;
  received: Record<string, number>;
  webviewErrors: string[];
  /** The view the page was last sent (its checkpoint states), for tests. */
  lastSent: FollowView | null;
}

export class FollowPanel implements vscode.Disposable {
  private static current: FollowPanel | undefined;
  private ready = false;
  private readonly subs: { dispose(): void }[] = [];
  private readonly sent: Record<string, number> = {};
  private readonly received: Record<string, number> = {};
  private readonly webviewErrors: string[] = [];
  private lastSent: FollowView | null = null;

  static show(extensionUri: vscode.Uri, host: FollowPanelHost, log: vscode.LogOutputChannel): FollowPanel {
    if (FollowPanel.current) {
      FollowPanel.current.panel.reveal(FollowPanel.current.panel.viewColumn, true);
      FollowPanel.current.push();
      return FollowPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      FOLLOW_VIEW_TYPE,
      'TRM: Followed Run',
      {
        viewColumn: vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active,
        preserveFocus: true,
      },
      FollowPanel.options(extensionUri),
    );
    return new FollowPanel(panel, extensionUri, host, log);
  }

  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    host: FollowPanelHost,
    log: vscode.LogOutputChannel,
  ): void {
    FollowPanel.current?.dispose();
    new FollowPanel(panel, extensionUri, host, log);
  }

  static disposeCurrent(): void {
    FollowPanel.current?.dispose();
  }

  static state(): FollowPanelState {
    const p = FollowPanel.current;
    return p
      ? {
          open: true,
          ready: p.ready,
          sent: { ...p.sent },
          received: { ...p.received },
          webviewErrors: [...p.webviewErrors],
          lastSent: p.lastSent,
        }
      : { open: false, ready: false, sent: {}, received: {}, webviewErrors: [], lastSent: null };
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Only the extension's own files: the page never loads anything from the followed folder.
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly host: FollowPanelHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    FollowPanel.current = this;
    const webview = panel.webview;
    webview.options = FollowPanel.options(extensionUri);
    this.subs.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false; // the page is dropped while hidden; it says ready again
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => {
        if (this.ready) this.send({ type: 'theme', theme: themeKindOf(t.kind) });
      }),
      host.onDidChange(() => this.push()),
    );
    const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
    webview.html = followHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: uri('dist', 'followDashboard.js'),
      styleUris: [uri('media', 'dashboard.css'), uri('media', 'follow.css')],
    });
  }

  private push(): void {
    const view = this.host.view();
    if (this.ready && view) this.send({ type: 'view', view });
  }

  private send(m: HostToFollowMessage): void {
    const problem = validateHostToFollow(m);
    if (problem) {
      this.log.error(`follow dashboard: not sending an invalid ${m.type} message: ${problem}`);
      return;
    }
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    if (m.type === 'init' || m.type === 'view') this.lastSent = m.view;
    void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const problem = validateFollowToHost(raw);
    if (problem) {
      this.log.error(`follow dashboard: ignored an invalid message from the webview: ${problem}`);
      return;
    }
    const m = raw as FollowToHostMessage;
    this.received[m.type] = (this.received[m.type] ?? 0) + 1;
    if (m.type === 'ready') {
      if (m.protocolVersion !== FOLLOW_PROTOCOL_VERSION)
        this.log.warn(
          `follow dashboard: webview speaks protocol ${m.protocolVersion}, host ${FOLLOW_PROTOCOL_VERSION}`,
        );
      this.ready = true;
      const view = this.host.view();
      this.send({
        type: 'init',
        protocolVersion: FOLLOW_PROTOCOL_VERSION,
        theme: themeKindOf(vscode.window.activeColorTheme.kind),
        view,
        notice: view ? '' : NO_FOLLOW_NOTICE,
      });
      return;
    }
    if (m.type === 'webviewError') {
      this.webviewErrors.push(m.message);
      if (this.webviewErrors.length > 50) this.webviewErrors.shift();
      this.log.error(`follow dashboard webview: ${m.message}`);
      return;
    }
    const view = this.host.view();
    if (!view || m.followId !== view.followId) {
      this.log.warn(`follow dashboard: ignored ${m.type} for an earlier followed folder`);
      return;
    }
    this.host.handle(m);
  }

  dispose(): void {
    if (FollowPanel.current === this) FollowPanel.current = undefined;
    for (const d of this.subs.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
