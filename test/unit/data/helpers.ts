// Shared paths and helpers of the data tests: the real datasets in shared/, temporary folders, and
// a snapshot of a file or folder (bytes + mtime) to prove that a failed command modified nothing.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DATASET_MARKER } from '../../../src/engine/data/built';

export const DATASETS = path.join(process.env.TRM_SHARED ?? path.resolve(process.cwd(), '..', 'shared'), 'datasets');
export const SAMPLES = path.join(DATASETS, 'trm-built-samples');

const created: string[] = [];
process.on('exit', () => {
  for (const d of created) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed when the test process exits. */
export function tmpDir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `trm-data-${tag}-`));
  created.push(d);
  return d;
}

/** First `n` data lines of a text file plus its header line, as a new file in `dir`. */
export function headFile(src: string, n: number, dir: string, name: string, header = 1): string {
  const lines = fs.readFileSync(src, 'utf8').split('\n');
  const out = path.join(dir, name);
  fs.writeFileSync(out, lines.slice(0, header + n).join('\n') + '\n');
  return out;
}

/** Bytes and modification times of every file under `p`. */
export function snapshot(p: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (q: string): void => {
    const st = fs.statSync(q);
    if (st.isDirectory()) {
      for (const f of fs.readdirSync(q).sort()) walk(path.join(q, f));
      return;
    }
    out.set(q, `${st.mtimeMs}:${fs.readFileSync(q).toString('base64')}`);
  };
  if (fs.existsSync(p)) walk(p);
  return out;
}

/** Files of `a` and `b` (recursively) are byte-identical and the same set (TRM Lens's dataset marker aside: official builds have none). */
export function sameTree(a: string, b: string): string[] {
  const diffs: string[] = [];
  const list = (root: string): string[] =>
    (fs.readdirSync(root, { recursive: true }) as string[])
      .filter((f) => f !== DATASET_MARKER && fs.statSync(path.join(root, f)).isFile())
      .sort();
  const fa = list(a);
  const fb = list(b);
  if (fa.join('|') !== fb.join('|')) diffs.push(`file lists differ: ${fa.join(',')} vs ${fb.join(',')}`);
  for (const f of fb) {
    if (!fa.includes(f)) continue;
    if (!fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f)))) diffs.push(f);
  }
  return diffs;
}

/** A split that must exist (fails the test with its name otherwise). */
export function sp<T>(ds: { splits: Record<string, T | undefined> }, name: string): T {
  const s = ds.splits[name];
  if (!s) throw new Error(`dataset has no ${name} split (has ${Object.keys(ds.splits).join(', ')})`);
  return s;
}
