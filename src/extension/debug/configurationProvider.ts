// Launch configurations of the `trm` debugger without a hand-written launch.json: F5 (or the editor
// title's "Debug Puzzle" button) on an open puzzle file, "pick a puzzle" dynamic configurations for
// the workspace's puzzle files, and the model chosen for the user (the launch's checkpoint, else
// the trmLens.model setting, else the workspace's only checkpoint, else the bundled default model).
// A puzzle the model cannot run (an ARC task with the Sudoku model) is said once, plainly, with a
// way out ("Select Model…"), before anything is loaded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readPuzzleFile, type PuzzleExample } from '../../engine/data/puzzleFile';
import { decodeSudoku } from '../../engine/tasks/sudoku';
import { DEFAULT_MODEL, bundledModelPath } from '../bundledModels';
import { modelLabel, shortPath } from '../names';
import { fitProblem, readModelTask } from '../modelFit';
import { SELECT_MODEL_COMMAND } from '../authoring/statusBar';
import { computeSettings } from '../computeSettings';

const DATASET_EXTENSIONS = ['.csv', '.json', '.txt', '.npy'];
const DATASET_GLOB = '**/*.{csv,json,txt,npy}';
const EXCLUDE_GLOB = '**/{node_modules,.vscode,.git,dist,out}/**';
const CHECKPOINT_GLOB = '**/{*.safetensors,step_*}';
const MAX_DATASET_BYTES = 50 * 1024 * 1024;
const MAX_PICK_ITEMS = 5000;
const SELECT_MODEL = 'Select Model…';

export function isDatasetFile(file: string): boolean {
  return DATASET_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

function settingModel(): string | undefined {
  const v = (vscode.workspace.getConfiguration('trmLens').get<string>('model') ?? '').trim();
  if (!v) return undefined;
  if (path.isAbsolute(v)) return v;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return folder ? path.join(folder, v) : path.resolve(v);
}

/**
 * The checkpoint of a launch that names none: the trmLens.model setting ("TRM: Select Model"), the
 * workspace's only checkpoint, a pick among several, or the bundled default model. Undefined (after
 * telling the user) when the user cancels or there is nothing to use.
 */
async function pickCheckpoint(
  extensionPath: string,
  folder: vscode.WorkspaceFolder | undefined,
): Promise<string | undefined> {
  const chosen = settingModel();
  if (chosen) {
    if (fs.existsSync(chosen)) return chosen;
    const answer = await vscode.window.showErrorMessage(
      `TRM: the model in the trmLens.model setting (${shortPath(chosen)}) does not exist.`,
      SELECT_MODEL,
    );
    if (answer === SELECT_MODEL) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
    return undefined;
  }
  const found = await vscode.workspace.findFiles(
    folder ? new vscode.RelativePattern(folder, CHECKPOINT_GLOB) : CHECKPOINT_GLOB,
    EXCLUDE_GLOB,
    50,
  );
  const candidates = found
    .map((u) => u.fsPath)
    .filter((f) => !/\.(json|ya?ml|npy|csv|txt)$/i.test(f))
    .sort();
  const bundled = bundledModelPath(extensionPath);
  if (candidates.length === 0) {
    if (bundled) return bundled;
    void vscode.window.showErrorMessage(
      `TRM: no model to debug with: the workspace has no *.safetensors or step_* file and this build has no bundled model (${DEFAULT_MODEL.file}). Run "TRM: Select Model" or add "checkpoint" to the launch configuration.`,
    );
    return undefined;
  }
  if (candidates.length === 1) return candidates[0];
  const items = candidates.map((f) => ({ label: path.basename(f), description: shortPath(f), file: f }));
  if (bundled)
    items.push({ label: `${DEFAULT_MODEL.name} (bundled)`, description: DEFAULT_MODEL.description, file: bundled });
  const pick = await vscode.window.showQuickPick(items, {
    title: 'TRM: debug with which model?',
    ignoreFocusOut: true,
  });
  return pick?.file;
}

/** The 0-based line of the cursor in `file`'s editor, if it is the active one. */
function cursorLine(file: string): number | undefined {
  const e = vscode.window.activeTextEditor;
  return e && e.document.uri.fsPath === file ? e.selection.active.line : undefined;
}

function readExamples(dataset: string): PuzzleExample[] | undefined {
  let examples: PuzzleExample[];
  try {
    examples = readPuzzleFile(dataset);
  } catch (e) {
    void vscode.window.showErrorMessage(
      `TRM: ${shortPath(dataset)} is not a puzzle file TRM can read (a Sudoku or maze CSV, 81-character lines, an ARC task or challenges JSON, a TRM puzzle list, a built dataset): ${(e as Error).message}`,
    );
    return undefined;
  }
  if (examples.length === 0) {
    void vscode.window.showErrorMessage(
      `TRM: ${shortPath(dataset)} holds no puzzles (a Sudoku CSV needs rows after its header; an ARC task needs "train"/"test" pairs).`,
    );
    return undefined;
  }
  return examples;
}

/** Asks which puzzle (1-based labels; the puzzle on the cursor's line is preselected). */
async function pickPuzzleIndex(dataset: string, examples: PuzzleExample[]): Promise<number | undefined> {
  if (examples.length === 1) return 0;
  const line = cursorLine(dataset);
  const items = examples.slice(0, MAX_PICK_ITEMS).map((e, i) => ({
    label: `${i + 1}. ${e.id}`,
    description:
      e.kind === 'sudoku' && e.inputs.length === 81 ? decodeSudoku(e.inputs) : `${e.kind}, ${e.inputs.length} cells`,
    detail: e.labels ? undefined : 'no labels (correctness unknown)',
    index: i,
  }));
  const qp = vscode.window.createQuickPick<(typeof items)[number]>();
  qp.items = items;
  qp.title = `TRM: debug which puzzle of ${path.basename(dataset)}?${examples.length > MAX_PICK_ITEMS ? ` (first ${MAX_PICK_ITEMS} of ${examples.length})` : ''}`;
  qp.matchOnDescription = true;
  qp.ignoreFocusOut = true;
  // The puzzle on the cursor's line ("line 5" ids of text files are 1-based lines).
  const here = line === undefined ? undefined : items.find((it) => examples[it.index].id === `line ${line + 1}`);
  if (here) qp.activeItems = [here];
  return new Promise((resolve) => {
    let done = false;
    qp.onDidAccept(() => {
      done = true;
      resolve(qp.selectedItems[0]?.index ?? qp.activeItems[0]?.index);
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!done) resolve(undefined);
      qp.dispose();
    });
    qp.show();
  });
}

/** The configuration F5 builds for a puzzle file (no launch.json needed). */
export function fileConfiguration(file: string): vscode.DebugConfiguration {
  return {
    type: 'trm',
    request: 'launch',
    name: `Debug a puzzle of ${path.basename(file)}`,
    dataset: file,
    pickPuzzle: true,
    stopOnEntry: true,
  };
}

export class TrmConfigurationProvider implements vscode.DebugConfigurationProvider {
  constructor(private readonly extensionPath: string) {}

  /** Initial launch.json content (only when the user asks for a launch.json). */
  provideDebugConfigurations(): vscode.DebugConfiguration[] {
    // No checkpoint: the selected model (or the bundled one) is used at launch.
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

  /** F5 without launch.json: debug a puzzle of the file open in the editor. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.ProviderResult<vscode.DebugConfiguration> {
    // F5 without launch.json (the debugger chosen for the file's language): no request, no name.
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
          'TRM: open a puzzle file (a Sudoku CSV, an ARC task JSON, a TRM puzzle list, …) and press F5 to step through the recursion on one of its puzzles.',
        );
        return undefined;
      }
      return fileConfiguration(doc.uri.fsPath);
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
    const chosenForUser = config.checkpoint === undefined;
    if (chosenForUser) {
      const checkpoint = await pickCheckpoint(this.extensionPath, folder);
      if (!checkpoint) return undefined;
      config.checkpoint = checkpoint;
    }
    const wantsPick =
      config.pickPuzzle === true &&
      typeof config.dataset === 'string' &&
      config.index === undefined &&
      config.puzzleId === undefined;
    if (wantsPick || (chosenForUser && typeof config.dataset === 'string')) {
      const dataset = path.resolve(base, config.dataset as string);
      const examples = readExamples(dataset);
      if (!examples) return undefined;
      if (wantsPick) {
        const index = await pickPuzzleIndex(dataset, examples);
        if (index === undefined) return undefined;
        config.index = index;
      }
      // A model chosen for the user that cannot run this puzzle: say so once, with the way out.
      const k =
        typeof config.puzzleId === 'string'
          ? examples.findIndex((e) => e.id === config.puzzleId)
          : typeof config.index === 'number'
            ? config.index
            : 0;
      const example = examples[k];
      const task = chosenForUser && example ? readModelTask(config.checkpoint as string) : undefined;
      const problem =
        task &&
        fitProblem(
          example,
          task,
          modelLabel(this.extensionPath, config.checkpoint as string),
          `${shortPath(dataset)} (puzzle ${k + 1})`,
        );
      if (problem) {
        const answer = await vscode.window.showWarningMessage(`TRM: ${problem}`, SELECT_MODEL);
        if (answer === SELECT_MODEL) void vscode.commands.executeCommand(SELECT_MODEL_COMMAND);
        return undefined;
      }
    }
    delete config.pickPuzzle;
    return config;
  }
}

/**
 * "Run and Debug › TRM…": the active puzzle file first (as mock-debug offers `${file}`), then one
 * configuration per puzzle file of the workspace, each asking for the puzzle.
 */
export class TrmDynamicConfigurationProvider implements vscode.DebugConfigurationProvider {
  async provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): Promise<vscode.DebugConfiguration[]> {
    const configs: vscode.DebugConfiguration[] = [];
    const active = vscode.window.activeTextEditor?.document;
    if (active && active.uri.scheme === 'file' && isDatasetFile(active.uri.fsPath)) {
      configs.push({
        ...fileConfiguration(active.uri.fsPath),
        name: `TRM: debug a puzzle of the open file`,
        dataset: '${file}',
      });
    }
    const files = await vscode.workspace.findFiles(
      folder ? new vscode.RelativePattern(folder, DATASET_GLOB) : DATASET_GLOB,
      EXCLUDE_GLOB,
      50,
    );
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
        name: `TRM: pick a puzzle from ${rel.split(path.sep).join('/')}`,
        dataset: folder ? `\${workspaceFolder}/${rel.split(path.sep).join('/')}` : file,
        pickPuzzle: true,
        stopOnEntry: true,
      });
    }
    return configs;
  }
}
