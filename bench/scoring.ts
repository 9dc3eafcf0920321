/**
 * Scoring benchmarks (not tests):
 *  1. the fused scoring kernel (rows/s; the SIMD kernel the job runs and its JavaScript reference)
 *     against DuckDB computing the same formulas in SQL over the same rows, one thread each;
 *  2. the whole scoring stage, score(), on fixture tables.
 * The allocation solver has its own benchmark: bench/solver.ts.
 * Times are process CPU time (see clock()). Kernel rows: PROMOSCORE_BENCH_ROWS (default 2,000,000).
 * Run: node bench/scoring.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { makeVector, Float64, Table, tableToIPC } from 'apache-arrow';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { allocateKernelOutput, kernelConstants, scoreKernel } from '../src/scoring/kernels/fused.ts';
import { scoreKernelSimd } from '../src/scoring/kernels/simd/fused-simd.ts';
import { defaultSpec } from '../src/scoring/spec.ts';
import { makeFixture } from '../test/scoring/fixtures.ts';
import { GROUPS, kernelData } from './lib/kernel-data.ts';
import { clock, fmtMs, fmtRate, peakRssMb } from './lib/measure.ts';
import { score } from '../src/scoring/score.ts';

/** The kernel's formulas in SQL (default spec constants, UCB exploration, Wilson bound). */
function kernelSql(): string {
  const spec = defaultSpec();
  const k = kernelConstants(spec);
  const z = k.z;
  return `
    WITH b AS (
      SELECT *, impressions + sa + sb AS nn,
             (skips + sa) / (impressions + sa + sb) AS skip_rate,
             (saves + va) / (impressions + va + vb) AS save_rate,
             recent_impressions / ${k.forecastDays} AS forecast
      FROM feat),
    w AS (
      SELECT *,
        (skip_rate + ${z * z} / nn / 2 + ${z} * sqrt(skip_rate * (1 - skip_rate) / nn + ${z * z} / nn / (4 * nn))) / (1 + ${z * z} / nn) AS skip_upper,
        (CASE WHEN campaign_active <> 1 THEN 1 ELSE 0 END) | (CASE WHEN licensor_active <> 1 THEN 2 ELSE 0 END)
        | (CASE WHEN restricted <> 0 THEN 4 ELSE 0 END) | (CASE WHEN track_age_days < ${k.minAge} THEN 8 ELSE 0 END)
        | (CASE WHEN market_streams_28d < ${k.minStreams} THEN 16 ELSE 0 END) | (CASE WHEN capacity <= 0 THEN 32 ELSE 0 END)
        | (CASE WHEN forecast <= 0 THEN 64 ELSE 0 END) AS reason0
      FROM b),
    e AS (
      SELECT *, reason0 | (CASE WHEN skip_upper > ${k.hardLimit} THEN 128 ELSE 0 END) AS reason1 FROM w),
    x AS (
      SELECT *,
        CASE WHEN reason1 = 0 AND impressions < ${k.budget}
             THEN least(${k.bonusCap}, ${k.exploreZ} * sqrt(save_rate * (1 - save_rate) / (impressions + va + vb))) ELSE 0 END AS bonus,
        CASE WHEN campaign_expected > 0
             THEN least(${k.maxPace}, greatest(${k.minPace}, 1 + ${k.gain} * (1 - campaign_delivered / campaign_expected))) ELSE 1 END AS pacing
      FROM e),
    v AS (
      -- the bench's surfaces have no organic saves (save baseline 0); the bonus is a candidate, not in the value
      SELECT *, ${k.wSave} * save_rate - ${k.wSkip} * greatest(0, skip_rate - baseline) + ${k.wComm} * commission_rate AS v0 FROM x)
    SELECT reason1
             | (CASE WHEN v0 > 0 AND pacing > 1 THEN 1024 WHEN v0 > 0 AND pacing < 1 THEN 2048 ELSE 0 END)
             | (CASE WHEN v0 <= 0 OR v0 * pacing <= 0 THEN 256 ELSE 0 END) AS reason,
           skip_rate, save_rate, skip_upper, bonus, pacing,
           CASE WHEN v0 > 0 THEN v0 * pacing ELSE v0 END AS value,
           forecast, forecast * ${k.boostRoom} AS headroom,
           CASE WHEN reason1 = 0 THEN 1.0 ELSE 0.0 END AS upper,
           skip_upper - baseline - ${k.tau} AS skip_excess
    FROM v`;
}

async function benchKernel(rows: number): Promise<void> {
  console.log(`kernel: ${rows.toLocaleString('en-US')} rows, ${GROUPS} (market, surface) groups`);
  const { input, perRow } = kernelData(rows);
  const k = kernelConstants(defaultSpec());
  // Best of 5 after a warm-up pass (JIT, and the first touch of the output pages).
  const best = (run: () => void) => {
    run();
    const times: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = clock();
      run();
      times.push(clock() - t0);
    }
    return Math.min(...times);
  };
  const reference = allocateKernelOutput(rows);
  const ref = best(() => scoreKernel(k, input, reference));
  const out = allocateKernelOutput(rows);
  let simdRows = 0;
  const js = best(() => {
    simdRows = scoreKernelSimd(k, input, out);
  });
  for (const key of Object.keys(out) as (keyof typeof out)[]) {
    for (let r = 0; r < rows; r++) {
      if (!Object.is(out[key][r], reference[key][r])) throw new Error(`SIMD and JavaScript kernels differ: ${key}[${r}]`);
    }
  }
  const rssJs = peakRssMb();

  const dir = mkdtempSync(join(tmpdir(), 'promoscore-bench-'));
  try {
    // Hand the same rows to DuckDB as Parquet, in slices so the wasm writer's heap stays small.
    const files: string[] = [];
    const slice = 500_000;
    for (let from = 0; from < rows; from += slice) {
      const to = Math.min(rows, from + slice);
      const part = new Table(
        Object.fromEntries(Object.entries(perRow).map(([name, a]) => [name, makeVector({ type: new Float64(), data: a.subarray(from, to) })])),
      );
      const file = join(dir, `feat-${files.length}.parquet`);
      writeFileSync(file, writeParquet(WasmTable.fromIPCStream(tableToIPC(part, 'stream'))));
      files.push(file);
    }
    const db = await DuckDBInstance.create(':memory:', {
      threads: '1',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
      extension_directory: join(dir, 'ext'),
    });
    const conn = await db.connect();
    await conn.run(`CREATE TABLE feat AS SELECT * FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}])`);
    const sql = kernelSql();
    const dbTimes: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      await conn.run('DROP TABLE IF EXISTS scored');
      const t0 = clock();
      await conn.run(`CREATE TABLE scored AS ${sql}`);
      dbTimes.push(clock() - t0);
    }
    // Same answers: compare a checksum of the value column.
    const check = await conn.runAndReadAll('SELECT sum(value), sum(reason) FROM scored');
    const [dbValue, dbReason] = check.getRows()[0].map(Number);
    let jsValue = 0;
    let jsReason = 0;
    for (let r = 0; r < rows; r++) {
      jsValue += out.value[r];
      jsReason += out.reason[r];
    }
    const duck = Math.min(...dbTimes);
    conn.closeSync();
    db.closeSync();
    console.log(`  SIMD kernel     : ${fmtMs(js)}  ${fmtRate(rows / (js / 1000))} rows/s (best of 5, 1 thread; ${simdRows} rows through SIMD, bit-identical to the JS kernel)`);
    console.log(`  JS kernel       : ${fmtMs(ref)}  ${fmtRate(rows / (ref / 1000))} rows/s (best of 5, 1 thread; the reference and short-run fallback)`);
    console.log(`  DuckDB SQL      : ${fmtMs(duck)}  ${fmtRate(rows / (duck / 1000))} rows/s (best of 3, threads=1, CREATE TABLE AS)`);
    console.log(`  ratio SIMD/DuckDB ${(duck / js).toFixed(1)}x, JS/DuckDB ${(duck / ref).toFixed(1)}x`);
    console.log(`  same results    : sum(value) ours ${jsValue.toFixed(6)} DuckDB ${dbValue.toFixed(6)}; sum(reason) ours ${jsReason} DuckDB ${dbReason}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`  peak RSS ${rssJs} MB after the JS kernel (inputs + outputs), ${peakRssMb()} MB after the DuckDB part (Parquet hand-over)`);
}

/** The whole stage on fixture tables: string interning, priors, kernel, per-market LPs, output table. */
function benchScore(): void {
  const markets = 40;
  const tracks = 8_334;
  const input = makeFixture({ seed: 99, markets, tracksPerMarket: tracks, licensors: 400, capacityScale: 0.05 });
  const rows = input.candidates.numRows;
  const spec = defaultSpec();
  const ctx = { asOf: '2026-11-25', seed: 'bench' };
  const first = score(input, spec, ctx);
  const warmCtx = { ...ctx, warmStart: first.allocation };
  // Warm-up (JIT) of both paths, then the best of three of each: a shared machine.
  for (let i = 0; i < 3; i++) {
    score(input, spec, ctx);
    score(input, spec, warmCtx);
  }
  const timed = (c: typeof ctx) => {
    let best = Infinity;
    let out = first;
    for (let i = 0; i < 3; i++) {
      const t0 = clock();
      out = score(input, spec, c);
      best = Math.min(best, clock() - t0);
    }
    return { ms: best, gap: out.allocation.certificate.gap };
  };
  const cold = timed(ctx);
  const warm = timed(warmCtx);
  console.log(
    `score(): ${rows.toLocaleString('en-US')} candidate rows, ${markets} markets x 3 surfaces, 400 licensors: ${fmtMs(cold.ms)} (best of 3), ` +
      `${fmtRate(rows / (cold.ms / 1000))} rows/s, gap ${cold.gap.toExponential(2)}`,
  );
  console.log(`  warm-started from its own prices: ${fmtMs(warm.ms)} (best of 3), gap ${warm.gap.toExponential(2)}`);
  console.log(`  peak RSS ${peakRssMb()} MB (whole process)`);
}

export async function run(): Promise<void> {
  const rows = Number(process.env.PROMOSCORE_BENCH_ROWS ?? 2_000_000);
  await benchKernel(rows);
  benchScore();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
