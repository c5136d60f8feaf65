// `npm run bench:sweep`: time of a patch sweep (src/engine/intervene/patchSweep.ts) over one Sudoku
// supervision step — every update x all 81 cells patched in turn, each patched run continued to the
// end of the step and decoded — on (a) the bundled demo model (media/models/sudoku-small, 2 x (2 + 1)
// = 6 updates per step) and (b) the fixture-sized MLP-T (getPreset('sudoku-mlp-small'), 3 x (6 + 1)
// = 21 updates per step, seeded weights). Reference in the same run: the same sweep unbatched (one
// patched run at a time) on a subset of cells, extrapolated; the ratio is batched vs unbatched.
// Prints numbers; asserts nothing about speed.

import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../src/engine/backend';
import { loadCheckpoint } from '../src/engine/checkpoint';
import { getPreset } from '../src/engine/config';
import { patchSweep } from '../src/engine/intervene/patchSweep';
import { TrmModel } from '../src/engine/model/trm';
import { encodeSudoku } from '../src/engine/tasks/sudoku';

const PUZZLE = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
const SOLUTION = '483921657967345821251876493548132976729564138136798245372689514814253769695417382';

async function bench(label: string, model: TrmModel): Promise<void> {
  const inputs = encodeSudoku(PUZZLE);
  const labels = encodeSudoku(SOLUTION);
  const x = tf.tidy(() => model.embed(tf.tensor2d(inputs, [1, 81], 'int32'), Int32Array.of(0)));
  const xs = (await x.data()) as Float32Array;
  x.dispose();
  const init = model.initialState(1);
  const before = { y: (await init.y.data()) as Float32Array, z: (await init.z.data()) as Float32Array };
  tf.dispose([init.y, init.z]);
  await patchSweep(model, xs, before, labels, { kind: 'zero', cells: [0, 1] }); // warm-up
  const full = await patchSweep(model, xs, before, labels, { kind: 'zero' });
  const SUB = 9;
  const sub = await patchSweep(model, xs, before, labels, {
    kind: 'zero',
    cells: Array.from({ length: SUB }, (_, i) => i * 9),
    batchSize: 1,
  });
  const unbatched = (sub.ms / SUB) * 81;
  console.log(
    `${label}: ${full.updates.length} updates x 81 cells = ${full.updates.length * 81} patched runs in ${(full.ms / 1000).toFixed(2)} s ` +
      `(batched by update); unbatched reference ${(unbatched / 1000).toFixed(2)} s (extrapolated from ${SUB} cells); ` +
      `ratio ${(unbatched / full.ms).toFixed(1)}x; baseline accuracy ${full.baseline.toFixed(3)}, ` +
      `largest loss ${Math.min(...full.delta).toFixed(3)}`,
  );
}

async function main(): Promise<void> {
  const backend = await selectBackend({ wasmDir: path.join(__dirname, '..') + path.sep });
  console.log(`backend: ${backend.name}`);
  const demo = loadCheckpoint(path.resolve(__dirname, '../../media/models/sudoku-small/model.safetensors'));
  const a = TrmModel.fromWeights(demo.config, demo.weights);
  await bench('bundled demo model (H_cycles 2, L_cycles 2, hidden 64)', a);
  a.dispose();
  const b = TrmModel.initialise({ ...getPreset('sudoku-mlp-small'), seq_len: 81, vocab_size: 11 }, 7);
  await bench('sudoku-mlp-small (H_cycles 3, L_cycles 6, hidden 64, 21 updates)', b);
  b.dispose();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
