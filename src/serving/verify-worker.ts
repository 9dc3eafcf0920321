/**
 * Worker thread body: runs the shared shard check (`verifyShardBytes`) off the main thread, so
 * hashing one shard overlaps indexing the previous one. Bytes travel by transfer, never by copy.
 */
import { parentPort } from 'node:worker_threads';
import type { ShardEntry } from '../snapshot/contract.ts';
import { verifyShardBytes } from '../snapshot/read.ts';

export interface VerifyRequest {
  id: number;
  where: string;
  entry: ShardEntry;
  buffer: ArrayBuffer;
}

export interface VerifyReply {
  id: number;
  error: string | null;
  buffer: ArrayBuffer;
}

parentPort?.on('message', (req: VerifyRequest) => {
  let error: string | null = null;
  try {
    verifyShardBytes(req.where, req.entry, new Uint8Array(req.buffer));
  } catch (err) {
    error = (err as Error).message;
  }
  const reply: VerifyReply = { id: req.id, error, buffer: req.buffer };
  parentPort!.postMessage(reply, [req.buffer]);
});
