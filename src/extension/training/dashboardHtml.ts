// The training dashboard's HTML: the same strict Content-Security-Policy as the timeline (nothing from
// the network, no inline script or style; the one script and stylesheet come from the extension's dist/
// and media/ and carry a per-load crypto nonce). Pure: no `vscode` import, unit-tested.
import { makeNonce, webviewPageHtml } from '../timeline/html';

export { makeNonce };

export interface DashboardHtmlParts {
  cspSource: string; // webview.cspSource
  nonce: string;
  scriptUri: string; // asWebviewUri(dist/dashboard.js)
  styleUri: string; // asWebviewUri(media/dashboard.css)
}

export function dashboardHtml(p: DashboardHtmlParts): string {
  return webviewPageHtml(p, 'TRM Training Dashboard', 'dashboard');
}
