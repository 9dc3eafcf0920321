/**
 * Serving benchmark: synthetic 1M- and 10M-row snapshots published with the project's writer and
 * publish protocol into a temp local store, then, each in a fresh child process (so peak RSS is the
 * loader's own): load + verify + index time, peak RSS, in-process lookup latency (p50/p99); HTTP
 * throughput and p99 on loopback with autocannon against a child server; and DuckDB in the same run:
 * loading the same rows (from Parquet) into a table with an index on the key, and its point lookups.
 *
 *   node bench/serving.ts                     # 1M and 10M
 *   PROMOSCORE_BENCH_SERVING_ROWS=1000000 node bench/serving.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Float32, Float64, Table, Uint32, Utf8, makeData, makeVector, tableToIPC } from 'apache-arrow';
import type { NotificationAttributes, Notifier } from '../src/notify/port.ts';
import { publishSnapshot } from '../src/snapshot/publish.ts';
import { LocalStore } from '../src/store/local/store.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SELF = fileURLToPath(import.meta.url);
const DATASET = process.env.BENCH_DATASET ?? 'promo_scores';
const BUCKETS = 64;
const MARKETS = Array.from({ length: 40 }, (_, i) => String.fromCharCode(65 + (i % 26), 65 + ((i * 7 + 3) % 26)));
const SURFACES = ['radio', 'autoplay', 'mix'];
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ROWS_PER_TRACK = 10;

// ---------------------------------------------------------------- synthetic rows (deterministic)

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d);
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b);
  return (x ^ (x >>> 16)) >>> 0;
}

/** 22 base62 characters, like catalogue track ids. */
function writeTrackId(t: number, out: Uint8Array, at: number): void {
  let a = mix(t + 1) >>> 0;
  let b = mix(t ^ 0x5bd1e995);
  for (let k = 0; k < 22; k++) {
    const src = k < 11 ? a : b;
    out[at + k] = B62.charCodeAt(src % 62);
    if (k < 11) a = (Math.floor(a / 62) ^ mix(a + k)) >>> 0;
    else b = (Math.floor(b / 62) ^ mix(b + k)) >>> 0;
  }
}

/** Row i: track floor(i/10); its 10 rows cover 9 (market, surface) keys, the last key twice (two campaigns). */
export function keyOf(i: number): { t: number; market: string; surface: string; campaign: number } {
  const t = Math.floor(i / ROWS_PER_TRACK);
  const j = i % ROWS_PER_TRACK;
  const jj = j === ROWS_PER_TRACK - 1 ? j - 1 : j;
  const combo = (t * 13 + jj * 11) % (MARKETS.length * SURFACES.length);
  return { t, market: MARKETS[Math.floor(combo / 3)], surface: SURFACES[combo % 3], campaign: (t + (j === ROWS_PER_TRACK - 1 ? 1 : 0)) % 5000 };
}

export function trackIdOf(t: number): string {
  const b = new Uint8Array(22);
  writeTrackId(t, b, 0);
  return Buffer.from(b).toString('latin1');
}

function utf8Vector(n: number, width: (i: number) => number, write: (i: number, out: Uint8Array, at: number) => void) {
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + width(i);
  const bytes = new Uint8Array(offsets[n]);
  for (let i = 0; i < n; i++) write(i, bytes, offsets[i]);
  return makeVector(makeData({ type: new Utf8(), length: n, nullCount: 0, valueOffsets: offsets, data: bytes }));
}

function asciiWriter(f: (i: number) => string) {
  return (i: number, out: Uint8Array, at: number) => {
    const s = f(i);
    for (let k = 0; k < s.length; k++) out[at + k] = s.charCodeAt(k);
  };
}

export function syntheticTable(n: number): Table {
  const keys = Array.from({ length: n }, (_, i) => keyOf(i));
  const camp = (i: number) => `cmp-${String(keys[i].campaign).padStart(6, '0')}`;
  const lic = (i: number) => `lic-${String(keys[i].campaign % 300).padStart(4, '0')}`;
  const f32 = (f: (i: number) => number) => makeVector(Float32Array.from({ length: n }, (_, i) => f(i)));
  const f64 = (f: (i: number) => number) => makeVector(Float64Array.from({ length: n }, (_, i) => f(i)));
  const u = (i: number) => mix(i * 2654435761) / 4294967296;
  return new Table({
    track_id: utf8Vector(n, () => 22, (i, out, at) => writeTrackId(keys[i].t, out, at)),
    market: utf8Vector(n, () => 2, asciiWriter((i) => keys[i].market)),
    surface: utf8Vector(n, (i) => keys[i].surface.length, asciiWriter((i) => keys[i].surface)),
    campaign_id: utf8Vector(n, () => 10, asciiWriter(camp)),
    licensor_id: utf8Vector(n, () => 8, asciiWriter(lic)),
    score: f32((i) => u(i) * 4 - 1),
    boost: f32((i) => 1 + Math.floor(u(i + 7) * 4) * 0.25),
    share: f64((i) => u(i + 11)),
    upper: f64(() => 1),
    value: f64((i) => u(i + 13)),
    headroom: f64((i) => u(i + 17) * 1e5),
    skip_upper: f64((i) => u(i + 19) * 0.4),
    reason: makeVector(Uint32Array.from({ length: n }, (_, i) => mix(i) & 0xff)),
  });
}
void Float32; void Float64; void Uint32;

const nullNotifier: Notifier = {
  uri: 'null://',
  publish: async (_a: NotificationAttributes) => 'bench',
  close: async () => {},
};

async function publishSynthetic(dir: string, n: number): Promise<{ seconds: number; bytes: number; table: Table }> {
  const t0 = performance.now();
  const table = syntheticTable(n);
  const res = await publishSnapshot({
    store: new LocalStore(dir),
    notifier: nullNotifier,
    dataset: DATASET,
    version: `20261125-bench${n}`.replace(/[^A-Za-z0-9_.-]/g, ''),
    asOf: '2026-11-25',
    table,
    buckets: BUCKETS,
    manifest: {
      producer: { package_version: '0.1.0', git_sha: 'bench', spec_hash: 'bench', job_name: 'bench', run_id: 'bench' },
      inputs: { warehouse: 'synthetic', tables: [], queries: [], fingerprint: String(n) },
      quality: { input: [], output: [] },
      allocation: { tolerance: 1e-4, certificate: { primal: 0, dual_bound: 0, gap: 0, max_violation: 0 }, markets: [] },
    },
  });
  return { seconds: (performance.now() - t0) / 1000, bytes: res.manifest.shards.reduce((s, e) => s + e.bytes, 0), table };
}

// ---------------------------------------------------------------- child: load and look up

/**
 * This process's own peak RSS. On Linux, getrusage's maxRSS survives exec and so includes the
 * forked parent's image (here: the parent holding the generated table); VmHWM belongs to this image.
 */
/** CPU time of the main thread alone (Linux /proc; NaN elsewhere): what bounds load wall time on idle cores. */
function mainThreadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}

function peakRssBytes(): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function childLoad(dir: string, n: number): Promise<void> {
  const { ScoreCache } = await import('../src/serving/loader.ts');
  const rssBefore = process.memoryUsage().rss;
  const cache = new ScoreCache({ store: new LocalStore(dir), dataset: DATASET, concurrency: 4, verifyInWorker: process.env.PROMOSCORE_BENCH_VERIFY_INLINE !== '1' });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const out = await cache.loadLatest();
  const mainCpu = mainThreadCpuSeconds() - main0;
  const loadSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (out.status !== 'loaded') throw new Error(`load failed: ${out.detail}`);
  const snap = cache.current!;
  const peakRss = peakRssBytes();
  const rssAfter = process.memoryUsage().rss;
  // lookups: 90% hits over random rows, 10% misses; the keys are built before timing
  const m = 200_000;
  const keys: [string, string, string][] = [];
  let x = 12345;
  for (let k = 0; k < m; k++) {
    x = mix(x + k);
    const i = x % n;
    const key = keyOf(i);
    keys.push([k % 10 === 9 ? trackIdOf(key.t).slice(0, 21) + '!' : trackIdOf(key.t), key.market, key.surface]);
  }
  let found = 0;
  for (let k = 0; k < 20_000; k++) cache.lookup(...keys[k]); // warm up
  const lat = new Float64Array(m);
  const tAll = performance.now();
  for (let k = 0; k < m; k++) {
    const s = process.hrtime.bigint();
    const r = cache.lookup(keys[k][0], keys[k][1], keys[k][2]);
    lat[k] = Number(process.hrtime.bigint() - s) / 1000;
    if (r?.rows) found++;
  }
  const allSeconds = (performance.now() - tAll) / 1000;
  // the same loop without per-call timers: throughput
  const t2 = performance.now();
  for (let k = 0; k < m; k++) cache.lookup(keys[k][0], keys[k][1], keys[k][2]);
  const untimed = (performance.now() - t2) / 1000;
  lat.sort();
  // the probe alone (hash, slot, key check), without building the answer's row objects
  const flat = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const s = process.hrtime.bigint();
    snap.index.find(keys[k][0], keys[k][1], keys[k][2]);
    flat[k] = Number(process.hrtime.bigint() - s) / 1000;
  }
  flat.sort();
  // the allocation-free hot path a ranker would embed: find, then the best row's boost and score
  const hot = new Float64Array(m);
  let sink = 0;
  for (let k = 0; k < m; k++) {
    const s = process.hrtime.bigint();
    const r = snap.index.find(keys[k][0], keys[k][1], keys[k][2]);
    if (r >= 0) sink += snap.index.boostOf(r) + snap.index.scoreOf(r);
    hot[k] = Number(process.hrtime.bigint() - s) / 1000;
  }
  hot.sort();
  const expectedHits = keys.filter((_, k) => k % 10 !== 9).length;
  process.stdout.write(
    JSON.stringify({
      rows: snap.index.rows,
      keys: snap.index.keys,
      files: snap.files,
      bytes: snap.bytes,
      load_seconds: loadSeconds,
      load_cpu_seconds: (cpu.user + cpu.system) / 1e6,
      load_main_thread_cpu_seconds: mainCpu,
      rss_before_mb: rssBefore / 2 ** 20,
      rss_after_mb: rssAfter / 2 ** 20,
      peak_rss_mb: peakRss / 2 ** 20,
      lookup_p50_us: pct(lat, 50),
      lookup_p99_us: pct(lat, 99),
      lookup_p999_us: pct(lat, 99.9),
      lookups_per_s: m / untimed,
      hot_p50_us: pct(hot, 50),
      hot_p99_us: pct(hot, 99),
      sink,
      find_p50_us: pct(flat, 50),
      find_p99_us: pct(flat, 99),
      timed_loop_seconds: allSeconds,
      hits: found,
      expected_hits: expectedHits,
    }) + '\n',
  );
}

async function childServe(dir: string): Promise<void> {
  const { ScoreCache } = await import('../src/serving/loader.ts');
  const { startScoreServer } = await import('../src/serving/http.ts');
  const cache = new ScoreCache({ store: new LocalStore(dir), dataset: DATASET });
  await cache.loadLatest();
  const srv = await startScoreServer({ cache, host: '127.0.0.1', port: 0 });
  process.stdout.write(`listening on ${srv.url}\n`);
  process.once('SIGTERM', () => void srv.close(100).then(() => process.exit(0)));
}

/** The floor: bare node:http answering a fixed body of the same size, measured in the same run. */
async function childBaseline(): Promise<void> {
  const { createServer } = await import('node:http');
  const body = JSON.stringify({ track_id: 'x'.repeat(22), market: 'SE', surface: 'radio', version: 'v', rows: [{ campaign_id: 'cmp-000001', licensor_id: 'lic-0001', score: 0.5, boost: 1.25, share: 0.1, upper: 1, value: 0.3, headroom: 100, skip_upper: 0.2, reason: 3 }] });
  const srv = createServer({ keepAlive: true }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }).listen(0, '127.0.0.1', () => {
    const a = srv.address() as { port: number };
    process.stdout.write(`listening on http://127.0.0.1:${a.port}\n`);
  });
  process.once('SIGTERM', () => srv.close(() => process.exit(0)));
}

// ---------------------------------------------------------------- parent

function child(args: string[], onLine?: (line: string) => void): { done: Promise<string>; kill: () => void } {
  const p = spawn(process.execPath, [...process.execArgv, SELF, '--child', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => {
    out += d;
    if (onLine) for (const l of String(d).split('\n')) if (l) onLine(l);
  });
  const done = new Promise<string>((res, rej) => p.on('close', (code) => (code === 0 || code === null ? res(out) : rej(new Error(`child exited ${code}`)))));
  return { done, kill: () => p.kill('SIGTERM') };
}

export async function httpBench(dir: string | null, n: number, seconds: number): Promise<Record<string, number>> {
  // autocannon ships no type declarations
  type Cannon = (o: Record<string, unknown>) => Promise<{ requests: { average: number; total: number }; latency: { p50: number; p99: number }; non2xx: number; errors: number }>;
  const autocannon = ((await import('autocannon' as string)) as { default: Cannon }).default;
  let url = '';
  const server = child(dir ? ['serve', dir] : ['baseline'], (l) => {
    const m = /listening on (\S+)/.exec(l);
    if (m) url = m[1];
  });
  while (!url) await new Promise((r) => setTimeout(r, 50));
  const paths: string[] = [];
  let x = 777;
  for (let k = 0; k < 10_000; k++) {
    x = mix(x + k);
    const key = keyOf(x % n);
    paths.push(`/v1/scores/${trackIdOf(key.t)}?market=${key.market}&surface=${key.surface}`);
  }
  let next = 0;
  const result = await autocannon({
    url,
    connections: 16,
    pipelining: 1,
    duration: seconds,
    requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: paths[next++ % paths.length] }) }],
  });
  server.kill();
  await server.done;
  return {
    requests_per_s: result.requests.average,
    latency_p50_ms: result.latency.p50,
    latency_p99_ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

async function duckdbBench(table: Table, n: number): Promise<Record<string, number>> {
  const { openDuckDB, sqlString } = await import('../src/warehouse/duckdb/engine.ts');
  const pq = await import('parquet-wasm');
  const dir = mkdtempSync(join(tmpdir(), 'promoscore-bench-duck-'));
  try {
    const file = join(dir, 'snapshot.parquet');
    const contract = table.select(['track_id', 'market', 'surface', 'campaign_id', 'licensor_id', 'score', 'boost', 'share', 'upper', 'value', 'headroom', 'skip_upper', 'reason']);
    writeFileSync(file, pq.writeParquet(pq.Table.fromIPCStream(tableToIPC(contract, 'stream'))));
    const { instance, conn } = await openDuckDB(':memory:');
    const t0 = performance.now();
    await conn.run(`CREATE TABLE s AS SELECT * FROM read_parquet(${sqlString(file)})`);
    await conn.run('CREATE INDEX s_key ON s (track_id, market, surface)');
    const loadSeconds = (performance.now() - t0) / 1000;
    const stmt = await conn.prepare('SELECT campaign_id, score, boost FROM s WHERE track_id = $1 AND market = $2 AND surface = $3');
    const m = 3000;
    const lat = new Float64Array(m);
    let x = 4242;
    for (let k = 0; k < m; k++) {
      x = mix(x + k);
      const key = keyOf(x % n);
      stmt.bindVarchar(1, trackIdOf(key.t));
      stmt.bindVarchar(2, key.market);
      stmt.bindVarchar(3, key.surface);
      const s = process.hrtime.bigint();
      await stmt.runAndReadAll();
      lat[k] = Number(process.hrtime.bigint() - s) / 1000;
    }
    lat.sort();
    conn.closeSync();
    instance.closeSync();
    return { load_index_seconds: loadSeconds, lookup_p50_us: pct(lat, 50), lookup_p99_us: pct(lat, 99) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number, d = 2) => v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export async function run(): Promise<void> {
  const { loadavg, cpus } = await import('node:os');
  console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
  const sizes = (process.env.PROMOSCORE_BENCH_SERVING_ROWS ?? '1000000,10000000').split(',').map(Number);
  const httpSeconds = Number(process.env.PROMOSCORE_BENCH_SERVING_HTTP_SECONDS ?? 10);
  for (const n of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'promoscore-bench-serving-'));
    try {
      const pub = await publishSynthetic(dir, n);
      console.log(`\n${n.toLocaleString('en-US')} rows: snapshot ${fmt(pub.bytes / 2 ** 20, 0)} MiB in ${BUCKETS} shards, generated and published in ${fmt(pub.seconds)} s (timed apart)`);
      const r = JSON.parse((await child(['load', dir, String(n)]).done).trim().split('\n').at(-1)!) as Record<string, number>;
      if (r.hits !== r.expected_hits) throw new Error(`lookups found ${r.hits} keys, expected ${r.expected_hits}`);
      console.log(`  load+verify+index  ${fmt(r.load_seconds)} s wall, ${fmt(r.load_cpu_seconds)} s CPU (all threads), main thread ${fmt(r.load_main_thread_cpu_seconds)} s CPU (${fmt(r.rows / r.load_seconds / 1e6)} M rows/s, ${fmt(r.bytes / 2 ** 20 / r.load_seconds, 0)} MiB/s), ${r.keys.toLocaleString('en-US')} keys`);
      console.log(`  RSS                before ${fmt(r.rss_before_mb, 0)} MiB, after ${fmt(r.rss_after_mb, 0)} MiB, peak ${fmt(r.peak_rss_mb, 0)} MiB`);
      console.log(`  in-process lookup  p50 ${fmt(r.lookup_p50_us)} µs, p99 ${fmt(r.lookup_p99_us)} µs, p99.9 ${fmt(r.lookup_p999_us)} µs; ${fmt(r.lookups_per_s / 1e6)} M lookups/s untimed`);
      console.log(`  probe only (find)  p50 ${fmt(r.find_p50_us)} µs, p99 ${fmt(r.find_p99_us)} µs`);
      if (r.hot_p50_us !== undefined) console.log(`  hot path (find + best boost/score, no allocation) p50 ${fmt(r.hot_p50_us)} µs, p99 ${fmt(r.hot_p99_us)} µs`);
      if (n === sizes[0]) {
        const d = await duckdbBench(pub.table, n);
        console.log(`  DuckDB (same rows) load+index ${fmt(d.load_index_seconds)} s from Parquet (ratio ours/DuckDB ${fmt(r.load_seconds / d.load_index_seconds)}), ` +
          `indexed point lookup p50 ${fmt(d.lookup_p50_us)} µs, p99 ${fmt(d.lookup_p99_us)} µs (ratio DuckDB/ours p50 ${fmt(d.lookup_p50_us / r.lookup_p50_us, 0)}x)`);
        const h = await httpBench(dir, n, httpSeconds);
        console.log(`  HTTP (autocannon, 16 connections, ${httpSeconds} s, loopback) ${fmt(h.requests_per_s, 0)} req/s, p50 ${h.latency_p50_ms} ms, p99 ${h.latency_p99_ms} ms, ` +
          `${h.total} requests, ${h.non2xx} non-2xx, ${h.errors} errors`);
        const b = await httpBench(null, n, httpSeconds);
        console.log(`  HTTP floor: bare node:http, fixed body, same load: ${fmt(b.requests_per_s, 0)} req/s, p99 ${b.latency_p99_ms} ms (ours/floor throughput ${fmt(h.requests_per_s / b.requests_per_s)})`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const i = process.argv.indexOf('--child');
  if (i >= 0) {
    const [kind, dir, n] = process.argv.slice(i + 1);
    if (kind === 'load') await childLoad(dir, Number(n));
    else if (kind === 'serve') await childServe(dir);
    else if (kind === 'baseline') await childBaseline();
  } else {
    await run();
  }
}
