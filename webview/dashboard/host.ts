// The training dashboard's side of the protocol (src/protocol/dashboard.ts), on the shared message
// channel (../channel.ts).
import {
  DASHBOARD_PROTOCOL_VERSION,
  validateDashboardToHost,
  validateHostToDashboard,
  type DashboardToHostMessage,
  type HostToDashboardMessage,
} from '../../src/protocol/dashboard';
import { WebviewChannel, type VsCodeApi } from '../channel';

export class DashboardConnection {
  private readonly channel: WebviewChannel<HostToDashboardMessage, DashboardToHostMessage>;

  constructor(api: VsCodeApi, onMessage: (m: HostToDashboardMessage) => void) {
    this.channel = new WebviewChannel(
      api,
      { name: 'dashboard', validateIncoming: validateHostToDashboard, validateOutgoing: validateDashboardToHost },
      onMessage,
    );
  }

  post(m: DashboardToHostMessage): void {
    this.channel.post(m);
  }

  ready(): void {
    this.post({ type: 'ready', protocolVersion: DASHBOARD_PROTOCOL_VERSION });
  }

  /** Entry point for `window` message events. Invalid messages are reported, never acted on. */
  receive(data: unknown): void {
    this.channel.receive(data);
  }

  reportError(message: string): void {
    this.channel.reportError(message);
  }

  /** The page's own state (log-scale choices) survives hiding and reloads. */
  saveState(state: unknown): void {
    this.channel.saveState(state);
  }
  savedState(): unknown {
    return this.channel.savedState();
  }
}
