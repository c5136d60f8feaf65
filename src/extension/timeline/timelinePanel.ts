// Hosts the recursion-timeline webview: builds its CSP'd HTML, runs the ready handshake, validates
// every message from the webview, and serves its pull requests from the current `trm` debug session
// (session.customRequest, number[] → typed arrays). Clicking in the timeline seeks the session, so
// the Call Stack and Variables views follow; stepping in VS Code arrives as trm/position events.
import * as vscode from 'vscode';
import {
  TRM_REQUEST_DIVERGENCE,
  TRM_REQUEST_PROVENANCE,
  TRM_REQUEST_SERIES,
  TRM_REQUEST_HEATMAP,
  TRM_REQUEST_PATCH,
  TRM_REQUEST_SEEK,
  TRM_REQUEST_STEP_SUMMARY,
  TRM_REQUEST_TRAJECTORY,
} from '../../protocol/debugger';
import {
  NO_SESSION_NOTICE,
  TIMELINE_PROTOCOL_VERSION,
  TIMELINE_VIEW_TYPE,
  isViewState,
  validateHostToWebview,
  validateWebviewToHost,
  type HostToWebviewMessage,
  type InitMessage,
  type PatchMessage,
  type Position,
  type ThemeKind,
  type TimelineAction,
  type ViewState,
  type WebviewRequest,
  type WebviewToHostMessage,
} from '../../protocol/timeline';
import {
  divergenceArgs,
  divergenceFromDap,
  heatmapArgs,
  heatmapFromDap,
  patchArgs,
  provenanceFromDap,
  seriesFromDap,
  seekArgs,
  stepSummaryArgs,
  stepSummaryFromDap,
  trajectoryArgs,
  trajectoryFromDap,
} from './dapConvert';
import { makeNonce, timelineHtml } from './html';
import { KeepTimelineVisible } from './keepVisible';
import { ReadyGate } from './readyGate';
import type { TrackerChange, TrmSessionTracker } from './sessionTracker';

export function themeKindOf(kind: vscode.ColorThemeKind): ThemeKind {
  switch (kind) {
    case vscode.ColorThemeKind.Light:
      return 'light';
    case vscode.ColorThemeKind.HighContrast:
      return 'highContrast';
    case vscode.ColorThemeKind.HighContrastLight:
      return 'highContrastLight';
    default:
      return 'dark';
  }
}

/** Counters for diagnostics (the `trmLens.timeline.state` command; in-editor tests read it). */
export interface TimelinePanelState {
  open: boolean;
  ready: boolean;
  visible: boolean;
  shownSessionId: string | null;
  position: Position | null;
  sent: Record<string, number>;
  received: Record<string, number>;
  webviewErrors: string[];
}

export class TimelinePanel implements vscode.Disposable {
  private static current: TimelinePanel | undefined;
  private readonly gate: ReadyGate<HostToWebviewMessage>;
  private readonly subs: vscode.Disposable[] = [];
  private view: ViewState | null;
  private shownSessionId: string | null = null;
  private endedNotice: string | null = null;
  private readonly sent: Record<string, number> = {};
  private readonly received: Record<string, number> = {};
  private readonly webviewErrors: string[] = [];
  /** Sparklines added on the timeline ("Add sparkline…"), per session id. */
  private readonly added = new Map<string, string[]>();

  static show(extensionUri: vscode.Uri, tracker: TrmSessionTracker, log: vscode.LogOutputChannel): TimelinePanel {
    if (TimelinePanel.current) {
      TimelinePanel.current.panel.reveal(TimelinePanel.current.panel.viewColumn, false);
      return TimelinePanel.current;
    }
    // Beside the code being debugged; in the active group when no editor is open (no empty group left behind).
    const column = vscode.window.activeTextEditor ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const groupsBefore = vscode.window.tabGroups.all.length;
    const panel = vscode.window.createWebviewPanel(
      TIMELINE_VIEW_TYPE,
      'TRM Recursion Timeline',
      { viewColumn: column, preserveFocus: false },
      TimelinePanel.options(extensionUri),
    );
    // The timeline is wide (21 or 42 columns of heatmaps, the answer, two charts): when it split a
    // single editor group in two, give it most of the width instead of a narrow half.
    if (groupsBefore <= 2 && column === vscode.ViewColumn.Beside) void TimelinePanel.widen(panel);
    return new TimelinePanel(panel, extensionUri, tracker, log, null);
  }

  /** Gives the timeline's own second group 70 % of the width, once VS Code has created that group. */
  private static async widen(panel: vscode.WebviewPanel): Promise<void> {
    // Two groups, the timeline alone in the second one (a group made for it, not one the user filled).
    const split = (): boolean => {
      const groups = vscode.window.tabGroups.all;
      return groups.length === 2 && panel.viewColumn === vscode.ViewColumn.Two && groups[1].tabs.length === 1;
    };
    if (!split()) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          sub.dispose();
          clearTimeout(timer);
          resolve();
        };
        const sub = vscode.window.tabGroups.onDidChangeTabGroups(() => {
          if (split()) done();
        });
        const timer = setTimeout(done, 2000);
      });
    }
    if (split())
      await vscode.commands.executeCommand('vscode.setEditorLayout', {
        orientation: 0,
        groups: [{ size: 0.3 }, { size: 0.7 }],
      });
  }

  /** Restores a panel after a reload (WebviewPanelSerializer); `state` is what the webview saved. */
  static revive(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    tracker: TrmSessionTracker,
    log: vscode.LogOutputChannel,
    state: unknown,
  ): TimelinePanel {
    TimelinePanel.current?.dispose();
    const saved = typeof state === 'object' && state !== null ? (state as { view?: unknown }).view : undefined;
    return new TimelinePanel(panel, extensionUri, tracker, log, isViewState(saved) ? saved : null);
  }

  static disposeCurrent(): void {
    TimelinePanel.current?.dispose();
  }

  static state(): TimelinePanelState {
    const p = TimelinePanel.current;
    if (!p)
      return {
        open: false,
        ready: false,
        visible: false,
        shownSessionId: null,
        position: null,
        sent: {},
        received: {},
        webviewErrors: [],
      };
    return {
      open: true,
      ready: p.gate.isReady,
      visible: p.panel.visible,
      shownSessionId: p.shownSessionId,
      position: p.shownSessionId ? (p.tracker.position(p.shownSessionId) ?? null) : null,
      sent: { ...p.sent },
      received: { ...p.received },
      webviewErrors: [...p.webviewErrors],
    };
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // Kept alive while another editor covers it (the grid text of a stop, a file): what it loaded stays.
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
    };
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly tracker: TrmSessionTracker,
    private readonly log: vscode.LogOutputChannel,
    view: ViewState | null,
  ) {
    TimelinePanel.current = this;
    this.view = view;
    const webview = panel.webview;
    webview.options = TimelinePanel.options(extensionUri);
    this.gate = new ReadyGate<HostToWebviewMessage>(
      (m) => this.send(m),
      () => this.makeInit(),
      new Set(['init', 'position', 'theme', 'sessionEnded']),
    );
    this.shownSessionId = tracker.current?.id ?? null;
    this.subs.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      new KeepTimelineVisible(panel, log),
      vscode.window.onDidChangeActiveColorTheme((t) => this.gate.post({ type: 'theme', theme: themeKindOf(t.kind) })),
      tracker.onDidChange((c) => this.onTracker(c)),
    );
    webview.html = timelineHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'timeline.css')).toString(),
    });
  }

  private makeInit(): InitMessage {
    const id = this.shownSessionId;
    const info = id ? (this.tracker.traceInfo(id) ?? null) : null;
    const session = id ? this.tracker.current : undefined;
    const notice =
      this.endedNotice ??
      (id && !info ? `Waiting for trace info from "${session?.name ?? 'the TRM session'}"…` : NO_SESSION_NOTICE);
    return {
      type: 'init',
      protocolVersion: TIMELINE_PROTOCOL_VERSION,
      theme: themeKindOf(vscode.window.activeColorTheme.kind),
      view: this.view,
      traceInfo: info,
      position: info && id ? (this.tracker.position(id) ?? null) : null,
      notice,
    };
  }

  private onTracker(c: TrackerChange): void {
    const current = this.tracker.current;
    if (c.kind === 'ended') {
      if (c.session.id !== this.shownSessionId) return;
      this.gate.post({
        type: 'sessionEnded',
        sessionId: c.session.id,
        notice: `The TRM debug session "${c.session.name}" ended`,
      });
      this.shownSessionId = current?.id ?? null;
      this.endedNotice = current
        ? null
        : `The TRM debug session "${c.session.name}" ended — press F5 on a dataset to start another`;
      if (current) this.reinit();
      return;
    }
    if (current && current.id !== this.shownSessionId) {
      this.shownSessionId = current.id;
      this.endedNotice = null;
      this.reinit();
      return;
    }
    if (c.session.id !== this.shownSessionId) return;
    if (c.kind === 'traceInfo') {
      this.endedNotice = null;
      this.reinit();
      return;
    }
    if (c.kind === 'cloud') {
      this.postCloud();
      return;
    }
    if (c.kind === 'watch') {
      this.postWatch();
      return;
    }
    if (c.kind === 'position') {
      const p = this.tracker.position(c.session.id);
      if (p && this.tracker.traceInfo(c.session.id))
        this.gate.post({ type: 'position', sessionId: c.session.id, position: p });
    }
  }

  private send(m: HostToWebviewMessage): void {
    // An answer that arrives after the panel was closed has nowhere to go (the webview throws).
    if (this.disposed) return;
    const problem = validateHostToWebview(m);
    if (problem) {
      this.log.error(`timeline: not sending an invalid ${m.type} message: ${problem}`);
      return;
    }
    this.sent[m.type] = (this.sent[m.type] ?? 0) + 1;
    void this.panel.webview.postMessage(m);
  }

  private onMessage(raw: unknown): void {
    const problem = validateWebviewToHost(raw);
    if (problem) {
      this.log.error(`timeline: ignored an invalid message from the webview: ${problem}`);
      return;
    }
    const m = raw as WebviewToHostMessage;
    this.received[m.type] = (this.received[m.type] ?? 0) + 1;
    switch (m.type) {
      case 'ready':
        if (m.protocolVersion !== TIMELINE_PROTOCOL_VERSION)
          this.log.warn(`timeline: webview speaks protocol ${m.protocolVersion}, host ${TIMELINE_PROTOCOL_VERSION}`);
        this.gate.onReady();
        this.postCloud();
        break;
      case 'action':
        void this.runAction(m.action, m.expression);
        break;
      case 'setView':
        this.view = m.view;
        break;
      case 'webviewError':
        this.webviewErrors.push(m.message);
        if (this.webviewErrors.length > 50) this.webviewErrors.shift();
        this.log.error(`timeline webview: ${m.message}`);
        break;
      case 'seek':
        void this.seek(m);
        break;
      case 'patch':
        void this.patch(m);
        break;
      default:
        void this.serve(m);
        break;
    }
  }

  /** Re-sends init, then what init does not carry (the session's latest cloud). */
  private reinit(): void {
    this.gate.reinit();
    this.postCloud();
  }

  private postCloud(): void {
    const id = this.shownSessionId;
    const cloud = id && this.tracker.traceInfo(id) ? this.tracker.cloud(id) : undefined;
    if (cloud) this.gate.post(cloud);
    this.postWatch();
  }

  /** The sparklines of the shown session: the Watch view's expressions, then those added here. */
  private postWatch(): void {
    const id = this.shownSessionId;
    if (!id || !this.tracker.traceInfo(id)) return;
    this.gate.post({ type: 'watch', sessionId: id, watch: this.tracker.watch(id), added: this.added.get(id) ?? [] });
  }

  /** Toolbar actions run VS Code's own commands, with their prompts (src/extension/cloud/register.ts). */
  private async runAction(action: TimelineAction, expression?: string): Promise<void> {
    const s = this.session();
    if (!s) {
      this.gate.post({ type: 'error', id: null, message: `${action}: no TRM debug session is running` });
      return;
    }
    try {
      if (action === 'forkCloud') await vscode.commands.executeCommand('trmLens.cloudFork');
      else if (action === 'addSparkline') {
        const e = await vscode.window.showInputBox({
          title: 'TRM timeline: add a sparkline (an expression evaluated after every update)',
          prompt:
            'e.g. mean(entropy(y)), conf(y)[r4c7], drift(z), correct, div(A, B) — the Watch view’s expressions are drawn too',
          placeHolder: 'mean(entropy(y))',
          validateInput: (t) => (t.trim() === '' ? 'an expression' : undefined),
        });
        if (e === undefined) return;
        const list = this.added.get(s.id) ?? [];
        if (!list.includes(e.trim())) this.added.set(s.id, [...list, e.trim()]);
        this.postWatch();
      } else if (action === 'removeSparkline' && expression !== undefined) {
        this.added.set(
          s.id,
          (this.added.get(s.id) ?? []).filter((x) => x !== expression),
        );
        this.postWatch();
      }
    } catch (e) {
      this.gate.post({ type: 'error', id: null, message: `${action}: ${(e as Error).message}` });
    }
  }

  private session(): vscode.DebugSession | undefined {
    const s = this.tracker.current;
    return s && s.id === this.shownSessionId ? s : undefined;
  }

  private async seek(m: Extract<WebviewToHostMessage, { type: 'seek' }>): Promise<void> {
    const s = this.session();
    if (!s) {
      this.gate.post({ type: 'error', id: null, message: 'cannot seek: no TRM debug session is running' });
      return;
    }
    try {
      await s.customRequest(TRM_REQUEST_SEEK, seekArgs(m));
    } catch (e) {
      this.gate.post({
        type: 'error',
        id: null,
        message: `seek to step ${m.step}, update ${m.ordinal + 1} failed: ${(e as Error).message}`,
      });
    }
  }

  /** The answer panel's patch bar: trm/patch at the current stop; the adapter's trm/patches event and stop redraw us. */
  private async patch(m: PatchMessage): Promise<void> {
    const s = this.session();
    if (!s) {
      this.gate.post({ type: 'error', id: null, message: 'cannot patch: no TRM debug session is running' });
      return;
    }
    try {
      await s.customRequest(TRM_REQUEST_PATCH, patchArgs(m));
    } catch (e) {
      this.gate.post({ type: 'error', id: null, message: `patch failed: ${(e as Error).message}` });
    }
  }

  private async serve(m: WebviewRequest): Promise<void> {
    const s = this.session();
    if (!s) {
      this.gate.post({ type: 'error', id: m.id, message: 'no TRM debug session is running' });
      return;
    }
    try {
      switch (m.type) {
        case 'requestHeatmap': {
          const r = heatmapFromDap(await s.customRequest(TRM_REQUEST_HEATMAP, heatmapArgs(m)));
          this.gate.post({ type: 'heatmap', id: m.id, ...r });
          break;
        }
        case 'requestStepSummary': {
          const summary = stepSummaryFromDap(
            await s.customRequest(TRM_REQUEST_STEP_SUMMARY, stepSummaryArgs(m)),
            m.step,
          );
          this.gate.post({ type: 'stepSummary', id: m.id, summary });
          break;
        }
        case 'requestDivergence': {
          const divergence = divergenceFromDap(
            await s.customRequest(TRM_REQUEST_DIVERGENCE, divergenceArgs(m)),
            m.step,
          );
          this.gate.post({ type: 'divergence', id: m.id, divergence });
          break;
        }
        case 'requestSeries': {
          const r = seriesFromDap(
            await s.customRequest(TRM_REQUEST_SERIES, { expression: m.expression, steps: m.steps }),
            m.expression,
          );
          this.gate.post({ type: 'series', id: m.id, ...r });
          break;
        }
        case 'requestProvenance': {
          const provenance = provenanceFromDap(await s.customRequest(TRM_REQUEST_PROVENANCE, {}));
          this.gate.post({ type: 'provenance', id: m.id, provenance });
          break;
        }
        case 'requestTrajectory': {
          const t = trajectoryFromDap(await s.customRequest(TRM_REQUEST_TRAJECTORY, trajectoryArgs(m)));
          this.gate.post({ type: 'trajectory', id: m.id, tensor: m.tensor, ...t });
          break;
        }
      }
    } catch (e) {
      const what =
        m.type === 'requestTrajectory'
          ? 'trajectory'
          : m.type === 'requestStepSummary'
            ? `step ${m.step} summary`
            : m.type === 'requestDivergence'
              ? `divergence of runs A and B in step ${m.step}`
              : m.type === 'requestProvenance'
                ? 'per-cell provenance'
                : m.type === 'requestSeries'
                  ? `sparkline '${m.expression}'`
                  : `heatmap${m.run === 'B' ? ' of run B' : ''} of step ${m.step}, update ${m.ordinal + 1}`;
      this.gate.post({ type: 'error', id: m.id, message: `${what}: ${(e as Error).message}` });
    }
  }

  private disposed = false;

  dispose(): void {
    this.disposed = true;
    if (TimelinePanel.current === this) TimelinePanel.current = undefined;
    for (const d of this.subs.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
