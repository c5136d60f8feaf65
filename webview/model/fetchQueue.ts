// Decouples fetching from rendering: each render pass declares what it would like to show
// (`want`), with a priority (0 = the cursor cell), and the queue keeps a few requests in flight,
// most urgent first. Wishes not renewed by the latest pass are dropped (the row scrolled away), so a
// fast scroll or a running play loop never builds a backlog of stale requests.
export class FetchQueue {
  private pending = new Map<string, { priority: number; start: () => Promise<unknown> }>();
  private readonly inFlight = new Set<string>();
  private nextPending = new Map<string, { priority: number; start: () => Promise<unknown> }>();

  constructor(private readonly maxInFlight: number) {
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
      throw new Error(`maxInFlight must be a positive integer, got ${maxInFlight}`);
  }

  /** Starts collecting the wishes of a render pass. */
  beginPass(): void {
    this.nextPending = new Map();
  }

  want(key: string, priority: number, start: () => Promise<unknown>): void {
    if (this.inFlight.has(key)) return;
    const prev = this.nextPending.get(key);
    if (!prev || priority < prev.priority) this.nextPending.set(key, { priority, start });
  }

  /** Replaces the pending set with this pass's wishes and starts what fits. */
  endPass(): void {
    this.pending = this.nextPending;
    this.nextPending = new Map();
    this.pump();
  }

  /** Forgets everything pending (a new session); requests in flight finish on their own. */
  clear(): void {
    this.pending.clear();
    this.nextPending.clear();
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }
  get pendingCount(): number {
    return this.pending.size;
  }
  isInFlight(key: string): boolean {
    return this.inFlight.has(key);
  }

  private pump(): void {
    while (this.inFlight.size < this.maxInFlight && this.pending.size > 0) {
      let bestKey = '';
      let best = Infinity;
      for (const [k, v] of this.pending)
        if (v.priority < best) {
          best = v.priority;
          bestKey = k;
        }
      const job = this.pending.get(bestKey)!;
      this.pending.delete(bestKey);
      this.inFlight.add(bestKey);
      const done = (): void => {
        this.inFlight.delete(bestKey);
        this.pump();
      };
      job.start().then(done, done);
    }
  }
}
