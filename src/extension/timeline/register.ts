// Registers the recursion timeline: the `trmLens.showTimeline` command, the panel serializer (panels
// come back after a reload) and the `trm` session tracker, all owned by context.subscriptions.
import * as vscode from 'vscode';
import { TIMELINE_VIEW_TYPE } from '../../protocol/timeline';
import { TrmSessionTracker } from './sessionTracker';
import { TimelinePanel } from './timelinePanel';

export const SHOW_TIMELINE_COMMAND = 'trmLens.showTimeline';
/** Diagnostics only (not in the palette): what the panel has sent/received; in-editor tests use it. */
export const TIMELINE_STATE_COMMAND = 'trmLens.timeline.state';

export function registerTimeline(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('TRM Timeline', { log: true });
  const tracker = new TrmSessionTracker((message) => log.error(message));
  context.subscriptions.push(
    log,
    tracker,
    vscode.commands.registerCommand(SHOW_TIMELINE_COMMAND, () => {
      TimelinePanel.show(context.extensionUri, tracker, log);
    }),
    vscode.commands.registerCommand(TIMELINE_STATE_COMMAND, () => TimelinePanel.state()),
    vscode.window.registerWebviewPanelSerializer(TIMELINE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
        TimelinePanel.revive(panel, context.extensionUri, tracker, log, state);
      },
    }),
    { dispose: () => TimelinePanel.disposeCurrent() },
  );
}
