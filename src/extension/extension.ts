// Extension entry point: wires each feature's registration into the context. Thin by design;
// every feature lives in its own module and registers its own disposables.
import * as vscode from 'vscode';
import { registerBackendCommands } from './backendCommands';

export interface ActivationApi {
  /** Exposed for in-editor tests. */
  readonly extensionPath: string;
}

export function activate(context: vscode.ExtensionContext): ActivationApi {
  registerBackendCommands(context);
  return { extensionPath: context.extensionPath };
}

export function deactivate(): void {
  // Disposables registered in context.subscriptions are released by VS Code.
}
