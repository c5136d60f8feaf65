// Standalone `trm` debug adapter over stdio (`node dist/debugAdapter.js`), or as a server for one
// client per connection (`--server=<port>`): the same session that VS Code runs inline, for other
// DAP clients and for the DebugClient tests. Input is framed by DapFrameReader, not by the library's
// ProtocolServer (which hangs on bad Content-Length headers and buffers quadratically); the session
// only ever receives parsed messages. Unexpected exceptions go to the adapter's log file, never to
// the client as a stack trace.
import * as net from 'node:net';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { getLimits } from '../engine/limits';
import { logAdapterError } from './adapterLog';
import { DapFrameReader } from './dapFraming';
import { openEngine } from './engineFacade';
import { TrmDebugSession } from './session';

/** The default bundled model (the paper's recursion; src/extension/bundledModels.ts names it for the extension) (dist/debugAdapter.js -> media/models/...). */
const BUNDLED_CHECKPOINT = path.join(__dirname, '..', 'media', 'models', 'sudoku', 'model.safetensors');

function serve(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, server: boolean): TrmDebugSession {
  const session = new TrmDebugSession(openEngine, { bundledCheckpoint: BUNDLED_CHECKPOINT });
  session.setRunAsServer(server);
  // The session reads nothing itself: it gets an empty stream (whose end ends the session) and the
  // messages the frame reader parses.
  const feed = new PassThrough();
  session.start(feed, output);
  const reader = new DapFrameReader(getLimits().dapMessage, (e) => {
    if (e.kind === 'error') session.protocolError(e.message);
    else {
      try {
        session.handleMessage(e.value as never);
      } catch (err) {
        session.internalError('handling a message', err);
      }
    }
  });
  input.on('data', (chunk: Buffer | string) => reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  let finished = false;
  const finish = (): void => {
    if (finished) return;
    finished = true;
    if (reader.pending) session.protocolError('the input ended inside a message');
    feed.end();
    feed.resume();
  };
  input.on('end', finish);
  input.on('close', finish);
  input.on('error', (e: Error) => {
    session.internalError('reading the input', e);
    finish();
  });
  return session;
}

let stdioSession: TrmDebugSession | undefined;
// A handler's escaped exception must neither end the adapter nor reach the client as a stack trace.
const escaped =
  (what: string) =>
  (e: unknown): void => {
    if (stdioSession) stdioSession.internalError(`(${what})`, e);
    else logAdapterError(what, e);
  };
process.on('uncaughtException', escaped('uncaught exception'));
process.on('unhandledRejection', escaped('unhandled rejection'));

const port = process.argv.map((a) => /^--server=(\d{1,5})$/.exec(a)?.[1]).find((p) => p !== undefined);
if (port !== undefined) {
  console.error(`waiting for debug protocol on port ${port}`);
  net.createServer((socket) => serve(socket, socket, true)).listen(Number(port));
} else {
  stdioSession = serve(process.stdin, process.stdout, false);
  process.on('SIGTERM', () => stdioSession?.shutdown());
}
