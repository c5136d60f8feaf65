// `trm diff`: runs A and B of one example in lock-step and prints where they part — the first update
// whose largest state difference passes --threshold — and a per-update table of ‖zA − zB‖,
// ‖yA − yB‖ and the cells whose decoded answer differs. B is another checkpoint or a recorded run in
// the official reference layout (`trm trace` output, the official PyTorch arrays). Against a
// recording of the same model, --teacher-forced applies A's network to B's inputs of every update
// (an implementation check that float rounding chaos cannot blur).

import * as fs from 'node:fs';
import {
  diffRuns,
  formatDiffTable,
  headDecoder,
  teacherForcedDiff,
  type DiffResult,
} from '../../engine/compare/divergence';
import { isReferenceFolder, liveRun, ReferenceRun, type RunSource } from '../../engine/compare/referenceRun';
import { readNpy } from '../../engine/formats/npy';
import { toInt32 } from '../../engine/hostTensor';
import { TrmModel } from '../../engine/model/trm';
import { createPuzzleTrace } from '../../engine/trace/tracer';
import { describeUpdate } from '../../engine/trace/types';
import { loadCheckpoint } from '../../engine/checkpoint';
import { flag, int, parseArgs, str, usage, UsageError, type ParsedArgs } from '../args';
import { formatSolveTable, solveTable } from '../../engine/compare/solveTable';
import { readPuzzleFile } from '../../engine/data/puzzleFile';
import { DTYPE_OPTION, INFERENCE_BACKEND_OPTION, configWithDtype, startBackend } from '../engineSetup';

const SPEC = {
  a: { value: true, required: true, valueName: 'step_N|file.safetensors', description: 'run A: a checkpoint' },
  b: {
    value: true,
    required: true,
    valueName: 'step_N|file.safetensors|dir',
    description: 'run B: another checkpoint, or a folder with a recorded run (trace_z.npy, trace_y.npy)',
  },
  'config-a': { value: true, valueName: 'file', description: "A's configuration (default: beside the checkpoint)" },
  'config-b': { value: true, valueName: 'file', description: "B's configuration (default: beside the checkpoint)" },
  inputs: { value: true, valueName: 'ids.npy', description: 'token ids [B, S] or [S] (one example: the update table)' },
  dataset: {
    value: true,
    valueName: 'file|dir',
    description: 'a labelled dataset (any format the extension reads): the per-puzzle x checkpoint table instead',
  },
  limit: { value: true, valueName: 'N', description: 'with --dataset: the first N puzzles (default 200)' },
  row: { value: true, valueName: 'i', description: 'batch row of --inputs to compare (default 0)' },
  'puzzle-identifiers': { value: true, valueName: 'ids.npy', description: 'puzzle identifiers [B] (default all 0)' },
  steps: { value: true, valueName: 'K', description: 'supervision steps (default halt_max_steps, or what B recorded)' },
  threshold: { value: true, valueName: 'x', description: 'an update diverges when max |Δz| or |Δy| exceeds x (1e-3)' },
  'teacher-forced': { value: false, description: "B recorded: apply A's network to B's inputs of every update" },
  backend: INFERENCE_BACKEND_OPTION,
  dtype: DTYPE_OPTION,
  json: { value: false, description: 'print the result as JSON' },
  help: { value: false, description: 'show this help' },
};

function positiveNumber(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a number ≥ 0, got ${JSON.stringify(v)}`);
  return x;
}

export async function runDiff(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      usage(
        'diff --a <checkpoint> --b <checkpoint|recorded dir> (--inputs <ids.npy> | --dataset <file>) [options]',
        'Run two TRM runs of one example in lock-step and print where they part, update by update.',
        SPEC,
      ),
    );
    return 0;
  }
  const args = parseArgs(argv, SPEC, 'diff');
  if (str(args, 'dataset') !== undefined) return runDatasetTable(args);
  const inputsFile = str(args, 'inputs');
  if (inputsFile === undefined) throw new UsageError('diff needs --inputs <ids.npy> (one example) or --dataset <file>');
  if (!fs.existsSync(inputsFile)) throw new UsageError(`--inputs file not found: ${inputsFile}`);
  const inputsT = readNpy(inputsFile);
  if (inputsT.shape.length !== 1 && inputsT.shape.length !== 2)
    throw new UsageError(`--inputs must be [batch, seq_len] or [seq_len], got shape [${inputsT.shape.join(', ')}]`);
  const [B, S] = inputsT.shape.length === 2 ? inputsT.shape : [1, inputsT.shape[0]];
  const row = int(args, 'row', 0) ?? 0;
  if (row >= B) throw new UsageError(`--row ${row} is outside the batch 0..${B - 1}`);
  const inputs = toInt32(inputsT, '--inputs').slice(row * S, (row + 1) * S);
  let puzzleIdentifier = 0;
  const pidFile = str(args, 'puzzle-identifiers');
  if (pidFile) {
    const p = toInt32(readNpy(pidFile), '--puzzle-identifiers');
    if (p.length !== B) throw new UsageError(`--puzzle-identifiers has ${p.length} entries, --inputs ${B} rows`);
    puzzleIdentifier = p[row];
  }
  const threshold = positiveNumber(str(args, 'threshold'), 'threshold', 1e-3);
  const bPath = str(args, 'b')!;
  const bRecorded = isReferenceFolder(bPath);
  const teacherForced = flag(args, 'teacher-forced');
  if (teacherForced && !bRecorded)
    throw new UsageError('--teacher-forced needs --b to be a recorded run (a folder with trace_z.npy and trace_y.npy)');

  const loadedA = loadCheckpoint(str(args, 'a')!, { configPath: str(args, 'config-a'), seqLen: S });
  for (const w of loadedA.warnings) console.error(`warning (A): ${w}`);
  const configA = configWithDtype(args, loadedA);
  await startBackend(args, true, false);
  const modelA = TrmModel.fromWeights(configA, loadedA.weights);
  const disposers: (() => void)[] = [() => modelA.dispose()];
  try {
    const puzzle = { inputs, puzzleIdentifier };
    const traceA = createPuzzleTrace(modelA, puzzle);
    disposers.push(() => traceA.dispose());
    let b: RunSource;
    let stepsAvail = configA.halt_max_steps;
    if (bRecorded) {
      const rec = new ReferenceRun(
        bPath,
        configA,
        modelA.derived.totalSeqLen,
        row,
        `recorded ${bPath}`,
        await traceA.initialState(),
      );
      b = rec;
      stepsAvail = Math.min(stepsAvail, rec.steps);
    } else {
      const loadedB = loadCheckpoint(bPath, { configPath: str(args, 'config-b'), seqLen: S });
      for (const w of loadedB.warnings) console.error(`warning (B): ${w}`);
      const configB = configWithDtype(args, loadedB, true);
      for (const k of ['H_cycles', 'L_cycles', 'hidden_size', 'seq_len', 'puzzle_emb_len'] as const)
        if (configA[k] !== configB[k])
          throw new UsageError(
            `A and B differ in ${k} (${String(configA[k])} vs ${String(configB[k])}): no update-by-update comparison`,
          );
      const modelB = TrmModel.fromWeights(configB, loadedB.weights);
      disposers.push(() => modelB.dispose());
      const traceB = createPuzzleTrace(modelB, puzzle);
      disposers.push(() => traceB.dispose());
      b = liveRun(traceB, bPath, configB.halt_max_steps);
      stepsAvail = Math.min(stepsAvail, configB.halt_max_steps);
    }
    const steps = int(args, 'steps', 1) ?? stepsAvail;
    if (steps > stepsAvail) throw new UsageError(`--steps ${steps}: only ${stepsAvail} steps available`);
    const a = liveRun(traceA, str(args, 'a')!, steps);
    const result: DiffResult = teacherForced
      ? await teacherForcedDiff(modelA, b, {
          steps,
          threshold,
          initial: await traceA.initialState(),
          x: await traceA.x(),
        })
      : await diffRuns(a, b, {
          steps,
          threshold,
          decode: headDecoder(modelA),
          H_cycles: configA.H_cycles,
          L_cycles: configA.L_cycles,
        });
    if (flag(args, 'json')) {
      console.log(
        JSON.stringify({ a: a.label, b: b.label, row, ...result }, (_k, v: unknown) =>
          typeof v === 'number' && !Number.isFinite(v) ? null : v,
        ),
      );
    } else {
      console.log(`A: ${a.label}`);
      console.log(
        `B: ${b.label}${teacherForced ? " (teacher-forced: A's network on B's inputs of every update)" : ''}`,
      );
      console.log(
        result.first
          ? `first divergence: ${describeUpdate(result.first.ref)} (max |Δ| ${result.first.zMax > result.first.yMax ? result.first.zMax.toExponential(2) : result.first.yMax.toExponential(2)} > ${threshold})`
          : `no divergence above ${threshold} in ${steps} step${steps === 1 ? '' : 's'} (largest ${result.maxDivergence.toExponential(2)})`,
      );
      for (const line of formatDiffTable(result, describeUpdate)) console.log(line);
    }
    return result.first ? 1 : 0;
  } finally {
    for (const d of disposers.reverse()) d();
  }
}

/** `--dataset`: which of A and B solves which puzzle (official evaluation: every step run). */
async function runDatasetTable(args: ParsedArgs): Promise<number> {
  const file = str(args, 'dataset')!;
  const limit = int(args, 'limit', 1) ?? 200;
  const examples = readPuzzleFile(file).slice(0, limit);
  if (examples.length === 0) throw new UsageError(`--dataset ${file} holds no puzzles`);
  const S = examples[0].inputs.length;
  const bPath = str(args, 'b')!;
  if (isReferenceFolder(bPath)) throw new UsageError('--dataset compares checkpoints: --b must be a checkpoint');
  const loaded = [
    loadCheckpoint(str(args, 'a')!, { configPath: str(args, 'config-a'), seqLen: S }),
    loadCheckpoint(bPath, { configPath: str(args, 'config-b'), seqLen: S }),
  ];
  await startBackend(args, true, false);
  const models = loaded.map((l, i) => ({
    label: i === 0 ? str(args, 'a')! : bPath,
    model: TrmModel.fromWeights(configWithDtype(args, l, i > 0), l.weights),
  }));
  try {
    const steps = int(args, 'steps', 1) ?? Math.min(...models.map((m) => m.model.config.halt_max_steps));
    const table = await solveTable(models, examples, { steps });
    if (flag(args, 'json')) console.log(JSON.stringify(table));
    else for (const line of formatSolveTable(table)) console.log(line);
    return 0;
  } finally {
    for (const m of models) m.model.dispose();
  }
}
