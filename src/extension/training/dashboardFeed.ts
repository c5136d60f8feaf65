// What the dashboard panel sends, and when: the ready handshake (ReadyGate: nothing is posted before
// the page says `ready`, and every `ready` is answered with an `init` carrying the whole run, so a
// reopened or reloaded panel re-hydrates from the stored history), plus batching: progress points of
// a fast run are coalesced into one message per `flushMs` instead of one postMessage per step.
// Pure: no `vscode` import; the timer is injected, unit-tested.
import {
  NO_RUN_NOTICE,
  NOT_STARTED_PREFIX,
  type HostToDashboardMessage,
  type InitMessage,
  type ProgressPoint,
} from '../../protocol/dashboard';
import { ReadyGate } from '../timeline/readyGate';

export type Schedule = (f: () => void, ms: number) => { cancel(): void };
export const timerSchedule: Schedule = (f, ms) => {
  const t = setTimeout(f, ms);
  return { cancel: () => clearTimeout(t) };
};

/** Every state message: `init` carries all of it, so none is replayed after an init. */
const SUPERSEDED_BY_INIT = new Set<HostToDashboardMessage['type']>([
  'init',
  'progress',
  'eval',
  'checkpoint',
  'status',
  'theme',
]);

export class DashboardFeed {
  private readonly gate: ReadyGate<HostToDashboardMessage>;
  private pending: { runId: number; points: ProgressPoint[] } | null = null;
  private timer: { cancel(): void } | null = null;

  constructor(
    send: (m: HostToDashboardMessage) => void,
    makeInit: () => InitMessage,
    private readonly schedule: Schedule = timerSchedule,
    private readonly flushMs = 150,
  ) {
    this.gate = new ReadyGate<HostToDashboardMessage>(send, makeInit, SUPERSEDED_BY_INIT);
  }

  get isReady(): boolean {
    return this.gate.isReady;
  }
  get pendingPoints(): number {
    return this.pending?.points.length ?? 0;
  }

  post(m: HostToDashboardMessage): void {
    if (m.type === 'progress' && this.gate.isReady) {
      if (this.pending && this.pending.runId !== m.runId) this.flush();
      if (!this.pending) this.pending = { runId: m.runId, points: [] };
      this.pending.points.push(...m.points);
      this.timer ??= this.schedule(() => {
        this.timer = null;
        this.flush();
      }, this.flushMs);
      return;
    }
    this.flush(); // keep the order: earlier progress before a later status or checkpoint
    this.gate.post(m);
  }

  /** Sends the coalesced progress points now. */
  flush(): void {
    this.timer?.cancel();
    this.timer = null;
    const p = this.pending;
    this.pending = null;
    if (p && p.points.length) this.gate.post({ type: 'progress', runId: p.runId, points: p.points });
  }

  /** The page said ready: init (the whole history, pending points included) and nothing stale after it. */
  onReady(): void {
    this.drop();
    this.gate.onReady();
  }
  /** A new run: a fresh init for a live page; before ready, the next ready does it. */
  reinit(): void {
    this.drop();
    this.gate.reinit();
  }
  /** The page went away (hidden without retained context, or disposed). */
  reset(): void {
    this.drop();
    this.gate.reset();
  }

  private drop(): void {
    this.timer?.cancel();
    this.timer = null;
    this.pending = null;
  }
}

/** The page's notice: why training did not start (an error, above the last run if any), else the empty-state hint. */
export function noticeFor(notStarted: string | undefined, hasRun: boolean): string {
  if (notStarted) return `${NOT_STARTED_PREFIX}${notStarted}`;
  return hasRun ? '' : NO_RUN_NOTICE;
}
