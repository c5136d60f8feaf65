// `npm run train:demo`: bundles src/engine/train/demo.ts and runs it: generated Sudoku data, the demo
// model trained with the project's trainer (resumable: run again to continue), exported to
// media/models/sudoku/ (`--recipe trm42`, the default model with the paper's recursion) or
// media/models/sudoku-small/ (`--recipe small`). Options are passed through (e.g. `-- --minutes 40
// --hard <csv>`); the last occurrence of an option wins.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const outfile = path.join(root, 'out/train-demo/demo.js');
await esbuild.build({
  entryPoints: [path.join(root, 'src/engine/train/demo.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile,
  logLevel: 'warning',
  external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
});
const recipeAt = process.argv.lastIndexOf('--recipe');
const recipe = recipeAt >= 0 ? process.argv[recipeAt + 1] : 'trm42';
const args = [
  outfile,
  '--work',
  path.join(root, 'out/train-demo'),
  '--media',
  path.join(root, recipe === 'small' ? 'media/models/sudoku-small' : 'media/models/sudoku'),
  '--wasm-dir',
  path.join(root, 'dist') + path.sep,
  ...process.argv.slice(2),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
