// Prediction worker (bundled to dist/predictWorker.js): a worker_threads thread that loads one
// checkpoint, selects a compute backend, and runs batches of puzzles through the real engine,
// reporting every supervision step, so inline predictions never block the extension host's main
// thread. Protocol: src/engine/authoring/workerProtocol.ts. One run at a time; a `cancel` stops the
// named run between two steps. When the GPU cannot run a batch (memory, lost device), the worker
// moves to the CPU backend, says so in the log channel (runError with runId -1) and runs it again.

import { parentPort } from 'node:worker_threads';
import { selectBackend } from './backend';
import { CPU_FALLBACK_BACKEND, isGpuError } from './backend/gpuErrors';
import { splitBackendChoice } from './native/select';
import { PredictSession } from './authoring/predictEngine';
import { type FromWorker, type LoadMessage, type PredictMessage, isToWorker } from './authoring/workerProtocol';

const port = parentPort;
if (!port) throw new Error('predictWorker.js must run as a worker thread (new Worker(...))');

let session: PredictSession | undefined;
let loadedWith: LoadMessage | undefined;
const cancels = new Map<number, AbortController>();
/** Messages are handled one after another: a predict never overlaps a load. */
let queue: Promise<void> = Promise.resolve();

const post = (m: FromWorker): void => port.postMessage(m);
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

async function load(m: LoadMessage): Promise<void> {
  session?.dispose();
  session = undefined;
  try {
    const choice = splitBackendChoice(m.backend);
    const backend = await selectBackend({ wasmDir: m.wasmDir, prefer: choice.tf });
    session = PredictSession.load(m.checkpoint, m.config, { backend, native: choice.native, dtype: m.dtype });
    const inference = await session.inference();
    const skipped = choice.native === 'auto' ? inference.skipped : [];
    loadedWith = m;
    post({
      type: 'loaded',
      model: session.info,
      backend: {
        name: inference.name,
        description: skipped.length
          ? `${inference.description} (skipped: ${skipped.join('; ')})`
          : inference.description,
        gpu: backend.gpu && !inference.runner,
        threads: inference.runner?.threads ?? backend.threads,
      },
    });
  } catch (e) {
    post({ type: 'loadError', message: message(e) });
  }
}

async function predict(m: PredictMessage, ctrl: AbortController): Promise<void> {
  try {
    if (!session) throw new Error('no model is loaded');
    if (ctrl.signal.aborted) {
      post({ type: 'cancelled', runId: m.runId });
      return;
    }
    const run = (s: PredictSession) =>
      s.predict(m.puzzles, {
        policy: m.policy,
        signal: ctrl.signal,
        onStep: (step, of) => post({ type: 'step', runId: m.runId, step, of }),
      });
    let results;
    try {
      results = await run(session);
    } catch (e) {
      if (!isGpuError(e) || !loadedWith) throw e;
      // The same model on the CPU path that always ships, instead of failing every prediction.
      const cpu = await selectBackend({ wasmDir: loadedWith.wasmDir, prefer: CPU_FALLBACK_BACKEND });
      session.dispose();
      session = PredictSession.load(loadedWith.checkpoint, loadedWith.config, {
        backend: cpu,
        native: 'off',
        dtype: loadedWith.dtype,
      });
      post({
        type: 'runError',
        runId: -1,
        message: `TRM predictions: ${message(e)} Now predicting on ${cpu.description}.`,
      });
      results = await run(session);
    }
    post({ type: 'result', runId: m.runId, results });
  } catch (e) {
    if (ctrl.signal.aborted) post({ type: 'cancelled', runId: m.runId });
    else post({ type: 'runError', runId: m.runId, message: message(e) });
  } finally {
    cancels.delete(m.runId);
  }
}

port.on('message', (raw: unknown) => {
  if (!isToWorker(raw)) {
    post({
      type: 'runError',
      runId: -1,
      message: `prediction worker: unrecognised message ${JSON.stringify(raw)?.slice(0, 200)}`,
    });
    return;
  }
  if (raw.type === 'cancel') {
    cancels.get(raw.runId)?.abort(new Error('cancelled'));
    return;
  }
  if (raw.type === 'load') {
    queue = queue.then(() => load(raw));
    return;
  }
  // Registered now, not when the run starts, so a cancel that arrives while queued still counts.
  const ctrl = new AbortController();
  cancels.set(raw.runId, ctrl);
  queue = queue.then(() => predict(raw, ctrl));
});
