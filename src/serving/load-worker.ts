/**
 * Load worker thread body: for each shard file it is sent, checks the bytes against the manifest
 * (`verifyShardBytes`: size, crc32c, sha256), reads them as Arrow, checks the contract, and indexes
 * the rows into its bucket's table. Tables and the row chain live in SharedArrayBuffers the main
 * thread allocated; each bucket is owned by one worker, so no two threads write the same memory.
 * File bytes travel by transfer, never by copy: they stay here until the bucket's last file is
 * indexed (a later file's keys are compared against them), then go back in that file's reply.
 */
import { parentPort } from 'node:worker_threads';
import type { ShardEntry } from '../snapshot/contract.ts';
import { verifyShardBytes } from '../snapshot/read.ts';
import { shardChunks } from './columns.ts';
import { BucketBuilder } from './index-build.ts';

export interface FileTask {
  type: 'file';
  loadId: number;
  /** the pool's number for the message, echoed in the reply */
  seq: number;
  /** the file's index in its load */
  id: number;
  where: string;
  entry: ShardEntry;
  /** global row id of the file's first row */
  base: number;
  buckets: number;
  /** how many of the load's files belong to this bucket */
  bucketFiles: number;
  table: SharedArrayBuffer;
  next: SharedArrayBuffer;
  buffer: ArrayBuffer;
}

export interface DropTask {
  type: 'drop';
  loadId: number;
}

export interface FileReply {
  loadId: number;
  seq: number;
  id: number;
  error: string | null;
  /** keys the file added to its bucket */
  keys: number;
  /** when the bucket is complete: the bytes of each of its files, by file id */
  returned: { id: number; buffer: ArrayBuffer }[];
}

interface BucketState {
  builder: BucketBuilder;
  held: { id: number; buffer: ArrayBuffer }[];
}

const loads = new Map<number, Map<number, BucketState>>();

parentPort?.on('message', (task: FileTask | DropTask) => {
  if (task.type === 'drop') {
    loads.delete(task.loadId);
    return;
  }
  let load = loads.get(task.loadId);
  if (!load) loads.set(task.loadId, (load = new Map()));
  const bucket = task.entry.bucket;
  let error: string | null = null;
  let keys = 0;
  let returned: FileReply['returned'] = [];
  try {
    let state = load.get(bucket);
    if (!state) {
      state = { builder: new BucketBuilder(bucket, task.buckets, new Int32Array(task.table), new Int32Array(task.next)), held: [] };
      load.set(bucket, state);
    }
    const bytes = new Uint8Array(task.buffer);
    verifyShardBytes(task.where, task.entry, bytes);
    const before = state.builder.keys;
    state.builder.add(shardChunks(task.where, task.entry, bytes, task.base));
    keys = state.builder.keys - before;
    state.held.push({ id: task.id, buffer: task.buffer });
    if (state.held.length === task.bucketFiles) {
      returned = state.held;
      load.delete(bucket);
    }
  } catch (err) {
    error = (err as Error).message;
    load.delete(bucket);
  }
  if (load.size === 0) loads.delete(task.loadId);
  const reply: FileReply = { loadId: task.loadId, seq: task.seq, id: task.id, error, keys, returned };
  parentPort!.postMessage(reply, returned.map((r) => r.buffer));
});
