// Placeholder registration, replaced by the backend/status feature.
import * as vscode from 'vscode';
export function registerBackendCommands(context: vscode.ExtensionContext): void {
  void context;
}
