// Hosts the evaluation browser page: CSP'd HTML, the ready handshake (init carries the whole view, so
// a hidden-then-shown page re-hydrates), every message validated both ways. One panel at a time.
import * as vscode from 'vscode';
import {
  EVAL_PROTOCOL_VERSION,
  EVAL_VIEW_TYPE,
  NO_EVAL_NOTICE,
  validateEvalToHost,
  validateHostToEval,
  type EvalToHostMessage,
  type EvalView,
  type HostToEvalMessage,
} from '../../protocol/evalBrowser';
import { themeKindOf } from '../timeline/timelinePanel';
import { evalBrowserHtml, makeNonce } from './html';

export interface EvalPanelHost {
  view(): EvalView | null;
  handle(m: Extract<EvalToHostMessage, { type: 'open' | 'export' }>): void;
}

export interface EvalPanelState {
  open: boolean;
  ready: boolean;
  sent: Record<string, number>;
  received: Record<string, number>;
  webviewErrors: string[];
}

export class EvalPanel implements vscode.Disposable {
  private static current: EvalPanel | undefined;
  private ready = false;
  private readonly subs: { dispose(): void }[] = [];
  private readonly sent: Record<string, number> = {};
  private readonly received: Record<string, number> = {};
  private readonly webviewErrors: string[] = [];

  static show(extensionUri: vscode.Uri, host: EvalPanelHost, log: vscode.LogOutputChannel): EvalPanel {
    if (EvalPanel.current) {
      EvalPanel.current.panel.reveal(EvalPanel.current.panel.viewColumn, true);
      EvalPanel.current.push();
      return EvalPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(
      EVAL_VIEW_TYPE,
      'TRM: Evaluation Browser',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      EvalPanel.options(extensionUri),
    );
    return new EvalPanel(panel, extensionUri, host, log);
  }

  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    host: EvalPanelHost,
    log: vscode.LogOutputChannel,
  ): void {
    EvalPanel.current?.dispose();
    new EvalPanel(panel, extensionUri, host, log);
  }

  static disposeCurrent(): void {
    EvalPanel.current?.dispose();
  }

  static refresh(): void {
    EvalPanel.current?.push();
  }

  static state(): EvalPanelState {
    const p = EvalPanel.current;
    return p
      ? {
          open: true,
          ready: p.ready,
          sent: { ...p.sent },
          received: { ...p.received },
          webviewErrors: [...p.webviewErrors],
        }
      : { open: false, ready: false, sent: {}, received: {}, webviewErrors: [] };
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly host: EvalPanelHost,
    private readonly log: vscode.LogOutputChannel,
  ) {
    EvalPanel.current = this;
    const webview = panel.webview;
    webview.options = EvalPanel.options(extensionUri);
    this.subs.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
      vscode.window.onDidChangeActiveColorTheme((t) => {
        if (this.ready) this.send({ type: 'theme', theme: themeKindOf(t.kind) });
      }),
    );
    const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
    webview.html = evalBrowserHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: uri('dist', 'evalBrowser.js'),
      styleUris: [uri('media', 'dashboard.css'), uri('media', 'evalBrowser.css')],
    });
  }

  private push(): void {
    const view = this.host.view();
    if (this.ready && view) this.send({ type: 'view', view });
  }

  private send(m: HostToEvalMessage): void {
    const problem = validateHostToEval(m);
    if (problem) {
      this.log.error(`evaluation browser: not sending an invalid ${m.type} message: ${problem}`);
      return;
    }
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const problem = validateEvalToHost(raw);
    if (problem) {
      this.log.error(`evaluation browser: ignored an invalid message from the webview: ${problem}`);
      return;
    }
    const m = raw as EvalToHostMessage;
    this.received[m.type] = (this.received[m.type] ?? 0) + 1;
    if (m.type === 'ready') {
      this.ready = true;
      const view = this.host.view();
      this.send({
        type: 'init',
        protocolVersion: EVAL_PROTOCOL_VERSION,
        theme: themeKindOf(vscode.window.activeColorTheme.kind),
        view,
        notice: view ? '' : NO_EVAL_NOTICE,
      });
      return;
    }
    if (m.type === 'webviewError') {
      this.webviewErrors.push(m.message);
      if (this.webviewErrors.length > 50) this.webviewErrors.shift();
      this.log.error(`evaluation browser webview: ${m.message}`);
      return;
    }
    const view = this.host.view();
    if (!view || m.evalId !== view.evalId) {
      this.log.warn(`evaluation browser: ignored ${m.type} for an earlier evaluation`);
      return;
    }
    this.host.handle(m);
  }

  dispose(): void {
    if (EvalPanel.current === this) EvalPanel.current = undefined;
    for (const d of this.subs.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
