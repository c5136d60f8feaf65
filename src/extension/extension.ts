// Extension entry point: wires each feature's registration into the context. Thin by design;
// every feature lives in its own module and registers its own disposables.
import * as vscode from 'vscode';
import { registerBackendCommands } from './backendCommands';
import { registerTimeline } from './timeline/register';
import { registerTraining } from './training/register';
import { registerDebugging } from './debug/registerDebugging';
import { registerAuthoring } from './authoring/register';
import { registerFollow } from './follow/register';
import { registerCloud } from './cloud/register';
import { registerEvalBrowser } from './evalBrowser/register';
import { registerVotes } from './votes/register';
import { registerSweep } from './sweep/register';

export interface ActivationApi {
  /** Exposed for in-editor tests. */
  readonly extensionPath: string;
}

export function activate(context: vscode.ExtensionContext): ActivationApi {
  registerBackendCommands(context);
  registerTimeline(context);
  registerTraining(context);
  registerDebugging(context);
  registerAuthoring(context);
  registerFollow(context);
  registerCloud(context);
  registerEvalBrowser(context);
  registerVotes(context);
  registerSweep(context);
  return { extensionPath: context.extensionPath };
}

export function deactivate(): void {
  // Disposables registered in context.subscriptions are released by VS Code.
}
