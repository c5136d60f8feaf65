// The trajectory cloud panel: shows the last cloud forked in a `trm` session (webview/cloud/) and
// turns its "Adopt" clicks into trm/cloudAdopt requests.
import * as vscode from 'vscode';
import { TRM_REQUEST_CLOUD_ADOPT, type CloudView } from '../../protocol/cloud';
import { makeNonce, webviewPageHtml } from '../timeline/html';

export class CloudPanel {
  private static current: CloudPanel | undefined;
  private ready = false;
  private pending: CloudView | undefined;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    private session: vscode.DebugSession,
  ) {
    panel.onDidDispose(() => (CloudPanel.current = undefined));
    panel.webview.onDidReceiveMessage((m: { type?: string; branch?: number }) => {
      if (m.type === 'ready') {
        this.ready = true;
        if (this.pending) void panel.webview.postMessage({ type: 'cloud', view: this.pending });
      } else if (m.type === 'adopt' && typeof m.branch === 'number' && this.pending) {
        this.session
          .customRequest(TRM_REQUEST_CLOUD_ADOPT, { forkId: this.pending.forkId, branch: m.branch })
          .then(undefined, (e: Error) => vscode.window.showErrorMessage(`TRM: ${e.message}`));
      }
    });
  }

  static show(context: vscode.ExtensionContext, session: vscode.DebugSession, view: CloudView): void {
    let p = CloudPanel.current;
    if (!p) {
      const panel = vscode.window.createWebviewPanel(
        'trmLens.cloud',
        'TRM Trajectory Cloud',
        vscode.ViewColumn.Beside,
        {
          enableScripts: true,
          localResourceRoots: [
            vscode.Uri.joinPath(context.extensionUri, 'dist'),
            vscode.Uri.joinPath(context.extensionUri, 'media'),
          ],
        },
      );
      const w = panel.webview;
      w.html = webviewPageHtml(
        {
          cspSource: w.cspSource,
          nonce: makeNonce(),
          scriptUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'cloudView.js')).toString(),
          styleUri: w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'cloud.css')).toString(),
        },
        'TRM Trajectory Cloud',
        'cloud',
      );
      p = new CloudPanel(panel, session);
      CloudPanel.current = p;
    }
    p.session = session;
    p.pending = view;
    if (p.ready) void p.panel.webview.postMessage({ type: 'cloud', view });
    p.panel.reveal(undefined, true);
  }
}
