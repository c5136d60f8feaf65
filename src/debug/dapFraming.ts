// Reads Debug Adapter Protocol messages (`Content-Length: N\r\n\r\n<N bytes of JSON>`) from a byte
// stream that may hold anything. It replaces the framing of @vscode/debugadapter's ProtocolServer,
// which waits forever on a missing, negative, non-numeric or huge Content-Length, copies its whole
// buffer on every chunk (quadratic in the message size) and drops malformed bodies without a word.
// Here every framing problem becomes an error report and the reader resynchronises on the next
// `Content-Length` header; a body is buffered as a list of chunks and joined once.

export type FrameEvent = { kind: 'message'; value: unknown } | { kind: 'error'; message: string };

const SEPARATOR = Buffer.from('\r\n\r\n');
const HEADER_NAME = Buffer.from('Content-Length:');
/** A header block longer than this is garbage, not a header. */
const MAX_HEADER_BYTES = 8 * 1024;

export class DapFrameReader {
  /** Bytes received and not yet consumed, as received (joined only when a message is complete). */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the message being read, or -1 while reading a header. */
  private bodyLength = -1;
  /** After a framing error: skip input until the next `Content-Length:`. */
  private resyncing = false;
  /** Bytes copied while joining chunks (tests check that buffering stays linear). */
  copiedBytes = 0;

  constructor(
    private readonly maxMessageBytes: number,
    private readonly emit: (e: FrameEvent) => void,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.drain();
  }

  /** Whether bytes of an unfinished message are pending (for a report when the input ends). */
  get pending(): boolean {
    return this.buffered > 0 && !this.resyncing;
  }

  private join(n: number): Buffer {
    // Takes the first n buffered bytes as one Buffer, copying only when they span several chunks.
    if (this.chunks[0].length >= n) {
      const first = this.chunks[0];
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const c = this.chunks[0];
      const take = Math.min(c.length, n - done);
      c.copy(out, done, 0, take);
      done += take;
      if (take === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(take);
    }
    this.copiedBytes += n;
    this.buffered -= n;
    return out;
  }

  /** The buffered bytes as one Buffer (used only while reading headers, which are small). */
  private head(): Buffer {
    if (this.chunks.length > 1) {
      const all = Buffer.concat(this.chunks, this.buffered);
      this.copiedBytes += all.length;
      this.chunks = [all];
    }
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private drop(n: number): void {
    this.join(n);
  }

  private fail(message: string): void {
    this.resyncing = true;
    this.emit({ kind: 'error', message });
  }

  private drain(): void {
    for (;;) {
      if (this.bodyLength >= 0) {
        if (this.buffered < this.bodyLength) return;
        const body = this.join(this.bodyLength);
        this.bodyLength = -1;
        this.deliver(body);
        continue;
      }
      if (this.buffered === 0) return;
      if (this.resyncing && !this.skipToHeader()) return;
      const buf = this.head();
      const end = buf.indexOf(SEPARATOR);
      if (end < 0) {
        if (buf.length > MAX_HEADER_BYTES) {
          this.fail(`no end of header (\\r\\n\\r\\n) within ${MAX_HEADER_BYTES} bytes; skipping to the next message`);
          this.drop(1); // resync searches from the next byte on
          continue;
        }
        return;
      }
      if (end > MAX_HEADER_BYTES) {
        this.fail(`a header block of ${end} bytes is not a message header; skipping to the next message`);
        this.drop(1);
        continue;
      }
      const length = this.contentLength(buf.subarray(0, end).toString('latin1'));
      if (length === undefined) {
        // Resynchronise from just after the start of the bad block: a real header may hide in it.
        this.drop(1);
        continue;
      }
      this.drop(end + SEPARATOR.length);
      if (length === 0) {
        this.emit({ kind: 'error', message: 'empty message (Content-Length: 0) ignored' });
        continue;
      }
      this.bodyLength = length;
    }
  }

  /** Discards input up to the next `Content-Length:`; false when more input is needed to find it. */
  private skipToHeader(): boolean {
    const buf = this.head();
    const at = buf.indexOf(HEADER_NAME);
    if (at >= 0) {
      this.drop(at);
      this.resyncing = false;
      return true;
    }
    // Keep a tail that may be the start of the header name split across chunks.
    const keep = Math.min(buf.length, HEADER_NAME.length - 1);
    this.drop(buf.length - keep);
    return false;
  }

  private contentLength(header: string): number | undefined {
    let value: string | undefined;
    for (const line of header.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      if (line.slice(0, colon).trim().toLowerCase() === 'content-length') value = line.slice(colon + 1).trim();
    }
    const shown = JSON.stringify(header.length > 200 ? `${header.slice(0, 200)}…` : header);
    if (value === undefined) {
      this.fail(`message header without Content-Length (${shown}); skipping to the next message`);
      return undefined;
    }
    if (!/^\d{1,16}$/.test(value)) {
      this.fail(`Content-Length ${JSON.stringify(value)} is not a byte count; skipping to the next message`);
      return undefined;
    }
    const n = Number(value);
    if (n > this.maxMessageBytes) {
      this.fail(
        `Content-Length ${n} is larger than the ${this.maxMessageBytes}-byte message limit (TRM_LIMITS=dapMessage=<bytes> raises it); skipping to the next message`,
      );
      return undefined;
    }
    return n;
  }

  private deliver(body: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch (e) {
      this.emit({ kind: 'error', message: `message body is not JSON (${(e as Error).message}); ignored` });
      return;
    }
    this.emit({ kind: 'message', value });
  }
}
