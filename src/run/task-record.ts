import { PreconditionFailedError } from '../core/errors.ts';
import type { ObjectStore } from '../store/port.ts';
import { paths, type AllocationSection, type Manifest, type QualityCheckResult, type ShardEntry } from '../snapshot/contract.ts';

/**
 * A task's completion record in a sharded run: written create-only after the task's shards, it is
 * the task's promise that those shards are complete. The commit trusts nothing else.
 * Stored under the version as `_tasks/<index>-of-<count>.json` (the `_` keeps it out of shard listings).
 */
export interface TaskRecord {
  version: string;
  dataset: string;
  as_of: string;
  task: number;
  count: number;
  markets: string[];
  rows: number;
  shards: ShardEntry[];
  queries: { name: string; job_id: string; rows: number; bytes_processed?: number }[];
  quality_input: QualityCheckResult[];
  /** the task's output invariants (drift is gated at the commit, over every task's rows); absent in older records */
  quality_output?: QualityCheckResult[];
  allocation: AllocationSection;
  run_id: string;
  /** what the commit needs to write the manifest without the task's process */
  producer: Manifest['producer'];
  inputs: Omit<Manifest['inputs'], 'queries'>;
  buckets: number;
  attempt: number;
  finished_at: string;
}

export const taskRecordDir = (dataset: string, version: string) => `${paths.versionDir(dataset, version)}_tasks/`;
export const taskRecordPath = (dataset: string, version: string, task: number, count: number) =>
  `${taskRecordDir(dataset, version)}${task}-of-${count}.json`;

/** Writes the record; a record already there from an earlier attempt is kept (same identity, same shards). */
export async function putTaskRecord(store: ObjectStore, r: TaskRecord): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(r, null, 2) + '\n');
  try {
    await store.create(taskRecordPath(r.dataset, r.version, r.task, r.count), bytes, { contentType: 'application/json' });
  } catch (err) {
    if (!(err instanceof PreconditionFailedError)) throw err;
  }
}

/** Records present for a version with `count` tasks, by task index; records of another task count are ignored. */
export async function readTaskRecords(store: ObjectStore, dataset: string, version: string, count: number): Promise<Map<number, TaskRecord>> {
  const out = new Map<number, TaskRecord>();
  for (const info of await store.list(taskRecordDir(dataset, version))) {
    const m = /\/(\d+)-of-(\d+)\.json$/.exec(info.path);
    if (!m || Number(m[2]) !== count) continue;
    const got = await store.read(info.path);
    if (!got) continue;
    out.set(Number(m[1]), JSON.parse(Buffer.from(got.data).toString('utf8')) as TaskRecord);
  }
  return out;
}
