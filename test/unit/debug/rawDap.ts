// A raw stdio client of the standalone debug adapter (node dist/debugAdapter.js) for tests that send
// what DebugClient cannot: broken headers, malformed bodies, requests without arguments. It frames
// what it sends itself (or sends raw bytes), parses what comes back, and records the child's exit.

import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DebugProtocol } from '@vscode/debugprotocol';

/** The adapter bundle under test (TRM_FUZZ_ADAPTER points at another build, e.g. to compare with an older one). */
export const ADAPTER = process.env.TRM_FUZZ_ADAPTER ?? path.resolve(__dirname, '../../../../dist/debugAdapter.js');

export type Message = DebugProtocol.ProtocolMessage & Partial<DebugProtocol.Response> & Record<string, unknown>;

export function frame(body: string | Buffer): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return Buffer.concat([Buffer.from(`Content-Length: ${b.length}\r\n\r\n`), b]);
}

export class RawAdapter {
  readonly child: ChildProcessWithoutNullStreams;
  readonly messages: Message[] = [];
  readonly logFile: string;
  stderr = '';
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private buf = Buffer.alloc(0);
  private seq = 1;
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  constructor(opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run 'node esbuild.mjs' first`);
    this.logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'trm-rawdap-')), 'adapter.log');
    this.child = spawn(process.execPath, [ADAPTER], {
      cwd: opts.cwd,
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG_LOG: this.logFile, ...opts.env },
    });
    this.child.stdout.on('data', (b: Buffer) => this.onData(b));
    this.child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      }),
    );
  }

  private onData(b: Buffer): void {
    this.buf = Buffer.concat([this.buf, b]);
    for (;;) {
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/.exec(this.buf.toString('latin1', 0, end));
      if (!m) throw new Error(`adapter wrote a bad header: ${this.buf.toString('latin1', 0, end)}`);
      const n = Number(m[1]);
      if (this.buf.length < end + 4 + n) return;
      const msg = JSON.parse(this.buf.toString('utf8', end + 4, end + 4 + n)) as Message;
      this.buf = this.buf.subarray(end + 4 + n);
      this.messages.push(msg);
      for (const w of [...this.waiters]) {
        if (w.match(msg)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(msg);
        }
      }
    }
  }

  writeRaw(bytes: Buffer | string): void {
    this.child.stdin.write(bytes);
  }

  /** Sends a framed message (any JSON value); returns the seq used when it is a request we built. */
  send(value: unknown): void {
    this.writeRaw(frame(JSON.stringify(value)));
  }

  /** Sends a request and resolves with its response. */
  request(command: string, args?: unknown, timeoutMs = 20_000): Promise<DebugProtocol.Response> {
    const seq = this.seq++;
    const req: Record<string, unknown> = { seq, type: 'request', command };
    if (args !== undefined) req.arguments = args;
    const answer = this.waitFor(
      (m) => m.type === 'response' && m.request_seq === seq,
      timeoutMs,
      `response to ${command}`,
    );
    this.send(req);
    return answer as Promise<DebugProtocol.Response>;
  }

  /** The first message (already received or coming) that matches. */
  waitFor(match: (m: Message) => boolean, timeoutMs = 20_000, what = 'message', from = 0): Promise<Message> {
    const seen = this.messages.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms (adapter ${this.exit ? `exited ${this.exit.code ?? this.exit.signal}` : 'alive'}; stderr: ${this.stderr.slice(0, 500)})`,
          ),
        );
      }, timeoutMs);
      timer.unref();
      const done = (m: Message): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** Output events whose text matches. */
  outputs(re: RegExp): string[] {
    return this.messages
      .filter((m) => m.type === 'event' && m.event === 'output')
      .map((m) => String((m.body as { output?: string }).output))
      .filter((t) => re.test(t));
  }

  async initialize(args: Record<string, unknown> = {}): Promise<DebugProtocol.Response> {
    return this.request('initialize', { adapterID: 'trm', pathFormat: 'path', ...args });
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  async close(): Promise<void> {
    if (this.alive) {
      this.child.stdin.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(t);
    }
    fs.rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }

  waitExit(): Promise<void> {
    return this.exited;
  }
}
