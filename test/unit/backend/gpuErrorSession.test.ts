// A debug session whose engine cannot run on the GPU (GpuMemoryError, GpuDeviceError) fails the
// launch with the error's own words and sends trm/gpuError naming the CPU backend to restart on,
// which the VS Code glue offers (src/extension/debug/gpuFallback.ts); other errors send no such
// event. The session runs in-process, as VS Code runs it inline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { GpuDeviceError, GpuMemoryError } from '../../../src/engine/backend/gpuErrors';
import type { DebugEngine } from '../../../src/debug/engineTypes';
import { TrmDebugSession } from '../../../src/debug/session';
import { TRM_EVENT_GPU_ERROR, isTrmGpuError } from '../../../src/debug/trmProtocol';
import { FIXTURE_DIR } from '../model/fixture';

const SUDOKU = '003020600900305001001806400008102900700000008006708200002609500800203009005010300';

async function launchFailing(
  error: Error,
): Promise<{ response: DebugProtocol.Response; events: DebugProtocol.Event[] }> {
  const session = new TrmDebugSession(() => Promise.reject(error) as Promise<DebugEngine>);
  const events: DebugProtocol.Event[] = [];
  let done: (r: DebugProtocol.Response) => void = () => undefined;
  const launched = new Promise<DebugProtocol.Response>((r) => (done = r));
  session.onDidSendMessage((m) => {
    const msg = m as DebugProtocol.ProtocolMessage;
    if (msg.type === 'event') events.push(msg as DebugProtocol.Event);
    if (msg.type === 'response' && (msg as DebugProtocol.Response).command === 'launch')
      done(msg as DebugProtocol.Response);
  });
  session.handleMessage({
    seq: 1,
    type: 'request',
    command: 'initialize',
    arguments: { adapterID: 'trm' },
  } as DebugProtocol.Request);
  session.handleMessage({
    seq: 2,
    type: 'request',
    command: 'launch',
    arguments: { checkpoint: path.join(FIXTURE_DIR, 'model.safetensors'), puzzle: SUDOKU, backend: 'webgpu' },
  } as DebugProtocol.Request);
  const response = await launched;
  session.dispose();
  return { response, events };
}

test('a GPU memory error at launch fails it with the sizes and offers the CPU backend (trm/gpuError)', async () => {
  const error = GpuMemoryError.forTensor([1, 97, 4_000_000], 'float32', 1_552_000_000, {
    maxBufferSize: 1_073_741_824,
    maxStorageBufferBindingSize: 1_073_741_824,
    adapter: 'SwiftShader driver 5.0.0 (google swiftshader)',
  });
  const { response, events } = await launchFailing(error);
  assert.equal(response.success, false);
  assert.match(
    response.message ?? '',
    /^cannot start the trm session: GPU memory: a float32 tensor of shape \[1, 97, 4000000\] needs 1\.55 GB/,
  );
  const offer = events.find((e) => e.event === TRM_EVENT_GPU_ERROR);
  assert.ok(offer, `events: ${events.map((e) => e.event).join(', ')}`);
  assert.ok(isTrmGpuError(offer.body));
  assert.equal(offer.body.fallbackBackend, 'wasm');
  assert.equal(offer.body.message, error.message);
});

test('a lost device offers the CPU backend too; an ordinary error does not', async () => {
  const lost = await launchFailing(new GpuDeviceError('GPU error on Some GPU: device lost (unknown): gone.'));
  assert.ok(lost.events.some((e) => e.event === TRM_EVENT_GPU_ERROR));
  const other = await launchFailing(new Error('the checkpoint is corrupt'));
  assert.equal(other.response.success, false);
  assert.equal(other.events.filter((e) => e.event === TRM_EVENT_GPU_ERROR).length, 0);
});
