/**
 * Snapshot write path at scale: bucketing, shard encoding, manifest stats, the whole publish
 * protocol on a local store (shards + manifest + verify + LATEST + notify), verify, and read-back.
 * Reference measured in the same run: DuckDB writing a table of the same shape as Parquet files
 * partitioned by a hash bucket (COPY ... PARTITION_BY), 1 thread and all threads.
 *   node bench/snapshot.ts            (PROMOSCORE_BENCH_ROWS=1000000 by default)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  Field, Float32, Float64, makeData, RecordBatch, Schema, Struct, Table, Uint32, Utf8, type Data,
} from 'apache-arrow';
import { DuckDBInstance } from '@duckdb/node-api';
import { OutboxNotifier } from '../src/notify/outbox/notifier.ts';
import { snapshotStats } from '../src/snapshot/manifest.ts';
import { publishSnapshot } from '../src/snapshot/publish.ts';
import { readVersionTable, verifyVersion } from '../src/snapshot/snapshot-reader.ts';
import { encodeShards } from '../src/snapshot/write-shards.ts';
import { bucketIndices } from '../test/support/bucket-indices.ts';
import { LocalStore } from '../src/store/local/store.ts';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SURFACES = ['radio', 'autoplay', 'mix'];

function utf8(values: (i: number) => string, n: number): Data<Utf8> {
  const enc = new TextEncoder();
  const offsets = new Int32Array(n + 1);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const b = enc.encode(values(i));
    parts.push(b);
    total += b.length;
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  return makeData({ type: new Utf8(), length: n, valueOffsets: offsets, data: bytes });
}

/** A seeded table shaped like the scoring output: 13 contract columns. */
export function benchTable(n: number): Table {
  let x = 12345;
  const r = () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
  const tracks = Array.from({ length: Math.ceil(n / 3) }, () => Array.from({ length: 22 }, () => B62[Math.floor(r() * 62)]).join(''));
  const markets = Array.from({ length: 32 }, (_, i) => String.fromCharCode(65 + (i % 26), 65 + ((i * 7) % 26)));
  const t = Int32Array.from({ length: n }, () => Math.floor(r() * tracks.length));
  const f32 = (f: () => number) => Float32Array.from({ length: n }, f);
  const f64 = (f: () => number) => Float64Array.from({ length: n }, f);
  const share = f64(() => (r() < 0.25 ? r() : 0));
  const schema = new Schema([
    new Field('track_id', new Utf8(), false), new Field('market', new Utf8(), false), new Field('surface', new Utf8(), false),
    new Field('campaign_id', new Utf8(), false), new Field('licensor_id', new Utf8(), false),
    new Field('score', new Float32(), false), new Field('boost', new Float32(), false), new Field('share', new Float64(), false),
    new Field('upper', new Float64(), false), new Field('value', new Float64(), false), new Field('headroom', new Float64(), false),
    new Field('skip_upper', new Float64(), false), new Field('reason', new Uint32(), false),
  ]);
  const children = [
    utf8((i) => tracks[t[i]], n),
    utf8((i) => markets[(t[i] * 31 + i) % markets.length], n),
    utf8((i) => SURFACES[i % 3], n),
    utf8((i) => `cmp-${t[i] % 50000}`, n),
    utf8((i) => `lic-${t[i] % 400}`, n),
    makeData({ type: new Float32(), length: n, data: f32(() => r() * 4 - 1) }),
    makeData({ type: new Float32(), length: n, data: Float32Array.from(share, (s) => 1 + 2 * s) }),
    makeData({ type: new Float64(), length: n, data: share }),
    makeData({ type: new Float64(), length: n, data: f64(() => (r() < 0.8 ? 1 : 0)) }),
    makeData({ type: new Float64(), length: n, data: f64(r) }),
    makeData({ type: new Float64(), length: n, data: f64(() => Math.floor(r() * 1e5)) }),
    makeData({ type: new Float64(), length: n, data: f64(() => r() * 0.4) }),
    makeData({ type: new Uint32(), length: n, data: Uint32Array.from({ length: n }, () => Math.floor(r() * 4096)) }),
  ];
  return new Table(schema, [new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }))]);
}

let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
let lastCpuMs = 0;
/** Wall time, and CPU time of this process alongside (on a shared, loaded machine it is the steadier figure). */
async function time<T>(fn: () => Promise<T> | T): Promise<[T, number]> {
  sample();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const v = await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000;
  sample();
  return [v, ms];
}
const rate = (n: number, ms: number) =>
  `${((n / ms) * 1000 / 1e6).toFixed(2)} M rows/s wall, cpu ${lastCpuMs.toFixed(0)} ms (${((n / lastCpuMs) * 1000 / 1e6).toFixed(2)} M rows/cpu-s)`;

async function duckdbBaseline(n: number, dir: string, threads: number): Promise<number> {
  const db = await DuckDBInstance.create(':memory:', {
    threads: String(threads),
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    extension_directory: join(dir, 'ext'),
  });
  const conn = await db.connect();
  // Same shape as the JS table (22-char ids, 5 strings, 8 numbers), bucketed by a hash of track_id.
  await conn.run(`CREATE TABLE snap AS SELECT
      substr(md5(CAST(i % ${Math.ceil(n / 3)} AS VARCHAR)), 1, 22) AS track_id,
      chr(65 + CAST(i % 26 AS INTEGER)) || chr(65 + CAST((i * 7) % 26 AS INTEGER)) AS market,
      ['radio', 'autoplay', 'mix'][1 + CAST(i % 3 AS INTEGER)] AS surface,
      'cmp-' || CAST(i % 50000 AS VARCHAR) AS campaign_id, 'lic-' || CAST(i % 400 AS VARCHAR) AS licensor_id,
      CAST(random() AS FLOAT) AS score, CAST(1 + random() AS FLOAT) AS boost, random() AS share, 1.0::DOUBLE AS upper,
      random() AS value, floor(random() * 1e5) AS headroom, random() * 0.4 AS skip_upper, CAST(i % 4096 AS UINTEGER) AS reason
    FROM range(${n}) t(i)`);
  const out = join(dir, `duck-${threads}`);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await conn.run(`COPY (SELECT *, hash(track_id) % 16 AS bucket FROM snap) TO '${out}' (FORMAT parquet, PARTITION_BY (bucket))`);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000;
  conn.closeSync();
  db.closeSync();
  sample();
  return ms;
}

export async function run(): Promise<void> {
  const n = Number(process.env.PROMOSCORE_BENCH_ROWS ?? 1_000_000);
  const buckets = 16;
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-bench-snapshot-'));
  try {
    const [table, genMs] = await time(() => benchTable(n));
    console.log(`snapshot: ${n.toLocaleString('en-US')} rows x 13 columns, ${buckets} buckets (table built in ${genMs.toFixed(0)} ms, not counted)`);
    const [, bMs] = await time(() => bucketIndices(table, buckets));
    console.log(`  bucket rows by track_id   ${bMs.toFixed(0).padStart(6)} ms  ${rate(n, bMs)}`);
    const [shards, eMs] = await time(() => encodeShards(table, { buckets }));
    const bytes = shards.reduce((s, x) => s + x.entry.bytes, 0);
    console.log(`  encode shards (IPC+sha)   ${eMs.toFixed(0).padStart(6)} ms  ${rate(n, eMs)}  ${(bytes / 1e6).toFixed(1)} MB`);
    const [, sMs] = await time(() => snapshotStats(table));
    console.log(`  manifest stats            ${sMs.toFixed(0).padStart(6)} ms  ${rate(n, sMs)}`);
    const store = new LocalStore(join(dir, 'store'));
    const notifier = new OutboxNotifier(join(dir, 'outbox.ndjson'));
    const [, pMs] = await time(() =>
      publishSnapshot({
        store, notifier, dataset: 'promo_scores', version: '20261125-0123456789ab', asOf: '2026-11-25', table, buckets,
        manifest: {
          producer: { package_version: 'bench', git_sha: 'bench', spec_hash: 'bench', job_name: 'bench', run_id: 'bench' },
          inputs: { warehouse: 'bench', tables: [], queries: [], fingerprint: 'bench' },
          quality: { input: [], output: [] },
          allocation: { tolerance: 1e-4, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
        },
      }),
    );
    console.log(`  publish (all steps)       ${pMs.toFixed(0).padStart(6)} ms  ${rate(n, pMs)}`);
    const [, vMs] = await time(() => verifyVersion(store, 'promo_scores', '20261125-0123456789ab'));
    console.log(`  verify version            ${vMs.toFixed(0).padStart(6)} ms  ${rate(n, vMs)}`);
    const [back, rMs] = await time(() => readVersionTable(store, 'promo_scores', '20261125-0123456789ab'));
    if (back.table.numRows !== n) throw new Error('read-back lost rows');
    console.log(`  read version back        ${rMs.toFixed(0).padStart(6)} ms  ${rate(n, rMs)}`);
    const d1 = await duckdbBaseline(n, dir, 1);
    const d1Cpu = lastCpuMs;
    const dAll = await duckdbBaseline(n, dir, 2);
    console.log(`  DuckDB COPY PARTITION_BY parquet: 1 thread ${d1.toFixed(0)} ms (cpu ${d1Cpu.toFixed(0)} ms), 2 threads ${dAll.toFixed(0)} ms (cpu ${lastCpuMs.toFixed(0)} ms)`);
    console.log(`  ratio publish / DuckDB(1 thread) = ${(pMs / d1).toFixed(2)}, publish / DuckDB(2 threads) = ${(pMs / dAll).toFixed(2)}`);
    console.log(`  peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB (whole process, sampled between stages)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
