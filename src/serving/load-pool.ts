import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { CorruptSnapshotError } from '../core/errors.ts';
import type { FileReply, FileTask } from './load-worker.ts';

/**
 * Worker threads that verify and index shard files (sha256 of a 10M-row snapshot alone is ~1 s of
 * CPU; hashing keys and inserting them about as much). The loader gives each bucket one lane (a
 * worker, or its own thread), which owns that bucket's table for the whole load. A pool that cannot
 * start its workers reports itself unavailable and the loader indexes on the main thread instead.
 */
export interface LoadPool {
  /** starts the workers if needed; false when they cannot run (then index on the main thread) */
  available(): boolean;
  /** whether the workers are running already (so using them costs no start-up) */
  readonly started: boolean;
  /** how many workers */
  readonly size: number;
  /**
   * Resolves once worker `lane` has indexed the file; rejects with CorruptSnapshotError for bad bytes.
   * All files of a bucket must go to the same lane.
   */
  submit(lane: number, task: Omit<FileTask, 'type' | 'seq'>): Promise<FileReply>;
  /** forgets a load's state on every worker (after a failure) */
  drop(loadId: number): void;
  close(): Promise<void>;
}

/** The worker's module: load-worker.ts in a checkout (Node strips its types), load-worker.js in the package's lib/. */
function workerModule(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './load-worker.ts' : './load-worker.js', import.meta.url);
}

/**
 * One worker fewer than cores (at least one): the main thread indexes a share of the buckets too.
 * Each worker costs ~0.3 s of CPU to start (it loads the TypeScript sources and Arrow), which on a
 * two-core machine outweighs a second worker.
 */
export function defaultLoadWorkers(): number {
  return Math.max(1, Math.min(3, availableParallelism() - 1));
}

export function workerLoadPool(size = defaultLoadWorkers()): LoadPool {
  const workers: Worker[] = [];
  let broken = false;
  const pending = new Map<number, { resolve: (r: FileReply) => void; reject: (e: Error) => void }>();
  let nextSeq = 0;
  const busy = new Map<Worker, number>();

  const fail = (err: Error) => {
    broken = true;
    for (const w of workers) void w.terminate();
    workers.length = 0;
    for (const p of pending.values()) p.reject(new Error(`load worker failed: ${err.message}`));
    pending.clear();
  };
  const start = (): boolean => {
    if (broken) return false;
    if (workers.length) return true;
    try {
      for (let k = 0; k < size; k++) {
        const w = new Worker(workerModule());
        busy.set(w, 0);
        w.on('message', (r: FileReply) => {
          const p = pending.get(r.seq);
          pending.delete(r.seq);
          const n = (busy.get(w) ?? 1) - 1;
          busy.set(w, n);
          // an idle worker must not keep the process alive; a busy one must
          if (n === 0) w.unref();
          if (!p) return;
          if (r.error) p.reject(new CorruptSnapshotError(r.error));
          else p.resolve(r);
        });
        w.on('error', fail);
        w.unref();
        workers.push(w);
      }
    } catch (err) {
      fail(err as Error);
      return false;
    }
    return true;
  };
  return {
    available: start,
    get started() {
      return workers.length > 0 && !broken;
    },
    size,
    submit(lane, task) {
      if (!start()) return Promise.reject(new Error('load workers are not available'));
      const w = workers[lane % workers.length];
      return new Promise<FileReply>((resolve, reject) => {
        const seq = nextSeq++;
        pending.set(seq, { resolve, reject });
        busy.set(w, (busy.get(w) ?? 0) + 1);
        w.ref();
        const msg: FileTask = { ...task, type: 'file', seq };
        w.postMessage(msg, [msg.buffer]);
      });
    },
    drop(loadId) {
      for (const w of workers) w.postMessage({ type: 'drop', loadId });
    },
    async close() {
      const ws = workers.splice(0);
      await Promise.all(ws.map((w) => w.terminate()));
    },
  };
}
