// `npm run bench:authoring`: extension-host time per edit of a large ARC challenges file (default
// the 4 MB arc-agi_training2_challenges.json of the shared datasets, or --file <challenges.json>;
// its sibling _solutions.json is read as the extension does). Each edit changes one colour in the
// middle of the file, as typing does, then the document's state is brought up to date:
//   before: on the host, as DatasetDocuments did for every file: locate the text and the sibling
//           solutions, encode every input and hash its content key (all synchronous);
//   after:  in the locate worker (dist/locateWorker.js, the extension's bundle): the host posts the
//           text and takes in the packed answer (unpackLocate), and reads one grid's cells.
// Host time = the main thread's busy time over the edit (event-loop utilisation, which includes
// copying the message in and out), and the longest stall of a 1 ms ticker. Prints numbers and the
// ratio; asserts nothing.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { locateDataset, solutionsFileFor } from '../src/engine/authoring/locate';
import { type PackedLocate, unpackLocate } from '../src/engine/authoring/locateJob';
import type { LocateReply, LocateRequest } from '../src/engine/authoring/locateWorker';
import { requestFor } from '../src/engine/authoring/puzzleSpec';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const SHARED = process.env.TRM_SHARED ?? path.resolve(__dirname, '..', '..', '..', 'shared');
const FILE = opt('file') ?? path.join(SHARED, 'datasets', 'trm-kaggle-combined', 'arc-agi_training2_challenges.json');
const EDITS = Number(opt('edits') ?? 5);
const MODEL = { key: 'bench-model', identifierMode: 'byTaskName' as const, numPuzzleIdentifiers: 1 };

if (!fs.existsSync(FILE)) {
  console.error(`no file ${FILE}: pass --file <challenges.json> or set TRM_SHARED`);
  process.exit(2);
}
const original = fs.readFileSync(FILE, 'utf8');
const solutionsFile = solutionsFileFor(FILE);

/** The i-th edit: one colour digit near the middle of the file replaced by another. */
function edited(i: number): string {
  let at = Math.floor(original.length / 2) + i * 997;
  while (!/[0-9]/.test(original[at]) || !/[\s,[]/.test(original[at - 1]) || !/[\s,\]]/.test(original[at + 1])) at++;
  const d = String((Number(original[at]) + 1 + i) % 10);
  return original.slice(0, at) + d + original.slice(at + 1);
}

/** Measures the host's busy time and longest stall while `work` runs to completion. */
async function onHost(work: () => Promise<void> | void): Promise<{ busyMs: number; stallMs: number; wallMs: number }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  await new Promise((r) => setTimeout(r, 5));
  last = performance.now();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  // Let the ticker see the end of the last stall.
  await new Promise((r) => setTimeout(r, 3));
  const elu = performance.eventLoopUtilization(elu0);
  clearInterval(tick);
  return { busyMs: elu.active, stallMs: Math.max(stall, performance.now() - last), wallMs };
}

function beforeEdit(text: string): number {
  const r = locateDataset(text, FILE);
  if (r.status !== 'ok') throw new Error(`${FILE} does not locate: ${r.status}`);
  if (solutionsFile && fs.existsSync(solutionsFile))
    locateDataset(fs.readFileSync(solutionsFile, 'utf8'), solutionsFile);
  let n = 0;
  for (const p of r.doc.puzzles) if (requestFor(p, 0, MODEL.key)) n++;
  return n;
}

async function main(): Promise<void> {
  const workerFile = path.join(__dirname, '..', 'locateWorker.js');
  if (!fs.existsSync(workerFile)) throw new Error(`${workerFile} is missing: run node esbuild.mjs`);
  const worker = new Worker(workerFile);
  let nextId = 1;
  const waiting = new Map<number, (r: PackedLocate) => void>();
  worker.on('message', (m: LocateReply) => {
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    if ('error' in m) throw new Error(m.error);
    done?.(m.result);
  });
  const locate = (text: string): Promise<PackedLocate> =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      const req: LocateRequest = {
        id,
        job: { text, fileName: FILE, model: MODEL, solutions: solutionsFile ? { file: solutionsFile } : undefined },
      };
      worker.postMessage(req);
    });

  console.log(`file: ${FILE} (${(original.length / 1e6).toFixed(2)} MB), ${EDITS} edits each way`);
  await locate(original); // warm the worker (module load, JIT)
  const rows: { way: string; busyMs: number; stallMs: number; wallMs: number }[] = [];
  let puzzles = 0;
  // The worker's edits first: the host-side way leaves a million objects behind, and collecting them
  // would land in whatever is measured next.
  for (let i = 0; i < EDITS; i++) {
    const text = edited(i);
    const a = await onHost(async () => {
      const r = await locate(text);
      const u = unpackLocate(r);
      if (!u) throw new Error('the worker did not locate the file');
      // What a view reads right away: the visible puzzle's grid.
      void u.doc.puzzles[Math.floor(u.doc.puzzles.length / 2)].input?.cells.length;
    });
    rows.push({ way: 'after (worker)', ...a });
  }
  for (let i = 0; i < EDITS; i++) {
    const text = edited(i);
    const b = await onHost(() => {
      puzzles = beforeEdit(text);
    });
    rows.push({ way: 'before (host)', ...b });
  }
  await worker.terminate();
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s[Math.floor(s.length / 2)];
  };
  console.log(`${puzzles} puzzles with an input`);
  console.log('way              host busy ms   longest stall ms   until up to date ms   (medians)');
  const summary: Record<string, number> = {};
  for (const way of ['before (host)', 'after (worker)']) {
    const r = rows.filter((x) => x.way === way);
    const busy = median(r.map((x) => x.busyMs));
    summary[way] = busy;
    console.log(
      `${way.padEnd(16)} ${busy.toFixed(1).padStart(12)} ${median(r.map((x) => x.stallMs))
        .toFixed(1)
        .padStart(18)} ${median(r.map((x) => x.wallMs))
        .toFixed(0)
        .padStart(21)}`,
    );
  }
  console.log(
    `host time per edit: ${(summary['before (host)'] / summary['after (worker)']).toFixed(1)}x less with the worker`,
  );
}

void main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
