// VS Code glue of the `trm` debugger: runs the DAP session inline in the extension host, registers
// the configuration providers (F5 without launch.json, "pick a puzzle" dynamic configurations), the
// editor title's "Debug Puzzle" button (`trmLens.debugFile`, shown for puzzle files through the
// `trmLens.puzzleFiles` context key), and offers a CPU backend when the GPU cannot run a session
// (gpuFallback.ts). Everything lands in context.subscriptions.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TrmDebugSession } from '../../debug/session';
import { openEngine } from '../../debug/engineFacade';
import {
  TrmConfigurationProvider,
  TrmDynamicConfigurationProvider,
  fileConfiguration,
  isDatasetFile,
} from './configurationProvider';
import { shortPath } from '../names';
import { looksLikePuzzleFile } from './puzzleSniff';
import { registerGpuFallback } from './gpuFallback';

export const TRM_DEBUG_TYPE = 'trm';
export const DEBUG_FILE_COMMAND = 'trmLens.debugFile';
/** Context key: paths of open documents that look like puzzle files (menus use `resourcePath in trmLens.puzzleFiles`). */
export const PUZZLE_FILES_CONTEXT = 'trmLens.puzzleFiles';

class InlineAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(): vscode.ProviderResult<vscode.DebugAdapterDescriptor> {
    return new vscode.DebugAdapterInlineImplementation(new TrmDebugSession(openEngine));
  }
}

/** Keeps the `trmLens.puzzleFiles` context key in step with the open documents. */
class PuzzleFilesContext implements vscode.Disposable {
  private readonly known = new Map<string, boolean>();
  private readonly subs: vscode.Disposable[];
  private published = '';

  constructor() {
    this.subs = [
      vscode.workspace.onDidOpenTextDocument((d) => this.check(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.known.delete(d.uri.fsPath);
        this.publish();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.check(d)),
    ];
    for (const d of vscode.workspace.textDocuments) this.check(d, false);
    this.publish();
  }

  private check(doc: vscode.TextDocument, publish = true): void {
    if (doc.uri.scheme !== 'file' || !isDatasetFile(doc.uri.fsPath)) return;
    this.known.set(doc.uri.fsPath, looksLikePuzzleFile(doc.uri.fsPath, doc.getText(new vscode.Range(0, 0, 200, 0))));
    if (publish) this.publish();
  }

  private publish(): void {
    const files = [...this.known].filter(([, v]) => v).map(([k]) => k);
    const sig = files.join('\n');
    if (sig === this.published) return;
    this.published = sig;
    void vscode.commands.executeCommand('setContext', PUZZLE_FILES_CONTEXT, files);
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
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
    new PuzzleFilesContext(),
    // The Call Stack (step › cycle › update) and Variables (y, z, halting) are the debugger's main
    // views: show them when a session starts, as a person who just pressed F5 expects.
    vscode.debug.onDidStartDebugSession((s) => {
      if (s.type === TRM_DEBUG_TYPE && !s.parentSession) void vscode.commands.executeCommand('workbench.view.debug');
    }),
    // The editor title's "Debug Puzzle" (as mock-debug's "Debug File"): the file it was clicked on,
    // else the active editor's file.
    vscode.commands.registerCommand(DEBUG_FILE_COMMAND, async (resource?: unknown) => {
      const uri = resource instanceof vscode.Uri ? resource : vscode.window.activeTextEditor?.document.uri;
      if (!uri || uri.scheme !== 'file' || !isDatasetFile(uri.fsPath)) {
        void vscode.window.showInformationMessage(
          'TRM: open a puzzle file (a Sudoku CSV, an ARC task JSON, a TRM puzzle list, …) to debug one of its puzzles.',
        );
        return false;
      }
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc?.isDirty) await doc.save();
      return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), {
        ...fileConfiguration(uri.fsPath),
        name: `Debug ${shortPath(uri.fsPath) || path.basename(uri.fsPath)}`,
      });
    }),
  );
  registerGpuFallback(context, TRM_DEBUG_TYPE);
}
