// The webview's side of the protocol: validates every outgoing and incoming message, numbers
// requests and resolves each with its response (or rejects it with the host's error), and wraps the
// VS Code webview API (`acquireVsCodeApi`, callable once per page) for state persistence.
import {
  TIMELINE_PROTOCOL_VERSION,
  isResponse,
  validateHostToWebview,
  validateWebviewToHost,
  type HostResponse,
  type HostToWebviewMessage,
  type RequestHeatmapMessage,
  type RequestStepSummaryMessage,
  type RequestTrajectoryMessage,
  type ViewState,
  type WebviewRequest,
  type WebviewToHostMessage,
  type HeatmapMessage,
  type StepSummaryMessage,
  type TrajectoryMessage,
} from '../src/protocol/timeline';

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

type Omit2<T> = T extends unknown ? Omit<T, 'id' | 'type'> : never;
type NoId<T> = T extends unknown ? Omit<T, 'id'> : never;
interface Pending {
  resolve(m: HostResponse): void;
  reject(e: Error): void;
  expect: HostResponse['type'];
}

export class HostConnection {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly api: VsCodeApi,
    private readonly onMessage: (m: HostToWebviewMessage) => void,
  ) {}

  post(m: WebviewToHostMessage): void {
    const problem = validateWebviewToHost(m);
    if (problem) throw new Error(`refusing to send an invalid message: ${problem}`);
    this.api.postMessage(m);
  }

  ready(): void {
    this.post({ type: 'ready', protocolVersion: TIMELINE_PROTOCOL_VERSION });
  }

  requestHeatmap(a: Omit2<RequestHeatmapMessage>): Promise<HeatmapMessage> {
    return this.request({ type: 'requestHeatmap', ...a }, 'heatmap') as Promise<HeatmapMessage>;
  }
  requestStepSummary(a: Omit2<RequestStepSummaryMessage>): Promise<StepSummaryMessage> {
    return this.request({ type: 'requestStepSummary', ...a }, 'stepSummary') as Promise<StepSummaryMessage>;
  }
  requestTrajectory(a: Omit2<RequestTrajectoryMessage>): Promise<TrajectoryMessage> {
    return this.request({ type: 'requestTrajectory', ...a }, 'trajectory') as Promise<TrajectoryMessage>;
  }

  /** Rejects every open request (the session changed or ended: their answers would be stale). */
  cancelAll(reason: string): void {
    const open = [...this.pending.values()];
    this.pending.clear();
    for (const p of open) p.reject(new Error(reason));
  }

  get openRequests(): number {
    return this.pending.size;
  }

  /** Entry point for `window` message events. Invalid messages are reported, never acted on. */
  receive(data: unknown): void {
    const problem = validateHostToWebview(data);
    if (problem) {
      this.reportError(`ignored an invalid message from the extension: ${problem}`);
      return;
    }
    const m = data as HostToWebviewMessage;
    if (isResponse(m) || (m.type === 'error' && m.id !== null)) {
      const id = m.id as number;
      const p = this.pending.get(id);
      if (!p) return; // answer to a request cancelled meanwhile
      this.pending.delete(id);
      if (m.type === 'error') p.reject(new Error(m.message));
      else if (m.type !== p.expect) p.reject(new Error(`request ${id} expected a ${p.expect} response, got ${m.type}`));
      else p.resolve(m);
      return;
    }
    this.onMessage(m);
  }

  reportError(message: string): void {
    console.error(`[trm timeline] ${message}`);
    try {
      this.api.postMessage({ type: 'webviewError', message: message.slice(0, 10_000) });
    } catch {
      /* host gone */
    }
  }

  saveView(view: ViewState): void {
    this.api.setState({ view });
    this.post({ type: 'setView', view });
  }
  savedView(): unknown {
    const s = this.api.getState();
    return typeof s === 'object' && s !== null ? (s as { view?: unknown }).view : undefined;
  }

  private request(m: NoId<WebviewRequest>, expect: HostResponse['type']): Promise<HostResponse> {
    const id = this.nextId++;
    const msg = { ...m, id } as WebviewToHostMessage;
    return new Promise<HostResponse>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, expect });
      try {
        this.post(msg);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }
}
