// The extension host's side of the locate worker (dist/locateWorker.js): started on the first large
// document, it answers each job with a packed result (see src/engine/authoring/locateJob.ts). A
// crashed worker fails its pending jobs with the reason; the next job starts a fresh thread.

import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { PackedLocate } from '../../engine/authoring/locateJob';
import type { LocateReply, LocateRequest } from '../../engine/authoring/locateWorker';

export class LocateWorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: PackedLocate) => void; reject: (e: Error) => void }>();

  constructor(private readonly distDir: string) {}

  locate(job: LocateRequest['job']): Promise<PackedLocate> {
    const w = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<PackedLocate>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, job } satisfies LocateRequest);
    });
  }

  private start(): Worker {
    const w = new Worker(path.join(this.distDir, 'locateWorker.js'));
    this.worker = w;
    w.unref();
    w.on('message', (m: LocateReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if ('error' in m) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const p of this.pending.values()) p.reject(new Error(why));
      this.pending.clear();
    };
    w.on('error', (e) => fail(`locate worker crashed: ${e.message}`));
    w.on('exit', (code) => fail(`locate worker exited (code ${code})`));
    return w;
  }

  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('locate worker disposed'));
    this.pending.clear();
    void w?.terminate();
  }
}
