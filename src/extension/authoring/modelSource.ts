// Which model the inline predictions (and a launch that names no checkpoint) use: the `trmLens.model`
// setting (a path, absolute or relative to the first workspace folder), else the bundled default
// model. When neither file exists the user is told plainly that no model is selected. "TRM: Select
// Model" writes the setting: a pick among the bundled models, the workspace's checkpoints, or a file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BUNDLED_MODELS, DEFAULT_MODEL, bundledModelOf, bundledModelPath } from '../bundledModels';

export const MODEL_SETTING = 'trmLens.model';

export type ModelChoice =
  { ok: true; checkpoint: string; origin: 'setting' | 'bundled'; identifiers?: string } | { ok: false; reason: string };

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
        reason: `the model in setting ${MODEL_SETTING} (${vscode.workspace.asRelativePath(file, false)}) does not exist; run "TRM: Select Model"`,
      };
    return {
      ok: true,
      checkpoint: file,
      origin: bundledModelOf(extensionPath, file) ? 'bundled' : 'setting',
      identifiers,
    };
  }
  const bundled = bundledModelPath(extensionPath);
  if (bundled) return { ok: true, checkpoint: bundled, origin: 'bundled', identifiers };
  return {
    ok: false,
    reason: `no model is selected: set ${MODEL_SETTING} or run "TRM: Select Model" (this build has no bundled model ${DEFAULT_MODEL.file})`,
  };
}

const CHECKPOINT_GLOB = '**/{*.safetensors,step_*/model.safetensors}';
const EXCLUDE_GLOB = '**/{node_modules,.git,dist,out}/**';

/**
 * "TRM: Select Model": a pick among the bundled models, the workspace's checkpoints and "Browse…"
 * (or a path given as argument), stored in the workspace (or user) settings.
 */
export async function selectModel(extensionPath: string, arg?: unknown): Promise<string | undefined> {
  let file: string | undefined;
  if (typeof arg === 'string') file = arg;
  else if (arg instanceof vscode.Uri) file = arg.fsPath;
  else {
    const current = (vscode.workspace.getConfiguration('trmLens').get<string>('model') ?? '').trim();
    const items: (vscode.QuickPickItem & { file?: string })[] = [];
    for (const m of BUNDLED_MODELS) {
      const f = bundledModelPath(extensionPath, m);
      if (f) items.push({ label: `${m.name} (bundled)`, description: m.description, file: f });
    }
    const found = await vscode.workspace.findFiles(CHECKPOINT_GLOB, EXCLUDE_GLOB, 200);
    const ws = found.map((u) => u.fsPath).sort();
    if (ws.length) items.push({ label: 'in this workspace', kind: vscode.QuickPickItemKind.Separator });
    for (const f of ws) items.push({ label: vscode.workspace.asRelativePath(f, false), file: f });
    items.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
    items.push({
      label: '$(folder-opened) Browse…',
      description: 'a .safetensors file or an official step_N checkpoint',
    });
    for (const it of items) if (it.file && current && resolvePath(current) === it.file) it.picked = true;
    const pick = await vscode.window.showQuickPick(items, {
      title: 'TRM: Select Model (inline predictions and the debugger)',
      placeHolder: current
        ? `now: ${vscode.workspace.asRelativePath(resolvePath(current), false)}`
        : 'now: the bundled default model',
      matchOnDescription: true,
    });
    if (!pick) return undefined;
    if (pick.file) file = pick.file;
    else {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        openLabel: 'Use this model',
        title: 'TRM: Select Model',
        filters: { 'TRM checkpoints': ['safetensors', 'pt', 'pth', 'bin', '*'] },
      });
      file = picked?.[0]?.fsPath;
    }
  }
  if (!file) return undefined;
  if (!fs.existsSync(file)) {
    void vscode.window.showErrorMessage(`TRM: model file ${file} does not exist`);
    return undefined;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  // The bundled default is what an empty setting means: keep the settings file clean.
  const value = file === bundledModelPath(extensionPath) ? undefined : file;
  await vscode.workspace.getConfiguration('trmLens').update('model', value, target);
  return file;
}
