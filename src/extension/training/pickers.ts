// The interactive way into training: a quick pick of the model presets (src/engine/config.ts,
// smallest first, so Enter picks the one a CPU trains in minutes), a quick pick of the built datasets
// found in the workspace (or a folder dialog), and the output folder as an editable path inside the
// workspace (`runs/<preset>-<date>`); with the defaults, three Enters start a run. For resume, a run
// folder with checkpoints (its run.json supplies the preset and dataset when it remembers them). Every
// answer goes through the same checks as a command argument (request.ts). Undefined = cancelled.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../../engine/config';
import type { TrainRequest } from '../../engine/train/events';
import {
  checkBuiltDatasetFolder,
  checkOutputFolder,
  defaultRunFolder,
  findCheckpoints,
  parseTrainRequest,
  presetsBySize,
  readRunSettings,
  resolveAgainst,
} from './request';

const workspaceRoot = (): vscode.Uri | undefined => vscode.workspace.workspaceFolders?.[0]?.uri;

async function pickFolder(title: string, openLabel: string, defaultUri?: vscode.Uri): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({
    title,
    openLabel,
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    defaultUri: defaultUri ?? workspaceRoot(),
  });
  return picked?.[0]?.fsPath;
}

export async function pickPreset(current?: string): Promise<string | undefined> {
  const items = presetsBySize().map((name) => ({
    label: name,
    description: `hidden ${PRESETS[name].config.hidden_size}, T = H_cycles = ${PRESETS[name].config.H_cycles}, n = L_cycles = ${PRESETS[name].config.L_cycles}`,
    detail: PRESETS[name].description,
    picked: name === current,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: 'TRM: Train Model (1/3) — model preset',
    placeHolder: 'Choose the model to train',
    matchOnDetail: true,
  });
  return pick?.label;
}

/** Built datasets in the workspace (folders with train/dataset.json), then "Browse…". */
async function pickDataset(): Promise<string | undefined> {
  const root = workspaceRoot();
  const found = root
    ? await vscode.workspace.findFiles('**/train/dataset.json', '**/{node_modules,.git,runs}/**', 50)
    : [];
  const items: (vscode.QuickPickItem & { dir?: string })[] = [];
  for (const f of found.sort((a, b) => a.fsPath.localeCompare(b.fsPath))) {
    const dir = path.dirname(path.dirname(f.fsPath));
    let summary: string;
    try {
      summary = checkBuiltDatasetFolder(dir);
    } catch (e) {
      summary = `cannot be used: ${(e as Error).message}`;
    }
    items.push({ label: root ? path.relative(root.fsPath, dir) || '.' : dir, description: summary, dir });
  }
  const browse = { label: '$(folder-opened) Browse…', description: 'a built dataset folder anywhere (train/, test/)' };
  items.push(browse);
  const pick = await vscode.window.showQuickPick(items, {
    title: 'TRM: Train Model (2/3) — built dataset',
    placeHolder: found.length
      ? 'Choose a built dataset of this workspace, or browse for one'
      : 'No built dataset in this workspace (build one with `trm dataset build`): browse for one',
    matchOnDescription: true,
  });
  if (!pick) return undefined;
  if (pick.dir) return pick.dir;
  return pickFolder('TRM: Train Model (2/3) — built dataset folder (with train/dataset.json)', 'Use this dataset');
}

/** The output folder as an editable path, relative to the workspace (a new folder by default). */
async function pickOutput(preset: string, summary: string): Promise<string | undefined> {
  const root = workspaceRoot()?.fsPath;
  if (!root)
    return pickFolder(
      `TRM: Train Model (3/3) — output folder for checkpoints (dataset: ${summary})`,
      'Train into this folder',
    );
  const value = defaultRunFolder(preset);
  const answer = await vscode.window.showInputBox({
    title: `TRM: Train Model (3/3) — output folder for checkpoints (dataset: ${summary})`,
    prompt: 'Where the checkpoints go, relative to the workspace folder (created if missing)',
    value,
    valueSelection: [value.lastIndexOf('/') + 1, value.length],
    validateInput: (v) => {
      if (!v.trim()) return 'Give a folder for the checkpoints';
      try {
        checkOutputFolder(resolveAgainst(v.trim(), root), false);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  return answer === undefined ? undefined : resolveAgainst(answer.trim(), root);
}

/** Asks for preset, dataset and output folder; the dataset is checked before the next question. */
export async function askTrainRequest(): Promise<TrainRequest | undefined> {
  const preset = await pickPreset();
  if (!preset) return undefined;
  const data = await pickDataset();
  if (!data) return undefined;
  const summary = checkBuiltDatasetFolder(data);
  const out = await pickOutput(preset, summary);
  if (!out) return undefined;
  return parseTrainRequest({ preset, data, out });
}

/** Asks for a run folder with checkpoints; preset and dataset come from its config.json or are asked. */
export async function askResumeRequest(): Promise<TrainRequest | undefined> {
  const out = await pickFolder('TRM: Resume Training — run folder with checkpoints', 'Resume this run');
  if (!out) return undefined;
  const checkpoints = findCheckpoints(out);
  if (checkpoints.length === 0)
    throw new Error(
      `${out} holds no checkpoint (step_<N>/model.safetensors): choose the output folder of an earlier run`,
    );
  const remembered = readRunSettings(out);
  const data =
    remembered.data ??
    (await pickFolder('TRM: Resume Training — the built dataset folder this run trained on', 'Use this dataset'));
  if (!data) return undefined;
  checkBuiltDatasetFolder(data);
  const req: Record<string, unknown> = { data, out, resume: true };
  if (remembered.preset) req.preset = remembered.preset;
  return parseTrainRequest(req, undefined, true);
}
