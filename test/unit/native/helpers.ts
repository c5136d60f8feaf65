// Shared by the native-path tests: a StepRunner for a model, opened the way the product opens it
// (select.ts openInference with the native path forced, so a package that cannot load fails the test).

import { currentBackend } from '../../../src/engine/backend';
import type { TrmModel } from '../../../src/engine/model/trm';
import { openInference } from '../../../src/engine/native/select';
import type { StepRunner } from '../../../src/engine/native/stepRunner';

export async function nativeRunner(model: TrmModel, threads = 2): Promise<StepRunner> {
  const backend = currentBackend();
  if (!backend) throw new Error('select a TF.js backend first');
  const path = await openInference(model, { mode: 'on', backend, threads });
  if (!path.runner) throw new Error(`no native runner: ${path.skipped.join('; ')}`);
  return path.runner;
}
