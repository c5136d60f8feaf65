// Launch configurations of the `trm` debugger without hand-written launch.json: F5 on an open
// dataset file, "pick a puzzle" dynamic configurations for the workspace's dataset files, and a
// checkpoint found in the workspace (or the bundled demo model) when none is given.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readPuzzleFile } from '../../engine/data/puzzleFile';
import { decodeSudoku } from '../../engine/tasks/sudoku';
import { computeSettings } from '../computeSettings';

const DATASET_EXTENSIONS = ['.csv', '.json', '.txt', '.npy'];
const DATASET_GLOB = '**/*.{csv,json,txt,npy}';
const EXCLUDE_GLOB = '**/{node_modules,.vscode,.git,dist,out}/**';
const CHECKPOINT_GLOB = '**/{*.safetensors,step_*}';
const MAX_DATASET_BYTES = 50 * 1024 * 1024;
const MAX_PICK_ITEMS = 5000;

function isDatasetFile(file: string): boolean {
  return DATASET_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** The bundled demo model, when the extension ships one. */
function bundledCheckpoint(extensionPath: string): string | undefined {
  const file = path.join(extensionPath, 'media', 'models', 'sudoku-demo', 'model.safetensors');
  return fs.existsSync(file) ? file : undefined;
}

/**
 * The checkpoint of a launch that names none: the workspace's only one, a pick among several, or
 * the bundled demo model when the workspace has none. Undefined (after telling the user) when the
 * user cancels or there is nothing to use.
 */
async function pickCheckpoint(
  extensionPath: string,
  folder: vscode.WorkspaceFolder | undefined,
): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles(
    folder ? new vscode.RelativePattern(folder, CHECKPOINT_GLOB) : CHECKPOINT_GLOB,
    EXCLUDE_GLOB,
    50,
  );
  const candidates = found
    .map((u) => u.fsPath)
    .filter((f) => !/\.(json|ya?ml|npy|csv|txt)$/i.test(f))
    .sort();
  const bundled = bundledCheckpoint(extensionPath);
  if (candidates.length === 0) {
    if (bundled) return bundled;
    void vscode.window.showErrorMessage(
      'TRM: no checkpoint to debug with: the workspace has no *.safetensors or step_* file and the bundled demo model ' +
        '(media/models/sudoku-demo/model.safetensors) is not installed. Add "checkpoint" to the launch configuration.',
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const items = candidates.map((f) => ({
    label: path.basename(f),
    description: vscode.workspace.asRelativePath(f),
    file: f,
  }));
  if (bundled) items.push({ label: path.basename(bundled), description: 'bundled demo model', file: bundled });
  const pick = await vscode.window.showQuickPick(items, { title: 'TRM: which checkpoint?', ignoreFocusOut: true });
  return pick?.file;
}

async function pickPuzzleIndex(dataset: string): Promise<number | undefined> {
  let examples;
  try {
    examples = readPuzzleFile(dataset);
  } catch (e) {
    void vscode.window.showErrorMessage(`TRM: cannot read puzzles from ${dataset}: ${(e as Error).message}`);
    return undefined;
  }
  if (examples.length === 0) {
    void vscode.window.showErrorMessage(`TRM: ${dataset} holds no puzzles`);
    return undefined;
  }
  if (examples.length === 1) return 0;
  const items = examples.slice(0, MAX_PICK_ITEMS).map((e, i) => ({
    label: `#${i}  ${e.id}`,
    description:
      e.kind === 'sudoku' && e.inputs.length === 81 ? decodeSudoku(e.inputs) : `${e.kind}, ${e.inputs.length} cells`,
    detail: e.labels ? undefined : 'no labels (correctness unknown)',
    index: i,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: `TRM: debug which puzzle of ${path.basename(dataset)}?${examples.length > MAX_PICK_ITEMS ? ` (first ${MAX_PICK_ITEMS} of ${examples.length})` : ''}`,
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  return pick?.index;
}

export class TrmConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly extensionPath: string) {}

  /** Initial launch.json content. */
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    // No checkpoint: one is found in the workspace (or the bundled demo model) at launch.
    return [
      {
        type: 'trm',
        request: 'launch',
        name: 'Debug a puzzle of the open file (TRM)',
        dataset: '${file}',
        pickPuzzle: true,
        haltPolicy: 'all',
        stopOnEntry: true,
      },
    ];
  }

  /** F5 without launch.json: debug a puzzle of the dataset file open in the editor. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    // F5 without launch.json (or the debugger picked from the list): no request, no name.
    if (!config.request && !config.name) {
      const doc = vscode.window.activeTextEditor?.document;
      // A trace bundle restores the session it saved (src/debug/bundleSession.ts).
      if (doc?.uri.scheme === 'file' && doc.uri.fsPath.endsWith('.trmbundle.json'))
        return {
          type: 'trm',
          request: 'launch',
          name: `Restore ${path.basename(doc.uri.fsPath)}`,
          bundle: doc.uri.fsPath,
        };
      if (!doc || doc.uri.scheme !== 'file' || !isDatasetFile(doc.uri.fsPath)) {
        void vscode.window.showInformationMessage(
          'TRM: open a puzzle file (a Sudoku CSV, an ARC task JSON, …) and press F5, or add a "trm" launch configuration.',
        );
        return undefined;
      }
      return {
        type: 'trm',
        request: 'launch',
        name: `Debug a puzzle of ${path.basename(doc.uri.fsPath)}`,
        dataset: doc.uri.fsPath,
        pickPuzzle: true,
        stopOnEntry: true,
      };
    }
    return config;
  }

  /** After ${…} substitution: fill the checkpoint and the puzzle index by asking, resolve relative paths. */
  async resolveDebugConfigurationWithSubstitutedVariables(
    folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | undefined> {
    if (config.type !== 'trm') return config;
    if (config.cwd === undefined && folder) config.cwd = folder.uri.fsPath;
    if (config.bundle !== undefined) return config; // the bundle names its checkpoint, puzzle and backend
    // The trmLens.backend / trmLens.dtype settings, unless the launch configuration names its own.
    const compute = computeSettings();
    if (config.backend === undefined && compute.backend !== undefined) config.backend = compute.backend;
    if (config.dtype === undefined && compute.dtype !== undefined) config.dtype = compute.dtype;
    const base = typeof config.cwd === 'string' ? config.cwd : process.cwd();
    if (config.checkpoint === undefined) {
      const checkpoint = await pickCheckpoint(this.extensionPath, folder);
      if (!checkpoint) return undefined;
      config.checkpoint = checkpoint;
    }
    if (
      config.pickPuzzle === true &&
      typeof config.dataset === 'string' &&
      config.index === undefined &&
      config.puzzleId === undefined
    ) {
      const index = await pickPuzzleIndex(path.resolve(base, config.dataset));
      if (index === undefined) return undefined;
      config.index = index;
    }
    delete config.pickPuzzle;
    return config;
  }
}

/** "Run and Debug › TRM…": one configuration per dataset file of the workspace, asking for the puzzle. */
export class TrmDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const files = await vscode.workspace.findFiles(
      folder ? new vscode.RelativePattern(folder, DATASET_GLOB) : DATASET_GLOB,
      EXCLUDE_GLOB,
      50,
    );
    const configs: vscode.DebugConfiguration[] = [];
    for (const uri of files) {
      const file = uri.fsPath;
      try {
        if (fs.statSync(file).size > MAX_DATASET_BYTES) continue;
        if (readPuzzleFile(file).length === 0) continue; // also skips JSON/CSV files that hold no puzzles
      } catch {
        continue;
      }
      const rel = folder ? path.relative(folder.uri.fsPath, file) : file;
      configs.push({
        type: 'trm',
        request: 'launch',
        name: `TRM: pick a puzzle from ${rel}`,
        dataset: folder ? `\${workspaceFolder}/${rel.split(path.sep).join('/')}` : file,
        pickPuzzle: true,
        stopOnEntry: true,
      });
    }
    return configs;
  }
}
