import { tableFromIPC, type Table } from 'apache-arrow';
import { CorruptSnapshotError, InfraError } from '../core/errors.ts';
import { paths, type Manifest, type ShardEntry } from '../snapshot/contract.ts';
import { readManifest } from '../snapshot/read.ts';
import type { ObjectStore } from '../store/port.ts';
import { checkManifestSchema, checkSchema, chunksOf } from './columns.ts';
import { jitterDelay, seededRng, sleep, type Rng } from './rng.ts';
import { ScoreIndex } from './score-index.ts';
import { inlineVerifier, type Verifier } from './verify-pool.ts';

/** Which share of the key space a replica serves: buckets b with b % count === index. */
export interface ShardSelection {
  index: number;
  count: number;
}

export interface LoadOptions {
  shards?: ShardSelection | null;
  /** shard downloads in flight at once (default 4) */
  concurrency?: number;
  /** extra attempts per shard when the store throws (default 2); corrupt bytes are not retried */
  retries?: number;
  /** base of the jittered backoff between attempts, ms (default 200) */
  retryBaseMs?: number;
  rng?: Rng;
  /** the version's manifest when the caller already read it (to decide whether to load at all) */
  manifest?: Manifest;
  /** where shard bytes are checked (default: on the main thread) */
  verifier?: Verifier;
}

export interface LoadedSnapshot {
  dataset: string;
  version: string;
  manifest: Manifest;
  index: ScoreIndex;
  shards: ShardSelection | null;
  /** shard files and bytes downloaded and verified */
  files: number;
  bytes: number;
  /** epoch ms when the load finished */
  loadedAt: number;
  loadSeconds: number;
}

export function parseShardSelection(text: string): ShardSelection {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`shard selection "${text}" is not of the form i/n (e.g. 0/4)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new Error(`shard selection "${text}" needs 0 <= i < n and n >= 1`);
  return { index, count };
}

const SAFE_FILE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

function checkEntries(where: string, m: Manifest): void {
  if (!Number.isInteger(m.buckets) || m.buckets < 1) throw new CorruptSnapshotError(`${where}: buckets ${m.buckets} is not a positive integer`);
  for (const e of m.shards) {
    if (typeof e.path !== 'string' || !SAFE_FILE.test(e.path) || e.path.split('/').includes('..')) {
      throw new CorruptSnapshotError(`${where}: shard path ${JSON.stringify(e.path)} is not a plain relative path`);
    }
    if (!Number.isInteger(e.bucket) || e.bucket < 0 || e.bucket >= m.buckets) {
      throw new CorruptSnapshotError(`${where}: shard ${e.path} has bucket ${e.bucket}, outside 0..${m.buckets - 1}`);
    }
    if (!Number.isInteger(e.rows) || e.rows < 0 || !Number.isInteger(e.bytes) || e.bytes < 0) {
      throw new CorruptSnapshotError(`${where}: shard ${e.path} has invalid rows/bytes`);
    }
  }
}

async function fetchShard(store: ObjectStore, path: string, retries: number, baseMs: number, rng: Rng): Promise<Uint8Array> {
  for (let attempt = 0; ; attempt++) {
    let got;
    try {
      got = await store.read(path);
    } catch (err) {
      if (attempt >= retries) throw new InfraError(`reading ${path} failed: ${(err as Error).message}`, { cause: err });
      // exponential backoff with full jitter, so a fleet retrying together spreads out
      await sleep(jitterDelay(rng, baseMs * 2 ** attempt));
      continue;
    }
    if (!got) throw new CorruptSnapshotError(`shard ${path} does not exist`);
    return got.data;
  }
}

function parseShard(where: string, bytes: Uint8Array): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new CorruptSnapshotError(`${where}: not a readable Arrow IPC file (${(err as Error).message})`);
  }
  return table;
}

/**
 * Downloads, verifies and indexes one version. The loader owns the bytes `store.read` returns (the
 * index keeps them, and they may move to the verification worker), as the local and GCS stores
 * hand out a fresh buffer per read. Throws CorruptSnapshotError for anything the bytes
 * or the manifest get wrong, InfraError when the store keeps failing; never returns a partial index.
 */
export async function loadSnapshot(store: ObjectStore, dataset: string, version: string, opts: LoadOptions = {}): Promise<LoadedSnapshot> {
  const t0 = performance.now();
  const rng = opts.rng ?? seededRng(process.pid);
  const verifier = opts.verifier ?? inlineVerifier;
  const shards = opts.shards ?? null;
  const manifest = opts.manifest ?? (await readManifest(store, dataset, version));
  const where = paths.manifest(dataset, version);
  checkManifestSchema(where, manifest.schema);
  checkEntries(where, manifest);
  const selected = shards ? manifest.shards.filter((e) => e.bucket % shards.count === shards.index) : manifest.shards;
  const announced = selected.reduce((n, e) => n + e.rows, 0);
  if (!shards && manifest.stats && Number.isInteger(manifest.stats.rows) && manifest.stats.rows !== announced) {
    throw new CorruptSnapshotError(`${where}: stats.rows ${manifest.stats.rows} != ${announced}, the sum of its shards' rows`);
  }
  const perBucket = new Float64Array(manifest.buckets);
  for (const e of selected) perBucket[e.bucket] += e.rows;
  const index = new ScoreIndex(manifest.buckets, perBucket);
  let bytes = 0;
  let next = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && next < selected.length) {
      const entry: ShardEntry = selected[next++];
      const path = paths.shard(dataset, version, entry.path);
      try {
        const raw = await fetchShard(store, path, opts.retries ?? 2, opts.retryBaseMs ?? 200, rng);
        if (failed !== null) return;
        const data = await verifier.verify(path, entry, raw);
        if (failed !== null) return;
        const table = parseShard(path, data);
        checkSchema(path, table);
        if (table.numRows !== entry.rows) throw new CorruptSnapshotError(`${path}: ${table.numRows} rows, manifest says ${entry.rows}`);
        index.add(chunksOf(path, table, index.rows), entry.bucket);
        bytes += data.byteLength;
      } catch (err) {
        if (failed === null) failed = err;
      }
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, selected.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed !== null) throw failed;
  return {
    dataset,
    version,
    manifest,
    index,
    shards,
    files: selected.length,
    bytes,
    loadedAt: Date.now(),
    loadSeconds: (performance.now() - t0) / 1000,
  };
}
