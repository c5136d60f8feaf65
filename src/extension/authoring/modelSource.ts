// Which model the inline predictions use: the `trmLens.model` setting (a path, absolute or relative
// to the first workspace folder), else the bundled demo model. When neither file exists the user is
// told plainly that no model is selected. "TRM: Select Model" writes the setting.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const MODEL_SETTING = 'trmLens.model';
export const DEMO_MODEL = path.join('media', 'models', 'sudoku-demo', 'model.safetensors');

export type ModelChoice =
  | { ok: true; checkpoint: string; origin: 'setting' | 'bundled demo'; identifiers?: string }
  | { ok: false; reason: string };

function resolvePath(p: string): string {
  if (path.isAbsolute(p)) return p;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return folder ? path.join(folder, p) : path.resolve(p);
}

export function chooseModel(extensionPath: string): ModelChoice {
  const cfg = vscode.workspace.getConfiguration('trmLens');
  const setting = (cfg.get<string>('model') ?? '').trim();
  const idsSetting = (cfg.get<string>('modelIdentifiers') ?? '').trim();
  const identifiers = idsSetting ? resolvePath(idsSetting) : undefined;
  if (setting) {
    const file = resolvePath(setting);
    if (!fs.existsSync(file))
      return {
        ok: false,
        reason: `the model in setting ${MODEL_SETTING} (${file}) does not exist; run "TRM: Select Model"`,
      };
    return { ok: true, checkpoint: file, origin: 'setting', identifiers };
  }
  const demo = path.join(extensionPath, DEMO_MODEL);
  if (fs.existsSync(demo)) return { ok: true, checkpoint: demo, origin: 'bundled demo', identifiers };
  return {
    ok: false,
    reason: `no model is selected: set ${MODEL_SETTING} or run "TRM: Select Model" (the bundled demo model ${DEMO_MODEL} is not in this build)`,
  };
}

/** "TRM: Select Model": pick a checkpoint file and store it in the workspace (or user) settings. */
export async function selectModel(arg?: unknown): Promise<string | undefined> {
  let file: string | undefined;
  if (typeof arg === 'string') file = arg;
  else if (arg instanceof vscode.Uri) file = arg.fsPath;
  else {
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      openLabel: 'Use this model',
      title: 'TRM: Select Model',
      filters: { 'TRM checkpoints': ['safetensors', 'pt', 'pth', 'bin', '*'] },
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  if (!fs.existsSync(file)) {
    void vscode.window.showErrorMessage(`TRM: model file ${file} does not exist`);
    return undefined;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('trmLens').update('model', file, target);
  return file;
}
