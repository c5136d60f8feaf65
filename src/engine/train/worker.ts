// worker_threads entry (bundled to dist/trainWorker.js): the VS Code extension starts training here
// so the extension host stays responsive. Accepts {type:'start', request} and {type:'cancel'};
// posts TrainEvent messages; exits when the run ends.

import { parentPort } from 'node:worker_threads';
import { isTrainWorkerCommand, TrainEvent } from './events';
import { runTraining } from './trainer';

const port = parentPort;
if (!port) throw new Error('trainWorker must run inside a worker thread');

const controller = new AbortController();
let running = false;

port.on('message', (msg: unknown) => {
  if (!isTrainWorkerCommand(msg)) {
    port.postMessage({
      type: 'error',
      message: `trainWorker: unknown message ${JSON.stringify(msg)?.slice(0, 200)}`,
    } satisfies TrainEvent);
    return;
  }
  if (msg.type === 'cancel') {
    controller.abort();
    return;
  }
  if (running) {
    port.postMessage({
      type: 'error',
      message: 'trainWorker: a training run is already in progress in this worker',
    } satisfies TrainEvent);
    return;
  }
  running = true;
  runTraining(msg.request, (e) => port.postMessage(e), controller.signal, { wasmDir: __dirname + '/' })
    .catch(() => {
      /* already reported as an error event */
    })
    .finally(() => {
      running = false;
      port.close();
    });
});
