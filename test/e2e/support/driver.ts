// Test side of the e2e driver's handshakes (test/e2e/run-vscode-e2e.mjs). An in-editor test cannot
// see the workbench DOM through the extension API, so it logs a request line; the driver (which
// receives the extension host's console through the smoke-test hooks) does the Playwright work and
// answers with a JSON file in $E2E_SNAP_DIR. Under plain @vscode/test-electron there is no driver:
// driverAvailable() is false and tests that need it should skip (mocha: this.skip()).
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Requests understood by handleUiRequest in test/e2e/ui.mjs. Workbench selectors are CSS in the
 * page; `webview*` and `canvasPixel` act inside a webview: by default the first visible webview in
 * which `selector` exists (and, for webviewText, whose text matches the `waitFor` regexp), so a test
 * need not know which panels are open; `index` picks the index-th visible webview instead.
 * `notifications` opens the notification center when no toast matches, and closes it again; with
 * `all` it returns every notification held (center opened and closed), for "nothing was notified".
 * `click` may name the element's `text` (a substring) and `button: 'right'` (a context menu).
 * `count` is the number of workbench elements matching a selector; `hover` moves the mouse onto one;
 * `boxes` their bounding boxes (CSS pixels, null when not rendered); `canvasColors` the number of
 * distinct colours in a webview canvas region.
 */
export type UiRequest =
  | { action: 'runCommand'; title: string }
  | { action: 'openFile'; name: string }
  | { action: 'press'; key: string }
  | { action: 'click'; selector: string; text?: string; button?: 'left' | 'right'; timeoutMs?: number }
  | { action: 'waitFor'; selector: string; text?: string; timeoutMs?: number }
  | { action: 'texts'; selector: string }
  | { action: 'webviewText'; index?: number; selector?: string; waitFor?: string; timeoutMs?: number }
  | { action: 'canvasPixel'; selector?: string; x: number; y: number; index?: number; timeoutMs?: number }
  | { action: 'webviewClick'; selector: string; fx?: number; fy?: number; index?: number; timeoutMs?: number }
  | { action: 'webviewSelect'; selector: string; value: string; index?: number; timeoutMs?: number }
  | { action: 'decorations' }
  | { action: 'statusBar'; pattern?: string; timeoutMs?: number }
  | { action: 'notifications'; pattern?: string; timeoutMs?: number; all?: boolean }
  | { action: 'count'; selector: string }
  | { action: 'boxes'; selector: string }
  | { action: 'canvasColors'; selector: string; x?: number; y?: number; w?: number; h?: number; index?: number }
  | { action: 'hover'; selector: string; text?: string; timeoutMs?: number }
  | { action: 'screenshot'; name: string };

export interface SnapResult {
  /** innerText of the first visible webview's body, or "ERROR <message>" when none could be read. */
  webviewText: string;
}

let counter = 0;

export function driverAvailable(): boolean {
  return !!process.env.E2E_SNAP_DIR;
}

function snapDir(): string {
  const dir = process.env.E2E_SNAP_DIR;
  if (!dir)
    throw new Error(
      'E2E_SNAP_DIR is not set: this test needs test/e2e/run-vscode-e2e.mjs (check driverAvailable() first)',
    );
  return dir;
}

async function waitForJson<T>(file: string, what: string, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline)
      throw new Error(`the e2e driver did not answer ${what} within ${timeoutMs} ms (${file})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Screenshot (<E2E_OUT>/<name>.png) plus the visible webview's text. */
export async function snap(name: string, timeoutMs = 30_000): Promise<SnapResult> {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`snap name must match [A-Za-z0-9_.-]+ (got ${JSON.stringify(name)})`);
  const file = path.join(snapDir(), `${name}.json`);
  fs.rmSync(file, { force: true });
  console.log(`E2E:SNAP ${name}`);
  return waitForJson<SnapResult>(file, `E2E:SNAP ${name}`, timeoutMs);
}

/** Runs one Playwright UI action in the driver and returns its value; throws with the driver's error. */
export async function ui<T = unknown>(req: UiRequest, timeoutMs = 90_000): Promise<T> {
  const id = `${process.pid}-${Date.now()}-${++counter}`;
  const file = path.join(snapDir(), `ui-${id}.json`);
  console.log(`E2E:UI ${id} ${JSON.stringify(req)}`);
  const answer = await waitForJson<{ ok: true; value: T } | { ok: false; error: string }>(
    file,
    `E2E:UI ${req.action}`,
    timeoutMs,
  );
  if (!answer.ok) throw new Error(`E2E:UI ${req.action} failed: ${answer.error}`);
  return answer.value;
}

/**
 * Tells the driver that extension-host log errors matching `pattern` are provoked on purpose by this
 * test (say, a command run with bad input), so they do not fail the run. Call before provoking them.
 */
export function expectExtensionHostError(pattern: RegExp): void {
  console.log(`E2E:EXPECT-ERROR ${pattern.source}`);
}
