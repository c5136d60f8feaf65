// Locate worker (bundled to dist/locateWorker.js): a worker_threads thread that locates large dataset
// files (src/engine/authoring/locateJob.ts) so typing in a 4 MB ARC challenges file costs the
// extension host a message, not seconds of parsing. One job at a time, answered in order; a job the
// host no longer needs is still answered (the host drops it by version).

import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { type LocateJob, type PackedLocate, runLocateJob } from './locateJob';

const port = parentPort;
if (!port) throw new Error('locateWorker.js must run as a worker thread (new Worker(...))');

export interface LocateRequest {
  id: number;
  job: Omit<LocateJob, 'solutions'> & { solutions?: { file: string; text?: string } };
}
export type LocateReply = { id: number; result: PackedLocate } | { id: number; error: string };

port.on('message', (m: LocateRequest) => {
  try {
    let solutions: LocateJob['solutions'];
    if (m.job.solutions) {
      const { file, text } = m.job.solutions;
      try {
        solutions = { file, text: text ?? fs.readFileSync(file, 'utf8') };
      } catch {
        solutions = undefined; // no sibling file: challenges get no labels from it
      }
    }
    const { result, transfer } = runLocateJob({ ...m.job, solutions });
    port.postMessage({ id: m.id, result } satisfies LocateReply, transfer);
  } catch (e) {
    port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies LocateReply);
  }
});
