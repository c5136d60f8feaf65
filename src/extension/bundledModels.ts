// The models the extension ships, in one place: the default one that F5, inline predictions and the
// "no checkpoint given" cases use, and a smaller, faster second choice. Everything else (settings,
// pickers, messages) names them through this module so a model swap is a one-line change.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BundledModel {
  /** Folder name under media/models/ (also what the UI calls it: "sudoku (bundled)"). */
  name: string;
  /** Relative to the extension folder. */
  file: string;
  description: string;
}

/** The paper's recursion (T = 3 cycles of n = 6 z updates + 1 y update, 2 layers, N_sup = 16). */
export const DEFAULT_MODEL: BundledModel = {
  name: 'sudoku',
  file: path.join('media', 'models', 'sudoku', 'model.safetensors'),
  description: "the paper's recursion: T = 3 × (n = 6 + 1) updates × 2 layers = 42 layer applications per step",
};

/** Small and fast: T = 2 cycles of n = 2 updates, 1 layer, N_sup = 8. */
export const SMALL_MODEL: BundledModel = {
  name: 'sudoku-small',
  file: path.join('media', 'models', 'sudoku-small', 'model.safetensors'),
  description: 'small and fast: T = 2 × (n = 2 + 1) updates × 1 layer per step',
};

export const BUNDLED_MODELS: readonly BundledModel[] = [DEFAULT_MODEL, SMALL_MODEL];

/** Absolute path of a bundled model's weights, when this build ships it. */
export function bundledModelPath(extensionPath: string, model: BundledModel = DEFAULT_MODEL): string | undefined {
  const file = path.join(extensionPath, model.file);
  return fs.existsSync(file) ? file : undefined;
}

/** The bundled model a checkpoint path is, if it is one. */
export function bundledModelOf(extensionPath: string, checkpoint: string): BundledModel | undefined {
  return BUNDLED_MODELS.find((m) => path.resolve(extensionPath, m.file) === path.resolve(checkpoint));
}
