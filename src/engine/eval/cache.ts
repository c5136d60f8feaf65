// The resumable on-disk store of an evaluation: one JSON-lines file per (checkpoint hash, dataset
// hash), a header line then one line per finished puzzle, appended and flushed batch by batch. An
// evaluation that is interrupted (cancelled, crashed, killed) leaves every finished batch on disk;
// the next run with the same checkpoint and dataset reads them back and computes only the rest. A
// torn last line (a kill mid-write) is cut off before appending. Content hashes, not paths or
// dates: a retrained checkpoint or an edited dataset never reuses stale records.

import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EvalPuzzleRecord } from './types';

export const CACHE_VERSION = 1;
/** The folder `trm eval` keeps its cache in, beside --out. */
export const CLI_CACHE_DIR = '.trm-eval-cache';

export interface EvalCacheHeader {
  version: number;
  checkpointHash: string;
  datasetHash: string;
  checkpoint: string;
  data: string;
  haltMaxSteps: number;
}

/** SHA-256 of files' contents (and, for folders, their relative names), streamed in 1 MiB chunks. */
export function contentHash(target: string): string {
  const h = crypto.createHash('sha256');
  const buf = Buffer.alloc(1 << 20);
  const addFile = (f: string): void => {
    const fd = fs.openSync(f, 'r');
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n <= 0) break;
        h.update(buf.subarray(0, n));
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  if (fs.statSync(target).isDirectory()) {
    const files = (fs.readdirSync(target, { recursive: true }) as string[])
      .filter((f) => !f.split(path.sep).some((part) => part.startsWith('.')))
      .filter((f) => fs.statSync(path.join(target, f)).isFile())
      .sort();
    for (const f of files) {
      h.update(`\0${f.split(path.sep).join('/')}\0`);
      addFile(path.join(target, f));
    }
  } else addFile(target);
  return h.digest('hex');
}

/** Hash of a checkpoint with the config file it is read with (a different config is a different model). */
export function checkpointHash(file: string, configPath?: string): string {
  const h = crypto.createHash('sha256').update(contentHash(file));
  if (configPath && fs.existsSync(configPath)) h.update(contentHash(configPath));
  return h.digest('hex');
}

export function cacheFileName(checkpointHash: string, datasetHash: string): string {
  return `${checkpointHash.slice(0, 16)}-${datasetHash.slice(0, 16)}.jsonl`;
}

export class EvalCache {
  private constructor(
    readonly file: string,
    readonly header: EvalCacheHeader,
    readonly records: Map<number, EvalPuzzleRecord>,
  ) {}

  /**
   * Opens (or creates) the cache file for `header` in `dir`. `resume` false starts over (the old
   * file is replaced); a file whose header does not match is an error that names both.
   */
  static open(dir: string, header: EvalCacheHeader, resume: boolean): EvalCache {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, cacheFileName(header.checkpointHash, header.datasetHash));
    const records = new Map<number, EvalPuzzleRecord>();
    if (resume && fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      const complete = text.lastIndexOf('\n') + 1;
      const lines = text.slice(0, complete).split('\n').filter(Boolean);
      const first = lines.length ? (JSON.parse(lines[0]) as EvalCacheHeader) : undefined;
      if (
        !first ||
        first.version !== CACHE_VERSION ||
        first.checkpointHash !== header.checkpointHash ||
        first.datasetHash !== header.datasetHash ||
        first.haltMaxSteps !== header.haltMaxSteps
      ) {
        fs.writeFileSync(file, JSON.stringify(header) + '\n');
      } else {
        for (let i = 1; i < lines.length; i++) {
          let r: EvalPuzzleRecord;
          try {
            r = JSON.parse(lines[i]) as EvalPuzzleRecord;
          } catch {
            break; // a torn line: keep what came before it
          }
          if (!isRecord(r, header.haltMaxSteps)) break;
          records.set(r.index, r);
        }
        // Cut a torn tail so the next append starts on a fresh line.
        if (complete !== Buffer.byteLength(text)) fs.truncateSync(file, Buffer.byteLength(text.slice(0, complete)));
      }
    } else fs.writeFileSync(file, JSON.stringify(header) + '\n');
    return new EvalCache(file, header, records);
  }

  /** Appends finished records and flushes them to disk. */
  append(records: readonly EvalPuzzleRecord[]): void {
    if (!records.length) return;
    const fd = fs.openSync(this.file, 'a');
    try {
      fs.writeSync(fd, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    for (const r of records) this.records.set(r.index, r);
  }

  /** Records of indices 0..count-1 in order (only those present). */
  ordered(count: number): EvalPuzzleRecord[] {
    const out: EvalPuzzleRecord[] = [];
    for (let i = 0; i < count; i++) {
      const r = this.records.get(i);
      if (r) out.push(r);
    }
    return out;
  }
}

function isRecord(r: unknown, K: number): r is EvalPuzzleRecord {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Partial<EvalPuzzleRecord>;
  return (
    Number.isInteger(o.index) &&
    Array.isArray(o.steps) &&
    o.steps.length === K &&
    Array.isArray(o.failureModes) &&
    typeof o.exact === 'boolean'
  );
}
