// When a `trm` debug session reports that the GPU cannot run it (trm/gpuError: a batch or model
// larger than the adapter allows, a lost device), the user is offered the same session on a CPU
// backend instead of a dead session: one click restarts it with `backend` set to the fallback.
import * as vscode from 'vscode';
import { TRM_EVENT_GPU_ERROR, isTrmGpuError } from '../../debug/trmProtocol';

export const RESTART_ON_CPU = 'Restart on the CPU backend';

/** The configuration to restart with: the session's own, on `backend`. */
export function cpuConfiguration(configuration: vscode.DebugConfiguration, backend: string): vscode.DebugConfiguration {
  return { ...configuration, backend, name: `${configuration.name} (${backend})` };
}

export function registerGpuFallback(context: vscode.ExtensionContext, debugType: string): void {
  context.subscriptions.push(
    vscode.debug.onDidReceiveDebugSessionCustomEvent(async (e) => {
      if (e.session.type !== debugType || e.event !== TRM_EVENT_GPU_ERROR || !isTrmGpuError(e.body)) return;
      const { message, fallbackBackend } = e.body;
      const choice = await vscode.window.showErrorMessage(`TRM: ${message}`, RESTART_ON_CPU);
      if (choice !== RESTART_ON_CPU) return;
      await vscode.debug.stopDebugging(e.session);
      await vscode.debug.startDebugging(
        e.session.workspaceFolder,
        cpuConfiguration(e.session.configuration, fallbackBackend),
      );
    }),
  );
}
