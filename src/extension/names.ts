// How files and models are named to people: a workspace-relative path ("sudoku/sample.csv", absolute
// only outside the workspace) and a model by name ("sudoku (bundled)"). Long absolute paths stay in
// tooltips and logs.
import * as vscode from 'vscode';
import { bundledModelOf } from './bundledModels';

/** A path as the user sees it in the workspace ("sudoku/sample.csv"); absolute outside it. */
export const shortPath = (file: string): string => vscode.workspace.asRelativePath(file, false);

/** "sudoku (bundled)", or the model file relative to the workspace. */
export function modelLabel(extensionPath: string, checkpoint: string): string {
  const b = bundledModelOf(extensionPath, checkpoint);
  return b ? `${b.name} (bundled)` : shortPath(checkpoint);
}
