// Short names for what a person reads while debugging (the Debug Console, the Variables view, the
// timeline header): a file relative to the launch's folder, the bundled model by its folder name,
// the puzzle as "puzzle 3 (line 4)". The full paths stay in the trace info and in tooltips; a long
// absolute path repeated on every line hides what matters.
import * as path from 'node:path';

/** `file` relative to `base` when it lies inside it (with forward slashes), else the absolute path. */
export function relativeTo(file: string, base: string | undefined): string {
  if (!base) return file;
  const rel = path.relative(base, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}

/**
 * The model as a person names it: "sudoku (bundled)" for a model shipped in the extension's
 * media/models/<name>/ folder, the workspace-relative path for one inside the workspace, else the
 * last two path components ("run-a/step_1000", "trm-sudoku/model.safetensors").
 */
export function modelName(checkpoint: string, base?: string): string {
  const parts = checkpoint.split(/[\\/]+/);
  const m = parts.lastIndexOf('models');
  if (m > 0 && parts[m - 1] === 'media' && m + 2 === parts.length - 1) return `${parts[m + 1]} (bundled)`;
  const rel = relativeTo(checkpoint, base);
  if (rel !== checkpoint) return rel;
  return parts.slice(-2).join('/');
}

/**
 * The checkpoint as the session's banner shows it once: a bundled model by its place inside the
 * extension ("media/models/sudoku/model.safetensors (inside the extension)"), any other by its full path.
 */
export function checkpointLine(checkpoint: string): string {
  const parts = checkpoint.split(/[\\/]+/);
  const m = parts.lastIndexOf('models');
  return m > 0 && parts[m - 1] === 'media' && m + 2 === parts.length - 1
    ? `${parts.slice(m - 1).join('/')} (inside the extension)`
    : checkpoint;
}

/** "puzzle 3" (1-based), with the file's own id when it says more: "puzzle 3 (line 4)", "puzzle 1 (0d3d703e/test/0)". */
export function puzzleLabel(index: number, id: string): string {
  const n = `puzzle ${index + 1}`;
  return id === String(index) || id === String(index + 1) ? n : `${n} (${id})`;
}
