// The one module of the debug adapter that touches engine implementations: picks the compute
// backend, reads the puzzle (dataset file or inline), loads the checkpoint, builds the model, opens
// its inference path (the native ONNX Runtime path when it loads) and the lazy trace (which also
// decodes intermediate states with the model's own heads, engine/trace/decode.ts).

import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import { selectBackend, tfBackendName } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { TrmModel } from '../engine/model/trm';
import { dtypeNote, openInference, splitBackendChoice, withDtype } from '../engine/native/select';
import { createPuzzleTrace } from '../engine/trace/tracer';
import { readPuzzleFile } from '../engine/data/puzzleFile';
import type { DebugEngine } from './engineTypes';
import { runCloud } from '../engine/cloud/cloud';
import { BranchTrace } from '../engine/cloud/branchTrace';
import { puzzleKey } from '../engine/cloud/noise';
import { PatchedTrace } from '../engine/intervene/patchedTrace';
import { puzzleRow } from '../engine/intervene/puzzleProbe';
import { sweepStep } from '../engine/intervene/sweepStep';
import { DebugPuzzle, PuzzleKind, gridShape, parseInlinePuzzle } from './inlinePuzzle';
import { puzzleLabel, relativeTo } from './displayNames';
import type { TrmLaunchArgs } from './launchConfig';

const KINDS: readonly PuzzleKind[] = ['sudoku', 'maze', 'arc', 'generic'];

/** The example a launch configuration points at, from its dataset file or inline. */
export function selectPuzzle(
  args: Pick<TrmLaunchArgs, 'dataset' | 'puzzle' | 'index' | 'puzzleId' | 'solution' | 'cwd'>,
): DebugPuzzle {
  if (args.dataset === undefined) return parseInlinePuzzle(args.puzzle, { index: args.index, solution: args.solution });
  const file = args.dataset;
  const examples = readPuzzleFile(file);
  if (examples.length === 0) throw new Error(`${file}: the dataset holds no puzzles`);
  let k: number;
  if (args.puzzleId !== undefined) {
    k = examples.findIndex((e) => e.id === args.puzzleId);
    if (k < 0) {
      const some = examples
        .slice(0, 5)
        .map((e) => JSON.stringify(e.id))
        .join(', ');
      throw new Error(
        `${file}: no puzzle with id ${JSON.stringify(args.puzzleId)} (${examples.length} puzzles; ids look like ${some})`,
      );
    }
  } else {
    k = args.index ?? 0;
    if (k >= examples.length)
      throw new Error(
        `'index' ${k} is out of range: ${path.basename(file)} holds ${examples.length} puzzle${examples.length === 1 ? '' : 's'} (0..${examples.length - 1})`,
      );
  }
  const e = examples[k];
  const kind: PuzzleKind = KINDS.includes(e.kind) ? e.kind : 'generic';
  return {
    id: e.id,
    kind,
    inputs: e.inputs,
    labels: e.labels,
    puzzleIdentifier: e.puzzleIdentifier,
    // What a person reads: "sudoku/sample.csv · puzzle 1 (line 2)" (workspace-relative, 1-based).
    origin: `${relativeTo(file, args.cwd)} · ${puzzleLabel(k, e.id)}${e.name !== undefined && !e.id.startsWith(e.name) ? ` (${e.name})` : ''}`,
    ...gridShape(kind, e.inputs.length),
  };
}

/** Checks that the puzzle fits the model before any tensor is built. */
function checkPuzzleFits(puzzle: DebugPuzzle, vocab: number, identifiers: number, source: string): void {
  for (let i = 0; i < puzzle.inputs.length; i++) {
    const v = puzzle.inputs[i];
    if (v < 0 || v >= vocab)
      throw new Error(
        `${puzzle.origin}: token ${v} at position ${i} is outside the model's vocabulary (vocab_size ${vocab}, from ${source})`,
      );
  }
  if (puzzle.puzzleIdentifier < 0 || puzzle.puzzleIdentifier >= identifiers) {
    throw new Error(
      `${puzzle.origin}: puzzle identifier ${puzzle.puzzleIdentifier} is outside the model's table (num_puzzle_identifiers ${identifiers})`,
    );
  }
}

export async function openEngine(args: TrmLaunchArgs): Promise<DebugEngine> {
  const puzzle = selectPuzzle(args);
  const loaded = loadCheckpoint(args.checkpoint, { configPath: args.config, seqLen: puzzle.inputs.length });
  const config = withDtype(loaded.config, args.dtype);
  checkPuzzleFits(puzzle, config.vocab_size, config.num_puzzle_identifiers, loaded.configSource);
  const choice = splitBackendChoice(args.backend);
  // The wasm binaries sit next to the running bundle (dist/), in the extension host and standalone.
  const backend = await selectBackend({ prefer: choice.tf, wasmDir: __dirname + path.sep });
  const tfName = tfBackendName(backend.name);
  // The tracer serves steps 1..halt_max_steps; a session may look further than N_sup (`steps`), which
  // changes nothing else in the model (halt_max_steps only matters to the ACT wrapper).
  const model = TrmModel.fromWeights(
    { ...config, halt_max_steps: Math.max(config.halt_max_steps, args.steps ?? 0) },
    loaded.weights,
  );
  let trace;
  let inference;
  try {
    // Keep the recorded updates of as many steps as fit in 64 MB (at least 2): the timeline asks for
    // cells of several steps at once, and re-running a step per request made it crawl.
    const perStep = model.derived.updatesPerStep * model.derived.totalSeqLen * config.hidden_size * 4;
    const cachedSteps = Math.max(2, Math.min(config.halt_max_steps, Math.floor((64 * 1024 * 1024) / perStep)));
    inference = await openInference(model, { mode: choice.native, backend });
    trace = createPuzzleTrace(
      model,
      { inputs: puzzle.inputs, puzzleIdentifier: puzzle.puzzleIdentifier, labels: puzzle.labels },
      { runner: inference.runner, cachedSteps },
    );
  } catch (e) {
    inference?.runner?.dispose();
    model.dispose();
    throw e;
  }
  const runner = inference.runner;
  const skipped = [...backend.fallbackReasons, ...(choice.native === 'auto' ? inference.skipped : [])];
  const note = dtypeNote(loaded.config.forward_dtype, config.forward_dtype);
  return {
    config,
    derived: model.derived,
    puzzle,
    trace,
    checkpoint: loaded.path,
    // Skipped candidates (native TensorFlow not installed, …) are normal: kept as details, not warnings.
    backend: inference.description,
    backendSkipped: skipped,
    warnings: note ? [...loaded.warnings, note] : loaded.warnings,
    cloud: {
      puzzleKey: puzzleKey(puzzle.id),
      async run(x, start, fork, opts) {
        if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
        return runCloud(model, { ...trace.puzzle, id: puzzle.id }, x, start, fork, opts);
      },
      branch: (trunk, spec) => new BranchTrace(model, trunk, spec),
    },
    patching: {
      patched: (trunk, patches, maxSteps) => new PatchedTrace(model, trunk, patches, maxSteps),
      async puzzleRow(swap) {
        if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
        return puzzleRow(model, swap);
      },
    },
    sweep: async (walked, step, opts) => {
      if (tf.getBackend() !== tfName) await tf.setBackend(tfName);
      return { ...(await sweepStep(model, walked, step, opts)), backend: `TF.js: ${backend.description}` };
    },
    dispose(): void {
      trace.dispose();
      runner?.dispose();
      model.dispose();
    },
  };
}
