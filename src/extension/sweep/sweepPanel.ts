// Hosts the "Patch Sweep" page: CSP'd HTML, the ready handshake (init carries the whole report, so a
// hidden-then-shown page re-hydrates), every message validated both ways; a click on a cell seeks the
// debug session the sweep came from (trm/seek). A new sweep replaces the page's report.
import * as vscode from 'vscode';
import { TRM_REQUEST_SEEK } from '../../protocol/debugger';
import {
  SWEEP_PROTOCOL_VERSION,
  SWEEP_VIEW_TYPE,
  validateHostToSweep,
  validateSweepToHost,
  type HostToSweepMessage,
  type SweepReport,
  type SweepToHostMessage,
} from '../../protocol/sweep';
import { webviewPageHtml, makeNonce } from '../timeline/html';
import { themeKindOf } from '../timeline/timelinePanel';

export interface SweepPanelState {
  open: boolean;
  ready: boolean;
  sent: Record<string, number>;
  received: Record<string, number>;
  webviewErrors: string[];
  /** What the page last said it drew. */
  rendered: Extract<SweepToHostMessage, { type: 'rendered' }> | null;
  report: SweepReport | null;
}

export class SweepPanel implements vscode.Disposable {
  private static current: SweepPanel | undefined;
  private ready = false;
  private readonly subs: { dispose(): void }[] = [];
  private readonly sent: Record<string, number> = {};
  private readonly received: Record<string, number> = {};
  private readonly webviewErrors: string[] = [];
  private rendered: SweepPanelState['rendered'] = null;

  static show(
    extensionUri: vscode.Uri,
    report: SweepReport,
    session: vscode.DebugSession | undefined,
    log: vscode.LogOutputChannel,
  ): SweepPanel {
    const p = SweepPanel.current;
    if (p) {
      p.report = report;
      p.session = session;
      p.rendered = null;
      p.panel.reveal(p.panel.viewColumn, false);
      p.push();
      return p;
    }
    const panel = vscode.window.createWebviewPanel(
      SWEEP_VIEW_TYPE,
      'Patch Sweep',
      { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
      // Retained: a click seeks the debugger, whose step document then covers the page; coming back
      // to the tab shows the same hover, status line and scroll position.
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: SweepPanel.roots(extensionUri) },
    );
    return new SweepPanel(panel, extensionUri, report, session, log);
  }

  static state(): SweepPanelState {
    const p = SweepPanel.current;
    return p
      ? {
          open: true,
          ready: p.ready,
          sent: { ...p.sent },
          received: { ...p.received },
          webviewErrors: [...p.webviewErrors],
          rendered: p.rendered,
          report: p.report,
        }
      : { open: false, ready: false, sent: {}, received: {}, webviewErrors: [], rendered: null, report: null };
  }

  static disposeCurrent(): void {
    SweepPanel.current?.dispose();
  }

  private static roots(extensionUri: vscode.Uri): vscode.Uri[] {
    return [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private report: SweepReport,
    private session: vscode.DebugSession | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    SweepPanel.current = this;
    const webview = panel.webview;
    this.subs.push(
      webview.onDidReceiveMessage((m: unknown) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      vscode.window.onDidChangeActiveColorTheme((t) => {
        if (this.ready) this.send({ type: 'theme', theme: themeKindOf(t.kind) });
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.id === this.session?.id) this.session = undefined;
      }),
    );
    const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
    webview.html = webviewPageHtml(
      {
        cspSource: webview.cspSource,
        nonce: makeNonce(),
        scriptUri: uri('dist', 'sweepView.js'),
        styleUri: uri('media', 'sweep.css'),
      },
      'Patch Sweep',
      'patch sweep',
    );
  }

  private push(): void {
    if (!this.ready) return;
    this.send({
      type: 'init',
      protocolVersion: SWEEP_PROTOCOL_VERSION,
      theme: themeKindOf(vscode.window.activeColorTheme.kind),
      report: this.report,
      canSeek: this.session !== undefined,
    });
  }

  private send(m: HostToSweepMessage): void {
    const problem = validateHostToSweep(m);
    if (problem) {
      this.log.error(`patch sweep: not sending an invalid ${m.type} message: ${problem}`);
      return;
    }
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(raw: unknown): Promise<void> {
    const problem = validateSweepToHost(raw);
    if (problem) {
      this.log.error(`patch sweep: ignored an invalid message from the webview: ${problem}`);
      return;
    }
    const m = raw as SweepToHostMessage;
    this.received[m.type] = (this.received[m.type] ?? 0) + 1;
    if (m.type === 'ready') {
      this.ready = true;
      this.push();
    } else if (m.type === 'rendered') {
      this.rendered = m;
    } else if (m.type === 'webviewError') {
      this.webviewErrors.push(m.message);
      if (this.webviewErrors.length > 50) this.webviewErrors.shift();
      this.log.error(`patch sweep webview: ${m.message}`);
    } else if (m.type === 'seek') {
      const s = this.session;
      if (!s) {
        this.send({ type: 'seekResult', ok: false, text: 'The debug session of this sweep has ended.' });
        return;
      }
      try {
        const pos = (await s.customRequest(TRM_REQUEST_SEEK, { step: m.step, ordinal: m.ordinal })) as {
          description?: string;
        };
        this.send({
          type: 'seekResult',
          ok: true,
          text: `The debugger is at ${pos?.description ?? `step ${m.step}`}.`,
        });
      } catch (e) {
        this.send({ type: 'seekResult', ok: false, text: `Seek failed: ${(e as Error).message}` });
      }
    }
  }

  dispose(): void {
    if (SweepPanel.current === this) SweepPanel.current = undefined;
    for (const d of this.subs.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
