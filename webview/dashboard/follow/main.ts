// Entry of the "followed run" dashboard (bundled to dist/followDashboard.js, loaded by the panel's HTML
// under a strict CSP): wires the VS Code webview API and window messages to the app, then says ready.
import { FollowApp } from './followApp';

function boot(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('follow dashboard: #app element missing from the page');
  const app = new FollowApp(root, acquireVsCodeApi());
  window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
  window.addEventListener('error', (e) => app.reportError(`uncaught: ${e.message} at ${e.filename}:${e.lineno}`));
  window.addEventListener('unhandledrejection', (e) =>
    app.reportError(`unhandled rejection: ${String((e.reason as Error)?.stack ?? e.reason)}`),
  );
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
