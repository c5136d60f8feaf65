// The followed-run dashboard's HTML: the timeline's strict CSP (nothing from the network, no inline
// script or style, one script and the stylesheets from the extension's own dist/ and media/ via
// asWebviewUri, a per-load crypto nonce), with the training dashboard's stylesheet first so both
// pages look alike. Pure: no `vscode` import, unit-tested.
import { contentSecurityPolicy, makeNonce } from '../timeline/html';

export { makeNonce };

export interface FollowHtmlParts {
  cspSource: string;
  nonce: string;
  scriptUri: string; // asWebviewUri(dist/followDashboard.js)
  styleUris: string[]; // asWebviewUri(media/dashboard.css), asWebviewUri(media/follow.css)
}

const attr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function followHtml(p: FollowHtmlParts): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(p.nonce))
    throw new Error(
      `follow dashboard HTML: the CSP nonce must be base64 of at least 16 chars, got ${JSON.stringify(p.nonce)}`,
    );
  const nonce = attr(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${p.styleUris.map((u) => `<link rel="stylesheet" nonce="${nonce}" href="${attr(u)}">`).join('\n')}
<title>TRM: Followed Run</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}
