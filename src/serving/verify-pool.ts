import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CorruptSnapshotError } from '../core/errors.ts';
import type { ShardEntry } from '../snapshot/contract.ts';
import { verifyShardBytes } from '../snapshot/read.ts';
import type { VerifyReply, VerifyRequest } from './verify-worker.ts';

/**
 * Shard verification on a worker thread (sha256 of a 10M-row snapshot is ~1 s of CPU): the main
 * thread indexes one shard while the worker hashes the next. Falls back to the main thread when the
 * bytes cannot be transferred (a view into a larger buffer) or the worker cannot start.
 */
export interface Verifier {
  /** resolves with the same bytes (moved back from the worker), or throws CorruptSnapshotError */
  verify(where: string, entry: ShardEntry, bytes: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const inlineVerifier: Verifier = {
  async verify(where, entry, bytes) {
    verifyShardBytes(where, entry, bytes);
    return bytes;
  },
  async close() {},
};

/** The worker's entry: registers tsx's loader (the sources are TypeScript), then runs verify-worker.ts. */
function workerSource(): string {
  // the ESM build of tsx's API (the package maps `import` to index.mjs next to the CJS index.cjs)
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const body = new URL('./verify-worker.ts', import.meta.url).href;
  return `(async () => {
    const api = await import(${JSON.stringify(api)});
    (api.register ?? api.default.register)();
    await import(${JSON.stringify(body)});
  })().catch((err) => { throw err; });`;
}

export function workerVerifier(): Verifier {
  let worker: Worker | null = null;
  let broken = false;
  let nextId = 0;
  const pending = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  const start = (): Worker | null => {
    if (worker || broken) return worker;
    try {
      const w = new Worker(workerSource(), { eval: true });
      w.on('message', (r: VerifyReply) => {
        const p = pending.get(r.id);
        pending.delete(r.id);
        // an idle worker must not keep the process alive; a busy one must
        if (pending.size === 0) w.unref();
        if (!p) return;
        if (r.error) p.reject(new CorruptSnapshotError(r.error));
        else p.resolve(new Uint8Array(r.buffer));
      });
      w.on('error', (err) => {
        broken = true;
        worker = null;
        for (const p of pending.values()) p.reject(new Error(`verification worker failed: ${err.message}`));
        pending.clear();
      });
      w.unref();
      worker = w;
    } catch {
      broken = true;
    }
    return worker;
  };
  return {
    verify(where, entry, bytes) {
      const transferable = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
      const w = transferable ? start() : null;
      if (!w) return inlineVerifier.verify(where, entry, bytes);
      return new Promise<Uint8Array>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        w.ref();
        const req: VerifyRequest = { id, where, entry, buffer: bytes.buffer as ArrayBuffer };
        w.postMessage(req, [req.buffer]);
      });
    },
    async close() {
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
