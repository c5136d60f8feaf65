// The interactive way into training: a quick pick of the model presets (src/engine/config.ts) and
// folder dialogs for the built dataset and the output folder; for resume, a run folder with
// checkpoints (its run.json supplies the preset and dataset when it remembers them). Every answer
// goes through the same checks as a command argument (request.ts). Undefined = the user cancelled.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PRESETS } from '../../engine/config';
import type { TrainRequest } from '../../engine/train/events';
import { checkBuiltDatasetFolder, findCheckpoints, parseTrainRequest, readRunSettings } from './request';

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
  const items = Object.entries(PRESETS).map(([name, p]) => ({
    label: name,
    description: `hidden ${p.config.hidden_size}, T = H_cycles = ${p.config.H_cycles}, n = L_cycles = ${p.config.L_cycles}`,
    detail: p.description,
    picked: name === current,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: 'TRM: Train Model (1/3) — model preset',
    placeHolder: 'Choose the model to train',
    matchOnDetail: true,
  });
  return pick?.label;
}

/** Asks for preset, dataset and output folder; the dataset is checked before the next question. */
export async function askTrainRequest(): Promise<TrainRequest | undefined> {
  const preset = await pickPreset();
  if (!preset) return undefined;
  const data = await pickFolder(
    'TRM: Train Model (2/3) — built dataset folder (with train/dataset.json)',
    'Use this dataset',
  );
  if (!data) return undefined;
  const summary = checkBuiltDatasetFolder(data);
  const out = await pickFolder(
    `TRM: Train Model (3/3) — output folder for checkpoints (dataset: ${summary})`,
    'Train into this folder',
    vscode.Uri.file(path.dirname(data)),
  );
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
