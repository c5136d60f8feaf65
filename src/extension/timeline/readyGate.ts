// The GitLens-style ready handshake: messages for the webview wait in a queue until its script has
// loaded and said `ready` (and again after VS Code reloads a hidden webview). Every `ready` is
// answered first with a fresh `init` built from the current state, so queued state messages that
// init already covers are dropped instead of replayed. Pure: no `vscode` import.
export class ReadyGate<M extends { type: string }> {
  private ready = false;
  private queue: M[] = [];

  constructor(
    private readonly send: (m: M) => void,
    private readonly makeInit: () => M,
    /** Message types whose content `init` carries (position, theme...): not replayed after it. */
    private readonly supersededByInit: ReadonlySet<string>,
    private readonly capacity = 1000,
  ) {}

  get isReady(): boolean {
    return this.ready;
  }
  get queued(): number {
    return this.queue.length;
  }

  post(m: M): void {
    if (this.ready) {
      this.send(m);
      return;
    }
    if (this.supersededByInit.has(m.type)) return; // the next init will carry this state anyway
    this.queue.push(m);
    if (this.queue.length > this.capacity) this.queue.shift();
  }

  /** The webview (re)loaded: init first, then whatever else was waiting. */
  onReady(): void {
    this.ready = true;
    this.send(this.makeInit());
    const q = this.queue;
    this.queue = [];
    for (const m of q) this.send(m);
  }

  /** Re-sends init to a live webview (the shown session changed). Before ready, the next ready does it. */
  reinit(): void {
    if (this.ready) this.send(this.makeInit());
  }

  /** The webview went away (hidden without retained context, or disposed): queue until the next ready. */
  reset(): void {
    this.ready = false;
  }
}
