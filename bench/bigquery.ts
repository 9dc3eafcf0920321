/**
 * Extraction through the BigQuery doubles: the Storage Read API in Arrow with 1, 2 and 4 parallel
 * streams versus the REST getQueryResults JSON rows path, on the same destination table; and the
 * embedded engine's DuckDB → Arrow extraction of the same rows as a reference point.
 *
 * The doubles run in a child process (their own event loop and core), so the main thread measures
 * what the job itself spends: transport, decoding, assembling. Each double keeps what it rendered
 * (Arrow batches, JSON pages) after a warm-up pass, so the timed passes measure the client paths
 * rather than the double's serialization.
 *
 *   node bench/bigquery.ts            (BENCH_BQ_ROWS=200000 by default)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { BigQueryReadClient } from '@google-cloud/bigquery-storage';
import * as grpc from '@grpc/grpc-js';
import { readTableArrow } from '../src/warehouse/bigquery/storage-read.ts';
import { openDuckDB } from '../src/warehouse/duckdb/engine.ts';
import { queryToArrow } from '../src/warehouse/duckdb/arrow.ts';

const PROJECT = 'promo-bench';
const DATASET = 'features';

/** the same rows for every path: 3 keys as strings, 5 doubles, 1 int64 (close to the candidates shape) */
function tableSql(rows: number): string {
  return `SELECT 'track_' || lpad((i % 50000)::VARCHAR, 6, '0') AS track_id,
                 ['SE','DE','BR','US','JP','FR','GB','MX'][1 + (i % 8)::INTEGER] AS market,
                 ['radio','autoplay','mix'][1 + (i % 3)::INTEGER] AS surface,
                 (i * 0.25)::DOUBLE AS impressions, (i % 97)::DOUBLE AS streams, (i % 13)::DOUBLE AS skips,
                 (i % 7)::DOUBLE AS saves, ((i * 7919) % 1000) / 1000.0::DOUBLE AS commission_rate,
                 i::BIGINT AS seq
          FROM range(${rows}) t(i)`;
}

async function serveDoubles(rows: number): Promise<void> {
  const { startBigQueryDouble } = await import('../test/doubles/bigquery/index.ts');
  const d = await startBigQueryDouble({ projectId: PROJECT });
  d.engine.createDataset(PROJECT, 'scratch');
  await d.loadTable(DATASET, 'plays', tableSql(rows));
  d.rest.cachePages = true;
  d.read.cacheBatches = true;
  d.read.batchRows = 16_384;
  process.send!({ apiEndpoint: d.apiEndpoint, storageEndpoint: d.storageEndpoint });
  process.once('message', async () => {
    await d.close();
    process.send!('closed', () => process.exit(0));
  });
}

const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function timed<T>(fn: () => Promise<T>, passes: number): Promise<{ seconds: number; value: T }> {
  let best = Infinity;
  let value!: T;
  for (let i = 0; i < passes; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const t0 = performance.now();
    value = await fn();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { seconds: best, value };
}

export async function run(): Promise<void> {
  const rows = Number(process.env.BENCH_BQ_ROWS ?? 200_000);
  const child = fork(fileURLToPath(import.meta.url), ['--serve-doubles', String(rows)], { execArgv: process.execArgv, stdio: 'inherit' });
  const endpoints = await new Promise<{ apiEndpoint: string; storageEndpoint: string }>((resolve, reject) => {
    child.once('message', resolve as (m: unknown) => void);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the doubles' process exited with ${code}`)));
  });
  const noAuth = { getRequestHeaders: async () => new Headers() } as never;
  const bq = new BigQuery({ projectId: PROJECT, apiEndpoint: endpoints.apiEndpoint, authClient: noAuth });
  const [host, port] = endpoints.storageEndpoint.split(':');
  const reader = new BigQueryReadClient({ apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), universeDomain: 'googleapis.com' });
  const results: { path: string; seconds: number; rowsPerSecond: number; peakRssMiB: number }[] = [];
  try {
    const [job] = await bq.createQueryJob({
      query: `SELECT * FROM \`${PROJECT}.${DATASET}.plays\``,
      destination: bq.dataset('scratch').table('bench_result'),
    });
    const dest = { projectId: PROJECT, datasetId: 'scratch', tableId: 'bench_result' };
    const passes = 3;

    for (const streams of [1, 2, 4]) {
      await readTableArrow(reader, PROJECT, dest, { maxStreams: streams }); // warm-up
      const arrow = await timed(async () => (await readTableArrow(reader, PROJECT, dest, { maxStreams: streams })).table.numRows, passes);
      if (arrow.value !== rows) throw new Error(`Arrow path returned ${arrow.value} rows, expected ${rows}`);
      results.push({ path: `Storage Read API, Arrow, ${streams} stream${streams > 1 ? 's' : ''}`, seconds: arrow.seconds, rowsPerSecond: rows / arrow.seconds, peakRssMiB: peakRssMiB() });
    }

    // reference: the embedded engine's extraction of the same rows to Arrow
    const db = await openDuckDB(':memory:', { threads: 2 });
    try {
      await db.conn.run(`CREATE TABLE plays AS ${tableSql(rows)}`);
      const duck = await timed(async () => (await queryToArrow(db.conn, 'SELECT * FROM plays')).numRows, passes);
      results.push({ path: 'DuckDB → Arrow (embedded reference)', seconds: duck.seconds, rowsPerSecond: rows / duck.seconds, peakRssMiB: peakRssMiB() });
    } finally {
      db.conn.closeSync();
      db.instance.closeSync();
    }

    // JSON rows last: peak RSS is a high-water mark, and this path's would hide the others'
    await job.getQueryResults({ autoPaginate: true }); // warm-up: the double renders its pages once
    // one timed pass: the JSON path is slow enough that its noise is small
    const json = await timed(async () => (await job.getQueryResults({ autoPaginate: true }))[0].length, 1);
    if (json.value !== rows) throw new Error(`JSON path returned ${json.value} rows, expected ${rows}`);
    results.push({ path: 'REST getQueryResults (JSON rows)', seconds: json.seconds, rowsPerSecond: rows / json.seconds, peakRssMiB: peakRssMiB() });
  } finally {
    await reader.close();
    const exited = new Promise((r) => child.once('exit', r));
    child.send('close');
    await exited;
  }

  const jsonRate = results.find((r) => r.path.startsWith('REST'))!.rowsPerSecond;
  const duckRate = results.find((r) => r.path.startsWith('DuckDB'))!.rowsPerSecond;
  console.log(`bigquery extraction, ${fmt(rows)} rows × 9 columns, Arrow and DuckDB best of 3, JSON one pass after a warm-up (doubles in a child process)`);
  for (const r of results) {
    console.log(
      `  ${r.path.padEnd(40)} ${r.seconds.toFixed(3).padStart(7)} s  ${fmt(r.rowsPerSecond).padStart(11)} rows/s  ` +
        `×${(r.rowsPerSecond / jsonRate).toFixed(1)} vs JSON  ×${(r.rowsPerSecond / duckRate).toFixed(2)} vs DuckDB  peak RSS ${r.peakRssMiB} MiB`,
    );
  }
}

if (process.argv[2] === '--serve-doubles') {
  await serveDoubles(Number(process.argv[3]));
} else if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await run();
}
