// Fuzz suite over the standalone debug adapter (node dist/debugAdapter.js over stdio): deterministic
// (seeded), bounded (a few dozen sessions, several hundred requests and framing mutants, well under a
// minute). Each session sends a seeded mix of broken framing (bad or huge Content-Length, junk bytes,
// malformed and null bodies), launches (valid, or with mutated attributes), and standard and trm/*
// requests with valid, missing, mistyped or random arguments, in whatever state the session is in.
// For every session the suite asserts: every request is answered exactly once, no message carries a
// stack trace, the adapter never dies (a final `threads` is answered, then disconnect ends it with
// exit code 0), no request hangs (a watchdog), and the adapter's peak memory stays under a bound.
// TRM_FUZZ_SEED / TRM_FUZZ_SCALE as for the formats suite.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURE } from '../formats/builders';
import { Message, RawAdapter, frame } from '../debug/rawDap';
import { ROOT } from './childRun';
import { FuzzRng, INTERESTING_TEXT } from './mutate';

const SEED = Number(process.env.TRM_FUZZ_SEED ?? 20261210);
const SCALE = Number(process.env.TRM_FUZZ_SCALE ?? 1);
const SESSIONS = Math.max(2, Math.round(24 * SCALE));
const ONLY = process.env.TRM_FUZZ_SESSION === undefined ? undefined : Number(process.env.TRM_FUZZ_SESSION);
const REQUESTS_PER_SESSION = 24;
const RESPONSE_TIMEOUT_MS = 20_000;
const RSS_BOUND_MIB = 600;
const DEMO = path.join(ROOT, 'media', 'models', 'sudoku-small', 'model.safetensors');
const PUZZLE = '..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..';
const STACK = /\n\s+at \S|TypeError|ReferenceError|RangeError|Maximum call stack/;

const COMMANDS = [
  'initialize',
  'configurationDone',
  'threads',
  'stackTrace',
  'scopes',
  'variables',
  'source',
  'evaluate',
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'pause',
  'setBreakpoints',
  'setFunctionBreakpoints',
  'setExceptionBreakpoints',
  'dataBreakpointInfo',
  'setDataBreakpoints',
  'exceptionInfo',
  'setVariable',
  'completions',
  'goto',
  'restartFrame',
  'readMemory',
  'loadedSources',
  'terminate',
  'attach',
  'trm/seek',
  'trm/stepSummary',
  'trm/heatmap',
  'trm/trajectory',
  'noSuchCommand',
];

function randomValue(rng: FuzzRng, depth = 0): unknown {
  switch (rng.int(depth > 1 ? 5 : 8)) {
    case 0:
      return rng.pick([0, 1, 2, -1, 3.5, 1e308, 2 ** 53, -(2 ** 31), 1000]);
    case 1:
      return rng.pick([
        '',
        'y',
        'z',
        'r4c7',
        'step 2',
        'q_halt > 0',
        'all',
        'first',
        '../../etc/passwd',
        'x'.repeat(3000),
      ]);
    case 2:
      return rng.chance(0.5);
    case 3:
      return null;
    case 4:
      return JSON.parse(rng.pick(INTERESTING_TEXT.filter((t) => t !== 'NaN'))) as unknown;
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let k = rng.int(4); k > 0; k--)
        o[
          rng.pick([
            'threadId',
            'frameId',
            'variablesReference',
            'name',
            'expression',
            'step',
            'ordinal',
            'layer',
            'tensor',
            'view',
            'channel',
            'steps',
            'source',
            'breakpoints',
            'filters',
            'sourceReference',
            'start',
            'count',
            '__proto__',
          ])
        ] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

/** Arguments for a request: plausible, missing, mistyped or random. */
function argsFor(rng: FuzzRng, command: string, ids: { frame: number; ref: number; source: number }): unknown {
  const r = rng.next();
  if (r < 0.15) return undefined;
  if (r < 0.35) return randomValue(rng);
  const plausible: Record<string, unknown> = {
    initialize: { adapterID: 'trm', linesStartAt1: rng.chance(0.5), columnsStartAt1: rng.chance(0.5) },
    stackTrace: { threadId: 1, startFrame: rng.int(3), levels: rng.int(5) },
    scopes: { frameId: rng.chance(0.8) ? ids.frame : rng.int(1000) },
    variables: {
      variablesReference: rng.chance(0.8) ? ids.ref : rng.int(1000),
      start: rng.int(10),
      count: rng.int(20),
    },
    source: { sourceReference: rng.chance(0.8) ? ids.source : rng.int(100) },
    evaluate: {
      expression: rng.pick(['q_halt', 'step + 1', 'r4c7', 'q_halt >', 'accuracy', '((((', 'x'.repeat(500)]),
      frameId: ids.frame,
    },
    setFunctionBreakpoints: {
      breakpoints: [{ name: rng.pick(['step 2', 'cycle 1 update 3', 'halt', 'y', 'nonsense']) }],
    },
    setExceptionBreakpoints: { filters: [rng.pick(['halt', 'wrongHalt', 'answerChanged', 'nonFinite', 'bogus'])] },
    setBreakpoints: { source: { path: '/x' }, breakpoints: [{ line: rng.int(10) }] },
    dataBreakpointInfo: { name: rng.pick(['r1c1', 'r4c7', 'z', 'q']), variablesReference: ids.ref },
    setDataBreakpoints: { breakpoints: [{ dataId: rng.pick(['y-cell:3', 'y-cell:999', 'nope']) }] },
    'trm/seek': { step: 1 + rng.int(4), ordinal: rng.int(8), ...(rng.chance(0.3) ? { layer: rng.int(3) } : {}) },
    'trm/stepSummary': { step: rng.int(5) },
    'trm/heatmap': {
      step: 1 + rng.int(3),
      ordinal: rng.int(7),
      tensor: rng.pick(['y', 'z', 'w']),
      view: rng.pick(['norm', 'channel', 'pca']),
      channel: rng.int(100),
    },
    'trm/trajectory': { tensor: rng.pick(['y', 'z']), steps: 1 + rng.int(3) },
  };
  return plausible[command] ?? { threadId: 1 };
}

function launchArgs(rng: FuzzRng): Record<string, unknown> {
  // The demo model (6 updates per step) keeps motions quick on the plain-JS backend; the official
  // torch checkpoint (42 layer applications per step) is launched now and then for one step.
  const official = rng.chance(0.15);
  const good: Record<string, unknown> = {
    checkpoint: official ? path.join(FIXTURE, 'step_150') : DEMO,
    puzzle: PUZZLE,
    steps: official ? 1 : 1 + rng.int(3),
    stopOnEntry: rng.chance(0.7),
    backend: 'cpu',
    haltPolicy: rng.pick(['all', 'first', { threshold: 0.5 }]),
  };
  if (rng.chance(0.6)) return good;
  // One attribute mutated (or dropped, or an unknown one added).
  const key = rng.pick([...Object.keys(good), 'dataset', 'index', 'config', 'cwd', 'solution', 'noDebug', 'extra']);
  if (rng.chance(0.3)) delete good[key];
  else good[key] = randomValue(rng);
  return good;
}

function junk(rng: FuzzRng): Buffer {
  return rng.pick([
    () => Buffer.from(`Content-Length: ${rng.pick(['-1', 'abc', '99999999999', '1000000000', ''])}\r\n\r\n{}`),
    () => Buffer.from('Content-Type: text/plain\r\n\r\n{"seq":1}'),
    () => frame('{"seq": 5, "type": "requ'),
    () => frame('null'),
    () => frame('[]'),
    () => frame('{"seq": -3, "type": "request", "command": "threads"}'),
    () => frame(JSON.stringify({ seq: 77777, type: 'request', command: 42 })),
    () => frame(JSON.stringify({ seq: 77778, type: 'response', request_seq: 1, success: true, command: 'x' })),
    () => Buffer.alloc(1 + rng.int(9000), rng.int(256)),
  ])();
}

interface SessionResult {
  problems: string[];
  requests: number;
  junk: number;
  peakMiB: number;
}

function vmHwmMiB(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function fuzzSession(k: number): Promise<SessionResult> {
  const rng = new FuzzRng((SEED ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0);
  const a = new RawAdapter();
  const problems: string[] = [];
  let requests = 0;
  let junkCount = 0;
  let peak = 0;
  const poll = setInterval(() => {
    peak = Math.max(peak, vmHwmMiB(a.child.pid));
    if (peak > RSS_BOUND_MIB * 1.5) a.child.kill('SIGKILL');
  }, 50);
  const pending: Promise<unknown>[] = [];
  const ids = { frame: 0, ref: 0, source: 0 };
  // Once the adapter stops answering (or dies) the session ends: a broken adapter must fail the
  // suite quickly, not make it wait for every remaining request's timeout.
  let dead = false;
  const send = (command: string, args: unknown): Promise<boolean> => {
    if (dead || !a.alive) return Promise.resolve(false);
    requests++;
    const p = a.request(command, args, RESPONSE_TIMEOUT_MS).then(
      (r) => {
        const body = r.body as
          | {
              stackFrames?: { id: number; source?: { sourceReference?: number } }[];
              scopes?: { variablesReference: number }[];
            }
          | undefined;
        if (body?.stackFrames?.length) {
          ids.frame = body.stackFrames[0].id;
          ids.source = body.stackFrames[0].source?.sourceReference ?? 0;
        }
        if (body?.scopes?.length) ids.ref = body.scopes[0].variablesReference;
        return r.success;
      },
      (e: Error) => {
        dead = true;
        problems.push(`${command} ${JSON.stringify(args)?.slice(0, 120)}: ${e.message}`);
        return false;
      },
    );
    pending.push(p);
    return p;
  };
  const settled = (from: number, after: string): Promise<unknown> =>
    a
      .waitFor((m) => m.type === 'event' && (m.event === 'stopped' || m.event === 'terminated'), 30_000, 'stop', from)
      .catch((e: Error) => problems.push(`after ${after}: ${e.message}`));
  try {
    if (rng.chance(0.4)) {
      a.writeRaw(junk(rng));
      junkCount++;
    }
    await send('initialize', {
      adapterID: 'trm',
      linesStartAt1: rng.chance(0.8),
      columnsStartAt1: rng.chance(0.8),
      pathFormat: 'path',
    });
    const launched = launchArgs(rng);
    const launch = send('launch', launched);
    // Configuration ends when the adapter says it is ready (or at once, for a launch that failed).
    await Promise.race([
      a.waitFor((m) => m.type === 'event' && m.event === 'initialized', RESPONSE_TIMEOUT_MS).catch(() => undefined),
      launch,
    ]);
    await send('configurationDone', {});
    if (await launch) await settled(0, `launch ${JSON.stringify(launched)}`);
    for (let r = 0; r < REQUESTS_PER_SESSION && !dead && a.alive; r++) {
      if (rng.chance(0.12)) {
        a.writeRaw(junk(rng));
        junkCount++;
      }
      const command = rng.pick(COMMANDS);
      const from = a.messages.length;
      const p = send(command, argsFor(rng, command, ids));
      if (['continue', 'next', 'stepIn', 'stepOut', 'stepBack', 'reverseContinue', 'trm/seek'].includes(command)) {
        // A motion that was accepted ends in a stop (or the end of the episode).
        if (await p) await settled(from, `${command} (launch ${JSON.stringify(launched)})`);
      } else if (rng.chance(0.6)) await p; // otherwise requests may pile up before their answers
    }
    await Promise.all(pending);
    if (!a.alive) problems.push(`the adapter died (exit ${a.exit?.code ?? a.exit?.signal}): ${a.stderr.slice(-300)}`);
    if (!dead && a.alive) {
      const probe = await a.request('threads', undefined, RESPONSE_TIMEOUT_MS).catch((e: Error) => e);
      if (probe instanceof Error) problems.push(`the adapter no longer answers: ${probe.message}`);
      await a
        .request('disconnect', {}, RESPONSE_TIMEOUT_MS)
        .catch((e: Error) => problems.push(`disconnect: ${e.message}`));
      const exited = await Promise.race([
        a.waitExit().then(() => true),
        new Promise((r) => setTimeout(() => r(false), 5_000)),
      ]);
      if (!exited) problems.push('the adapter did not exit after disconnect');
      else if (a.exit?.code !== 0) problems.push(`the adapter exited with ${a.exit?.code ?? a.exit?.signal}`);
    }
    // Exactly one response per request seq; no stack traces anywhere.
    const answers = new Map<number, number>();
    for (const m of a.messages as Message[]) {
      if (m.type === 'response') answers.set(m.request_seq as number, (answers.get(m.request_seq as number) ?? 0) + 1);
      const text = JSON.stringify(m).replace(/\\n/g, '\n');
      if (STACK.test(text)) problems.push(`a message carries a stack trace or internal error: ${text.slice(0, 300)}`);
    }
    for (const [seq, n] of answers) if (n > 1 && seq < 77777) problems.push(`request ${seq} was answered ${n} times`);
  } finally {
    clearInterval(poll);
    peak = Math.max(peak, vmHwmMiB(a.child.pid));
    await a.close();
  }
  if (peak > RSS_BOUND_MIB) problems.push(`peak memory ${peak.toFixed(0)} MiB > ${RSS_BOUND_MIB} MiB`);
  return { problems: problems.map((p) => `session ${k}: ${p}`), requests, junk: junkCount, peakMiB: peak };
}

test(`fuzz: the stdio debug adapter under mutated sessions (seed ${SEED})`, { timeout: 600_000 }, async () => {
  assert.ok(fs.existsSync(DEMO), 'the bundled demo model is part of the repository');
  const t0 = Date.now();
  const results: SessionResult[] = [];
  // Two sessions at a time (two cores).
  for (let k = 0; k < SESSIONS; k += 2) {
    results.push(
      ...(await Promise.all(
        [k, k + 1].filter((x) => x < SESSIONS && (ONLY === undefined || x === ONLY)).map((x) => fuzzSession(x)),
      )),
    );
  }
  const problems = results.flatMap((r) => r.problems);
  console.log(
    `fuzz (adapter): seed ${SEED}, ${SESSIONS} sessions, ${results.reduce((s, r) => s + r.requests, 0)} requests, ${results.reduce((s, r) => s + r.junk, 0)} framing mutants in ${((Date.now() - t0) / 1000).toFixed(1)} s; adapter peak ${Math.max(...results.map((r) => r.peakMiB)).toFixed(0)} MiB; ${problems.length} problems`,
  );
  assert.deepEqual(problems.slice(0, 15), []);
});
