// Hosts the training-dashboard webview: builds its CSP'd HTML, runs the ready handshake through a
// DashboardFeed (init re-hydrates from the run's stored history), validates every message from the
// page, and forwards live run updates. One panel at a time; reopening reveals it, and after a reload
// the serializer revives it with the latest run.
import * as vscode from 'vscode';
import {
  DASHBOARD_PROTOCOL_VERSION,
  DASHBOARD_VIEW_TYPE,
  validateDashboardToHost,
  validateHostToDashboard,
  type DashboardToHostMessage,
  type HostToDashboardMessage,
  type InitMessage,
  type RunInfo,
} from '../../protocol/dashboard';
import { themeKindOf } from '../timeline/timelinePanel';
import { DashboardFeed, noticeFor } from './dashboardFeed';
import { dashboardHtml, makeNonce } from './dashboardHtml';
import type { RunHistory } from './runHistory';
import { shortPath } from '../names';

/** What the panel needs from the training service. */
export interface DashboardSource {
  /** The run to show: the current one, else the most recent. */
  shownRun(): RunHistory | undefined;
  onDidUpdate: vscode.Event<{ runId: number; messages: HostToDashboardMessage[]; newRun: boolean }>;
  stop(runId: number): void;
  /** Why the latest "Train Model" did not start (shown on the page), undefined once a run starts. */
  notStarted(): string | undefined;
}

/** Counters for diagnostics (the `trmLens.training.state` command; in-editor tests read it). */
export interface DashboardPanelState {
  open: boolean;
  ready: boolean;
  visible: boolean;
  shownRunId: number | null;
  /** The run status the page was last told (by init or status), null before that. */
  pageStatus: string | null;
  /** The notice the page was last told (no run yet, or why training did not start). */
  pageNotice: string;
  sent: Record<string, number>;
  received: Record<string, number>;
  webviewErrors: string[];
}

export class DashboardPanel implements vscode.Disposable {
  private static current: DashboardPanel | undefined;
  private readonly feed: DashboardFeed;
  private readonly subs: vscode.Disposable[] = [];
  private readonly sent: Record<string, number> = {};
  private readonly received: Record<string, number> = {};
  private readonly webviewErrors: string[] = [];
  private pageStatus: string | null = null;
  private pageNotice = '';

  static show(
    extensionUri: vscode.Uri,
    source: DashboardSource,
    log: vscode.LogOutputChannel,
    preserveFocus = false,
  ): DashboardPanel {
    if (DashboardPanel.current) {
      DashboardPanel.current.panel.reveal(DashboardPanel.current.panel.viewColumn, preserveFocus);
      return DashboardPanel.current;
    }
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'TRM Training',
      { viewColumn: column, preserveFocus },
      DashboardPanel.options(extensionUri),
    );
    return new DashboardPanel(panel, extensionUri, source, log);
  }

  /** Restores a panel after a reload (WebviewPanelSerializer); it shows the latest run of this session. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    source: DashboardSource,
    log: vscode.LogOutputChannel,
  ): DashboardPanel {
    DashboardPanel.current?.dispose();
    return new DashboardPanel(panel, extensionUri, source, log);
  }

  static disposeCurrent(): void {
    DashboardPanel.current?.dispose();
  }
  static get isOpen(): boolean {
    return DashboardPanel.current !== undefined;
  }

  static state(): DashboardPanelState {
    const p = DashboardPanel.current;
    if (!p)
      return {
        open: false,
        ready: false,
        visible: false,
        shownRunId: null,
        pageStatus: null,
        pageNotice: '',
        sent: {},
        received: {},
        webviewErrors: [],
      };
    return {
      open: true,
      ready: p.feed.isReady,
      visible: p.panel.visible,
      shownRunId: p.source.shownRun()?.runId ?? null,
      pageStatus: p.pageStatus,
      pageNotice: p.pageNotice,
      sent: { ...p.sent },
      received: { ...p.received },
      webviewErrors: [...p.webviewErrors],
    };
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly source: DashboardSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    DashboardPanel.current = this;
    const webview = panel.webview;
    webview.options = DashboardPanel.options(extensionUri);
    this.feed = new DashboardFeed(
      (m) => this.send(m),
      () => this.makeInit(),
    );
    this.subs.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.feed.reset();
      }), // hidden: the page is dropped; it says ready again
      vscode.window.onDidChangeActiveColorTheme((t) => this.feed.post({ type: 'theme', theme: themeKindOf(t.kind) })),
      source.onDidUpdate((u) => {
        if (u.newRun) {
          this.feed.reinit();
          return;
        }
        if (u.runId !== this.source.shownRun()?.runId) return;
        for (const m of u.messages) this.feed.post(m);
      }),
    );
    webview.html = dashboardHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'dashboard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'dashboard.css')).toString(),
    });
  }

  private makeInit(): InitMessage {
    const run = this.source.shownRun();
    return {
      type: 'init',
      protocolVersion: DASHBOARD_PROTOCOL_VERSION,
      theme: themeKindOf(vscode.window.activeColorTheme.kind),
      run: run ? run.snapshot() : null,
      notice: noticeFor(this.source.notStarted(), !!run),
    };
  }

  private send(message: HostToDashboardMessage): void {
    const m = withPathLabels(message);
    const problem = validateHostToDashboard(m);
    if (problem) {
      this.log.error(`dashboard: not sending an invalid ${m.type} message: ${problem}`);
      return;
    }
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    if (m.type === 'init') {
      this.pageStatus = m.run?.status ?? null;
      this.pageNotice = m.notice;
    } else if (m.type === 'status') this.pageStatus = m.status;
    void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const problem = validateDashboardToHost(raw);
    if (problem) {
      this.log.error(`dashboard: ignored an invalid message from the webview: ${problem}`);
      return;
    }
    const m = raw as DashboardToHostMessage;
    this.received[m.type] = (this.received[m.type] ?? 0) + 1;
    switch (m.type) {
      case 'ready':
        if (m.protocolVersion !== DASHBOARD_PROTOCOL_VERSION)
          this.log.warn(`dashboard: webview speaks protocol ${m.protocolVersion}, host ${DASHBOARD_PROTOCOL_VERSION}`);
        this.feed.onReady();
        break;
      case 'stop':
        this.source.stop(m.runId);
        break;
      case 'reveal': {
        // Only paths this run reported as checkpoints: the page never opens arbitrary files.
        const known = this.source.shownRun()?.checkpointList.some((c) => c.path === m.path);
        if (!known) {
          this.log.warn(`dashboard: not revealing ${m.path}: not a checkpoint of the shown run`);
          break;
        }
        const uri = vscode.Uri.file(m.path);
        // The OS file manager where there is one (desktop); the Explorer otherwise (remote, browser).
        void vscode.commands
          .executeCommand(
            vscode.env.remoteName || vscode.env.uiKind === vscode.UIKind.Web ? 'revealInExplorer' : 'revealFileInOS',
            uri,
          )
          .then(undefined, (e: unknown) => this.log.warn(`dashboard: cannot reveal ${m.path}: ${String(e)}`));
        break;
      }
      case 'webviewError':
        this.webviewErrors.push(m.message);
        if (this.webviewErrors.length > 50) this.webviewErrors.shift();
        this.log.error(`dashboard webview: ${m.message}`);
        break;
    }
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.feed.reset();
    for (const d of this.subs.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** The run's folders as the page shows them: workspace-relative (absolute ones stay for the tooltip). */
function withPathLabels(m: HostToDashboardMessage): HostToDashboardMessage {
  const label = (info: RunInfo): RunInfo => ({
    ...info,
    runDirLabel: shortPath(info.runDir),
    dataDirLabel: shortPath(info.dataDir),
  });
  if (m.type === 'init' && m.run) return { ...m, run: { ...m.run, info: label(m.run.info) } };
  if (m.type === 'status') return { ...m, info: label(m.info) };
  return m;
}
