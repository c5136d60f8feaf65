// The evaluation browser's HTML: the timeline's strict CSP (nothing from the network, no inline
// script or style, a per-load crypto nonce), the dashboard stylesheet then its own. Pure.
import { contentSecurityPolicy, makeNonce } from '../timeline/html';

export { makeNonce };

const attr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function evalBrowserHtml(p: {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUris: string[];
}): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(p.nonce)) throw new Error('evaluation browser HTML: bad CSP nonce');
  const nonce = attr(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${p.styleUris.map((u) => `<link rel="stylesheet" nonce="${nonce}" href="${attr(u)}">`).join('\n')}
<title>TRM: Evaluation Browser</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}
