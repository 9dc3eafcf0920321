import { CorruptSnapshotError, InfraError } from '../core/errors.ts';
import { paths, type Manifest, type ShardEntry } from '../snapshot/contract.ts';
import { readManifest, verifyShardBytes } from '../snapshot/read.ts';
import type { ObjectStore } from '../store/port.ts';
import { checkManifestSchema, shardChunks, type Chunk } from './columns.ts';
import { BucketBuilder, tableSlots } from './index-build.ts';
import type { LoadPool } from './load-pool.ts';
import { retry } from '../core/retry.ts';
import { seededRng, type Rng } from './rng.ts';
import { ScoreIndex } from './score-index.ts';

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
  /** worker threads that verify and index the shard files (default: the main thread does) */
  pool?: LoadPool | null;
  /** with a pool: whether this thread indexes a share of the buckets too (default true) */
  mainThreadShare?: boolean;
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
  /** threads that verified and indexed the files (1: the main thread alone) */
  lanes: number;
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
  let got;
  try {
    // exponential backoff with full jitter, so a fleet retrying together spreads out
    const policy = { attempts: retries + 1, initialDelayMs: baseMs, maxDelayMs: Infinity, jitter: rng };
    got = await retry(policy, () => store.read(path), { retryable: () => true });
  } catch (err) {
    throw new InfraError(`reading ${path} failed: ${(err as Error).message}`, { cause: err });
  }
  if (!got) throw new CorruptSnapshotError(`shard ${path} does not exist`);
  return got.data;
}

let loadIds = 0;

/** Whether `bytes` is a whole ArrayBuffer of its own (then it can move to a worker without a copy). */
function ownsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
}

/** The manifest's shard files a selection loads (all of them without one). */
export function selectedShards(manifest: Manifest, shards: ShardSelection | null): ShardEntry[] {
  return shards ? manifest.shards.filter((e) => e.bucket % shards.count === shards.index) : manifest.shards;
}

/**
 * Downloads, verifies and indexes one version. The loader owns the bytes `store.read` returns (the
 * index keeps them, and they move to a load worker and back), as the local and GCS stores hand out a
 * fresh buffer per read. Row ids follow the manifest's file order, so they do not depend on which
 * download finishes first. Throws CorruptSnapshotError for anything the bytes or the manifest get
 * wrong, InfraError when the store keeps failing; never returns a partial index.
 */
export async function loadSnapshot(store: ObjectStore, dataset: string, version: string, opts: LoadOptions = {}): Promise<LoadedSnapshot> {
  const t0 = performance.now();
  const rng = opts.rng ?? seededRng(process.pid);
  // starts the workers (if not yet running) while the manifest is read
  const pool = opts.pool?.available() ? opts.pool : null;
  const shards = opts.shards ?? null;
  const manifest = opts.manifest ?? (await readManifest(store, dataset, version));
  const where = paths.manifest(dataset, version);
  checkManifestSchema(where, manifest.schema);
  checkEntries(where, manifest);
  const selected = selectedShards(manifest, shards);
  const announced = selected.reduce((n, e) => n + e.rows, 0);
  if (!shards && manifest.stats && Number.isInteger(manifest.stats.rows) && manifest.stats.rows !== announced) {
    throw new CorruptSnapshotError(`${where}: stats.rows ${manifest.stats.rows} != ${announced}, the sum of its shards' rows`);
  }
  if (announced > 0x7fffffff) throw new CorruptSnapshotError(`${where}: ${announced} rows exceed what one index holds`);
  const { buckets } = manifest;
  const bases: number[] = [];
  const bucketRows = new Float64Array(buckets);
  const bucketFiles = new Int32Array(buckets);
  for (const e of selected) {
    bases.push(bases.length ? bases[bases.length - 1] + selected[bases.length - 1].rows : 0);
    bucketRows[e.bucket] += e.rows;
    bucketFiles[e.bucket]++;
  }
  // shared with the workers when there are any: each writes the tables of its own buckets and the
  // chain entries of its own rows
  const alloc = (bytes: number) => (pool ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const nextBuffer = alloc(4 * Math.max(1, announced));
  const next = new Int32Array(nextBuffer);
  const tables: (Int32Array | null)[] = new Array<Int32Array | null>(buckets).fill(null);
  for (let b = 0; b < buckets; b++) {
    if (bucketFiles[b] > 0) tables[b] = new Int32Array(alloc(8 * tableSlots(bucketRows[b])));
  }
  // the buckets take turns over the lanes (numbered below pool.size: workers; pool.size: this
  // thread), in the order their files are fetched, so a shard selection i/n still uses every lane
  const lanes = pool ? pool.size + (opts.mainThreadShare === false ? 0 : 1) : 1;
  const laneOf = new Int32Array(buckets).fill(-1);
  let turns = 0;
  for (const e of selected) if (laneOf[e.bucket] < 0) laneOf[e.bucket] = turns++ % lanes;
  const builders = new Map<number, BucketBuilder>();
  // per file: its chunks once indexed here, or its bytes once back from a worker
  const fileChunks: (Chunk[] | Uint8Array | null)[] = new Array<Chunk[] | Uint8Array | null>(selected.length).fill(null);
  const loadId = ++loadIds;
  let keys = 0;
  let bytes = 0;
  let nextFile = 0;
  let failed: unknown = null;
  const worker = async () => {
    while (failed === null && nextFile < selected.length) {
      const k = nextFile++;
      const entry: ShardEntry = selected[k];
      const path = paths.shard(dataset, version, entry.path);
      try {
        const raw = await fetchShard(store, path, opts.retries ?? 2, opts.retryBaseMs ?? 200, rng);
        if (failed !== null) return;
        bytes += raw.byteLength;
        const lane = laneOf[entry.bucket];
        if (pool && lane < pool.size) {
          const own = ownsBuffer(raw) ? raw : new Uint8Array(raw);
          const reply = await pool.submit(lane, {
            loadId, id: k, where: path, entry, base: bases[k], buckets, bucketFiles: bucketFiles[entry.bucket],
            table: tables[entry.bucket]!.buffer as SharedArrayBuffer, next: nextBuffer as SharedArrayBuffer, buffer: own.buffer as ArrayBuffer,
          });
          keys += reply.keys;
          for (const r of reply.returned) fileChunks[r.id] = new Uint8Array(r.buffer);
        } else {
          // between files, so reads and worker replies are not held up for long
          await new Promise<void>((r) => setImmediate(r));
          verifyShardBytes(path, entry, raw);
          const got = shardChunks(path, entry, raw, bases[k]);
          let builder = builders.get(entry.bucket);
          if (!builder) builders.set(entry.bucket, (builder = new BucketBuilder(entry.bucket, buckets, tables[entry.bucket]!, next)));
          builder.add(got);
          fileChunks[k] = got;
        }
      } catch (err) {
        if (failed === null) failed = err;
      }
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 4, selected.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed !== null) {
    pool?.drop(loadId);
    throw failed;
  }
  const chunks: Chunk[] = [];
  for (let k = 0; k < selected.length; k++) {
    const got = fileChunks[k];
    if (!got) throw new Error(`load worker did not return ${selected[k].path}`);
    // a worker checked these bytes; reading them again here only makes this thread's views
    for (const c of got instanceof Uint8Array ? shardChunks(selected[k].path, selected[k], got, bases[k]) : got) chunks.push(c);
  }
  for (const b of builders.values()) keys += b.keys;
  const index = new ScoreIndex(buckets, tables, next, chunks, keys);
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
    lanes,
  };
}
