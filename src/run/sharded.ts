import { Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { CorruptSnapshotError, InfraError } from '../core/errors.ts';
import type { Logger } from '../observability/log.ts';
import type { Notifier } from '../notify/port.ts';
import type { ObjectStore } from '../store/port.ts';
import type { Warehouse } from '../warehouse/port.ts';
import { loadQuery } from '../warehouse/queries.ts';
import { paths, type AllocationSection, type Certificate, type FaultHook, type QualityCheckResult, type ShardEntry } from '../snapshot/contract.ts';
import { encodeShards } from '../snapshot/write-shards.ts';
import { publishSnapshot, putShard, type PublishResult } from '../snapshot/publish.ts';
import { readLatest, verifyShardBytes } from '../snapshot/read.ts';
import { latestManifest } from './previous.ts';
import type { ManifestFields } from '../snapshot/manifest.ts';
import type { QualityConfig } from '../quality/config.ts';
import { gateOutput } from './output-gates.ts';
import { packMarkets } from './market-bins.ts';
import { putTaskRecord, readTaskRecords, type TaskRecord } from './task-record.ts';
import type { ShardSpec } from './shard.ts';

/**
 * Sharded runs (docs/architecture.md, "Sharded runs"): the LP couples nothing across markets, so task i of n extracts,
 * scores and allocates only its bin of markets, writes its own shard files (part-NNNNN-tI.arrow) and
 * then a completion record. Whichever task finds every record present commits: it verifies every
 * task's shards, merges stats and certificates into one manifest and runs the rest of the publish
 * protocol. The commit is idempotent (manifest create-only and adopted when identical in content,
 * LATEST by compare-and-swap, the notification marker), so two tasks finishing together, a retried
 * task attempt, or `promoscore commit` after a crash all converge on one published version.
 */

/** Task index/count: the flag, else Cloud Run's task environment, else one task. */
export function shardFromEnv(flag: ShardSpec | undefined, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  if (flag) return flag;
  const count = Number(env.CLOUD_RUN_TASK_COUNT ?? 1);
  const index = Number(env.CLOUD_RUN_TASK_INDEX ?? 0);
  if (Number.isInteger(count) && count > 1 && Number.isInteger(index) && index >= 0 && index < count) return { index, count };
  return { index: 0, count: 1 };
}

/** This task's markets: every task computes the same bins from the same cheap count query. */
export async function marketsOfTask(warehouse: Warehouse, shard: ShardSpec, labels: Record<string, string>): Promise<string[]> {
  const res = await warehouse.query({ name: 'market_counts', sql: loadQuery('market_counts'), params: {}, labels });
  const markets = res.table.getChild('market');
  const rows = res.table.getChild('candidate_rows');
  if (!markets || !rows) throw new InfraError('market_counts query returned no market/candidate_rows columns');
  const weights = [];
  for (let i = 0; i < res.table.numRows; i++) weights.push({ market: String(markets.get(i)), rows: Number(rows.get(i)) });
  return packMarkets(weights, shard.count)[shard.index];
}

export interface TaskOutput {
  store: ObjectStore;
  dataset: string;
  version: string;
  asOf: string;
  shard: ShardSpec;
  markets: string[];
  /** null: the task's bin of markets is empty */
  table: Table | null;
  buckets: number;
  record: Pick<TaskRecord, 'queries' | 'quality_input' | 'quality_output' | 'allocation' | 'run_id' | 'producer' | 'inputs'>;
  faults?: FaultHook;
  log: Logger;
}

/** Writes a task's shards create-only (identical ones from an earlier attempt are accepted), then its record. */
export async function writeTaskOutput(o: TaskOutput): Promise<TaskRecord> {
  const fault = o.faults ?? (() => {});
  const encoded = o.table ? encodeShards(o.table, { buckets: o.buckets, taskId: o.shard.index }) : [];
  for (const s of encoded) {
    await putShard(o.store, o.dataset, o.version, s);
    await fault(`task-shard:${s.entry.path}`);
  }
  const record: TaskRecord = {
    version: o.version, dataset: o.dataset, as_of: o.asOf, task: o.shard.index, count: o.shard.count, markets: o.markets,
    rows: o.table?.numRows ?? 0, shards: encoded.map((s) => s.entry), buckets: o.buckets, ...o.record,
    attempt: Number(process.env.CLOUD_RUN_TASK_ATTEMPT ?? 0), finished_at: new Date().toISOString(),
  };
  await putTaskRecord(o.store, record);
  await fault('task-record');
  o.log.info('task output written', { task: o.shard.index, count: o.shard.count, rows: record.rows, shards: encoded.length });
  return record;
}

export interface CommitOptions {
  store: ObjectStore;
  notifier: Notifier;
  dataset: string;
  version: string;
  count: number;
  quality: QualityConfig;
  faults?: FaultHook;
  log: Logger;
  /** the committing task checked the rolled-back marker in its plan (see PublishOptions) */
  checkedNotRolledBack?: boolean;
}

export class MissingTasksError extends InfraError {}

/** Commits a sharded version once every task's record is present; throws MissingTasksError naming the missing ones. */
export async function commitShardedRun(o: CommitOptions): Promise<PublishResult> {
  const records = await readTaskRecords(o.store, o.dataset, o.version, o.count);
  const missing = [...Array(o.count).keys()].filter((i) => !records.has(i));
  if (missing.length) {
    throw new MissingTasksError(
      `cannot commit ${o.dataset}/${o.version}: no completion record from task${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${o.count} ` +
        `(rerun ${missing.length > 1 ? 'those tasks' : 'that task'}; present: ${[...records.keys()].sort((a, b) => a - b).join(', ') || 'none'})`,
    );
  }
  const ordered = [...records.values()].sort((a, b) => a.task - b.task);
  const seenMarkets = new Map<string, number>();
  for (const r of ordered) {
    if (r.version !== o.version) throw new CorruptSnapshotError(`task ${r.task} record names version ${r.version}, not ${o.version}`);
    for (const m of r.markets) {
      if (seenMarkets.has(m)) throw new CorruptSnapshotError(`market ${m} was scored by tasks ${seenMarkets.get(m)} and ${r.task}`);
      seenMarkets.set(m, r.task);
    }
  }

  // every task's shards, read back and verified: the manifest's stats are computed over all of them
  const batches: RecordBatch[] = [];
  const shards: ShardEntry[] = [];
  let schemaTable: Table | null = null;
  for (const r of ordered) {
    for (const s of r.shards) {
      const path = paths.shard(o.dataset, o.version, s.path);
      const got = await o.store.read(path);
      if (!got) throw new CorruptSnapshotError(`task ${r.task}'s shard ${path} does not exist`);
      verifyShardBytes(path, s, got.data);
      const t = tableFromIPC(got.data);
      schemaTable ??= t;
      shards.push(s);
      batches.push(...t.batches);
    }
  }
  if (!schemaTable) throw new CorruptSnapshotError(`no task of ${o.dataset}/${o.version} wrote any shard: nothing to commit`);
  const table = new Table(schemaTable.schema, batches);
  const allocation = mergeAllocation(ordered.map((r) => r.allocation));
  const latest = await readLatest(o.store, o.dataset).catch((err: Error) => {
    o.log.warn('LATEST unreadable: no drift gate', { error: err.message });
    return null;
  });
  // a commit rerun after LATEST already names this version has no baseline to drift from
  const previous = latest?.pointer.version === o.version ? null : await latestManifest(o.store, o.dataset, latest, o.log);
  const first = ordered[0];
  for (const r of ordered) {
    if (r.buckets !== first.buckets || r.inputs.fingerprint !== first.inputs.fingerprint || r.producer.spec_hash !== first.producer.spec_hash) {
      throw new CorruptSnapshotError(`task ${r.task} of ${o.dataset}/${o.version} disagrees with task ${first.task} on buckets, input fingerprint or spec`);
    }
  }
  const byTask = (r: TaskRecord, q: QualityCheckResult) => ({ ...q, detail: `task ${r.task}${q.detail ? ': ' + q.detail : ''}` });
  // drift needs every market: it is gated here, over all the tasks' rows, by the same gate an unsharded run uses
  const drift = gateOutput({ output: { table, allocation }, config: o.quality, tolerance: allocation.tolerance, checks: { invariants: false, drift: previous } });
  const quality = {
    input: ordered.flatMap((r) => r.quality_input.map((q) => byTask(r, q))),
    output: [...ordered.flatMap((r) => (r.quality_output ?? []).map((q) => byTask(r, q))), ...drift],
  };
  const fields: ManifestFields = {
    producer: first.producer,
    inputs: { ...first.inputs, queries: ordered.flatMap((r) => r.queries.map((q) => ({ ...q, name: `${q.name}[task ${r.task}]` }))) },
    quality,
    allocation,
    previous_version: previous?.version ?? null,
  };
  return publishSnapshot({
    store: o.store, notifier: o.notifier, dataset: o.dataset, version: o.version, asOf: ordered[0].as_of,
    table, buckets: first.buckets, manifest: fields, log: o.log, faults: o.faults, shards, checkedNotRolledBack: o.checkedNotRolledBack,
  });
}

/** One allocation section from the tasks': markets in order, certificates summed in market order. */
export function mergeAllocation(parts: AllocationSection[]): AllocationSection {
  const markets = parts.flatMap((p) => p.markets).sort((a, b) => (a.market < b.market ? -1 : a.market > b.market ? 1 : 0));
  let primal = 0;
  let dual = 0;
  let maxViolation = 0;
  let scale = 0;
  for (const m of markets) {
    primal += m.certificate.primal;
    dual += m.certificate.dual_bound;
    maxViolation = Math.max(maxViolation, m.certificate.max_violation);
    scale += Math.abs(m.certificate.primal) + Math.abs(m.certificate.dual_bound);
  }
  const diff = dual - primal;
  const certificate: Certificate = {
    primal,
    dual_bound: dual,
    gap: diff > 1e-13 * scale ? diff / Math.max(Math.abs(dual), 1e-300) : 0,
    max_violation: maxViolation,
  };
  const holdout = parts.find((p) => p.holdout)?.holdout;
  return { tolerance: parts[0]?.tolerance ?? 1e-4, certificate, markets, ...(holdout ? { holdout } : {}) };
}
