// The dashboard's side of the protocol: validates every message it receives and sends, and wraps the
// VS Code webview API (`acquireVsCodeApi`, callable once per page).
import {
  DASHBOARD_PROTOCOL_VERSION,
  validateDashboardToHost,
  validateHostToDashboard,
  type DashboardToHostMessage,
  type HostToDashboardMessage,
} from '../../src/protocol/dashboard';
import type { VsCodeApi } from '../host';

export class DashboardConnection {
  constructor(
    private readonly api: VsCodeApi,
    private readonly onMessage: (m: HostToDashboardMessage) => void,
  ) {}

  post(m: DashboardToHostMessage): void {
    const problem = validateDashboardToHost(m);
    if (problem) throw new Error(`refusing to send an invalid message: ${problem}`);
    this.api.postMessage(m);
  }

  ready(): void {
    this.post({ type: 'ready', protocolVersion: DASHBOARD_PROTOCOL_VERSION });
  }

  /** Entry point for `window` message events. Invalid messages are reported, never acted on. */
  receive(data: unknown): void {
    const problem = validateHostToDashboard(data);
    if (problem) {
      this.reportError(`ignored an invalid message from the extension: ${problem}`);
      return;
    }
    this.onMessage(data as HostToDashboardMessage);
  }

  reportError(message: string): void {
    console.error(`[trm dashboard] ${message}`);
    try {
      this.api.postMessage({ type: 'webviewError', message: message.slice(0, 10_000) });
    } catch {
      /* host gone */
    }
  }

  /** The page's own state (log-scale choices) survives hiding and reloads. */
  saveState(state: unknown): void {
    this.api.setState(state);
  }
  savedState(): unknown {
    return this.api.getState();
  }
}
