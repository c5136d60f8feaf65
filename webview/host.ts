// The timeline webview's side of the protocol (src/protocol/timeline.ts), on the shared message
// channel (channel.ts): typed requests for heatmaps, step summaries and trajectories, and the
// persisted view choices.
import {
  TIMELINE_PROTOCOL_VERSION,
  isResponse,
  validateHostToWebview,
  validateWebviewToHost,
  type DivergenceMessage,
  type HeatmapMessage,
  type HostToWebviewMessage,
  type ProvenanceMessage,
  type RequestDivergenceMessage,
  type RequestSeriesMessage,
  type SeriesMessage,
  type RequestHeatmapMessage,
  type RequestStepSummaryMessage,
  type RequestTrajectoryMessage,
  type StepSummaryMessage,
  type TrajectoryMessage,
  type ViewState,
  type WebviewToHostMessage,
} from '../src/protocol/timeline';
import { WebviewChannel, type VsCodeApi } from './channel';

export type { VsCodeApi } from './channel';

type Omit2<T> = T extends unknown ? Omit<T, 'id' | 'type'> : never;

export class HostConnection {
  private readonly channel: WebviewChannel<HostToWebviewMessage, WebviewToHostMessage>;

  constructor(api: VsCodeApi, onMessage: (m: HostToWebviewMessage) => void) {
    this.channel = new WebviewChannel(
      api,
      {
        name: 'timeline',
        validateIncoming: validateHostToWebview,
        validateOutgoing: validateWebviewToHost,
        isResponse,
      },
      onMessage,
    );
  }

  post(m: WebviewToHostMessage): void {
    this.channel.post(m);
  }

  ready(): void {
    this.post({ type: 'ready', protocolVersion: TIMELINE_PROTOCOL_VERSION });
  }

  requestHeatmap(a: Omit2<RequestHeatmapMessage>): Promise<HeatmapMessage> {
    return this.channel.request<HeatmapMessage>({ type: 'requestHeatmap', ...a }, 'heatmap');
  }
  requestStepSummary(a: Omit2<RequestStepSummaryMessage>): Promise<StepSummaryMessage> {
    return this.channel.request<StepSummaryMessage>({ type: 'requestStepSummary', ...a }, 'stepSummary');
  }
  requestTrajectory(a: Omit2<RequestTrajectoryMessage>): Promise<TrajectoryMessage> {
    return this.channel.request<TrajectoryMessage>({ type: 'requestTrajectory', ...a }, 'trajectory');
  }

  requestDivergence(a: Omit2<RequestDivergenceMessage>): Promise<DivergenceMessage> {
    return this.channel.request<DivergenceMessage>({ type: 'requestDivergence', ...a }, 'divergence');
  }

  requestProvenance(): Promise<ProvenanceMessage> {
    return this.channel.request<ProvenanceMessage>({ type: 'requestProvenance' }, 'provenance');
  }

  requestSeries(a: Omit2<RequestSeriesMessage>): Promise<SeriesMessage> {
    return this.channel.request<SeriesMessage>({ type: 'requestSeries', ...a }, 'series');
  }

  /** Rejects every open request (the session changed or ended: their answers would be stale). */
  cancelAll(reason: string): void {
    this.channel.cancelAll(reason);
  }

  get openRequests(): number {
    return this.channel.openRequests;
  }

  /** Entry point for `window` message events. Invalid messages are reported, never acted on. */
  receive(data: unknown): void {
    this.channel.receive(data);
  }

  reportError(message: string): void {
    this.channel.reportError(message);
  }

  saveView(view: ViewState): void {
    this.channel.saveState({ view });
    this.post({ type: 'setView', view });
  }
  savedView(): unknown {
    const s = this.channel.savedState();
    return typeof s === 'object' && s !== null ? (s as { view?: unknown }).view : undefined;
  }
}
