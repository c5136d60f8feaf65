// `npm test`: every suite, in order: build, type-check, lint (ESLint + Prettier check), the e2e
// environment (scripts/setup-vscode-e2e.sh, idempotent; before the unit tests, whose webview tests run
// in its Chromium), unit tests (node:test), .vsix packaging, and the in-editor suite in a real VS Code
// (code-server) against the UNZIPPED package, so packaging mistakes fail too. Prints one line per suite,
// then, alone as the very last line, `N passed, N failed` (unit + e2e tests; a failed build, type-check,
// setup or packaging step counts as one failure). Exit code 0 only when nothing failed.
// `node scripts/test-all.mjs [--only unit|e2e] [--grep <regexp>]`: unit = build + setup + unit tests;
// e2e = build + setup + package + in-editor suite; --grep keeps only the in-editor tests whose
// "<file name> <full title>" matches (it sets TRM_E2E_GREP; see test/e2e/run-vscode-e2e.mjs).
// On a shared machine wrap runs that include e2e in `flock /tmp/trm-e2e.lock ...`; the build and
// packaging steps take /tmp/trm-build.lock themselves (do not wrap this script in that one).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { underBuildLock, unzipVsix } from './package-vsix.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/test-all.mjs [--only unit|e2e] [--grep <regexp>]';
const args = process.argv.slice(2);
let only;
let grepArg = false;
let grep = process.env.TRM_E2E_GREP || process.env.E2E_GREP || undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--only') {
    only = args[++i];
    if (only !== 'unit' && only !== 'e2e') {
      console.error(`test-all: --only expects "unit" or "e2e" (got ${JSON.stringify(only)}); ${USAGE}`);
      process.exit(2);
    }
  } else if (a === '--grep') {
    grep = args[++i];
    grepArg = true;
    if (!grep) {
      console.error(`test-all: --grep expects a regular expression; ${USAGE}`);
      process.exit(2);
    }
    try {
      new RegExp(grep);
    } catch (e) {
      console.error(`test-all: --grep ${JSON.stringify(grep)}: ${e.message}`);
      process.exit(2);
    }
  } else {
    console.error(`test-all: unknown argument ${a}; ${USAGE}`);
    process.exit(2);
  }
}
if (grepArg && only === 'unit') {
  console.error('test-all: --grep selects in-editor (e2e) tests; it cannot be combined with --only unit');
  process.exit(2);
}
const RUN_ID = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`;

/** One line per suite or step, printed together at the end. */
const summary = [];
let passed = 0;
let failed = 0;
const secs = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const banner = (s) => console.log(`\n=== ${s} ===`);

/** Runs a command with inherited output (or captured + echoed when `capture`); resolves { code, out }. */
function run(cmd, argv, { env, capture = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let out = '';
    if (capture) {
      for (const s of [child.stdout, child.stderr]) {
        s.on('data', (b) => {
          out += b;
          process.stdout.write(b);
        });
      }
    }
    child.on('error', (e) => resolve({ code: 127, out: `${out}\n${e.message}` }));
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

/** A step that has no test count: ok, or one failure. */
async function step(name, cmd, argv, opts) {
  banner(name);
  const t0 = Date.now();
  const r = await run(cmd, argv, opts);
  if (r.code === 0) summary.push(`${name}: ok (${secs(t0)})`);
  else {
    failed++;
    summary.push(`${name}: FAILED (exit ${r.code}, ${secs(t0)})`);
  }
  return r.code === 0;
}

/** Compiled unit tests whose source still exists (out/ is not cleaned, so a deleted test leaves a stale bundle). */
function unitTestFiles() {
  const outDir = path.join(ROOT, 'out/test/unit');
  if (!fs.existsSync(outDir)) return [];
  return fs
    .readdirSync(outDir, { recursive: true })
    .filter((f) => f.endsWith('.test.js') && fs.existsSync(path.join(ROOT, 'test/unit', f.replace(/\.js$/, '.ts'))))
    .sort()
    .map((f) => path.join('out/test/unit', f));
}

async function unitTests() {
  banner('unit tests (node --test)');
  const t0 = Date.now();
  const files = unitTestFiles();
  if (files.length === 0) {
    failed++;
    summary.push('unit: FAILED (no compiled unit tests in out/test/unit)');
    return;
  }
  const tapFile = path.join(ROOT, '.e2e-out', `unit-${RUN_ID}.tap`);
  fs.mkdirSync(path.dirname(tapFile), { recursive: true });
  // spec for people, TAP to a file for the counts (its trailing `# pass N` / `# fail N` summary).
  const r = await run(process.execPath, [
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ]);
  const tap = fs.existsSync(tapFile) ? fs.readFileSync(tapFile, 'utf8') : '';
  // The run's summary is the last such block (a test's own output could contain similar lines earlier).
  const count = (k) => {
    const m = [...tap.matchAll(new RegExp(`^# ${k} (\\d+)$`, 'gm'))].pop();
    return m ? Number(m[1]) : undefined;
  };
  const p = count('pass');
  let f = (count('fail') ?? 0) + (count('cancelled') ?? 0);
  let note = '';
  if (p === undefined) {
    f = Math.max(f, 1);
    note = ' (no TAP summary: the test runner crashed)';
  } else if (r.code !== 0 && f === 0) {
    f = 1;
    note = ` (test runner exited with ${r.code})`;
  }
  passed += p ?? 0;
  failed += f;
  const skipped = count('skipped') ?? 0,
    todo = count('todo') ?? 0;
  summary.push(
    `unit: ${p ?? 0} passed, ${f} failed${skipped ? `, ${skipped} skipped` : ''}${todo ? `, ${todo} todo` : ''} (${files.length} files, ${secs(t0)})${note}`,
  );
  fs.rmSync(tapFile, { force: true });
}

/** Installs code-server, Node 24 and Chromium (idempotent); the Chromium unit tests need it too. */
async function setup() {
  return step('e2e setup (scripts/setup-vscode-e2e.sh)', 'bash', ['scripts/setup-vscode-e2e.sh']);
}

/** ESLint (type-checked rules and the room import rules) and Prettier's check of the formatting. */
async function lint() {
  const bin = (p) => path.join(ROOT, 'node_modules', p);
  await step('lint (eslint)', process.execPath, [bin('eslint/bin/eslint.js'), '--max-warnings', '0', '.']);
  await step('format (prettier --check)', process.execPath, [
    bin('prettier/bin/prettier.cjs'),
    '--check',
    '--log-level',
    'warn',
    '.',
  ]);
}

async function e2eTests(setupOk) {
  if (!setupOk) return;
  if (!(await step('package (.vsix)', process.execPath, ['scripts/package-vsix.mjs']))) return;
  banner('e2e (in-editor suite in code-server, unzipped .vsix)');
  const t0 = Date.now();
  const extDir = path.join(ROOT, '.e2e-out', `vsix-${RUN_ID}`, 'trm-lens.trm-lens');
  let unzipped = false;
  try {
    console.log(
      `unzipped ${unzipVsix(path.join(ROOT, 'dist/trm-lens.vsix'), extDir)} files to ${path.relative(ROOT, extDir)}`,
    );
    unzipped = true;
  } catch (e) {
    console.log(`cannot unzip dist/trm-lens.vsix: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!unzipped) {
    failed++;
    summary.push('e2e: FAILED (the .vsix could not be unzipped)');
    return;
  }
  const r = await run(process.execPath, ['test/e2e/run-vscode-e2e.mjs'], {
    capture: true,
    env: {
      EXT_DEV: extDir,
      E2E_PACKAGED: '1',
      TRM_E2E_GREP: grep ?? '',
      E2E_GREP: '',
      E2E_OUT: process.env.E2E_OUT ?? path.join(ROOT, '.e2e-out', `run-${RUN_ID}`),
    },
  });
  const m = [...r.out.matchAll(/^vscode-e2e: (\d+) passed, (\d+) failed$/gm)].pop();
  let p = 0,
    f = 1,
    note = ' (no result line from the driver)';
  if (m) {
    p = Number(m[1]);
    f = Number(m[2]);
    note = '';
  }
  if (r.code !== 0 && f === 0) {
    f = 1;
    note = ` (driver exited with ${r.code})`;
  }
  passed += p;
  failed += f;
  summary.push(`e2e: ${p} passed, ${f} failed (${secs(t0)})${grep ? ` (only /${grep}/)` : ''}${note}`);
  if (f === 0) fs.rmSync(path.dirname(extDir), { recursive: true, force: true });
}

const tAll = Date.now();
const built = await step('build (node esbuild.mjs)', ...underBuildLock(process.execPath, ['esbuild.mjs'])); // waits for others' builds
if (!built) {
  summary.push('unit, e2e: not run (the build failed)');
} else {
  if (!only) {
    await step('typecheck (tsc --noEmit)', process.execPath, [
      path.join(ROOT, 'node_modules/typescript/bin/tsc'),
      '--noEmit',
      '-p',
      '.',
    ]);
    await lint();
  }
  // Before the unit tests: the webview's browser tests need the Chromium it installs.
  const setupOk = await setup();
  if (only !== 'e2e') await unitTests();
  if (only !== 'unit') await e2eTests(setupOk);
}
console.log(`\n=== summary (${secs(tAll)}) ===`);
for (const line of summary) console.log(line);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && passed > 0 ? 0 : 1;
