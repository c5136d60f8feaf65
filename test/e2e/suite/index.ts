// In-editor test entry (the @vscode/test-electron convention): VS Code loads this module in the
// extension host and calls run(). Mocha 'tdd' UI; every *.test.js bundled next to this file is loaded.
// The driver (test/e2e/run-vscode-e2e.mjs) reads the E2E:RESULT line for the pass/fail counts; under
// test-electron the line is just printed and the rejected promise sets the exit code.
// Subset: TRM_E2E_GREP=<regexp> (or E2E_GREP) keeps the tests for which it matches
// "<file name> <full title>", e.g. "activation.test.js activation TRM: Show Compute Backend ...", so
// `timeline` picks a file and `^(?!.*Call Stack)` drops tests by title; the rest are not run at all
// (their suites' hooks included).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

/** Removes, in place, every test whose "<file name> <full title>" does not match. */
function keepMatching(suite: Mocha.Suite, re: RegExp): void {
  suite.tests = suite.tests.filter((t) => re.test(`${path.basename(t.file ?? '')} ${t.fullTitle()}`));
  for (const child of suite.suites) keepMatching(child, re);
  suite.suites = suite.suites.filter((s) => s.total() > 0);
}

function grepPattern(): RegExp | undefined {
  const source = process.env.TRM_E2E_GREP || process.env.E2E_GREP;
  if (!source) return undefined;
  try {
    return new RegExp(source);
  } catch (e) {
    throw new Error(
      `TRM_E2E_GREP is not a valid regular expression (${JSON.stringify(source)}): ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

function report(passed: number, failed: number, files: string[], note?: string): void {
  console.log(`E2E:RESULT ${JSON.stringify({ passed, failed, files: files.length, ...(note ? { note } : {}) })}`);
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  console.log(`E2E:START ${JSON.stringify({ files })}`);
  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      const re = grepPattern();
      for (const f of files) mocha.addFile(path.join(__dirname, f));
      // Load now (CommonJS bundles, through require like run() would) so the subset can be chosen per
      // file, and make run() not load them a second time. loadFilesAsync() would use import(), which
      // bypasses the extension host's interception of require('vscode').
      const loader = mocha as unknown as { loadFiles(): void; lazyLoadFiles(enable: boolean): void };
      loader.loadFiles();
      loader.lazyLoadFiles(true);
      if (re) {
        keepMatching(mocha.suite, re);
        console.log(`E2E: TRM_E2E_GREP=/${re.source}/ keeps ${mocha.suite.total()} test(s)`);
      }
      runner = mocha.run((failures) => {
        const passed = runner.stats?.passes ?? 0;
        report(passed, failures, files);
        if (failures > 0) reject(new Error(`${failures} in-editor test(s) failed.`));
        else if (passed === 0)
          reject(
            new Error(
              `no in-editor tests ran (files: ${files.join(', ') || 'none'}${re ? `; TRM_E2E_GREP=/${re.source}/` : ''})`,
            ),
          );
        else resolve();
      });
    } catch (e) {
      // A test file that throws while loading, or a bad pattern: one failure instead of a silent hang.
      const err = e instanceof Error ? e : new Error(String(e));
      console.log(`E2E: the suite could not start: ${err.stack ?? err.message}`);
      report(0, 1, files, err.message);
      reject(err);
    }
  });
}
