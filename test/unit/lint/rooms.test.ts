// The four rooms are enforced by ESLint (eslint.config.mjs): these tests lint imports that break a
// room rule, as if they were written in each room, and expect the rule to fire, so a config change that
// silently drops a rule fails here.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = path.resolve(__dirname, '../../../..');

async function restrictedImports(file: string, code: string): Promise<string[]> {
  // The project's config, without type information (the probe files do not exist on disk).
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: tseslint.configs.disableTypeChecked as ESLint.Options['overrideConfig'],
  });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const cases: Array<{ file: string; code: string; broken: boolean }> = [
  { file: 'src/engine/probe.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", broken: true },
  {
    file: 'src/engine/probe.ts',
    code: "import { TrmDebugSession } from '../debug/session';\nexport const x = TrmDebugSession;\n",
    broken: true,
  },
  {
    file: 'src/engine/probe.ts',
    code: "import { registerTimeline } from '../extension/timeline/register';\nexport const x = registerTimeline;\n",
    broken: true,
  },
  { file: 'src/debug/probe.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", broken: true },
  {
    file: 'src/protocol/probe.ts',
    code: "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    broken: true,
  },
  { file: 'src/cli/probe.ts', code: "import * as vscode from 'vscode';\nexport const x = vscode;\n", broken: true },
  {
    file: 'webview/probe.ts',
    code: "import * as tf from '@tensorflow/tfjs-core';\nexport const x = tf;\n",
    broken: true,
  },
  {
    file: 'webview/probe.ts',
    code: "import { TrmModel } from '../src/engine/model/trm';\nexport const x = TrmModel;\n",
    broken: true,
  },
  { file: 'webview/probe.ts', code: "import * as fs from 'node:fs';\nexport const x = fs;\n", broken: true },
  // Allowed doors.
  {
    file: 'src/extension/probe.ts',
    code: "import * as vscode from 'vscode';\nexport const x = vscode;\n",
    broken: false,
  },
  {
    file: 'src/debug/probe.ts',
    code: "import { TrmModel } from '../engine/model/trm';\nexport const x = TrmModel;\n",
    broken: false,
  },
  { file: 'webview/probe.ts', code: "import * as d3 from 'd3';\nexport const x = d3;\n", broken: false },
];

for (const c of cases) {
  test(`${c.broken ? 'refused' : 'allowed'}: ${c.code.split('\n')[0]} in ${c.file}`, async () => {
    const found = await restrictedImports(c.file, c.code);
    if (c.broken) assert.ok(found.length > 0, 'no-restricted-imports did not fire');
    else assert.deepEqual(found, []);
  });
}
