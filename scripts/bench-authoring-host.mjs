// `npm run bench:authoring-host`: the extension host's busy time per edit of the 4 MB ARC challenges
// file, measured inside a real VS Code (code-server) by test/e2e/suite/authoringHostTime.test.ts,
// which runs only when this script enables it. Prints the numbers it wrote. On a shared machine wrap
// it in `flock /tmp/trm-e2e.lock`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(ROOT, 'out', 'bench-authoring-host.txt');
fs.rmSync(out, { force: true });
const r = spawnSync(
  process.execPath,
  [path.join(ROOT, 'scripts/test-all.mjs'), '--only', 'e2e', '--grep', 'authoring host time'],
  {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TRM_BENCH_AUTHORING: '1', TRM_BENCH_OUT: out },
  },
);
if (!fs.existsSync(out)) {
  console.error(
    `bench:authoring-host: no numbers were written (test-all exit code ${r.status}); run the e2e command to see why`,
  );
  process.exit(1);
}
process.stdout.write(fs.readFileSync(out, 'utf8'));
