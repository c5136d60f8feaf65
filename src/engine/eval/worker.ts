// worker_threads entry (bundled to dist/evalWorker.js): runs the evaluation browser's evaluations
// off the extension host's thread, reports progress per batch, and stops between supervision steps
// when cancelled (finished batches stay in the cache, so the next run resumes). The backend is
// selected once, on the first job.

import { parentPort } from 'node:worker_threads';
import { type BackendName, selectBackend } from '../backend';
import { runEvalJob } from './evalJob';
import { EvaluationCancelled } from './evaluatePuzzles';
import { isEvalWorkerRequest, type EvalWorkerReply } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('evalWorker must run inside a worker thread');

let backend: Promise<string> | undefined;
const running = new Map<number, AbortController>();
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: unknown) => {
  const reply = (r: EvalWorkerReply): void => port.postMessage(r);
  if (!isEvalWorkerRequest(msg)) {
    reply({ type: 'invalid', message: `evalWorker: unknown message ${JSON.stringify(msg)?.slice(0, 200)}` });
    return;
  }
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort();
    return;
  }
  const abort = new AbortController();
  running.set(msg.id, abort);
  backend ??= selectBackend({ prefer: msg.backend as BackendName | undefined, wasmDir: __dirname + '/' }).then(
    (b) => b.description,
  );
  const ready = backend;
  queue = queue
    .then(() => ready)
    .then(async (description) => {
      const result = await runEvalJob(
        msg.job,
        (done, total) => reply({ type: 'progress', id: msg.id, done, total }),
        abort.signal,
      );
      reply({ type: 'result', id: msg.id, result, backend: description });
    })
    .catch((e: unknown) =>
      reply({
        type: 'failed',
        id: msg.id,
        message: e instanceof Error ? e.message : String(e),
        cancelled: e instanceof EvaluationCancelled,
      }),
    )
    .finally(() => running.delete(msg.id));
});
