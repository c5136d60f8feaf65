// A cheap guess at whether a text is a puzzle file the debugger reads, from its first few kilobytes:
// it decides where the editor title shows "Debug Puzzle" (package.json: `resourcePath in
// trmLens.puzzleFiles`), so it must never parse a 4 MB file on the extension host. The launch
// itself reads the file properly and says what is wrong. No vscode import, unit-tested.
import * as path from 'node:path';

const HEAD_CHARS = 8192;

export function looksLikePuzzleFile(file: string, text: string): boolean {
  const ext = path.extname(file).toLowerCase();
  const head = text.slice(0, HEAD_CHARS);
  if (ext === '.json') {
    // An ARC task / challenges / solutions file, or a TRM puzzle list.
    return (
      /"(train|test)"\s*:\s*\[/.test(head) ||
      /"puzzles"\s*:\s*\[/.test(head) ||
      /_(challenges|solutions)\.json$/i.test(file)
    );
  }
  if (ext !== '.csv' && ext !== '.txt') return false;
  const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0) return false;
  const first = lines[0].trim();
  // source,question,answer,rating (Sudoku or maze CSV): a question column in the header.
  if (/(^|,)\s*question\s*(,|$)/i.test(first)) return lines.length > 1;
  // 81-character Sudoku lines, or tdoku's "<puzzle>:<solution>" test lines.
  return /^[.0-9]{81}(:[.0-9]{81})?(\s|$)/.test(first);
}
