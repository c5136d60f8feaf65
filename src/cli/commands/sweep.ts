// `trm sweep`: a patch sweep of one supervision step of one puzzle (engine/intervene/sweepStep.ts):
// every update x cell of the step patched in turn (zeroed, or copied from another checkpoint's run
// of the same puzzle), the rest of the step run, and the answer scored against the solution. Prints
// the baseline, a compact text heatmap (updates x cells, one character per cell) and per update the
// cells whose patch matters most; --out writes the whole table as JSON (src/protocol/sweep.ts),
// --csv prints it as CSV. Answers: which updates and cells carry the answer.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrmModel } from '../../engine/model/trm';
import { sweepStep, type StepSweep } from '../../engine/intervene/sweepStep';
import { createPuzzleTrace } from '../../engine/trace/tracer';
import type { PuzzleTrace } from '../../engine/trace/types';
import { loadCheckpoint } from '../../engine/checkpoint';
import { selectPuzzle } from '../../debug/engineFacade';
import type { DebugPuzzle } from '../../debug/inlinePuzzle';
import { toSweepReport, type SweepReport } from '../../protocol/sweep';
import { flag, int, parseArgs, str, usage, UsageError, type ParsedArgs } from '../args';
import { BACKEND_OPTION, CHECKPOINT_OPTIONS, configWithDtype, DTYPE_OPTION, startBackend } from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  puzzle: {
    value: true,
    required: true,
    valueName: 'file|81 chars',
    description: 'a puzzle file (dataset JSON / CSV / .npy folder the debugger reads) or an inline 81-character Sudoku',
  },
  index: { value: true, valueName: 'N', description: 'which puzzle of the file (0-based, default 0)' },
  solution: {
    value: true,
    valueName: '81 chars',
    description: 'the solution of an inline Sudoku (files carry theirs)',
  },
  step: { value: true, valueName: 'S', description: 'supervision step to sweep (default 1)' },
  kind: {
    value: true,
    valueName: 'zero|copy',
    description: 'zero the patched state, or copy it from --source-checkpoint',
  },
  'source-checkpoint': {
    value: true,
    valueName: 'step_N|file.safetensors',
    description: 'with --kind copy: the checkpoint whose run of the same puzzle supplies the patched states',
  },
  updates: { value: true, valueName: '0,6,20', description: 'only these update ordinals of the step (default all)' },
  top: { value: true, valueName: 'K', description: 'cells listed per update (default 5)' },
  out: { value: true, valueName: 'sweep.json', description: 'write the whole table as JSON (never overwrites)' },
  csv: { value: false, description: 'print the table as CSV (update,cell,accuracy,delta) instead of the heatmap' },
  backend: BACKEND_OPTION,
  dtype: DTYPE_OPTION,
  help: { value: false, description: 'show this help' },
};

/** One character per delta: lost (negative) ─ nothing ─ recovered (positive). */
const LOSS = ['-', '=', '#', '@']; // > 0, ≥ 2.5 %, ≥ 10 %, ≥ 25 % of the labelled cells lost
const GAIN = ['+', '*', '%', '&'];
export function deltaChar(d: number): string {
  if (!Number.isFinite(d) || d === 0) return '.';
  const m = Math.abs(d);
  const level = m >= 0.25 ? 3 : m >= 0.1 ? 2 : m >= 0.025 ? 1 : 0;
  return d < 0 ? LOSS[level] : GAIN[level];
}

function readPuzzle(args: ParsedArgs): DebugPuzzle {
  const p = str(args, 'puzzle')!;
  const index = int(args, 'index', 0);
  const solution = str(args, 'solution');
  const isFile = fs.existsSync(p);
  if (isFile) {
    if (solution !== undefined)
      throw new UsageError('--solution is for an inline Sudoku; a puzzle file carries its labels');
    return selectPuzzle({ dataset: path.resolve(p), index, cwd: process.cwd() });
  }
  if (index !== undefined) throw new UsageError(`--index picks a puzzle of a file; ${JSON.stringify(p)} is not a file`);
  if (!/^[0-9.]{81}$/.test(p))
    throw new UsageError(
      `--puzzle ${JSON.stringify(p.length > 60 ? p.slice(0, 60) + '…' : p)}: no such file, and not an inline Sudoku (81 characters of 1-9 and . or 0)`,
    );
  return selectPuzzle({ puzzle: p, solution });
}

function printHeatmap(sweep: StepSweep, top: number): void {
  const cols = sweep.cells.length;
  const side = sweep.gridSide;
  const width = Math.max(...sweep.rowLabels.map((l) => l.length));
  const lines: string[] = [];
  // Column header: the grid's row number above every column block (Sudoku: 9 blocks of 9 cells).
  if (side > 0 && cols === side * side) {
    const head = Array.from({ length: side }, (_, r) => `r${r + 1}`.padEnd(side + 1)).join('');
    lines.push(`${''.padEnd(width)}  ${head.trimEnd()}`);
  }
  sweep.rowLabels.forEach((label, row) => {
    let s = '';
    for (let j = 0; j < cols; j++) {
      if (side > 0 && cols === side * side && j > 0 && j % side === 0) s += ' ';
      s += deltaChar(sweep.delta[row * cols + j]);
    }
    const d = sweep.delta.subarray(row * cols, (row + 1) * cols);
    const order = Array.from(d.keys())
      .filter((j) => d[j] !== 0)
      .sort((a, b) => Math.abs(d[b]) - Math.abs(d[a]) || a - b)
      .slice(0, top);
    const most = order.map((j) => `${sweep.cellLabels[j]} ${d[j] > 0 ? '+' : ''}${(d[j] * 100).toFixed(1)}`).join(', ');
    lines.push(`${label.padEnd(width)}  ${s}  ${most || '(no cell changes the answer)'}`);
  });
  console.log(lines.join('\n'));
  console.log(
    `\nkey: . no change; lost ${LOSS.join(' ')} / recovered ${GAIN.join(' ')} = under 2.5 %, 2.5-10 %, 10-25 %, 25 % or more of the labelled cells; figures are percentage points`,
  );
}

export async function runSweep(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'sweep --checkpoint <file> --puzzle <file|81 chars> [--index N] [--step S] [--kind zero|copy --source-checkpoint <file>] [--out sweep.json] [--csv]',
        'Patch every update x cell of one supervision step in turn (zero it, or copy it from another checkpoint) and show how much of the correct answer each patch loses or recovers.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'sweep');
  if (args.positionals.length)
    throw new UsageError(`sweep: unexpected argument ${JSON.stringify(args.positionals[0])}`);
  const kind = str(args, 'kind') ?? 'zero';
  if (kind !== 'zero' && kind !== 'copy')
    throw new UsageError(`--kind must be zero or copy (got ${JSON.stringify(kind)})`);
  const sourceFile = str(args, 'source-checkpoint');
  if (kind === 'copy' && sourceFile === undefined)
    throw new UsageError('--kind copy needs --source-checkpoint <file>: the run whose states are copied in');
  if (kind === 'zero' && sourceFile !== undefined) throw new UsageError('--source-checkpoint goes with --kind copy');
  const outFile = str(args, 'out');
  if (outFile !== undefined && fs.existsSync(outFile))
    throw new UsageError(`--out ${outFile} already exists; choose another file (a sweep never overwrites one)`);
  const top = int(args, 'top', 0) ?? 5;
  const csv = flag(args, 'csv');
  const puzzle = readPuzzle(args);
  if (!puzzle.labels || !puzzle.labels.some((v) => v !== 0))
    throw new UsageError(
      `${puzzle.origin} has no solution: a sweep scores each patch against it (give --solution for an inline Sudoku)`,
    );
  const loaded = loadCheckpoint(str(args, 'checkpoint')!, {
    configPath: str(args, 'config'),
    seqLen: puzzle.inputs.length,
  });
  for (const w of loaded.warnings) console.error(`warning: ${w}`);
  const config = configWithDtype(args, loaded, csv);
  if (config.seq_len && config.seq_len !== puzzle.inputs.length)
    throw new UsageError(
      `${puzzle.origin} has ${puzzle.inputs.length} cells; the checkpoint expects seq_len ${config.seq_len}`,
    );
  for (let i = 0; i < puzzle.inputs.length; i++)
    if (puzzle.inputs[i] < 0 || puzzle.inputs[i] >= config.vocab_size)
      throw new UsageError(
        `${puzzle.origin}: token ${puzzle.inputs[i]} at position ${i} is outside the vocabulary (${config.vocab_size})`,
      );
  if (puzzle.puzzleIdentifier >= config.num_puzzle_identifiers)
    throw new UsageError(
      `${puzzle.origin}: puzzle identifier ${puzzle.puzzleIdentifier} is outside the checkpoint's ${config.num_puzzle_identifiers} puzzle embeddings`,
    );
  const step = int(args, 'step', 1) ?? 1;
  if (step > config.halt_max_steps)
    throw new UsageError(`--step ${step} exceeds halt_max_steps ${config.halt_max_steps}`);
  const U = config.H_cycles * (config.L_cycles + 1);
  const updates = str(args, 'updates')
    ?.split(',')
    .map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 0 || n >= U)
        throw new UsageError(
          `--updates: ${JSON.stringify(s)} is not an update ordinal 0..${U - 1} of this model's step`,
        );
      return n;
    });
  // The sweep calls the TF.js model update by update: TF.js on its fastest backend.
  const backend = await startBackend(args, csv);
  const model = TrmModel.fromWeights(config, loaded.weights);
  const input = { inputs: puzzle.inputs, puzzleIdentifier: puzzle.puzzleIdentifier, labels: puzzle.labels };
  const trace = createPuzzleTrace(model, input);
  let sourceModel: TrmModel | undefined;
  let source: PuzzleTrace | undefined;
  try {
    if (sourceFile !== undefined) {
      const other = loadCheckpoint(sourceFile, { seqLen: puzzle.inputs.length });
      for (const w of other.warnings) console.error(`warning (source): ${w}`);
      sourceModel = TrmModel.fromWeights(configWithDtype(args, other, true), other.weights);
      source = createPuzzleTrace(sourceModel, input);
    }
    const progress =
      csv || !process.stderr.isTTY
        ? undefined
        : (done: number, total: number) => process.stderr.write(`\rsweeping: ${done}/${total} patched runs`);
    const sweep = await sweepStep(model, trace, step, { kind, source, updates, onProgress: progress });
    if (progress) process.stderr.write('\n');
    const report: SweepReport = toSweepReport(sweep, {
      checkpoint: loaded.path,
      puzzle: puzzle.origin,
      source: source ? path.resolve(sourceFile!) : null,
      backend: backend.description,
    });
    if (outFile !== undefined) {
      fs.writeFileSync(outFile, JSON.stringify(report) + '\n', { flag: 'wx' });
      console.error(`wrote ${outFile}`);
    }
    if (csv) {
      console.log('update,label,cell,cell_label,accuracy,delta');
      sweep.updates.forEach((u, r) =>
        sweep.cells.forEach((cell, j) => {
          const k = r * sweep.cells.length + j;
          console.log(
            `${u},${sweep.rowLabels[r]},${cell},${sweep.cellLabels[j]},${sweep.accuracy[k]},${sweep.delta[k]}`,
          );
        }),
      );
      return 0;
    }
    const what = kind === 'zero' ? 'zeroing' : `copying from ${path.basename(sourceFile!)}`;
    console.log(
      `${puzzle.origin}, step ${step}: baseline accuracy ${(sweep.baseline * 100).toFixed(1)} % of ${sweep.labelled} labelled cells; ` +
        `${sweep.updates.length} updates x ${sweep.cells.length} cells = ${sweep.accuracy.length} patched runs (${what}) in ${(sweep.ms / 1000).toFixed(1)} s`,
    );
    printHeatmap(sweep, top);
    let worst = 0,
      best = 0;
    for (let k = 1; k < sweep.delta.length; k++) {
      if (sweep.delta[k] < sweep.delta[worst]) worst = k;
      if (sweep.delta[k] > sweep.delta[best]) best = k;
    }
    const at = (k: number): string =>
      `${sweep.rowLabels[Math.floor(k / sweep.cells.length)]} at ${sweep.cellLabels[k % sweep.cells.length]} (${(sweep.delta[k] * 100).toFixed(1)} points, accuracy ${(sweep.accuracy[k] * 100).toFixed(1)} %)`;
    console.log(
      `largest loss: ${sweep.delta[worst] < 0 ? at(worst) : 'none'}; largest recovery: ${sweep.delta[best] > 0 ? at(best) : 'none'}`,
    );
    return 0;
  } finally {
    trace.dispose();
    source?.dispose();
    sourceModel?.dispose();
    model.dispose();
  }
}
