// Whether a model can run a puzzle at all, told before anything is loaded: the Sudoku model on an
// ARC task is not an error to report after a failed launch but a choice to offer ("Select Model").
// Reads only what it needs: the task sizes in a safetensors header's embedded config, or the
// config file beside a checkpoint. No vscode import, unit-tested.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type TaskKind = 'sudoku' | 'maze' | 'arc';

export interface ModelTask {
  vocabSize: number;
  seqLen: number;
  kind?: TaskKind;
}

/** Task of a vocabulary and sequence length (the official dataset builders' vocabularies). */
export function taskKindOf(vocab: number, seqLen: number): TaskKind | undefined {
  if (vocab === 11 && seqLen === 81) return 'sudoku';
  if (vocab === 6 && Number.isInteger(Math.sqrt(seqLen))) return 'maze';
  if (vocab === 12 && seqLen === 900) return 'arc';
  return undefined;
}

export function describeTask(kind: TaskKind | undefined, seqLen: number): string {
  switch (kind) {
    case 'sudoku':
      return '9×9 Sudoku puzzles';
    case 'maze': {
      const side = Math.sqrt(seqLen);
      return `${side}×${side} mazes`;
    }
    case 'arc':
      return 'ARC tasks';
    default:
      return `puzzles of ${seqLen} cells`;
  }
}

const MAX_HEADER_BYTES = 16 * 1024 * 1024;

function fromConfig(o: unknown): ModelTask | undefined {
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  const arch = typeof r.arch === 'object' && r.arch !== null ? (r.arch as Record<string, unknown>) : {};
  const vocab = r.vocab_size ?? arch.vocab_size;
  const seq = r.seq_len ?? arch.seq_len;
  if (!Number.isInteger(vocab) || !Number.isInteger(seq)) return undefined;
  return { vocabSize: vocab as number, seqLen: seq as number, kind: taskKindOf(vocab as number, seq as number) };
}

/** The task sizes of a checkpoint, when they can be read cheaply; undefined otherwise (the launch then checks). */
export function readModelTask(checkpoint: string): ModelTask | undefined {
  try {
    if (checkpoint.toLowerCase().endsWith('.safetensors')) {
      const fd = fs.openSync(checkpoint, 'r');
      try {
        const len = Buffer.alloc(8);
        fs.readSync(fd, len, 0, 8, 0);
        const n = Number(len.readBigUInt64LE(0));
        if (n > 0 && n <= MAX_HEADER_BYTES) {
          const head = Buffer.alloc(n);
          fs.readSync(fd, head, 0, n, 8);
          const meta = (JSON.parse(head.toString('utf8')) as { __metadata__?: Record<string, string> }).__metadata__;
          const embedded = meta?.trm_config ? fromConfig(JSON.parse(meta.trm_config)) : undefined;
          if (embedded) return embedded;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    const beside = path.join(path.dirname(checkpoint), 'config.json');
    if (fs.existsSync(beside)) return fromConfig(JSON.parse(fs.readFileSync(beside, 'utf8')));
  } catch {
    return undefined;
  }
  return undefined;
}

/** Why `model` cannot run a puzzle of `kind` with `inputs`, in plain words; undefined when it fits. */
export function fitProblem(
  puzzle: { kind: string; inputs: ArrayLike<number> },
  model: ModelTask,
  modelLabel: string,
  puzzleLabel: string,
): string | undefined {
  let tooBig = false;
  for (let i = 0; i < puzzle.inputs.length; i++) if (puzzle.inputs[i] >= model.vocabSize) tooBig = true;
  if (puzzle.inputs.length === model.seqLen && !tooBig) return undefined;
  const puzzleKind = taskKindOf(puzzle.kind === 'sudoku' ? 11 : puzzle.kind === 'arc' ? 12 : 6, puzzle.inputs.length);
  return (
    `the model ${modelLabel} solves ${describeTask(model.kind, model.seqLen)}; ${puzzleLabel} is ` +
    `${puzzleKind === 'arc' ? 'an ARC task' : puzzleKind === 'maze' ? 'a maze' : puzzleKind === 'sudoku' ? 'a Sudoku' : `a puzzle of ${puzzle.inputs.length} cells`}. ` +
    `Choose a model trained for ${describeTask(puzzleKind, puzzle.inputs.length)} with "TRM: Select Model".`
  );
}
