// The timeline panel's HTML: a strict Content-Security-Policy (nothing from the network, no inline
// script or style; the one script and stylesheet come from the extension's own dist/ and media/ via
// webview.cspSource and carry a per-load crypto nonce). Pure: no `vscode` import, unit-tested.
import { randomBytes } from 'node:crypto';

/** 128 random bits, base64: unguessable per page load (never Math.random). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface TimelineHtmlParts {
  cspSource: string; // webview.cspSource
  nonce: string;
  scriptUri: string; // asWebviewUri(dist/webview.js)
  styleUri: string; // asWebviewUri(media/timeline.css)
}

export function contentSecurityPolicy(p: Pick<TimelineHtmlParts, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `img-src ${p.cspSource}`,
    `style-src ${p.cspSource} 'nonce-${p.nonce}'`,
    `script-src 'nonce-${p.nonce}'`,
    `font-src ${p.cspSource}`,
  ].join('; ');
}

const escapeAttr = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The page of one of our webviews: CSP, its stylesheet, an empty #app and its script bundle. */
export function webviewPageHtml(p: TimelineHtmlParts, title: string, what: string): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(p.nonce))
    throw new Error(`${what} HTML: the CSP nonce must be base64 of at least 16 chars, got ${JSON.stringify(p.nonce)}`);
  const nonce = escapeAttr(p.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(p.styleUri)}">
<title>${escapeAttr(title)}</title>
</head>
<body>
<div id="app"></div>
<script nonce="${nonce}" src="${escapeAttr(p.scriptUri)}"></script>
</body>
</html>`;
}

export function timelineHtml(p: TimelineHtmlParts): string {
  return webviewPageHtml(p, 'TRM Recursion Timeline', 'timeline');
}
