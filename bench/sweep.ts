// `npm run bench:sweep`: time of a patch sweep (src/engine/intervene/patchSweep.ts) over one Sudoku
// supervision step — every update x all 81 cells patched in turn, each patched run continued to the
// end of the step and decoded — on (a) the bundled default model (media/models/sudoku: the paper's
// recursion 3 x (6 + 1) = 21 updates per step, hidden 64, 21 x 81 = 1701 patched runs) and (b) the
// bundled small model (media/models/sudoku-small, 2 x (2 + 1) = 6 updates per step).
// The sweep runs on TF.js (it calls TrmModel.zUpdate / yUpdate on batches of patched states; the
// native ONNX Runtime path only runs whole steps), on the backend selectBackend() picks.
// Reference in the same run: the same sweep unbatched (one patched run at a time) on a subset of
// cells, extrapolated to 81; the ratio is unbatched / batched. Prints numbers; asserts nothing.
// Options: --batch N (patched runs per batch, default all 81 cells of an update), --threads N.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { patchSweep } from '../src/engine/intervene/patchSweep';
import { TrmModel } from '../src/engine/model/trm';
import { encodeSudoku } from '../src/engine/tasks/sudoku';

const PUZZLE = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
const SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';

function option(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} needs a positive integer`);
  return n;
}

async function bench(label: string, model: TrmModel, batchSize: number | undefined): Promise<void> {
  const inputs = encodeSudoku(PUZZLE);
  const labels = encodeSudoku(SOLUTION);
  const x = tf.tidy(() => model.embed(tf.tensor2d(inputs, [1, 81], 'int32'), Int32Array.of(0)));
  const xs = (await x.data()) as Float32Array;
  x.dispose();
  const init = model.initialState(1);
  const before = { y: (await init.y.data()) as Float32Array, z: (await init.z.data()) as Float32Array };
  tf.dispose([init.y, init.z]);
  await patchSweep(model, xs, before, labels, { kind: 'zero', cells: [0, 1] }); // warm-up
  const tensorsBefore = tf.memory().numTensors;
  const cpu0 = process.cpuUsage();
  const full = await patchSweep(model, xs, before, labels, { kind: 'zero', batchSize });
  const cpu = process.cpuUsage(cpu0);
  const leaked = tf.memory().numTensors - tensorsBefore;
  const SUB = 9;
  const sub = await patchSweep(model, xs, before, labels, {
    kind: 'zero',
    cells: Array.from({ length: SUB }, (_, i) => i * 9),
    batchSize: 1,
  });
  const unbatched = (sub.ms / SUB) * 81;
  const runs = full.updates.length * 81;
  console.log(
    `${label}: ${full.updates.length} updates x 81 cells = ${runs} patched runs in ${(full.ms / 1000).toFixed(2)} s ` +
      `(${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU; batch ${batchSize ?? 81}; ${(full.ms / runs).toFixed(1)} ms per patched run); ` +
      `unbatched reference ${(unbatched / 1000).toFixed(2)} s (extrapolated from ${SUB} cells); ` +
      `ratio ${(unbatched / full.ms).toFixed(1)}x; baseline accuracy ${full.baseline.toFixed(3)}, ` +
      `largest loss ${Math.min(...full.delta).toFixed(3)}, largest gain ${Math.max(...full.delta).toFixed(3)}; ` +
      `tensors left ${leaked}; ${full.ms <= 60_000 ? 'under' : 'OVER'} the 60 s target`,
  );
}

async function main(): Promise<void> {
  const backend = await selectBackend({ wasmDir: path.join(__dirname, '..') + path.sep, threads: option('threads') });
  console.log(`backend: ${backend.description}`);
  const batch = option('batch');
  for (const [dir, label] of [
    ['sudoku', 'bundled default model media/models/sudoku (H_cycles 3, L_cycles 6, hidden 64, 21 updates)'],
    ['sudoku-small', 'bundled small model media/models/sudoku-small (H_cycles 2, L_cycles 2, hidden 64, 6 updates)'],
  ] as const) {
    const loaded = loadCheckpoint(path.resolve(__dirname, `../../media/models/${dir}/model.safetensors`));
    const model = TrmModel.fromWeights(loaded.config, loaded.weights);
    try {
      await bench(label, model, batch);
    } finally {
      model.dispose();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
