// worker_threads entry (bundled to dist/followWorker.js): evaluates followed checkpoints off the main
// thread of the extension host or the CLI. {type:'evaluate', id, job} → {type:'result', id, outcome}
// or {type:'failed', id, message}; the backend is selected once, on the first job.

import { parentPort } from 'node:worker_threads';
import { type BackendName, selectBackend } from '../backend';
import { evaluateCheckpointFile } from './evaluateCheckpoint';
import { isFollowWorkerRequest, type FollowWorkerReply } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('followWorker must run inside a worker thread');

let backend: Promise<string> | undefined;
/** Jobs run one after another, in the order they arrive. */
let queue: Promise<void> = Promise.resolve();

port.on('message', (msg: unknown) => {
  if (!isFollowWorkerRequest(msg)) {
    port.postMessage({
      type: 'invalid',
      message: `followWorker: unknown message ${JSON.stringify(msg)?.slice(0, 200)}`,
    });
    return;
  }
  const reply = (r: FollowWorkerReply): void => port.postMessage(r);
  backend ??= selectBackend({ prefer: msg.backend as BackendName | undefined, wasmDir: __dirname + '/' }).then(
    (b) => b.description,
  );
  const ready = backend;
  // One evaluation at a time (evaluation is asynchronous: its read-backs await the backend).
  queue = queue
    .then(() => ready)
    .then(async (description) => {
      const outcome = await evaluateCheckpointFile(msg.job);
      reply({ type: 'result', id: msg.id, outcome, backend: description });
    })
    .catch((e: unknown) => reply({ type: 'failed', id: msg.id, message: e instanceof Error ? e.message : String(e) }));
});
