// The standalone adapter survives any byte stream and any request: bad Content-Length headers are
// reported and skipped (the next message is answered), malformed or null bodies are reported,
// requests without their required arguments get error responses (never a crash), no reply carries
// a stack trace (it goes to the log file), a launch abandoned by a disconnect is still answered,
// positions follow the client's linesStartAt1 / columnsStartAt1, and the defaults (stopOnEntry, the
// checkpoint) agree with package.json and the README.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { DapFrameReader, FrameEvent } from '../../../src/debug/dapFraming';
import { validateLaunchArgs } from '../../../src/debug/launchConfig';
import { TrmDebugSession } from '../../../src/debug/session';
import { CHECKPOINT, FIXTURE, fixtureRow } from './dapHarness';
import { Message, RawAdapter, frame } from './rawDap';

const row0 = fixtureRow(0);
const ROOT = path.resolve(__dirname, '../../../..');
const STACK = /\n\s+at \S|TypeError|ReferenceError/;

function noStacks(messages: Message[]): void {
  for (const m of messages) {
    const text = JSON.stringify(m);
    assert.ok(!STACK.test(text.replace(/\\n/g, '\n')), `a message carries a stack trace: ${text.slice(0, 400)}`);
  }
}

const initialize = (seq: number): string =>
  JSON.stringify({ seq, type: 'request', command: 'initialize', arguments: { adapterID: 'trm', pathFormat: 'path' } });

test('bad Content-Length headers are reported and skipped: the next message is answered', async () => {
  for (const [what, bad] of [
    ['missing', Buffer.from('Content-Type: application/json\r\n\r\n{"seq":1}')],
    ['negative', Buffer.from('Content-Length: -5\r\n\r\n{"seq":1}')],
    ['not a number', Buffer.from('Content-Length: abc\r\n\r\n{}')],
    ['huge (1 GB)', Buffer.from('Content-Length: 1000000000\r\n\r\n{"seq":1,"type":"request"')],
    ['garbage without a header', Buffer.alloc(20_000, 'x')],
  ] as const) {
    const a = new RawAdapter();
    try {
      a.writeRaw(Buffer.concat([bad, frame(initialize(7))]));
      const r = await a.waitFor(
        (m) => m.type === 'response' && m.request_seq === 7,
        10_000,
        `initialize after a ${what} header`,
      );
      assert.equal(r.success, true, what);
      assert.ok(
        a.outputs(/TRM debug adapter: .*(Content-Length|header)/).length >= 1,
        `${what}: the problem is reported`,
      );
      assert.ok(a.alive, what);
    } finally {
      await a.close();
    }
  }
});

test('a malformed body or a JSON null is reported, and the session goes on', async () => {
  const a = new RawAdapter();
  try {
    a.writeRaw(frame('{"seq": 1, "type": "requ'));
    a.writeRaw(frame('null'));
    a.writeRaw(frame('[1, 2]'));
    a.send({ seq: 4, type: 'request' }); // no command: answered as an error
    a.send({ type: 'request', command: 'threads' }); // no seq: cannot be answered, reported
    const init = await a.initialize();
    assert.equal(init.success, true);
    assert.equal(a.outputs(/message body is not JSON/).length, 1);
    assert.equal(a.outputs(/a DAP message must be a JSON object, got null/).length, 1);
    assert.equal(a.outputs(/a DAP message must be a JSON object, got an array/).length, 1);
    assert.equal(a.outputs(/a request without a non-negative integer 'seq'/).length, 1);
    const noCommand = a.messages.find((m) => m.type === 'response' && m.request_seq === 4) as DebugProtocol.Response;
    assert.equal(noCommand.success, false);
    assert.match(noCommand.message ?? '', /invalid request: a request without a 'command'/);
    assert.ok(a.alive);
    noStacks(a.messages);
  } finally {
    await a.close();
  }
});

test('requests without their required arguments get error responses, never a crash or a stack trace', async () => {
  const a = new RawAdapter();
  try {
    const noArgs = [
      'initialize',
      'source',
      'scopes',
      'variables',
      'evaluate',
      'stackTrace',
      'setBreakpoints',
      'setFunctionBreakpoints',
      'setExceptionBreakpoints',
      'dataBreakpointInfo',
      'setDataBreakpoints',
      'continue',
      'next',
      'exceptionInfo',
      'launch',
    ];
    for (const command of noArgs) {
      const r = await a.request(command);
      assert.equal(r.success, false, command);
      assert.match(
        r.message ?? '',
        command === 'launch' ? /needs its arguments/ : /is required|needs its arguments/,
        command,
      );
    }
    assert.match(
      (await a.request('scopes', { frameId: 'x' })).message ?? '',
      /scopes: 'frameId' \(an integer\) is required/,
    );
    assert.match((await a.request('evaluate', [1])).message ?? '', /the arguments of 'evaluate' must be an object/);
    assert.equal((await a.initialize()).success, true);
    // While stopped too (the crashes of scopes / evaluate without arguments happened there).
    const launched = a.request('launch', { checkpoint: CHECKPOINT, puzzle: row0.puzzle, steps: 2, backend: 'cpu' });
    await a.waitFor((m) => m.type === 'event' && m.event === 'initialized', 30_000, 'initialized');
    await a.request('configurationDone', {});
    assert.equal((await launched).success, true);
    await a.waitFor((m) => m.type === 'event' && m.event === 'stopped', 30_000, 'stopped');
    for (const command of ['scopes', 'evaluate', 'source', 'variables', 'stackTrace']) {
      const r = await a.request(command);
      assert.equal(r.success, false, command);
      assert.match(r.message ?? '', /is required/, command);
    }
    const frames = await a.request('stackTrace', { threadId: 1 });
    assert.equal(frames.success, true);
    assert.ok(a.alive, 'the adapter is still running');
    noStacks(a.messages);
  } finally {
    await a.close();
  }
});

test('an exception inside a handler becomes a one-line error; its stack goes to the log file', () => {
  class Throwing extends TrmDebugSession {
    protected override threadsRequest(): void {
      throw new TypeError('boom');
    }
  }
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trm-adlog-')), 'adapter.log');
  const saved = process.env.TRM_DEBUG_LOG;
  process.env.TRM_DEBUG_LOG = log;
  try {
    const session = new Throwing(() => Promise.reject(new Error('no engine')));
    const sent: Message[] = [];
    session.onDidSendMessage((m) => sent.push(m as Message));
    session.handleMessage({ seq: 1, type: 'request', command: 'threads' } as DebugProtocol.Request);
    const r = sent.find((m) => m.type === 'response') as DebugProtocol.Response;
    assert.equal(r.success, false);
    assert.equal(
      r.message,
      `internal error in the trm debug adapter while handling 'threads': boom (details in ${log})`,
    );
    noStacks(sent);
    assert.match(fs.readFileSync(log, 'utf8'), /internal error while handling 'threads'\nTypeError: boom\n\s+at /);
    session.dispose();
  } finally {
    if (saved === undefined) delete process.env.TRM_DEBUG_LOG;
    else process.env.TRM_DEBUG_LOG = saved;
    fs.rmSync(path.dirname(log), { recursive: true, force: true });
  }
});

test('a launch abandoned by a disconnect is answered; a launch after a disconnect is answered', async () => {
  let a = new RawAdapter();
  try {
    await a.initialize();
    const launched = a.request('launch', { checkpoint: CHECKPOINT, puzzle: row0.puzzle, backend: 'cpu' });
    const disconnected = a.request('disconnect', {});
    const [l, d] = await Promise.all([launched, disconnected]);
    assert.equal(d.success, true);
    assert.equal(l.success, false);
    assert.match(l.message ?? '', /the client disconnected/);
  } finally {
    await a.close();
  }
  a = new RawAdapter();
  try {
    await a.initialize();
    // Both in one write: the launch arrives after the disconnect, before the process ends.
    a.writeRaw(
      Buffer.concat([
        frame(JSON.stringify({ seq: 20, type: 'request', command: 'disconnect', arguments: {} })),
        frame(
          JSON.stringify({
            seq: 21,
            type: 'request',
            command: 'launch',
            arguments: { checkpoint: CHECKPOINT, puzzle: row0.puzzle },
          }),
        ),
      ]),
    );
    const l = await a.waitFor((m) => m.type === 'response' && m.request_seq === 21, 10_000, 'launch response');
    assert.equal(l.success, false);
    assert.match(String(l.message), /the session has ended/);
  } finally {
    await a.close();
  }
});

test('positions follow the client: linesStartAt1 / columnsStartAt1 false give 0-based lines and columns', async () => {
  for (const oneBased of [true, false]) {
    const a = new RawAdapter();
    try {
      await a.initialize({ linesStartAt1: oneBased, columnsStartAt1: oneBased });
      const launched = a.request('launch', { checkpoint: CHECKPOINT, puzzle: row0.puzzle, steps: 1, backend: 'cpu' });
      await a.waitFor((m) => m.type === 'event' && m.event === 'initialized', 30_000);
      await a.request('configurationDone', {});
      await launched;
      await a.waitFor((m) => m.type === 'event' && m.event === 'stopped', 30_000);
      const r = (await a.request('stackTrace', { threadId: 1 })) as DebugProtocol.StackTraceResponse;
      const top = r.body.stackFrames[0];
      assert.deepEqual([top.line, top.column], oneBased ? [2, 1] : [1, 0], `linesStartAt1 ${oneBased}`);
      // The line points at the same text either way: the grid document's second line.
      const src = await a.request('source', { sourceReference: top.source!.sourceReference });
      const lines = String((src.body as { content: string }).content).split('\n');
      assert.ok(lines[(oneBased ? top.line - 1 : top.line) as number].length > 0);
    } finally {
      await a.close();
    }
  }
});

test('defaults agree with package.json: stopOnEntry, and the checkpoint (workspace, else the bundled default model)', async () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const props = pkg.contributes.debuggers[0].configurationAttributes.launch.properties;
  const args = validateLaunchArgs({ checkpoint: CHECKPOINT, puzzle: row0.puzzle });
  assert.equal(args.stopOnEntry, props.stopOnEntry.default, 'stopOnEntry default');
  assert.match(
    props.checkpoint.description,
    /else the workspace's only checkpoint, else the bundled model media\/models\/sudoku \(the paper's recursion/,
  );

  // An empty workspace: the bundled default model.
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-nock-'));
  const one = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-oneck-'));
  fs.mkdirSync(path.join(one, 'models'));
  fs.copyFileSync(path.join(FIXTURE, 'model.safetensors'), path.join(one, 'models', 'model.safetensors'));
  fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(one, 'models', 'all_config.yaml'));
  try {
    for (const [cwd, expected] of [
      [empty, path.join(ROOT, 'media', 'models', 'sudoku', 'model.safetensors')],
      [one, path.join(one, 'models', 'model.safetensors')],
    ]) {
      const a = new RawAdapter({ cwd });
      try {
        await a.initialize();
        const launched = a.request('launch', { puzzle: row0.puzzle, steps: 1, backend: 'cpu' });
        await a.waitFor((m) => m.type === 'event' && m.event === 'initialized', 30_000, 'initialized');
        await a.request('configurationDone', {});
        const l = await launched;
        assert.equal(l.success, true, l.message);
        const info = await a.waitFor((m) => m.type === 'event' && m.event === 'trm/traceInfo', 30_000);
        assert.equal((info.body as { checkpoint: string }).checkpoint, expected);
        const stop = await a.waitFor((m) => m.type === 'event' && m.event === 'stopped', 30_000);
        assert.equal((stop.body as { reason: string }).reason, 'entry', 'stops on entry by default');
      } finally {
        await a.close();
      }
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
    fs.rmSync(one, { recursive: true, force: true });
  }
});

test('framing: a large body is buffered in linear time and delivered once; chunk boundaries anywhere', () => {
  const events: FrameEvent[] = [];
  const reader = new DapFrameReader(64 * 1024 * 1024, (e) => events.push(e));
  const body = Buffer.from(
    JSON.stringify({ seq: 1, type: 'request', command: 'x', arguments: { pad: 'y'.repeat(8 << 20) } }),
  );
  const bytes = frame(body);
  for (let i = 0; i < bytes.length; i += 65536) reader.push(bytes.subarray(i, i + 65536));
  assert.equal(events.length, 1);
  assert.equal(events[0].kind, 'message');
  assert.ok(
    reader.copiedBytes <= 2 * bytes.length,
    `copied ${reader.copiedBytes} bytes for a ${bytes.length}-byte message`,
  );

  // Two messages split at every possible byte boundary.
  const two = Buffer.concat([frame('{"a":1}'), frame('{"b":2}')]);
  for (let cut = 0; cut <= two.length; cut++) {
    const got: FrameEvent[] = [];
    const r = new DapFrameReader(1024, (e) => got.push(e));
    r.push(two.subarray(0, cut));
    r.push(two.subarray(cut));
    assert.deepEqual(
      got.map((e) => (e.kind === 'message' ? e.value : e.message)),
      [{ a: 1 }, { b: 2 }],
      `cut at ${cut}`,
    );
  }
  // A header split inside "Content-Length:" while resynchronising is still found.
  const got: FrameEvent[] = [];
  const r = new DapFrameReader(1024, (e) => got.push(e));
  const junk = Buffer.concat([Buffer.from('Content-Length: x\r\n\r\nzzz'), frame('{"c":3}')]);
  const split = junk.indexOf('Content-Length', 5) + 7;
  r.push(junk.subarray(0, split));
  r.push(junk.subarray(split));
  assert.deepEqual(
    got.map((e) => e.kind),
    ['error', 'message'],
  );
});
