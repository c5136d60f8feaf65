// A tiny Sudoku checkpoint written at test time (the fixture's shape, fewer steps and cycles), so the
// real prediction path runs in a few seconds on a loaded 2-core machine.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { saveSafetensorsCheckpoint } from '../../../src/engine/checkpoint';
import { getPreset, type TrmConfig } from '../../../src/engine/config';
import { initialWeights } from '../../../src/engine/model/init';

export const TINY: TrmConfig = {
  ...getPreset('sudoku-mlp-small'),
  halt_max_steps: 3,
  H_cycles: 2,
  L_cycles: 2,
  L_layers: 1,
};

/** Writes <tmp>/model.safetensors (config in its metadata) and returns its path. */
export function writeTinyCheckpoint(seed = 1): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-authoring-'));
  const file = path.join(dir, 'model.safetensors');
  // The weights TrmModel.initialise(TINY, seed) starts from, written without a backend round trip.
  saveSafetensorsCheckpoint(file, TINY, initialWeights(TINY, seed));
  return file;
}
