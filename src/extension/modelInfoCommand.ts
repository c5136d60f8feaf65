// "TRM: Show Model Info": loads a checkpoint with the engine's loader (official torch step_N or
// safetensors) and shows what `trm info` prints: configuration, recursion sizes, parameter count.
// The checkpoint comes from the argument (a path or Uri, for keybindings and tests), else from a pick
// among the workspace's checkpoints, else from a file dialog. Bad files end in an error notification
// that names the problem, never in a thrown command error.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { loadCheckpoint } from '../engine/checkpoint';
import { derive, type TrmConfig } from '../engine/config';

export const MODEL_INFO_COMMAND = 'trmLens.modelInfo';

/** What the command returns (and writes to the "TRM Model Info" output channel as text). */
export interface ModelInfo {
  checkpoint: string;
  format: 'torch' | 'safetensors';
  configSource: string;
  /** Trainable parameters, counted like the official training script. */
  parameters: number;
  config: TrmConfig;
  warnings: string[];
}

const CHECKPOINT_GLOB = '**/{*.safetensors,step_[0-9]*}';

let output: vscode.OutputChannel | undefined;

/** Human-readable lines, the same facts as `trm info` (without the backend, see Show Compute Backend). */
export function modelInfoLines(info: ModelInfo): string[] {
  const c = info.config;
  const d = c.seq_len > 0 ? derive(c) : undefined;
  const variant = c.mlp_t
    ? 'MLP-T (token-mixing MLP)'
    : `attention, ${c.num_heads} heads, ${c.pos_encodings} positions`;
  return [
    `checkpoint   ${info.checkpoint} (${info.format})`,
    `config       ${info.configSource}`,
    `parameters   ${info.parameters.toLocaleString('en-US')} trainable`,
    `model        hidden_size ${c.hidden_size}, L_layers ${c.L_layers}, ${variant}, expansion ${c.expansion}`,
    `recursion    T = H_cycles ${c.H_cycles} x (n = L_cycles ${c.L_cycles} z updates + 1 y update)` +
      (d ? ` = ${d.updatesPerStep} updates per supervision step` : ''),
    `halting      N_sup = halt_max_steps ${c.halt_max_steps}`,
    `task         vocab_size ${c.vocab_size}, seq_len ${c.seq_len || '(from the inputs)'}, puzzle identifiers ${c.num_puzzle_identifiers}`,
    ...info.warnings.map((w) => `warning      ${w}`),
  ];
}

async function chooseCheckpoint(): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles(CHECKPOINT_GLOB, '**/node_modules/**', 200);
  if (found.length === 1) return found[0].fsPath;
  if (found.length > 1) {
    const pick = await vscode.window.showQuickPick(
      found.map((u) => ({
        label: path.basename(u.fsPath),
        description: vscode.workspace.asRelativePath(u),
        fsPath: u.fsPath,
      })),
      { title: 'TRM: Show Model Info', placeHolder: 'Checkpoint (official step_N or .safetensors)' },
    );
    return pick?.fsPath;
  }
  const chosen = await vscode.window.showOpenDialog({
    title: 'TRM: Show Model Info',
    canSelectMany: false,
    openLabel: 'Show Model Info',
  });
  return chosen?.[0]?.fsPath;
}

async function showModelInfo(arg?: unknown): Promise<ModelInfo | undefined> {
  let file: string | undefined;
  if (typeof arg === 'string') file = arg;
  else if (
    arg instanceof vscode.Uri ||
    (typeof arg === 'object' && arg !== null && typeof (arg as { fsPath?: unknown }).fsPath === 'string')
  ) {
    file = (arg as vscode.Uri).fsPath;
  } else if (arg !== undefined) {
    void vscode.window.showErrorMessage(`TRM: Show Model Info expects a checkpoint path or file, got ${typeof arg}`);
    return undefined;
  } else file = await chooseCheckpoint();
  if (!file) return undefined; // cancelled
  let info: ModelInfo;
  try {
    const loaded = loadCheckpoint(file);
    info = {
      checkpoint: loaded.path,
      format: loaded.format,
      configSource: loaded.configSource,
      parameters: loaded.parameterCount,
      config: loaded.config,
      warnings: loaded.warnings,
    };
    loaded.weights.clear(); // only the facts are kept
  } catch (e) {
    void vscode.window.showErrorMessage(
      `TRM: cannot read the checkpoint ${file}: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
  output ??= vscode.window.createOutputChannel('TRM Model Info');
  output.appendLine(modelInfoLines(info).join('\n'));
  output.appendLine('');
  output.show(true);
  const c = info.config;
  void vscode.window.showInformationMessage(
    `TRM model ${path.basename(file)}: ${info.parameters.toLocaleString('en-US')} parameters, ` +
      `hidden_size ${c.hidden_size}, T = ${c.H_cycles}, n = ${c.L_cycles}, N_sup = ${c.halt_max_steps} (details in the TRM Model Info output).`,
  );
  return info;
}

export function registerModelInfoCommand(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand(MODEL_INFO_COMMAND, showModelInfo), {
    dispose: () => {
      output?.dispose();
      output = undefined;
    },
  });
}
