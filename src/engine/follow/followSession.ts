// Follows a folder where a trainer writes step_N checkpoints (pretrain.py under torchrun, a TRM Lens
// run, a synced or mounted copy of either): polls it, waits until each new file is complete (same size
// and mtime on two polls in a row AND the format's own end marker present, see completeness.ts), then
// evaluates it through the injected evaluator, at most one at a time, newest step first. A file that
// changes while waiting or being evaluated goes back to `writing`; only a complete, unchanged file that
// the loader rejects is `failed`. Polling, not fs.watch: watch events are unreliable on network and
// synced file systems, which are exactly where runs are followed from. A checkpoint that failed for want
// of its all_config.yaml is tried again when that file appears or changes.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CheckpointCandidate, listCheckpoints } from './checkpointFolder';
import { type Completeness, probeCheckpointFile } from './completeness';
import { type FollowEntry, type FollowEvalOutcome, type FollowState, type FollowStatus, pickBest } from './types';

export type FollowEvaluator = (file: string, step: number) => Promise<FollowEvalOutcome>;

export interface FollowSessionOptions {
  dir: string;
  evaluate: FollowEvaluator;
  /** Poll period (ms); default 2000. */
  pollMs?: number;
  /** Called after every change of the state (new entry, state change, evaluation result). */
  onChange?: (state: FollowState) => void;
  /** Injectable for tests. */
  probe?: (file: string) => Completeness;
  list?: (dir: string) => CheckpointCandidate[];
}

interface Tracked extends FollowEntry {
  mtimeMs: number;
  /** Consecutive polls with the same size and mtime. */
  stablePolls: number;
  /** size/mtime when it was queued: an evaluation of a file that changed since is discarded. */
  queuedAs: string | null;
}

const sig = (t: { size: number; mtimeMs: number }): string => `${t.size}:${t.mtimeMs}`;

export class FollowSession {
  readonly dir: string;
  private readonly entries = new Map<string, Tracked>();
  private status: FollowStatus = 'watching';
  private message = '';
  private polls = 0;
  private running: Tracked | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly pollMs: number;
  private readonly probe: (file: string) => Completeness;
  private readonly list: (dir: string) => CheckpointCandidate[];
  private idleWaiters: (() => void)[] = [];
  private lastConfigSig: string | null = null;

  constructor(private readonly opts: FollowSessionOptions) {
    this.dir = opts.dir;
    this.pollMs = opts.pollMs ?? 2000;
    this.probe = opts.probe ?? probeCheckpointFile;
    this.list = opts.list ?? listCheckpoints;
  }

  /** Polls now and then every pollMs until stop(). */
  start(): void {
    const loop = (): void => {
      if (this.stopped) return;
      this.poll();
      this.timer = setTimeout(loop, this.pollMs);
    };
    loop();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.status = 'stopped';
    this.message = 'stopped following';
    this.changed();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  state(): FollowState {
    const entries = [...this.entries.values()]
      .sort((a, b) => a.step - b.step || a.name.localeCompare(b.name))
      .map(({ name, step, file, state, detail, size, outcome }) => ({
        name,
        step,
        file,
        state,
        detail,
        size,
        outcome,
      }));
    return {
      dir: this.dir,
      status: this.status,
      message: this.message,
      entries,
      best: pickBest(entries),
      polls: this.polls,
    };
  }

  entry(step: number): FollowEntry | undefined {
    return this.state().entries.find((e) => e.step === step);
  }

  /** Resolves when nothing is queued or being evaluated (the CLI's --once, tests). */
  whenIdle(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private idle(): boolean {
    return this.stopped || (!this.running && ![...this.entries.values()].some((e) => e.state === 'queued'));
  }

  /** One look at the folder: new, changed, complete and vanished checkpoints; then the next evaluation. */
  poll(): void {
    if (this.stopped) return;
    this.polls++;
    let found: CheckpointCandidate[];
    try {
      found = this.list(this.dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const status: FollowStatus = 'waiting-for-folder';
      const message =
        code === 'ENOENT'
          ? `${this.dir} does not exist yet; waiting for the trainer to create it`
          : `cannot read ${this.dir} (${code ?? (e as Error).message}); retrying`;
      if (status !== this.status || message !== this.message) {
        this.status = status;
        this.message = message;
        this.changed();
      }
      return;
    }
    let dirty = this.status !== 'watching';
    this.status = 'watching';
    this.message = '';
    // all_config.yaml written (or rewritten) after a checkpoint failed for want of it: try those again.
    const configSig = this.configSignature();
    if (this.lastConfigSig !== null && configSig !== this.lastConfigSig)
      for (const t of this.entries.values())
        if (t.state === 'failed') {
          t.state = 'writing';
          t.detail = 'the configuration beside it changed; evaluating again';
          t.stablePolls = 1;
          this.checkReady(t);
          dirty = true;
        }
    this.lastConfigSig = configSig;
    const seen = new Set<string>();
    for (const c of found) {
      seen.add(c.name);
      dirty = this.observe(c) || dirty;
    }
    for (const [name, t] of this.entries) {
      if (seen.has(name)) continue;
      this.entries.delete(name); // deleted (or renamed away): an evaluation of it in flight is discarded
      if (this.running === t) this.running = null;
      dirty = true;
    }
    if (dirty) this.changed();
    this.next();
  }

  private observe(c: CheckpointCandidate): boolean {
    let st: fs.Stats;
    try {
      st = fs.statSync(c.file);
    } catch {
      return false; // vanished between listing and stat: the next poll drops it
    }
    const now = { size: st.size, mtimeMs: st.mtimeMs };
    let t = this.entries.get(c.name);
    if (!t) {
      t = {
        name: c.name,
        step: c.step,
        file: c.file,
        state: 'writing',
        detail: '',
        size: now.size,
        mtimeMs: now.mtimeMs,
        stablePolls: 0,
        queuedAs: null,
        outcome: null,
      };
      this.entries.set(c.name, t);
      this.checkReady(t);
      return true;
    }
    const before = `${t.state}|${t.detail}`;
    if (sig(now) !== sig(t)) {
      // Changed: wait again, whatever it was (a rewritten checkpoint is evaluated again).
      t.size = now.size;
      t.mtimeMs = now.mtimeMs;
      t.stablePolls = 0;
      t.file = c.file;
      if (t.state !== 'evaluating') {
        t.state = 'writing';
        t.outcome = null;
      }
      t.detail = `being written (${now.size} bytes so far)`;
      t.queuedAs = null;
    } else {
      t.stablePolls++;
      if (t.state === 'writing') this.checkReady(t);
    }
    return before !== `${t.state}|${t.detail}`;
  }

  /** Stable for a poll and complete by its format's end marker: ready for the evaluator. */
  private checkReady(t: Tracked): void {
    if (t.stablePolls < 1) {
      t.detail = t.size === 0 ? 'just created (empty)' : `checking that it is complete (${t.size} bytes)`;
      return;
    }
    const c = this.probe(t.file);
    if (!c.complete) {
      t.detail = `incomplete: ${c.reason}`;
      return;
    }
    t.state = 'queued';
    t.detail = 'waiting for the evaluator';
    t.queuedAs = sig(t);
  }

  /** Starts the newest queued evaluation when none is running. */
  private next(): void {
    if (this.running || this.stopped) {
      this.notifyIdle();
      return;
    }
    let pick: Tracked | undefined;
    for (const t of this.entries.values()) if (t.state === 'queued' && (!pick || t.step > pick.step)) pick = t;
    if (!pick) {
      this.notifyIdle();
      return;
    }
    const t = pick;
    const startedAs = t.queuedAs;
    t.state = 'evaluating';
    t.detail = 'evaluating';
    this.running = t;
    this.changed();
    const finish = (apply: () => void): void => {
      if (this.running === t) this.running = null;
      if (this.entries.get(t.name) === t && !this.stopped) {
        apply();
        this.changed();
      }
      this.next();
    };
    this.opts.evaluate(t.file, t.step).then(
      (outcome) =>
        finish(() => {
          if (this.unchanged(t, startedAs)) {
            t.state = 'evaluated';
            t.detail = `evaluated in ${outcome.seconds.toFixed(1)} s`;
            t.outcome = outcome;
          } else this.backToWriting(t);
        }),
      (e: unknown) =>
        finish(() => {
          // A file that changed (or stopped looking complete) while it was read was still being written.
          if (this.unchanged(t, startedAs) && this.probe(t.file).complete) {
            t.state = 'failed';
            t.detail = e instanceof Error ? e.message : String(e);
          } else this.backToWriting(t);
        }),
    );
  }

  /** Size and mtime of the config files pretrain.py / TRM Lens put beside checkpoints. */
  private configSignature(): string {
    return ['all_config.yaml', 'config.json']
      .map((f) => {
        try {
          return sig(fs.statSync(path.join(this.dir, f)));
        } catch {
          return '-';
        }
      })
      .join('|');
  }

  private unchanged(t: Tracked, startedAs: string | null): boolean {
    try {
      const st = fs.statSync(t.file);
      return startedAs !== null && sig({ size: st.size, mtimeMs: st.mtimeMs }) === startedAs;
    } catch {
      return false;
    }
  }

  private backToWriting(t: Tracked): void {
    t.state = 'writing';
    t.detail = 'changed while it was evaluated; waiting for it to settle';
    t.stablePolls = 0;
    t.queuedAs = null;
    t.outcome = null;
    try {
      const st = fs.statSync(t.file);
      t.size = st.size;
      t.mtimeMs = st.mtimeMs;
    } catch {
      /* the next poll drops it */
    }
  }

  private notifyIdle(): void {
    if (!this.idle()) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private changed(): void {
    try {
      this.opts.onChange?.(this.state());
    } catch {
      /* a listener's problem is its own */
    }
  }
}
