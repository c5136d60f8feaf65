// VS Code Remote (Remote-SSH, Dev Containers, Codespaces, and code-server, which the in-editor suite
// runs in) splits the window in two: the extension host runs beside the workspace (package.json
// `extensionKind: ["workspace"]`), the UI and the webviews run on the user's machine. Nothing the two
// sides exchange may be a path of one machine read on the other. These checks go through every file that
// runs in the extension host (src/extension, src/engine, src/debug, src/protocol) and in the webviews
// (webview/), and fail on each construct that only works when UI and extension host share a disk.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { followHtml } from '../../../src/extension/follow/followHtml';
import { dashboardHtml } from '../../../src/extension/training/dashboardHtml';
import { timelineHtml } from '../../../src/extension/timeline/html';

const ROOT = path.resolve(__dirname, '../../../..');

function sources(dir: string): { file: string; text: string }[] {
  return (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts'))
    .map((f) => ({ file: path.join(dir, f), text: fs.readFileSync(path.join(ROOT, dir, f), 'utf8') }));
}

/**
 * Lines matching `pattern`, without comment lines (they may name what they avoid) and without lines
 * that say why they are right on the extension host's machine (`// remote-ok: <reason>`, e.g. a driver
 * search path of the machine that computes).
 */
function offending(files: { file: string; text: string }[], pattern: RegExp): string[] {
  const out: string[] = [];
  for (const { file, text } of files)
    text.split('\n').forEach((line, i) => {
      const code = line.replace(/\/\/.*$/, '');
      if (/^\s*(\*|\/\*)/.test(line)) return;
      if (/\/\/ remote-ok: \S/.test(line)) return;
      if (pattern.test(code)) out.push(`${file}:${i + 1}: ${line.trim()}`);
    });
  return out;
}

const host = [
  ...sources('src/extension'),
  ...sources('src/engine'),
  ...sources('src/debug'),
  ...sources('src/protocol'),
];
const page = sources('webview');

test('package.json runs the extension where the workspace is', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.deepEqual(pkg.extensionKind, ['workspace']);
});

test('the extension host reads no path of the user’s own machine', () => {
  // The home folder, VS Code's install folder and absolute system paths name the machine the code runs
  // on; under Remote that is the server, so any such path meant for the user's machine is wrong there.
  assert.deepEqual(offending(host, /\bos\.homedir\(|process\.env\.(HOME|USERPROFILE|APPDATA|LOCALAPPDATA)\b/), []);
  assert.deepEqual(offending(host, /vscode\.env\.appRoot/), []);
  assert.deepEqual(offending(host, /['"`](\/Users\/|\/home\/|C:\\\\|\/work\/shared)/), []);
  // No helper processes of the UI machine (`code`, a browser, a file manager) started from the host.
  assert.deepEqual(offending(sources('src/extension'), /child_process|\bexecSync\b|\bspawn\(/), []);
});

test('files reach the user’s machine only through the VS Code API', () => {
  // Opening a host file with the OS of the UI machine only works when they share a disk.
  assert.deepEqual(offending(host, /openExternal\(\s*vscode\.Uri\.file/), []);
  const reveal = host.filter(({ text }) => text.includes("'revealFileInOS'"));
  for (const { file, text } of reveal)
    assert.match(
      text,
      /vscode\.env\.remoteName\s*\|\|\s*vscode\.env\.uiKind\s*===\s*vscode\.UIKind\.Web\s*\?\s*'revealInExplorer'\s*:\s*'revealFileInOS'/,
      `${file}: revealFileInOS only where UI and files share a machine`,
    );
  // Webviews load only the extension's own files, through asWebviewUri, never a file: URL.
  assert.deepEqual(offending(host, /['"`]file:\/\/|vscode-resource:/), []);
  for (const { file, text: source } of host) {
    const text = source.replace(/(^|[^:])\/\/.*$/gm, '$1'); // without line comments
    for (const m of text.matchAll(/localResourceRoots:\s*\[([^\]]*)\]/g))
      for (const root of m[1].split(/,(?![^(]*\))/).filter((s) => s.trim()))
        assert.match(
          root,
          /extensionUri/,
          `${file}: localResourceRoots entry ${root.trim()} is not inside the extension`,
        );
    for (const m of text.matchAll(/asWebviewUri\(([^)]*\)?)/g))
      assert.match(m[1], /extensionUri/, `${file}: asWebviewUri of something outside the extension: ${m[1]}`);
  }
});

test('webview pages get data only as messages', () => {
  // A page runs on the user's machine: it cannot read the host's files, and must not try.
  assert.deepEqual(offending(page, /\bfetch\(|XMLHttpRequest|WebSocket|importScripts|new Worker\(|file:\/\//), []);
  assert.deepEqual(offending(page, /from ['"](node:|fs|path|os)['"]/), []);
});

test('the pages load nothing but the URIs the host gives them (strict CSP, no network)', () => {
  const parts = { cspSource: 'https://ext.example', nonce: 'AAAAAAAAAAAAAAAAAAAAAA==' };
  const pages = [
    timelineHtml({
      ...parts,
      scriptUri: 'https://ext.example/dist/webview.js',
      styleUri: 'https://ext.example/media/timeline.css',
    }),
    dashboardHtml({
      ...parts,
      scriptUri: 'https://ext.example/dist/dashboard.js',
      styleUri: 'https://ext.example/media/dashboard.css',
    }),
    followHtml({
      ...parts,
      scriptUri: 'https://ext.example/dist/followDashboard.js',
      styleUris: ['https://ext.example/media/dashboard.css', 'https://ext.example/media/follow.css'],
    }),
  ];
  for (const html of pages) {
    const urls = [...html.matchAll(/(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    assert.ok(urls.length >= 2);
    for (const u of urls) assert.match(u, /^https:\/\/ext\.example\//);
    assert.match(html, /default-src 'none'/);
    assert.doesNotMatch(html, /connect-src/);
  }
});

test('the checks catch what they are for', () => {
  const probe = (text: string) => [{ file: 'probe.ts', text }];
  assert.equal(offending(probe('const h = os.homedir();'), /\bos\.homedir\(/).length, 1);
  assert.equal(offending(probe('// os.homedir() is not used'), /\bos\.homedir\(/).length, 0);
  assert.equal(
    offending(probe("const h = os.homedir(); // remote-ok: the host machine's drivers"), /\bos\.homedir\(/).length,
    0,
  );
  assert.equal(
    offending(probe('const h = os.homedir(); // remote-ok:'), /\bos\.homedir\(/).length,
    1,
    'a reason is required',
  );
  assert.equal(
    offending(probe("void vscode.env.openExternal(vscode.Uri.file('/x'));"), /openExternal\(\s*vscode\.Uri\.file/)
      .length,
    1,
  );
  assert.equal(offending(probe("const r = await fetch('file:///etc/hosts');"), /\bfetch\(|file:\/\//).length, 1);
});
