import { Float32, Float64, Table, Uint32, Utf8, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import type { ScoreRow } from '../../src/serving/score-index.ts';
import { PreconditionFailedError } from '../../src/core/errors.ts';
import { bucketOf, crc32cBase64, sha256Hex } from '../../src/core/hash.ts';
import { FORMAT_VERSION, SNAPSHOT_COLUMNS, paths, type Manifest, type ShardEntry } from '../../src/snapshot/contract.ts';
import type { ObjectInfo, ObjectStore, ReadResult } from '../../src/store/port.ts';
import { seededRng } from '../../src/serving/rng.ts';

/** An in-memory ObjectStore with hooks to break reads, for fault tests. */
export class MemoryStore implements ObjectStore {
  readonly uri = 'mem://test';
  readonly objects = new Map<string, { data: Uint8Array; generation: string; updated: string }>();
  private gen = 0;
  /** return an Error to make a read throw, or bytes to replace what is read */
  onRead: ((path: string) => Error | Uint8Array | null | undefined) | null = null;
  reads: string[] = [];

  private put(path: string, data: Uint8Array): ObjectInfo {
    const o = { data: new Uint8Array(data), generation: String(++this.gen), updated: new Date().toISOString() };
    this.objects.set(path, o);
    return { path, size: data.byteLength, generation: o.generation, updated: o.updated };
  }
  async create(path: string, data: Uint8Array): Promise<ObjectInfo> {
    if (this.objects.has(path)) throw new PreconditionFailedError(path, 'exists');
    return this.put(path, data);
  }
  async swap(path: string, data: Uint8Array, expected: string | null): Promise<ObjectInfo> {
    const cur = this.objects.get(path)?.generation ?? null;
    if (cur !== expected) throw new PreconditionFailedError(path, `generation ${cur}`);
    return this.put(path, data);
  }
  /** unconditional overwrite, for tests that corrupt objects */
  overwrite(path: string, data: Uint8Array): void {
    this.put(path, data);
  }
  async read(path: string): Promise<ReadResult | null> {
    this.reads.push(path);
    const hook = this.onRead?.(path);
    if (hook instanceof Error) throw hook;
    const o = this.objects.get(path);
    if (!o) return null;
    // a fresh buffer per read, like the real stores: the loader takes ownership of what it reads
    return { data: new Uint8Array(hook instanceof Uint8Array ? hook : o.data), generation: o.generation };
  }
  async stat(path: string): Promise<ObjectInfo | null> {
    const o = this.objects.get(path);
    return o ? { path, size: o.data.byteLength, generation: o.generation, updated: o.updated } : null;
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    for (const p of [...this.objects.keys()].sort()) if (p.startsWith(prefix)) out.push((await this.stat(p))!);
    return out;
  }
  async delete(path: string): Promise<void> {
    this.objects.delete(path);
  }
  uriOf(path: string): string {
    return `${this.uri}/${path}`;
  }
}

/** A snapshot row: the key and what a lookup returns for it. */
export interface Row extends ScoreRow {
  track_id: string;
  market: string;
  surface: string;
}

const MARKETS = ['SE', 'US', 'DE', 'BR', 'JP'];
const SURFACES = ['radio', 'autoplay', 'mix'];

/** Deterministic rows; some keys get several campaigns; `salt` changes the numbers between versions. */
export function makeRows(n: number, seed = 1, salt = 0): Row[] {
  const rng = seededRng(seed);
  const rows: Row[] = [];
  let t = 0;
  while (rows.length < n) {
    const track = `trk-${t.toString(36)}${t % 7 === 0 ? '-å' : ''}`;
    t++;
    const market = MARKETS[Math.floor(rng() * MARKETS.length)];
    const surface = SURFACES[Math.floor(rng() * SURFACES.length)];
    const campaigns = rng() < 0.2 ? 1 + Math.floor(rng() * 3) : 1;
    for (let c = 0; c < campaigns && rows.length < n; c++) {
      const boost = Math.fround(1 + Math.floor(rng() * 4) * 0.25);
      rows.push({
        track_id: track,
        market,
        surface,
        campaign_id: `cmp-${Math.floor(rng() * 1000)}-${c}`,
        licensor_id: `lic-${Math.floor(rng() * 50)}`,
        score: Math.fround(rng() * 10 - 2 + salt),
        boost,
        share: (boost - 1) / 1,
        upper: 1,
        value: rng() + salt,
        headroom: rng() * 1000,
        skip_upper: rng() * 0.5,
        reason: Math.floor(rng() * 64) + salt,
        propensity: Math.fround(0.95 - (c % 2) * 0.5),
      });
    }
  }
  return rows;
}

export function rowsTable(rows: Row[]): Table {
  const str = (k: keyof Row) => vectorFromArray(rows.map((r) => r[k] as string), new Utf8());
  return new Table({
    track_id: str('track_id'),
    market: str('market'),
    surface: str('surface'),
    campaign_id: str('campaign_id'),
    licensor_id: str('licensor_id'),
    score: makeVector(Float32Array.from(rows, (r) => r.score)),
    boost: makeVector(Float32Array.from(rows, (r) => r.boost)),
    share: makeVector(Float64Array.from(rows, (r) => r.share)),
    upper: makeVector(Float64Array.from(rows, (r) => r.upper)),
    value: makeVector(Float64Array.from(rows, (r) => r.value)),
    headroom: makeVector(Float64Array.from(rows, (r) => r.headroom)),
    skip_upper: makeVector(Float64Array.from(rows, (r) => r.skip_upper)),
    reason: makeVector(Uint32Array.from(rows, (r) => r.reason)),
    propensity: makeVector(Float32Array.from(rows, (r) => r.propensity)),
  });
}
void Float32; void Float64; void Uint32;

export interface PublishOptions {
  dataset?: string;
  version: string;
  rows: Row[];
  buckets?: number;
  asOf?: string;
  createdAt?: string;
  /** split each bucket's rows into this many files (several producers) */
  filesPerBucket?: number;
  /** move LATEST (default true) */
  latest?: boolean;
  /** change the manifest before it is written */
  mutate?: (m: Manifest) => void;
  /** how rows become a shard's table (default rowsTable) */
  table?: (rows: Row[]) => Table;
  /** replace a shard's bytes before they are written (the manifest keeps the original's checksums) */
  corrupt?: (file: string, bytes: Uint8Array) => Uint8Array;
}

/** Writes shards, manifest, then LATEST, following the snapshot protocol. Returns the manifest. */
export async function publishTestSnapshot(store: ObjectStore, o: PublishOptions): Promise<Manifest> {
  const dataset = o.dataset ?? 'promo';
  const buckets = o.buckets ?? 8;
  const per = o.filesPerBucket ?? 1;
  const byBucket = new Map<number, Row[]>();
  for (const r of o.rows) {
    const b = bucketOf(r.track_id, buckets);
    if (!byBucket.has(b)) byBucket.set(b, []);
    byBucket.get(b)!.push(r);
  }
  const shards: ShardEntry[] = [];
  let n = 0;
  for (const b of [...byBucket.keys()].sort((x, y) => x - y)) {
    const rows = byBucket.get(b)!;
    const size = Math.ceil(rows.length / per);
    for (let i = 0; i < rows.length; i += size) {
      const part = rows.slice(i, i + size);
      const bytes = tableToIPC((o.table ?? rowsTable)(part), 'file');
      const file = paths.shardFile(n++);
      const written = o.corrupt ? o.corrupt(file, bytes) : bytes;
      await store.create(paths.shard(dataset, o.version, file), written);
      shards.push({ path: file, bucket: b, rows: part.length, bytes: bytes.byteLength, sha256: sha256Hex(bytes), crc32c: crc32cBase64(bytes) });
    }
  }
  const manifest: Manifest = {
    format_version: FORMAT_VERSION,
    dataset,
    version: o.version,
    as_of: o.asOf ?? '2026-11-25',
    created_at: o.createdAt ?? new Date().toISOString(),
    producer: { package_version: '0.1.0', git_sha: 'test', spec_hash: 'test', job_name: 'test', run_id: 'test' },
    inputs: { warehouse: 'test', tables: [], queries: [], fingerprint: 'test' },
    schema: SNAPSHOT_COLUMNS.map(([name, type]) => ({ name, type, nullable: false })),
    buckets,
    shards,
    stats: { rows: o.rows.length, promoted_rows: 0, by_market_surface: [], score_quantiles: {} },
    quality: { input: [], output: [] },
    allocation: { tolerance: 1e-4, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
    previous_version: null,
  };
  o.mutate?.(manifest);
  await store.create(paths.manifest(dataset, o.version), new TextEncoder().encode(JSON.stringify(manifest)));
  if (o.latest !== false) await moveLatest(store, dataset, o.version);
  return manifest;
}

export async function moveLatest(store: ObjectStore, dataset: string, version: string, manifestRel = paths.manifestRel(version)): Promise<void> {
  const cur = await store.stat(paths.latest(dataset));
  await store.swap(paths.latest(dataset), new TextEncoder().encode(JSON.stringify({ version, manifest: manifestRel })), cur?.generation ?? null);
}

/** The expected answer for every key: campaign rows best first (boost desc, score desc, campaign_id asc). */
export function expectedByKey(rows: Row[]): Map<string, Row[]> {
  const m = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.track_id}\u0000${r.market}\u0000${r.surface}`;
    if (!m.has(k)) m.set(k, []);
    m.get(k)!.push(r);
  }
  const enc = new TextEncoder();
  const cmpBytes = (a: string, b: string) => Buffer.compare(Buffer.from(enc.encode(a)), Buffer.from(enc.encode(b)));
  for (const list of m.values()) list.sort((a, b) => b.boost - a.boost || b.score - a.score || cmpBytes(a.campaign_id, b.campaign_id));
  return m;
}

export function rowAnswer(r: Row) {
  const { track_id: _t, market: _m, surface: _s, ...rest } = r;
  return rest;
}

/** Publishes through the project's real writer and publish protocol (shards, manifest, LATEST, notification). */
export async function publishWithWriter(
  store: ObjectStore,
  notifier: import('../../src/notify/port.ts').Notifier,
  o: { dataset?: string; version: string; asOf: string; rows: Row[]; buckets?: number; createdAt?: Date },
): Promise<Manifest> {
  const { publishSnapshot } = await import('../../src/snapshot/publish.ts');
  const res = await publishSnapshot({
    store,
    notifier,
    dataset: o.dataset ?? 'promo',
    version: o.version,
    asOf: o.asOf,
    table: rowsTable(o.rows),
    buckets: o.buckets ?? 4,
    createdAt: o.createdAt,
    manifest: {
      producer: { package_version: '0.1.0', git_sha: 'test', spec_hash: 'test', job_name: 'test', run_id: o.version },
      inputs: { warehouse: 'test', tables: [], queries: [], fingerprint: o.version },
      quality: { input: [], output: [] },
      allocation: { tolerance: 1e-4, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
    },
  });
  return res.manifest;
}

/** A notifier that keeps what it was asked to publish. */
export class MemoryNotifier {
  readonly uri = 'mem://notifications';
  readonly sent: import('../../src/notify/port.ts').NotificationAttributes[] = [];
  async publish(a: import('../../src/notify/port.ts').NotificationAttributes): Promise<string> {
    this.sent.push({ ...a });
    return String(this.sent.length);
  }
  async close(): Promise<void> {}
}
