// The one message channel every webview page uses to talk to its VS Code host: it validates each
// outgoing and incoming message against the page's protocol (src/protocol/*), numbers requests and
// resolves each with its response (or rejects it with the host's `error`), reports what it could not
// handle to the host's log, and wraps the VS Code webview API (`acquireVsCodeApi`, callable once per
// page) for state persistence. The timeline, the training dashboard and the follow page share it.

export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare global {
  function acquireVsCodeApi(): VsCodeApi;
}

/** What a page's protocol supplies to the channel. */
export interface ChannelProtocol<In extends { type: string }> {
  /** Log prefix: "timeline", "dashboard", "follow". */
  name: string;
  /** First problem of a message from the host, or undefined. */
  validateIncoming(v: unknown): string | undefined;
  /** First problem of a message to the host, or undefined. */
  validateOutgoing(v: unknown): string | undefined;
  /** Messages that answer a request by its `id` (besides `{type: 'error', id}`). */
  isResponse?(m: In): boolean;
}

interface Pending<In> {
  resolve(m: In): void;
  reject(e: Error): void;
  expect: string;
}

export class WebviewChannel<In extends { type: string }, Out extends { type: string }> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending<In>>();

  constructor(
    private readonly api: VsCodeApi,
    private readonly protocol: ChannelProtocol<In>,
    private readonly onMessage: (m: In) => void,
  ) {}

  /** Sends a message; an invalid one is a bug on this side and throws (nothing is sent). */
  post(m: Out): void {
    const problem = this.protocol.validateOutgoing(m);
    if (problem) throw new Error(`refusing to send an invalid message: ${problem}`);
    this.api.postMessage(m);
  }

  /** Like `post`, but an invalid message is reported to the host's log instead of thrown. */
  postOrReport(m: Out): void {
    try {
      this.post(m);
    } catch (e) {
      this.reportError((e as Error).message);
    }
  }

  /** Sends `m` with a fresh `id`; resolves with the response of type `expect` that carries it. */
  request<R extends In>(m: Omit<Out, 'id'> & { type: Out['type'] }, expect: R['type']): Promise<R> {
    const id = this.nextId++;
    const msg = { ...m, id } as unknown as Out;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (m: In) => void, reject, expect });
      try {
        this.post(msg);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  /** Rejects every open request (the session changed or ended: their answers would be stale). */
  cancelAll(reason: string): void {
    const open = [...this.pending.values()];
    this.pending.clear();
    for (const p of open) p.reject(new Error(reason));
  }

  get openRequests(): number {
    return this.pending.size;
  }

  /** Entry point for `window` message events. Invalid messages are reported, never acted on. */
  receive(data: unknown): void {
    const problem = this.protocol.validateIncoming(data);
    if (problem) {
      this.reportError(`ignored an invalid message from the extension: ${problem}`);
      return;
    }
    const m = data as In;
    const rec = m as unknown as { id?: unknown; message?: unknown };
    const isError = m.type === 'error' && typeof rec.id === 'number';
    if (isError || (this.protocol.isResponse?.(m) ?? false)) {
      const id = rec.id as number;
      const p = this.pending.get(id);
      if (!p) return; // answer to a request cancelled meanwhile
      this.pending.delete(id);
      if (isError) p.reject(new Error(String(rec.message)));
      else if (m.type !== p.expect) p.reject(new Error(`request ${id} expected a ${p.expect} response, got ${m.type}`));
      else p.resolve(m);
      return;
    }
    this.onMessage(m);
  }

  reportError(message: string): void {
    console.error(`[trm ${this.protocol.name}] ${message}`);
    try {
      this.api.postMessage({ type: 'webviewError', message: message.slice(0, 10_000) });
    } catch {
      /* host gone */
    }
  }

  saveState(state: unknown): void {
    this.api.setState(state);
  }
  savedState(): unknown {
    return this.api.getState();
  }
}
