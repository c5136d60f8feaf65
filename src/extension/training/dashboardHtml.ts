// The training dashboard's HTML: the same strict Content-Security-Policy as the timeline (nothing from
// the network, no inline script or style; the one script and stylesheet come from the extension's dist/
// and media/ and carry a per-load crypto nonce). Pure: no `vscode` import, unit-tested.
import { contentSecurityPolicy, makeNonce } from '../timeline/html';

export { makeNonce };

export interface DashboardHtmlParts {
  cspSource: string;   // webview.cspSource
  nonce: string;
  scriptUri: string;   // asWebviewUri(dist/dashboard.js)
  styleUri: string;    // asWebviewUri(media/dashboard.css)
}

const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dashboardHtml(p: DashboardHtmlParts): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(p.nonce)) throw new Error(`dashboard HTML: the CSP nonce must be base64 of at least 16 chars, got ${JSON.stringify(p.nonce)}`);
  const nonce = escapeAttr(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(p.styleUri)}">
<title>TRM Training Dashboard</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}
