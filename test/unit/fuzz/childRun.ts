// Runs a Node program (the bundled CLI or debug adapter) in a child process under a watchdog: a
// wall-clock limit and a resident-memory cap (polled from /proc; the child is killed when it passes
// either), and reports the child's own peak RSS (process.resourceUsage().maxRSS, written by a
// preload on exit). Tests of resource exhaustion run the product this way, so a regression fails
// with "killed at 600 MB" instead of taking the machine down.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../../../..');
/** The CLI bundle under test (TRM_FUZZ_CLI points at another build, e.g. to compare with an older one). */
export const CLI = process.env.TRM_FUZZ_CLI ?? path.join(ROOT, 'dist', 'cli.js');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident set of the child in MiB (from the preload, or the last /proc sample when killed). */
  peakMiB: number;
  timedOut: boolean;
  killedForMemory: boolean;
  ms: number;
}

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** Kill the child when its resident set passes this many MiB. */
  rssCapMiB?: number;
  /** Bytes written to stdin (then closed, unless keepStdin). */
  input?: Buffer;
  keepStdin?: boolean;
}

let preload: string | undefined;

/** A preload that writes `{"maxRSS": KiB}` to fd 3 when the child exits. */
function preloadFile(): string {
  if (preload && fs.existsSync(preload)) return preload;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-childrun-'));
  preload = path.join(dir, 'rss.js');
  fs.writeFileSync(
    preload,
    "process.on('exit', () => { try { require('fs').writeSync(3, JSON.stringify({ maxRSS: process.resourceUsage().maxRSS }) + '\\n'); } catch {} });\n",
  );
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return preload;
}

function vmHwmMiB(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs `node <args>` and resolves when the child has exited (or was killed by the watchdog). */
export function runNode(args: string[], opts: ChildOptions = {}): Promise<ChildResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', preloadFile(), ...args], {
      cwd: opts.cwd ?? ROOT,
      // Not the test runner's context: the child must not report as a test file.
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, TRM_DEBUG: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let report = '';
    let peak = 0;
    let timedOut = false;
    let killedForMemory = false;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (b: Buffer) => (report += b.toString()));
    child.stdin.on('error', () => {}); // a child that exits early closes its stdin
    if (opts.input) child.stdin.write(opts.input);
    if (!opts.keepStdin) child.stdin.end();
    const poll = setInterval(() => {
      if (child.pid === undefined) return;
      peak = Math.max(peak, vmHwmMiB(child.pid));
      if (opts.rssCapMiB !== undefined && peak > opts.rssCapMiB && !killedForMemory) {
        killedForMemory = true;
        child.kill('SIGKILL');
      }
    }, 25);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      const m = /"maxRSS":(\d+)/.exec(report);
      if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      resolve({ code, signal, stdout, stderr, peakMiB: peak, timedOut, killedForMemory, ms: Date.now() - t0 });
    });
  });
}

/** One line that says how a child ended, for assertion messages. */
export function describeRun(r: ChildResult): string {
  const how = r.timedOut
    ? 'timed out'
    : r.killedForMemory
      ? `killed at ${r.peakMiB.toFixed(0)} MiB resident`
      : `exit ${r.code ?? r.signal}`;
  return `${how} after ${r.ms} ms, peak ${r.peakMiB.toFixed(0)} MiB; stderr: ${r.stderr.slice(0, 600)}`;
}
