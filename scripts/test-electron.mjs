// `npm run test:electron`: the in-editor suite (out/test/e2e/suite) in desktop VS Code through
// @vscode/test-electron, the standard runner for VS Code extension tests. It needs a VS Code build:
// VSCODE_EXECUTABLE_PATH (an installed VS Code), or test-electron's download of one. Where neither is
// possible (no download allowed, as on this project's CI machines) it stops within seconds with one
// line that says why; `npm test` runs the same suite in code-server instead.
// The tests that drive the browser UI through the code-server driver skip themselves here
// (driverAvailable() is false); everything that uses the VS Code API runs.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DOWNLOAD_TIMEOUT_MS = Number(process.env.TEST_ELECTRON_DOWNLOAD_TIMEOUT_MS ?? 15_000);

function fail(why) {
  console.error(`test:electron: ${why}. Run \`npm test\` for the same in-editor suite in code-server.`);
  process.exit(1);
}

const { runTests, downloadAndUnzipVSCode, SilentReporter } = await import('@vscode/test-electron');

let vscodeExecutablePath = process.env.VSCODE_EXECUTABLE_PATH;
if (!vscodeExecutablePath) {
  try {
    const timeout = new Promise((_, reject) =>
      setTimeout(
        () => reject(new Error(`no answer within ${DOWNLOAD_TIMEOUT_MS / 1000} s`)),
        DOWNLOAD_TIMEOUT_MS,
      ).unref(),
    );
    vscodeExecutablePath = await Promise.race([
      downloadAndUnzipVSCode({ version: 'stable', reporter: new SilentReporter() }),
      timeout,
    ]);
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    fail(`desktop VS Code could not be downloaded (${reason}); set VSCODE_EXECUTABLE_PATH to an installed VS Code`);
  }
}
const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
if (built.status !== 0) fail('the build failed');
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: path.join(ROOT, 'out/test/e2e/suite/index'),
    launchArgs: [path.join(ROOT, 'sample-workspace'), '--disable-extensions', '--disable-workspace-trust'],
  });
} catch (e) {
  fail(`the in-editor suite failed in desktop VS Code (${e instanceof Error ? e.message : String(e)})`);
}
