/**
 * Extraction benchmark: the feature query on DuckDB and its result → Arrow, on the scale-1 and
 * scale-10 samples. Each path runs in its own child process, so peak RSS belongs to that path.
 *
 *   warehouse.query   what the job does: DuckDBWarehouse.query(candidates) end to end
 *   duckdb-only       the candidates query materialized inside DuckDB, nothing handed to JS
 * and the conversion alone, from a result already materialized in a DuckDB table (not timed):
 *   pieces            chunks → typed arrays; strings as inline 12-char pieces + rest (kept)
 *   pointer           chunks → typed arrays; each string followed through DuckDB's pointer
 *   numeric-only      pieces path, the 19 FLOAT64 columns only
 *   strings-pieces    pieces path, the 5 string columns only
 *   strings-pointer   pointer path, the 5 string columns only
 *   parquet-wasm      COPY TO parquet (LZ4_RAW) read back with parquet-wasm (batchSize 65536)
 *   row-objects       DuckDB's own row objects (scale 1 only: the slow baseline)
 *
 * Run: node bench/extract.ts            (samples are generated once under .promoscore/bench/)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import { generateSample } from '../src/sample/generate.ts';
import { queryToArrow } from '../src/warehouse/duckdb/arrow.ts';
import { openDuckDB, sqlString } from '../src/warehouse/duckdb/engine.ts';
import { installCompatMacros, referencedParams, rewriteForDuckDB } from '../src/warehouse/emulate/index.ts';
import { toDuckDBParams } from '../src/warehouse/duckdb/params.ts';
import { featureParams, loadQuery } from '../src/warehouse/queries.ts';
import { CONTRACT_TABLE_NAMES } from '../src/warehouse/tables.ts';
import { openWarehouse } from '../src/warehouse/open.ts';
import { CANDIDATE_STRING_COLUMNS } from '../src/scoring/features.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const AS_OF = '2026-01-15';
const PATHS = ['warehouse.query', 'duckdb-only', 'pieces', 'pointer', 'numeric-only', 'strings-pieces', 'strings-pointer', 'parquet-wasm', 'row-objects'] as const;
type PathName = (typeof PATHS)[number];

interface Measure {
  path: PathName;
  rows: number;
  seconds: number;
  /** CPU seconds of the process over the extraction, every thread (robust on a busy machine) */
  cpuSeconds: number;
  peakRssMb: number;
}

async function sampleDir(scale: number): Promise<string> {
  const dir = join(ROOT, '.promoscore', 'bench', `sample-${scale}`);
  if (!existsSync(join(dir, 'sample.json'))) {
    rmSync(dir, { recursive: true, force: true });
    const cpu0 = process.cpuUsage();
    const s = await generateSample({ outDir: dir, scale, seed: 1, asOf: AS_OF });
    const cpu = process.cpuUsage(cpu0);
    console.log(
      `generated sample scale ${scale} in ${s.seconds.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB: ${JSON.stringify(s.rows)}`,
    );
  }
  return dir;
}

/** One path, in this process: returns rows, wall and CPU seconds of the measured part alone. */
async function measure(path: PathName, dir: string): Promise<{ rows: number; seconds: number; cpuSeconds: number }> {
  const google = loadQuery('candidates');
  const params = featureParams(AS_OF);
  if (path === 'warehouse.query') {
    const wh = await openWarehouse(`parquet:${dir}`);
    await wh.describeInputs(); // validation and fingerprints happen before extraction in a run
    const t = timer();
    const { table } = await wh.query({ name: 'candidates', sql: google, params, labels: {} });
    const r = t(table.numRows);
    await wh.close();
    return r;
  }
  const { instance, conn } = await openDuckDB(':memory:');
  try {
    await installCompatMacros(conn);
    for (const t of CONTRACT_TABLE_NAMES) await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`);
    const { values, types } = toDuckDBParams(referencedParams(google), params, 'candidates');
    const sql = rewriteForDuckDB(google);
    if (path === 'duckdb-only') {
      const t = timer();
      await conn.run(`CREATE TEMP TABLE r AS ${sql}`, values, types);
      return t(Number((await conn.runAndReadAll('SELECT count(*) FROM r')).getRows()[0][0]));
    }
    await conn.run(`CREATE TEMP TABLE r AS ${sql}`, values, types);
    const strings = CANDIDATE_STRING_COLUMNS.join(', ');
    const t = timer();
    switch (path) {
      case 'pieces':
      case 'pointer':
        return t((await queryToArrow(conn, 'SELECT * FROM r', {}, path)).numRows);
      case 'numeric-only':
        return t((await queryToArrow(conn, `SELECT * EXCLUDE (${strings}) FROM r`)).numRows);
      case 'strings-pieces':
        return t((await queryToArrow(conn, `SELECT ${strings} FROM r`, {}, 'pieces')).numRows);
      case 'strings-pointer':
        return t((await queryToArrow(conn, `SELECT ${strings} FROM r`, {}, 'pointer')).numRows);
      case 'parquet-wasm': {
        const { readParquet } = await import('parquet-wasm/node');
        const file = join(dir, '..', `extract-${process.pid}.parquet`);
        await conn.run(`COPY r TO ${sqlString(file)} (FORMAT parquet, COMPRESSION lz4_raw)`);
        const table = tableFromIPC(readParquet(readFileSync(file), { batchSize: 65536 }).intoIPCStream());
        rmSync(file, { force: true });
        return t(table.numRows);
      }
      case 'row-objects':
        return t((await conn.runAndReadAll('SELECT * FROM r')).getRowObjectsJS().length);
    }
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function timer(): (rows: number) => { rows: number; seconds: number; cpuSeconds: number } {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  return (rows) => {
    const cpu = process.cpuUsage(cpu0);
    return { rows, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
}

function inChild(path: PathName, dir: string): Measure {
  const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', path, dir], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as Measure;
}

export async function run(): Promise<void> {
  for (const scale of [1, 10]) {
    const dir = await sampleDir(scale);
    const results: Measure[] = [];
    for (const path of PATHS) {
      if (path === 'row-objects' && scale > 1) continue;
      results.push(inChild(path, dir));
    }
    const ref = results.find((r) => r.path === 'duckdb-only')!;
    console.log(`\ncandidates extraction, scale ${scale} (${ref.rows.toLocaleString('en-US')} rows × 24 columns)`);
    console.log('path              wall s    CPU s   rows/s (wall)   CPU vs DuckDB alone   peak RSS');
    for (const r of results) {
      console.log(
        `${r.path.padEnd(16)} ${r.seconds.toFixed(3).padStart(7)}  ${r.cpuSeconds.toFixed(3).padStart(7)}   ${Math.round(r.rows / r.seconds).toLocaleString('en-US').padStart(13)}   ${(r.cpuSeconds / ref.cpuSeconds).toFixed(2).padStart(8)}×             ${r.peakRssMb.toFixed(0).padStart(5)} MB`,
      );
    }
    console.log(`(load average at the end: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${availableParallelism()} cores)`);
  }
}

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && resolve(process.argv[1]) === self) {
  if (process.argv[2] === '--child') {
    const path = process.argv[3] as PathName;
    const r = await measure(path, process.argv[4]);
    const m: Measure = { path, rows: r.rows, seconds: r.seconds, cpuSeconds: r.cpuSeconds, peakRssMb: process.resourceUsage().maxRSS / 1024 };
    console.log(JSON.stringify(m));
  } else {
    await run();
  }
}
