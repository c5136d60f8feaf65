// Shared helpers of the debug adapter tests: spawn `node dist/debugAdapter.js` under DebugClient,
// run the launch / configuration handshake, record every event, and read the parity fixture.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { readNpy } from '../../../src/engine/formats/npy';
import { readSafetensors, writeSafetensors } from '../../../src/engine/formats/safetensors';
import { toFloat32, toInt32 } from '../../../src/engine/hostTensor';

export const SHARED = process.env.TRM_SHARED ?? path.resolve(process.cwd(), '..', 'shared');
export const FIXTURE = path.join(SHARED, 'fixtures', 'trm-sudoku-mlp-small');
export const CHECKPOINT = path.join(FIXTURE, 'step_150');
export const ADAPTER = path.resolve(process.cwd(), 'dist', 'debugAdapter.js');

/** Fixture constants (README): S = 81, P = 16, T = 97, D = 64, V = 11, 21 updates per step. */
export const S = 81,
  P = 16,
  T = 97,
  D = 64,
  V = 11,
  U = 21;

export function sudokuString(ids: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < 81; i++) s += ids[i] >= 2 && ids[i] <= 10 ? String(ids[i] - 1) : '.';
  return s;
}

export interface FixtureRow {
  puzzle: string;
  solution: string;
  labels: Int32Array;
}

export function fixtureRow(row: number): FixtureRow {
  const inputs = toInt32(readNpy(path.join(FIXTURE, 'inputs.npy')));
  const labels = toInt32(readNpy(path.join(FIXTURE, 'labels.npy')));
  const l = labels.subarray(row * S, (row + 1) * S);
  return {
    puzzle: sudokuString(inputs.subarray(row * S, (row + 1) * S)),
    solution: sudokuString(l),
    labels: Int32Array.from(l),
  };
}

export function fixtureArray(name: string): Float32Array {
  return toFloat32(readNpy(path.join(FIXTURE, name)));
}

/** argmax over the last axis, first index on ties. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/**
 * A copy of the fixture weights whose q_head halt bias is shifted by `shift`, next to the fixture's
 * own all_config.yaml: q_halt moves by exactly `shift`, so expected halting steps follow from
 * q_halt_steps.npy. Returns the checkpoint path.
 */
export function shiftedHaltCheckpoint(shift: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trm-debug-halt-'));
  const file = readSafetensors(path.join(FIXTURE, 'model.safetensors'));
  const key = [...file.tensors.keys()].find((k) => k.endsWith('q_head.bias'));
  if (!key) throw new Error('fixture has no q_head.bias');
  const bias = Float32Array.from(toFloat32(file.tensors.get(key)!));
  bias[0] += shift;
  file.tensors.set(key, { dtype: 'float32', shape: [2], data: bias });
  writeSafetensors(path.join(dir, 'model.safetensors'), file.tensors, file.metadata);
  fs.copyFileSync(path.join(FIXTURE, 'all_config.yaml'), path.join(dir, 'all_config.yaml'));
  return path.join(dir, 'model.safetensors');
}

export class Session {
  readonly dc: DebugClient;
  readonly events: DebugProtocol.Event[] = [];
  private waiters: { match: (e: DebugProtocol.Event) => boolean; resolve: (e: DebugProtocol.Event) => void }[] = [];

  constructor() {
    if (!fs.existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run 'node esbuild.mjs' first`);
    this.dc = new DebugClient('node', ADAPTER, 'trm');
    this.dc.defaultTimeout = 20_000;
  }

  async start(): Promise<void> {
    await this.dc.start();
    // ProtocolClient emits each event under its name; record them all in order.
    for (const name of ['initialized', 'stopped', 'terminated', 'output', 'trm/position', 'trm/traceInfo']) {
      this.dc.on(name, (e: DebugProtocol.Event) => this.record(e));
    }
  }

  private record(e: DebugProtocol.Event): void {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.match(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** The next event named `name` that arrives after this call (or after index `from` of events). */
  next(name: string, from = this.events.length): Promise<DebugProtocol.Event> {
    const already = this.events.slice(from).find((e) => e.event === name);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${name}' event within 30 s`)), 30_000);
      timer.unref(); // the loser of a race (stopped vs terminated) must not keep the test process alive
      this.waiters.push({
        match: (e) => e.event === name,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  /** initialize + launch; `configure` runs between 'initialized' and configurationDone. Resolves at the first stop. */
  async launch(args: Record<string, unknown>, configure?: () => Promise<void>): Promise<DebugProtocol.StoppedEvent> {
    const from = this.events.length;
    await this.dc.initializeRequest({
      adapterID: 'trm',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    const launched = this.dc.launchRequest(args);
    await Promise.race([
      this.next('initialized', from),
      launched.then(() => {
        throw new Error('launch answered before initialized');
      }),
    ]);
    await configure?.();
    await this.dc.configurationDoneRequest();
    await launched;
    return (await this.next('stopped', from)) as DebugProtocol.StoppedEvent;
  }

  /** Sends a motion request and waits for the stop (or termination) it causes. */
  async motion(run: () => Promise<unknown>): Promise<DebugProtocol.StoppedEvent> {
    const from = this.events.length;
    await run();
    const e = await Promise.race([this.next('stopped', from), this.next('terminated', from)]);
    if (e.event !== 'stopped') throw new Error('the session terminated instead of stopping');
    return e as DebugProtocol.StoppedEvent;
  }

  continue(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.continueRequest({ threadId: 1 }));
  }
  nextUpdate(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.nextRequest({ threadId: 1 }));
  }
  stepIn(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.stepInRequest({ threadId: 1 }));
  }
  stepOut(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.stepOutRequest({ threadId: 1 }));
  }
  stepBack(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.stepBackRequest({ threadId: 1 }));
  }
  reverseContinue(): Promise<DebugProtocol.StoppedEvent> {
    return this.motion(() => this.dc.reverseContinueRequest({ threadId: 1 }));
  }

  /** Position of the last trm/position event. */
  position(): { step: number; ordinal: number; layer?: number; description: string; reason: string } {
    const e = [...this.events].reverse().find((x) => x.event === 'trm/position');
    if (!e) throw new Error('no trm/position event yet');
    return e.body;
  }

  async frames(): Promise<DebugProtocol.StackFrame[]> {
    return (await this.dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  }

  /** Variables of a scope of the top frame, by scope name prefix ('x', 'y', 'z', 'halting'). */
  async scope(prefix: string): Promise<DebugProtocol.Variable[]> {
    const [top] = await this.frames();
    const scopes = (await this.dc.scopesRequest({ frameId: top.id })).body.scopes;
    const s = scopes.find((x) => x.name.startsWith(prefix));
    if (!s) throw new Error(`no scope ${prefix}: ${scopes.map((x) => x.name).join(', ')}`);
    return (await this.dc.variablesRequest({ variablesReference: s.variablesReference })).body.variables;
  }

  async children(
    v: DebugProtocol.Variable,
    args: Partial<DebugProtocol.VariablesArguments> = {},
  ): Promise<DebugProtocol.Variable[]> {
    return (await this.dc.variablesRequest({ variablesReference: v.variablesReference, ...args })).body.variables;
  }

  async stop(): Promise<void> {
    try {
      await this.dc.disconnectRequest({});
    } catch {
      /* already gone */
    }
    await this.dc.stop();
  }
}

export function named(vars: DebugProtocol.Variable[], name: string): DebugProtocol.Variable {
  const v = vars.find((x) => x.name === name);
  if (!v) throw new Error(`no variable '${name}' among ${vars.map((x) => x.name).join(', ')}`);
  return v;
}
