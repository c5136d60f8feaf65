// Workspace trust (VS Code's Restricted Mode): TRM Lens declares limited support. Reading puzzle files,
// predictions and diagnostics stay available; the settings that choose a checkpoint are restricted
// (VS Code then uses only their user values), and training is disabled until the workspace is trusted.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')) as {
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | string; description?: string; restrictedConfigurations?: string[] };
  };
  contributes: {
    configuration: { properties: Record<string, unknown> };
    commands: { command: string; enablement?: string }[];
  };
};

test('package.json declares limited support for untrusted workspaces, with the checkpoint settings restricted', () => {
  const trust = pkg.capabilities?.untrustedWorkspaces;
  assert.ok(trust, 'capabilities.untrustedWorkspaces is declared');
  assert.equal(trust.supported, 'limited');
  assert.match(trust.description ?? '', /Restricted Mode/);
  assert.deepEqual(trust.restrictedConfigurations, ['trmLens.model', 'trmLens.modelIdentifiers']);
  for (const key of trust.restrictedConfigurations ?? [])
    assert.ok(key in pkg.contributes.configuration.properties, `${key} is a contributed setting`);
  for (const id of ['trmLens.train', 'trmLens.resumeTraining']) {
    const c = pkg.contributes.commands.find((x) => x.command === id);
    assert.equal(c?.enablement, 'isWorkspaceTrusted', `${id} needs a trusted workspace`);
  }
});
