// `trm predict`: solve one human-readable puzzle and print the answer after every supervision step,
// with the Q-head's halting signal, so a user sees where the model would stop and what it revised.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrmConfig } from '../../engine/config';
import { TrmModel } from '../../engine/model/trm';
import { ARC_CANVAS, ARC_VOCAB, decodeArcGrid, encodeArcGrid, Grid, validateGrid } from '../../engine/tasks/arc';
import { decodeMaze, encodeMaze, MAZE_VOCAB } from '../../engine/tasks/maze';
import { cellName, encodeSudoku, formatSudokuGrid, SUDOKU_SEQ_LEN, SUDOKU_VOCAB } from '../../engine/tasks/sudoku';
import { createPuzzleTrace } from '../../engine/trace/tracer';
import type { PuzzleInput, StepOutputs } from '../../engine/trace/types';
import { flag, int, parseArgs, str, usage, UsageError } from '../args';
import {
  CHECKPOINT_OPTIONS,
  DTYPE_OPTION,
  INFERENCE_BACKEND_OPTION,
  configWithDtype,
  loadCheckpointFromArgs,
  openModelInference,
  startBackend,
} from '../engineSetup';

const SPEC = {
  ...CHECKPOINT_OPTIONS,
  sudoku: {
    value: true,
    valueName: '81 chars',
    description: 'a Sudoku puzzle: 81 characters, 1-9 given, . or 0 blank',
  },
  solution: { value: true, valueName: '81 chars', description: 'the Sudoku solution, to mark wrong cells' },
  task: { value: true, valueName: 'task.json', description: 'an ARC task JSON ({train, test}); predicts a test input' },
  'test-index': { value: true, valueName: 'N', description: 'which test pair of the ARC task (default 0)' },
  maze: {
    value: true,
    valueName: 'file',
    description: 'a maze as a text file of N lines of N characters (#, space, S, G)',
  },
  'puzzle-identifier': {
    value: true,
    valueName: 'N',
    description: 'puzzle-embedding row to use (default 0, the blank puzzle)',
  },
  identifiers: {
    value: true,
    valueName: 'identifiers.json',
    description: "ARC: the built dataset's identifiers.json; the row named like the task file is used",
  },
  steps: { value: true, valueName: 'K', description: 'supervision steps (default halt_max_steps)' },
  backend: INFERENCE_BACKEND_OPTION,
  dtype: DTYPE_OPTION,
  json: { value: false, description: 'print JSON instead of grids' },
  help: { value: false, description: 'show this help' },
};

type Task = 'sudoku' | 'arc' | 'maze';

interface Prepared {
  task: Task;
  puzzle: PuzzleInput;
  render: (ids: ArrayLike<number>, wrong?: Set<number>) => string;
  describe: (ids: ArrayLike<number>) => unknown;
}

function prepare(args: ReturnType<typeof parseArgs>): Prepared {
  const given = (['sudoku', 'task', 'maze'] as const).filter((k) => str(args, k) !== undefined);
  if (given.length !== 1)
    throw new UsageError('give exactly one puzzle: --sudoku <81 chars>, --task <arc.json> or --maze <file>');
  const puzzleIdentifier = int(args, 'puzzle-identifier', 0) ?? 0;
  if (given[0] === 'sudoku') {
    const inputs = encodeSudoku(str(args, 'sudoku')!);
    const sol = str(args, 'solution');
    const labels = sol ? encodeSudoku(sol) : undefined;
    if (labels && labels.some((v) => v === 1)) throw new UsageError('--solution must fill all 81 cells');
    return {
      task: 'sudoku',
      puzzle: { inputs, puzzleIdentifier, labels },
      render: (ids, wrong) => formatSudokuGrid(ids, wrong ? (i) => (wrong.has(i) ? '*' : '') : undefined),
      describe: (ids) => Array.from(ids, (v) => (v >= 2 && v <= 10 ? String(v - 1) : '.')).join(''),
    };
  }
  if (given[0] === 'task') {
    const file = str(args, 'task')!;
    let json: unknown;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`cannot read ARC task ${file}: ${(e as Error).message}`, { cause: e });
    }
    const test = (json as { test?: unknown }).test;
    if (!Array.isArray(test) || test.length === 0)
      throw new Error(`${file}: an ARC task needs a non-empty "test" list`);
    const k = int(args, 'test-index', 0) ?? 0;
    if (k >= test.length) throw new UsageError(`--test-index ${k}: ${file} has ${test.length} test pair(s)`);
    const pair = test[k] as { input?: unknown; output?: unknown };
    const input = validateGrid(pair.input, `${file} test[${k}].input`);
    const output = pair.output !== undefined ? validateGrid(pair.output, `${file} test[${k}].output`) : undefined;
    const gridText = (g: Grid) => g.map((row) => row.join('')).join('\n');
    const idsFile = str(args, 'identifiers');
    let row = puzzleIdentifier;
    if (idsFile) {
      if (str(args, 'puzzle-identifier') !== undefined)
        throw new UsageError('give --identifiers or --puzzle-identifier, not both');
      let names: unknown;
      try {
        names = JSON.parse(fs.readFileSync(idsFile, 'utf8'));
      } catch (e) {
        throw new Error(`cannot read ${idsFile}: ${(e as Error).message}`, { cause: e });
      }
      if (!Array.isArray(names))
        throw new Error(`${idsFile}: expected a JSON list of puzzle names (identifiers.json of a built dataset)`);
      const name = path.basename(file).replace(/\.json$/i, '');
      row = names.indexOf(name);
      if (row < 0) {
        console.error(
          `warning: task ${name} is not in ${idsFile} (an unseen puzzle); using row 0, the blank embedding`,
        );
        row = 0;
      } else {
        console.error(`puzzle embedding: row ${row} ("${name}" in ${idsFile})`);
      }
    }
    return {
      task: 'arc',
      puzzle: {
        inputs: encodeArcGrid(input),
        puzzleIdentifier: row,
        labels: output ? encodeArcGrid(output) : undefined,
      },
      render: (ids) => {
        const g = decodeArcGrid(ids);
        return g.length ? gridText(g) : '(no grid: the prediction starts with a non-colour cell)';
      },
      describe: (ids) => decodeArcGrid(ids),
    };
  }
  const file = str(args, 'maze')!;
  const lines = fs
    .readFileSync(file, 'utf8')
    .replace(/\r/g, '')
    .split('\n')
    .filter((l, i, a) => !(i === a.length - 1 && l === ''));
  const side = lines.length;
  lines.forEach((l, i) => {
    if (l.length !== side)
      throw new Error(`${file}:${i + 1}: a maze of ${side} lines needs ${side} characters per line, got ${l.length}`);
  });
  const inputs = encodeMaze(lines.join(''));
  return {
    task: 'maze',
    puzzle: { inputs, puzzleIdentifier },
    render: (ids) => {
      const s = decodeMaze(ids);
      const out: string[] = [];
      for (let r = 0; r < side; r++) out.push(s.slice(r * side, (r + 1) * side));
      return out.join('\n');
    },
    describe: (ids) => decodeMaze(ids),
  };
}

function checkTask(task: Task, c: TrmConfig, seqLen: number): void {
  const expected: Record<Task, [number, number]> = {
    sudoku: [SUDOKU_SEQ_LEN, SUDOKU_VOCAB],
    arc: [ARC_CANVAS * ARC_CANVAS, ARC_VOCAB],
    maze: [seqLen, MAZE_VOCAB],
  };
  const [S, V] = expected[task];
  if (c.vocab_size !== V || (c.seq_len && c.seq_len !== S)) {
    throw new Error(
      `this checkpoint (vocab_size ${c.vocab_size}, seq_len ${c.seq_len || '?'}) is not a ${task} model (vocab_size ${V}, seq_len ${S})`,
    );
  }
}

export async function runPredict(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'predict --checkpoint <file> (--sudoku <81 chars> | --task <arc.json> | --maze <file>) [options]',
        'Solve one puzzle and print the answer after every supervision step and where the model would halt.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'predict');
  const prep = prepare(args);
  const loaded = loadCheckpointFromArgs(args, prep.puzzle.inputs.length);
  const asJson = flag(args, 'json');
  const config = configWithDtype(args, loaded, asJson);
  checkTask(prep.task, config, prep.puzzle.inputs.length);
  if (prep.puzzle.puzzleIdentifier >= config.num_puzzle_identifiers) {
    throw new UsageError(
      `--puzzle-identifier ${prep.puzzle.puzzleIdentifier} is outside the checkpoint's ${config.num_puzzle_identifiers} puzzle embeddings`,
    );
  }
  const K = int(args, 'steps', 1) ?? config.halt_max_steps;
  if (K > config.halt_max_steps) throw new UsageError(`--steps ${K} exceeds halt_max_steps ${config.halt_max_steps}`);
  const backend = await startBackend(args, asJson, true);
  const model = TrmModel.fromWeights(config, loaded.weights);
  let inference;
  try {
    inference = await openModelInference(args, model, backend, asJson);
  } catch (e) {
    model.dispose();
    throw e;
  }
  const trace = createPuzzleTrace(model, prep.puzzle, { runner: inference.runner });
  try {
    const steps: StepOutputs[] = [];
    let haltStep: number | undefined;
    for (let s = 1; s <= K; s++) {
      const out = await trace.stepOutputs(s);
      steps.push(out);
      if (haltStep === undefined && out.wouldHalt) haltStep = s;
      if (!asJson) {
        const status =
          out.correct === undefined ? '' : out.correct ? ', correct' : `, ${out.wrongCells?.length} cells wrong`;
        const halt = out.wouldHalt ? ' -> would halt here' : '';
        console.log(
          `step ${s}: q_halt ${out.qHalt.toFixed(3)} (p=${out.haltProbability.toFixed(3)})${halt}, ${s === 1 ? 'first answer' : `${out.changedCells.length} cells changed`}${status}`,
        );
        console.log(prep.render(out.preds, out.wrongCells ? new Set(out.wrongCells) : undefined));
        if (prep.task === 'sudoku' && out.wrongCells?.length)
          console.log(`wrong: ${out.wrongCells.map((i) => cellName(i)).join(' ')}`);
        console.log('');
      }
    }
    const final = steps[steps.length - 1];
    if (asJson) {
      console.log(
        JSON.stringify(
          {
            task: prep.task,
            backend: inference.name,
            dtype: config.forward_dtype,
            haltStep: haltStep ?? null,
            steps: steps.map((o) => ({
              step: o.step,
              qHalt: o.qHalt,
              qContinue: o.qContinue,
              wouldHalt: o.wouldHalt,
              changedCells: o.changedCells.length,
              correct: o.correct ?? null,
              answer: prep.describe(o.preds),
            })),
          },
          null,
          2,
        ),
      );
    } else {
      const where = haltStep
        ? `the Q-head says halt first at step ${haltStep} (training rule q_halt > 0)`
        : `the Q-head never says halt in ${K} steps`;
      console.log(
        `${where}; official evaluation uses the answer after step ${final.step}${final.correct === undefined ? '' : final.correct ? ' (correct)' : ' (wrong)'}.`,
      );
    }
    return 0;
  } finally {
    trace.dispose();
    inference.runner?.dispose();
    model.dispose();
  }
}
