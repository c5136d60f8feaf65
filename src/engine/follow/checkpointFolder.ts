// Which entries of a followed folder are checkpoints, and of which step. pretrain.py writes
// `step_<N>` files (no extension) into checkpoint_path, next to `step_<N>_all_preds.<rank>`,
// `evaluator_<Name>_step_<N>/`, all_config.yaml and source copies, which are not checkpoints; TRM Lens
// runs write `step_<N>/model.safetensors`; exported weights may be `step_<N>.safetensors`.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CheckpointCandidate {
  /** The folder entry's name (`step_150`, `step_150.safetensors`). */
  name: string;
  step: number;
  /** The file the loader reads. */
  file: string;
  kind: 'official' | 'trm-lens-run' | 'safetensors';
}

const OFFICIAL = /^step_(\d+)$/;
const SAFETENSORS = /^step_(\d+)\.safetensors$/;

/** The checkpoints in `dir` (unsorted). Throws only when the folder itself cannot be read. */
export function listCheckpoints(dir: string): CheckpointCandidate[] {
  const out: CheckpointCandidate[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const official = OFFICIAL.exec(e.name);
    const st = SAFETENSORS.exec(e.name);
    const step = Number((official ?? st)?.[1]);
    if (!Number.isSafeInteger(step)) continue;
    const full = path.join(dir, e.name);
    if (official && e.isDirectory()) {
      const model = path.join(full, 'model.safetensors');
      if (fs.existsSync(model)) out.push({ name: e.name, step, file: model, kind: 'trm-lens-run' });
    } else if (official && (e.isFile() || e.isSymbolicLink())) {
      out.push({ name: e.name, step, file: full, kind: 'official' });
    } else if (st && (e.isFile() || e.isSymbolicLink())) {
      out.push({ name: e.name, step, file: full, kind: 'safetensors' });
    }
  }
  return out;
}
