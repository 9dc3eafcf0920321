/**
 * Extraction benchmark: DuckDB query results → Arrow, on the scale-1 and scale-10 samples.
 *
 * Paths (each measured in its own child process, so peak RSS belongs to that path alone):
 *   duckdb-only     the feature query materialized inside DuckDB, nothing handed to JS (the reference)
 *   pieces          result chunks → typed arrays; strings selected as 12-char pieces read inline (kept)
 *   pointer         result chunks → typed arrays; strings followed through DuckDB's pointer, one call each
 *   numeric-only    the pieces path without the five string columns
 *   strings-only    the pieces path with only the five string columns
 *   parquet-wasm    COPY (query) TO parquet, read back with parquet-wasm (batchSize 65536) into Arrow
 *   row-objects     DuckDB's own row objects (scale 1 only: the slow baseline)
 *
 * Run: npx tsx bench/extract.ts            (samples are generated once under .promoscore/bench/)
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
import { CANDIDATE_STRING_COLUMNS } from '../src/scoring/features.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const AS_OF = '2026-01-15';
const PATHS = ['duckdb-only', 'pieces', 'pointer', 'numeric-only', 'strings-only', 'parquet-wasm', 'row-objects'] as const;
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
    const s = await generateSample({ outDir: dir, scale, seed: 1, asOf: AS_OF });
    console.log(`generated sample scale ${scale} in ${s.seconds.toFixed(1)} s: ${JSON.stringify(s.rows)}`);
  }
  return dir;
}

/** One path, in this process: returns rows and seconds of the extraction alone. */
async function measure(path: PathName, dir: string): Promise<{ rows: number; seconds: number; cpuSeconds: number }> {
  const { instance, conn } = await openDuckDB(':memory:');
  try {
    await installCompatMacros(conn);
    for (const t of CONTRACT_TABLE_NAMES) await conn.run(`CREATE VIEW ${t} AS SELECT * FROM read_parquet(${sqlString(join(dir, `${t}.parquet`))})`);
    const google = loadQuery('candidates');
    const { values, types } = toDuckDBParams(referencedParams(google), featureParams(AS_OF), 'candidates');
    const sql = rewriteForDuckDB(google);
    const strings = CANDIDATE_STRING_COLUMNS.join(', ');
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    let rows = 0;
    switch (path) {
      case 'duckdb-only':
        await conn.run(`CREATE TEMP TABLE r AS ${sql}`, values, types);
        rows = Number((await conn.runAndReadAll('SELECT count(*) FROM r')).getRows()[0][0]);
        break;
      case 'pieces':
      case 'pointer':
        rows = (await queryToArrow(conn, sql, { values, types }, path)).numRows;
        break;
      case 'numeric-only':
        rows = (await queryToArrow(conn, `SELECT * EXCLUDE (${strings}) FROM (${sql})`, { values, types })).numRows;
        break;
      case 'strings-only':
        rows = (await queryToArrow(conn, `SELECT ${strings} FROM (${sql})`, { values, types })).numRows;
        break;
      case 'parquet-wasm': {
        const { readParquet } = await import('parquet-wasm/node');
        const file = join(dir, '..', `extract-${process.pid}.parquet`);
        // COPY takes no parameters: materialize with them first, then copy the table
        await conn.run(`CREATE TEMP TABLE r AS ${sql}`, values, types);
        await conn.run(`COPY r TO ${sqlString(file)} (FORMAT parquet, COMPRESSION lz4_raw)`);
        const table = tableFromIPC(readParquet(readFileSync(file), { batchSize: 65536 }).intoIPCStream());
        rmSync(file, { force: true });
        rows = table.numRows;
        break;
      }
      case 'row-objects':
        rows = (await conn.runAndReadAll(sql, values, types)).getRowObjectsJS().length;
        break;
    }
    const cpu = process.cpuUsage(cpu0);
    return { rows, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

function inChild(path: PathName, dir: string): Measure {
  const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', path, dir], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 20 });
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
    console.log('path            wall s   CPU s   rows/s (wall)   CPU vs DuckDB alone   peak RSS');
    for (const r of results) {
      console.log(
        `${r.path.padEnd(15)} ${r.seconds.toFixed(3).padStart(6)}  ${r.cpuSeconds.toFixed(3).padStart(6)}   ${Math.round(r.rows / r.seconds).toLocaleString('en-US').padStart(13)}   ${(r.cpuSeconds / ref.cpuSeconds).toFixed(2).padStart(8)}×             ${r.peakRssMb.toFixed(0).padStart(5)} MB`,
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
