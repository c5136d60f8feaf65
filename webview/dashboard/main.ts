// Dashboard webview entry (bundled to dist/dashboard.js, an iife loaded by the panel's HTML under a
// strict CSP). Wires the VS Code webview API and window messages to the app, then announces `ready`.
import { DashboardApp } from './view/app';

function boot(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('training dashboard: #app element missing from the page');
  const app = new DashboardApp(root, acquireVsCodeApi());
  window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
  window.addEventListener('error', (e) => app.reportError(`uncaught: ${e.message} at ${e.filename}:${e.lineno}`));
  window.addEventListener('unhandledrejection', (e) =>
    app.reportError(`unhandled rejection: ${String((e.reason as Error)?.stack ?? e.reason)}`),
  );
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
