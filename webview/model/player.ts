// Play/pause as an async loop guarded by a cancellation token (tensorflow/playground's pattern):
// `tick` advances the cursor (awaiting the next frame's data, so playback never outruns the
// fetches) and pausing cancels the token, so a loop that is mid-await never takes another step.
export class CancellationToken {
  private cancelledFlag = false;
  get cancelled(): boolean {
    return this.cancelledFlag;
  }
  cancel(): void {
    this.cancelledFlag = true;
  }
}

/** Resolves after `ms` (or at once when cancelled meanwhile). */
export function delay(
  ms: number,
  token: CancellationToken,
  setTimer: (f: () => void, ms: number) => unknown = setTimeout,
): Promise<void> {
  return new Promise((resolve) => {
    if (token.cancelled) resolve();
    else setTimer(resolve, ms);
  });
}

export class Player {
  private token: CancellationToken | null = null;

  /** `tick` returns false at the end; `onStop` runs once whenever the loop ends (end, pause, error). */
  constructor(
    private readonly tick: (token: CancellationToken) => Promise<boolean>,
    private readonly onStop: (reason: 'end' | 'paused' | 'error', error?: unknown) => void,
    public intervalMs = 250,
  ) {}

  get playing(): boolean {
    return this.token !== null;
  }

  play(): void {
    if (this.token) return;
    const token = new CancellationToken();
    this.token = token;
    void this.loop(token);
  }

  pause(): void {
    if (!this.token) return;
    this.token.cancel();
    this.token = null;
    this.onStop('paused');
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  private async loop(token: CancellationToken): Promise<void> {
    try {
      while (!token.cancelled) {
        const more = await this.tick(token);
        if (token.cancelled) return; // paused while the tick awaited data: onStop already ran
        if (!more) break;
        await delay(this.intervalMs, token);
      }
      if (!token.cancelled) {
        this.token = null;
        this.onStop('end');
      }
    } catch (e) {
      if (this.token === token) {
        this.token = null;
        this.onStop('error', e);
      }
    }
  }
}
