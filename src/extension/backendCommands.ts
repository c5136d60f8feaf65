// "TRM: Show Compute Backend": initialises the TF.js compute backend (native GPU, WebGPU, native CPU,
// wasm, cpu; see src/engine/backend.ts) and reports what was chosen (for WebGPU: the adapter, "GPU"
// only for a hardware one), and why the better candidates were skipped, in a notification and a
// status bar item. Other features call ensureBackend() so that the whole
// extension shares one selection, with the wasm binaries shipped in the extension's dist/ folder.
// registerBackendCommands() also registers its sibling engine-information command, "TRM: Show Model
// Info" (modelInfoCommand.ts).
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as vscode from 'vscode';
import { currentBackend, selectBackend, type BackendInfo } from '../engine/backend';
import { adapterShortName } from '../engine/backend/webgpu';
import { describeNativePath, splitBackendChoice } from '../engine/native/select';
import { affectsComputeSettings, computeSettings } from './computeSettings';
import { registerModelInfoCommand } from './modelInfoCommand';

export const SHOW_BACKEND_COMMAND = 'trmLens.showBackend';

/** What the command returns: the engine's selection plus the TF.js backend actually active afterwards. */
export interface ShownBackend extends BackendInfo {
  /** tf.getBackend() in the extension host after selection: 'wasm', 'cpu' or 'tensorflow' (native). */
  tfBackend: string;
  /** What computes inference (debugger, predictions) under the trmLens.backend setting: 'onnxruntime' or the TF.js backend. */
  inference: string;
  inferenceThreads: number;
  /** The native path in words (used, or why not). */
  inferenceLine: string;
}

/** The native inference path under the current settings, next to TF.js backend `info`. */
function inferencePath(info: BackendInfo): ReturnType<typeof describeNativePath> {
  return describeNativePath(splitBackendChoice(computeSettings().backend).native, info);
}

let wasmDir: string | undefined;
let statusItem: vscode.StatusBarItem | undefined;

/**
 * Short status bar text, e.g. "TRM: wasm ×2 (CPU)", "TRM: onnxruntime ×2 (CPU)"; for webgpu the
 * adapter, and "GPU" only for a hardware one: "TRM: webgpu · nvidia ada (GPU)",
 * "TRM: webgpu · google swiftshader (software)".
 */
export function backendStatusText(info: BackendInfo, inference = inferencePath(info)): string {
  if (inference.used) return `TRM: ${inference.name} ×${inference.threads} (CPU)`;
  if (info.adapter) return `TRM: ${info.name} · ${adapterShortName(info.adapter)} (${info.gpu ? 'GPU' : 'software'})`;
  return `TRM: ${info.name} ×${info.threads} (${info.gpu ? 'GPU' : 'CPU'})`;
}

/**
 * One short line for a notification: what runs, which faster candidates were skipped (by name) and the
 * inference path. Why (with every folder looked in) is in the status bar item's tooltip.
 */
export function backendSummary(info: BackendInfo, inference = inferencePath(info)): string {
  const names = info.fallbackReasons.map((r) => /^[\w@./-]+/.exec(r)?.[0] ?? r);
  const skipped = names.length ? ` Not used: ${names.join(', ')} (hover the status bar item for why).` : '';
  return `TRM compute backend: ${info.description}.${skipped} Inference: ${inference.line}.`;
}

/**
 * Selects the compute backend for this extension host (cheap after the first call: TF.js keeps
 * initialised backends). The wasm binaries are looked up in <extension>/dist, next to extension.js.
 */
export async function ensureBackend(): Promise<BackendInfo> {
  if (!wasmDir) throw new Error('TRM Lens: the backend commands were not registered (extension not activated)');
  const info = await selectBackend({ wasmDir });
  updateStatus(info);
  return info;
}

function updateStatus(info: BackendInfo): void {
  if (!statusItem) return;
  statusItem.text = backendStatusText(info);
  statusItem.tooltip = [
    `TF.js: ${info.description}`,
    ...info.fallbackReasons.map((r) => `skipped ${r}`),
    `inference: ${inferencePath(info).line}`,
  ].join('\n');
  statusItem.show();
}

async function showBackend(): Promise<ShownBackend | undefined> {
  let info: ShownBackend;
  try {
    const selected = await ensureBackend();
    const inference = inferencePath(selected);
    info = {
      ...selected,
      tfBackend: tf.getBackend(),
      inference: inference.name,
      inferenceThreads: inference.threads,
      inferenceLine: inference.line,
    };
  } catch (e) {
    // A notification, not a thrown error: the user gets the reason instead of "command failed".
    void vscode.window.showErrorMessage(
      `TRM: no compute backend could be started: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
  // Not awaited: the promise settles only when the notification is dismissed.
  void vscode.window.showInformationMessage(backendSummary(info));
  return info;
}

export function registerBackendCommands(context: vscode.ExtensionContext): void {
  wasmDir = path.join(context.extensionPath, 'dist');
  statusItem = vscode.window.createStatusBarItem('trmLens.backend', vscode.StatusBarAlignment.Right, 100);
  statusItem.name = 'TRM Compute Backend';
  statusItem.command = SHOW_BACKEND_COMMAND;
  context.subscriptions.push(
    statusItem,
    vscode.commands.registerCommand(SHOW_BACKEND_COMMAND, showBackend),
    // trmLens.backend changes what computes inference: the status bar follows at once.
    vscode.workspace.onDidChangeConfiguration((e) => {
      const info = currentBackend();
      if (info && affectsComputeSettings(e)) updateStatus(info);
    }),
  );
  registerModelInfoCommand(context);
}
