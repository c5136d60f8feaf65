// Playwright helpers for UI-level checks against code-server's workbench (a real VS Code in Chromium).
// Used by the e2e driver to answer `E2E:UI` requests from in-editor tests (see handleUiRequest and
// test/e2e/support/driver.ts), and usable directly by a script that holds a Playwright `page`.
// Every helper waits for a state (DOM text, a row in a list), never for a fixed time, except where
// VS Code itself needs a retry (the command palette before the extension host registered commands).

/** The visible webview's outer iframe; the extension's HTML lives in its inner `#active-frame`. */
const WEBVIEW_OUTER = 'iframe.webview.ready';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until the workbench is rendered (the explorer or an editor area exists). */
export async function waitForWorkbench(page, timeoutMs = 120_000) {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Runs a command by its palette title (e.g. "TRM: Show Compute Backend"). The palette computes its
 * list when it opens: while the extension host is still registering commands the entry is missing,
 * so close and reopen until it shows up.
 */
export async function runCommand(page, title, { tries = 40 } = {}) {
  const input = page.locator('.quick-input-widget input');
  for (let i = 0; i < tries; i++) {
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>' + title);
    const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
    if (
      await row.waitFor({ state: 'visible', timeout: 1500 }).then(
        () => true,
        () => false,
      )
    ) {
      const label = (await row.innerText()).split('\n')[0].trim();
      if (label === title || label.endsWith(title)) {
        await page.keyboard.press('Enter');
        return;
      }
    }
    await page.keyboard.press('Escape');
    await sleep(500);
  }
  throw new Error(`command "${title}" did not appear in the command palette after ${tries} tries`);
}

/** Opens a workspace file by name through Quick Open (Ctrl+P). */
export async function openFile(page, name) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page
    .locator('.tabs-container .tab', { hasText: name.split('/').pop() })
    .first()
    .waitFor({ timeout: 15_000 });
}

/** Frame of the extension's HTML inside the index-th visible webview (0 = first in DOM order). */
export function webviewFrame(page, index = 0) {
  return page
    .locator(`${WEBVIEW_OUTER}:visible`)
    .nth(index)
    .contentFrame()
    .locator('iframe#active-frame')
    .contentFrame();
}

/**
 * Finds the webview to act on. With `index`: the index-th visible webview (DOM order). Without it
 * (the usual case, several panels can be open, e.g. the timeline beside a dashboard): the first visible
 * webview in which `selector` exists and, when `textPattern` is given, whose `selector` text matches it.
 * Polls until `timeoutMs`; resolves to { frame, text } or throws naming what each webview showed.
 */
export async function findWebview(page, { index, selector = 'body', textPattern, timeoutMs = 30_000 } = {}) {
  const re = textPattern === undefined ? undefined : new RegExp(textPattern);
  const deadline = Date.now() + timeoutMs;
  let seen;
  for (;;) {
    const count = await page.locator(`${WEBVIEW_OUTER}:visible`).count();
    const candidates = index === undefined ? [...Array(count).keys()] : [index];
    seen = [];
    for (const i of candidates) {
      if (i >= count) {
        seen.push(`#${i}: no such visible webview (${count} visible)`);
        continue;
      }
      const frame = webviewFrame(page, i);
      const loc = frame.locator(selector).first();
      if ((await loc.count().catch(() => 0)) === 0) {
        seen.push(`#${i}: no ${selector}`);
        continue;
      }
      const text = re || selector === 'body' ? await loc.innerText({ timeout: 2000 }).catch(() => '') : '';
      if (!re || re.test(text)) return { frame, index: i, text };
      seen.push(`#${i}: ${JSON.stringify(text.slice(0, 300))}`);
    }
    if (Date.now() > deadline) break;
    await sleep(200);
  }
  const what = `${selector}${re ? ` with text matching ${re}` : ''}`;
  throw new Error(
    `no visible webview has ${what} within ${timeoutMs} ms; ${seen.length ? `seen: ${seen.join('; ')}` : 'no visible webviews'}`,
  );
}

/**
 * innerText of a webview's body (or of `selector` inside it); with `waitFor` (a regexp), waits until
 * it matches. The webview is chosen as in findWebview (first visible one that matches, or `index`).
 */
export async function webviewText(page, { index, selector = 'body', waitFor, timeoutMs = 30_000 } = {}) {
  const found = await findWebview(page, { index, selector, textPattern: waitFor, timeoutMs });
  return waitFor ? found.text : found.frame.locator(selector).first().innerText();
}

/** RGBA of one canvas pixel inside the first visible webview that has `selector` (canvas coordinates, not CSS pixels). */
export async function canvasPixel(page, { selector = 'canvas', x, y, index, timeoutMs = 30_000 }) {
  const { frame } = await findWebview(page, { index, selector, timeoutMs });
  return frame
    .locator(selector)
    .first()
    .evaluate(
      (c, [px, py]) => {
        if (!(c instanceof HTMLCanvasElement)) throw new Error(`${c.tagName} is not a canvas`);
        return Array.from(c.getContext('2d').getImageData(px, py, 1, 1).data);
      },
      [x, y],
    );
}

/**
 * How many different RGBA colours a canvas region holds (canvas coordinates), inside the first visible
 * webview that has `selector`: "is this heatmap one flat colour?" as a number.
 */
export async function canvasColors(page, { selector = 'canvas', x = 0, y = 0, w, h, index, timeoutMs = 30_000 }) {
  const { frame } = await findWebview(page, { index, selector, timeoutMs });
  return frame
    .locator(selector)
    .first()
    .evaluate(
      (c, [px, py, pw, ph]) => {
        if (!(c instanceof HTMLCanvasElement)) throw new Error(`${c.tagName} is not a canvas`);
        const d = c.getContext('2d').getImageData(px, py, pw ?? c.width - px, ph ?? c.height - py).data;
        const seen = new Set();
        for (let i = 0; i < d.length; i += 4) seen.add(`${d[i]},${d[i + 1]},${d[i + 2]},${d[i + 3]}`);
        return seen.size;
      },
      [x, y, w, h],
    );
}

/**
 * Clicks an element inside a webview (the first visible one that has `selector`, or `index`). `fx`/`fy`
 * place the click as fractions of the element's box (default 0.5: the centre), so a test can hit one
 * cell of a scaled canvas without knowing CSS sizes.
 */
export async function webviewClick(page, { selector, fx = 0.5, fy = 0.5, index, timeoutMs = 15_000 }) {
  const { frame } = await findWebview(page, { index, selector, timeoutMs });
  const loc = frame.locator(selector).first();
  await loc.waitFor({ state: 'visible', timeout: timeoutMs });
  const box = await loc.boundingBox();
  if (!box) throw new Error(`webview element ${selector} has no box (not rendered)`);
  await loc.click({ position: { x: box.width * fx, y: box.height * fy }, timeout: timeoutMs });
}

/**
 * Picks an option (by value) of a <select> inside a webview (the first visible one that has
 * `selector`, or `index`), as a user would; fires its change event.
 */
export async function webviewSelect(page, { selector, value, index, timeoutMs = 15_000 }) {
  const { frame } = await findWebview(page, { index, selector, timeoutMs });
  await frame.locator(selector).first().selectOption(value, { timeout: timeoutMs });
}

/**
 * Texts of editor decorations rendered with `after: { contentText }` (CSS ::after content of generated
 * classes, not DOM text), in document order, for the visible editors. Quotes around the CSS string are removed.
 */
export async function decorationAfterTexts(page) {
  return page.evaluate(() => {
    const out = [];
    for (const span of document.querySelectorAll(
      '.monaco-editor .view-lines span, .monaco-editor .view-overlays div',
    )) {
      const c = getComputedStyle(span, '::after').content;
      if (c && c !== 'none' && c !== 'normal' && c !== '""') out.push(c.replace(/^"(.*)"$/s, '$1'));
    }
    return out;
  });
}

/** Texts of the status bar entries (e.g. "TRM: wasm ×2 (CPU)"). */
export async function statusBarTexts(page) {
  const items = page.locator('#workbench\\.parts\\.statusbar .statusbar-item');
  return (await items.allInnerTexts()).map((t) => t.trim()).filter(Boolean);
}

/** Waits until a status bar entry matches `pattern` and returns its text. */
export async function waitForStatusBar(page, pattern, timeoutMs = 30_000) {
  const re = new RegExp(pattern);
  const deadline = Date.now() + timeoutMs;
  let texts = [];
  while (Date.now() < deadline) {
    texts = await statusBarTexts(page);
    const hit = texts.find((t) => re.test(t));
    if (hit) return hit;
    await sleep(200);
  }
  throw new Error(`no status bar entry matched /${pattern}/ within ${timeoutMs} ms; entries: ${JSON.stringify(texts)}`);
}

/** Messages of the notification toasts and of the notification center (if open). */
export async function notificationTexts(page) {
  const loc = page.locator(
    '.notifications-toasts .notification-list-item-message, .notifications-center .notification-list-item-message',
  );
  return (await loc.allInnerTexts()).map((t) => t.trim());
}

/**
 * Waits until a notification matches `pattern` and returns all messages. Toasts are not always shown
 * (they were not under the test payload), so the notification center is opened when none matches.
 */
export async function waitForNotification(page, pattern, timeoutMs = 30_000) {
  const re = new RegExp(pattern);
  const deadline = Date.now() + timeoutMs;
  let messages = [];
  let centerOpened = false;
  while (Date.now() < deadline) {
    messages = await notificationTexts(page);
    if (messages.some((m) => re.test(m))) {
      // Leave the workbench as it was: an open center covers part of the editor for later tests.
      if (centerOpened) await runCommand(page, 'Notifications: Hide Notifications', { tries: 3 }).catch(() => {});
      return messages;
    }
    if (!centerOpened) {
      centerOpened = true;
      await runCommand(page, 'Notifications: Show Notifications');
    }
    await sleep(200);
  }
  throw new Error(`no notification matched /${pattern}/ within ${timeoutMs} ms; messages: ${JSON.stringify(messages)}`);
}

/**
 * Every notification the workbench holds (toasts and the notification center), read by opening the
 * center and closing it again: for tests that assert that NOTHING was notified.
 */
export async function allNotificationTexts(page) {
  await runCommand(page, 'Notifications: Show Notifications');
  await page
    .locator('.notifications-center')
    .waitFor({ state: 'visible', timeout: 10_000 })
    .catch(() => {});
  const messages = await notificationTexts(page);
  await runCommand(page, 'Notifications: Hide Notifications', { tries: 3 }).catch(() => {});
  return messages;
}

/** innerText of every element matching a workbench CSS selector. */
export async function texts(page, selector) {
  return page.locator(selector).allInnerTexts();
}

/**
 * Dispatcher for the driver's `E2E:UI <id> <json>` handshake. `outDir` is where screenshots go.
 * Returns a JSON-serialisable value; throws with a readable message on failure.
 */
export async function handleUiRequest(page, req, outDir) {
  switch (req.action) {
    case 'runCommand':
      await runCommand(page, req.title);
      return null;
    case 'openFile':
      await openFile(page, req.name);
      return null;
    case 'press':
      await page.keyboard.press(req.key);
      return null;
    case 'click':
      await page
        .locator(req.selector, req.text ? { hasText: req.text } : {})
        .first()
        .click({ timeout: req.timeoutMs ?? 15_000, ...(req.button === 'right' ? { button: 'right' } : {}) });
      return null;
    case 'waitFor':
      await page
        .locator(req.selector, req.text ? { hasText: req.text } : {})
        .first()
        .waitFor({ state: 'visible', timeout: req.timeoutMs ?? 30_000 });
      return null;
    case 'texts':
      return texts(page, req.selector);
    case 'webviewText':
      return webviewText(page, req);
    case 'canvasPixel':
      return canvasPixel(page, req);
    case 'webviewClick':
      await webviewClick(page, req);
      return null;
    case 'webviewSelect':
      await webviewSelect(page, req);
      return null;
    case 'decorations':
      return decorationAfterTexts(page);
    case 'statusBar':
      return req.pattern ? waitForStatusBar(page, req.pattern, req.timeoutMs) : statusBarTexts(page);
    case 'notifications':
      if (req.all) return allNotificationTexts(page);
      return req.pattern ? waitForNotification(page, req.pattern, req.timeoutMs) : notificationTexts(page);
    case 'count':
      return page.locator(req.selector).count();
    case 'boxes':
      return Promise.all((await page.locator(req.selector).all()).map((l) => l.boundingBox()));
    case 'canvasColors':
      return canvasColors(page, req);
    case 'hover': {
      await page
        .locator(req.selector, req.text ? { hasText: req.text } : {})
        .first()
        .hover({ timeout: req.timeoutMs ?? 15_000 });
      return null;
    }
    case 'screenshot': {
      if (!/^[\w.-]+$/.test(req.name ?? ''))
        throw new Error(`screenshot name must be [A-Za-z0-9_.-]+ (got ${JSON.stringify(req.name)})`);
      const file = `${outDir}/${req.name}.png`;
      await page.screenshot({ path: file });
      return file;
    }
    default:
      throw new Error(`unknown E2E:UI action ${JSON.stringify(req.action)}`);
  }
}
