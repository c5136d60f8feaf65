// Entry of the Patch Sweep page (bundled to dist/sweepView.js, loaded under a strict CSP): wires the
// VS Code webview API and window messages to the app, then says ready.
import { SweepApp } from './sweepApp';

function boot(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('patch sweep: #app element missing from the page');
  const app = new SweepApp(root, acquireVsCodeApi());
  window.addEventListener('message', (e: MessageEvent) => app.receive(e.data));
  window.addEventListener('error', (e) => app.reportError(`uncaught: ${e.message} at ${e.filename}:${e.lineno}`));
  window.addEventListener('unhandledrejection', (e) =>
    app.reportError(`unhandled rejection: ${String((e.reason as Error)?.stack ?? e.reason)}`),
  );
  app.start();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
else boot();
