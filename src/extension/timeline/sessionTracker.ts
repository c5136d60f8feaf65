// Follows `trm` debug sessions for the timeline: which one is active, and the latest trace info and
// position each has announced (custom DAP events trm/traceInfo and trm/position). Registered at
// activation so nothing is missed when the panel is opened later. Bad event bodies are reported once
// each through `onError` and otherwise ignored.
import * as vscode from 'vscode';
import { TRM_EVENT_CLOUD } from '../../protocol/cloud';
import { TRM_EVENTS, TRM_EVENT_POSITION, TRM_EVENT_TRACE_INFO, TRM_EVENT_WATCH } from '../../protocol/debugger';
import type { CloudMessage, Position, TraceInfo } from '../../protocol/timeline';
import { cloudFromDap, positionFromDap, traceInfoFromDap } from './dapConvert';

export type TrackerChange =
  | { kind: 'traceInfo' | 'position' | 'active' | 'cloud' | 'watch'; session: vscode.DebugSession }
  | { kind: 'ended'; session: vscode.DebugSession };

export class TrmSessionTracker implements vscode.Disposable {
  private readonly infos = new Map<string, TraceInfo>();
  private readonly positions = new Map<string, Position>();
  private readonly clouds = new Map<string, CloudMessage>();
  private readonly watches = new Map<string, string[]>();
  private readonly live = new Map<string, vscode.DebugSession>();
  private currentId: string | undefined;
  private readonly emitter = new vscode.EventEmitter<TrackerChange>();
  readonly onDidChange = this.emitter.event;
  private readonly subs: vscode.Disposable[] = [];

  constructor(private readonly onError: (message: string) => void) {
    this.subs.push(
      this.emitter,
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.type !== 'trm') return;
        this.live.set(s.id, s);
        if (!this.currentId) this.currentId = s.id;
        this.emitter.fire({ kind: 'active', session: s });
      }),
      vscode.debug.onDidChangeActiveDebugSession((s) => {
        if (!s || s.type !== 'trm' || s.id === this.currentId) return;
        this.live.set(s.id, s);
        this.currentId = s.id;
        this.emitter.fire({ kind: 'active', session: s });
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.type !== 'trm') return;
        this.live.delete(s.id);
        this.infos.delete(s.id);
        this.positions.delete(s.id);
        this.clouds.delete(s.id);
        this.watches.delete(s.id);
        if (this.currentId === s.id) this.currentId = [...this.live.keys()].pop();
        this.emitter.fire({ kind: 'ended', session: s });
      }),
      vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => this.onCustomEvent(e)),
    );
    const active = vscode.debug.activeDebugSession;
    if (active?.type === 'trm') {
      this.live.set(active.id, active);
      this.currentId = active.id;
    }
  }

  /** The session the timeline shows: the active `trm` session, else the most recent live one. */
  get current(): vscode.DebugSession | undefined {
    return this.currentId ? this.live.get(this.currentId) : undefined;
  }
  traceInfo(id: string): TraceInfo | undefined {
    return this.infos.get(id);
  }
  position(id: string): Position | undefined {
    return this.positions.get(id);
  }
  /** The Watch view's expressions as the session's adapter last announced them (trm/watch). */
  watch(id: string): string[] {
    return this.watches.get(id) ?? [];
  }
  /** The session's latest trajectory cloud (trm/cloud event), as the timeline draws it. */
  cloud(id: string): CloudMessage | undefined {
    return this.clouds.get(id);
  }

  private onCustomEvent(e: vscode.DebugSessionCustomEvent): void {
    if (e.session.type !== 'trm') return;
    if (![TRM_EVENT_TRACE_INFO, TRM_EVENT_POSITION, TRM_EVENT_CLOUD, TRM_EVENT_WATCH].includes(e.event)) return;
    this.live.set(e.session.id, e.session);
    if (!this.currentId) this.currentId = e.session.id;
    try {
      if (e.event === TRM_EVENT_WATCH) {
        const problem = TRM_EVENTS.watch.body(e.body, 'trm/watch');
        if (problem) throw new Error(`invalid trm/watch event: ${problem}`);
        this.watches.set(e.session.id, [...(e.body as { expressions: string[] }).expressions]);
        this.emitter.fire({ kind: 'watch', session: e.session });
      } else if (e.event === TRM_EVENT_CLOUD) {
        this.clouds.set(e.session.id, cloudFromDap(e.body, e.session.id));
        this.emitter.fire({ kind: 'cloud', session: e.session });
      } else if (e.event === TRM_EVENT_TRACE_INFO) {
        this.infos.set(e.session.id, traceInfoFromDap(e.body, { id: e.session.id, name: e.session.name }));
        this.emitter.fire({ kind: 'traceInfo', session: e.session });
      } else {
        this.positions.set(e.session.id, positionFromDap(e.body));
        this.emitter.fire({ kind: 'position', session: e.session });
      }
    } catch (err) {
      this.onError(`${e.event} event of session "${e.session.name}": ${(err as Error).message}`);
    }
  }

  dispose(): void {
    for (const d of this.subs.splice(0)) d.dispose();
  }
}
