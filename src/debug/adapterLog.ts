// The debug adapter's log file: where internal errors (with their stack traces) go instead of the
// DAP client, which only ever sees a one-line message that points here. TRM_DEBUG_LOG names the
// file; by default it is trm-lens/debug-adapter.log in the system temp folder. The file is written
// only when something goes wrong and is kept under 1 MiB (older lines are dropped).

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const MAX_LOG_BYTES = 1024 * 1024;

export function adapterLogFile(): string {
  return process.env.TRM_DEBUG_LOG || path.join(os.tmpdir(), 'trm-lens', 'debug-adapter.log');
}

/** Appends one entry (what happened, and the error with its stack); returns the log file, or undefined when it cannot be written. */
export function logAdapterError(context: string, error: unknown): string | undefined {
  const file = adapterLogFile();
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const entry = `[${new Date().toISOString()}] pid ${process.pid}: ${context}\n${detail}\n\n`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    let size = 0;
    try {
      size = fs.statSync(file).size;
    } catch {
      /* new file */
    }
    if (size + entry.length > MAX_LOG_BYTES) {
      const old = size > 0 ? fs.readFileSync(file, 'utf8') : '';
      fs.writeFileSync(file, old.slice(Math.max(0, old.length - MAX_LOG_BYTES / 2)) + entry);
    } else fs.appendFileSync(file, entry);
    return file;
  } catch {
    return undefined;
  }
}
