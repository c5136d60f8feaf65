// VS Code glue of the `trm` debugger: runs the DAP session inline in the extension host and
// registers the configuration providers (F5 without launch.json, "pick a puzzle" dynamic
// configurations), and offers a CPU backend when the GPU cannot run a session (gpuFallback.ts).
// Everything lands in context.subscriptions.
import * as vscode from 'vscode';
import { TrmDebugSession } from '../../debug/session';
import { openEngine } from '../../debug/engineFacade';
import { TrmConfigurationProvider, TrmDynamicConfigurationProvider } from './configurationProvider';
import { registerGpuFallback } from './gpuFallback';

export const TRM_DEBUG_TYPE = 'trm';

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterInlineImplementation(new TrmDebugSession(openEngine));
  }
}

/** `factory` lets tests or other hosts replace the inline adapter (e.g. with a server or executable). */
export function registerDebugging(
  context: vscode.ExtensionContext,
  factory: vscode.DebugAdapterDescriptorFactory = new InlineAdapterFactory(),
): void {
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory(TRM_DEBUG_TYPE, factory),
    vscode.debug.registerDebugConfigurationProvider(
      TRM_DEBUG_TYPE,
      new TrmConfigurationProvider(context.extensionPath),
    ),
    vscode.debug.registerDebugConfigurationProvider(
      TRM_DEBUG_TYPE,
      new TrmDynamicConfigurationProvider(),
      vscode.DebugConfigurationProviderTriggerKind.Dynamic,
    ),
  );
  registerGpuFallback(context, TRM_DEBUG_TYPE);
}
