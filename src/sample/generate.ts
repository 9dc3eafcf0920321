/**
 * `generateSample`: writes the seven contract tables as Parquet into a directory, deterministically
 * (same arguments → byte-identical files). The model and engagement are drawn in JS from a seeded
 * PRNG; DuckDB (a scratch database in a temp dir) joins ids onto index columns and writes Parquet.
 * Joins run on one DuckDB thread so row order, and therefore the bytes, never vary.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../core/errors.ts';
import { sqlString } from '../warehouse/duckdb/engine.ts';
import { ParquetWriter } from '../warehouse/duckdb/parquet-writer.ts';
import { EngagementBuffer, generateEngagement } from './engagement.ts';
import { SAMPLE_SURFACES } from './markets.ts';
import { CAMPAIGN_STATUS, LICENSOR_STATUS, NULL_DAY, RESTRICTION_REASONS, buildModel } from './model.ts';
import { Rng } from './prng.ts';

export interface SampleOptions {
  outDir: string;
  /** 1 ≈ 100k candidate rows, 10 ≈ 1M; fractions allowed for small fixtures */
  scale?: number;
  seed?: string | number;
  /** YYYY-MM-DD: engagement covers the days before it */
  asOf?: string;
  /** days of engagement_daily before as-of (default 35) */
  days?: number;
  /** share of active campaigns never promoted before as-of (see ModelOptions) */
  coldStartShare?: number;
}

export interface SampleSummary {
  outDir: string;
  scale: number;
  seed: string;
  asOf: string;
  days: number;
  rows: Record<string, number>;
  seconds: number;
}

export const DEFAULT_SAMPLE_AS_OF = '2026-01-15';
const DAY_MS = 86_400_000;

export function parseDay(asOf: string, flag = '--as-of'): number {
  const ms = Date.parse(`${asOf}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(ms)) throw new UsageError(`${flag}: expected a date YYYY-MM-DD, got ${JSON.stringify(asOf)}`);
  return Math.round(ms / DAY_MS);
}

/** SQL text for a list of strings, to turn small index columns into labels */
function labels(values: readonly string[]): string {
  return `(VALUES ${values.map((v, i) => `(${i}, ${sqlString(v)})`).join(', ')})`;
}

export async function generateSample(opts: SampleOptions): Promise<SampleSummary> {
  const started = performance.now();
  const scale = opts.scale ?? 1;
  if (!(scale > 0) || scale > 1000) throw new UsageError(`--scale must be a number > 0 (up to 1000), got ${opts.scale}`);
  const seed = String(opts.seed ?? 1);
  const asOf = opts.asOf ?? DEFAULT_SAMPLE_AS_OF;
  const asOfDay = parseDay(asOf);
  const days = opts.days ?? 35;
  if (!Number.isInteger(days) || days < 28 || days > 400) throw new UsageError(`days must be an integer from 28 to 400, got ${days}`);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });

  const model = buildModel({ scale, seed, asOfDay, days, coldStartShare: opts.coldStartShare });
  // bounded memory: past 1 GB DuckDB spills to a scratch directory (same bytes, a little slower)
  const writer = await ParquetWriter.open({ memoryLimit: '1GB' });
  try {
    await writer.idTable('track_ids', model.trackIds);
    await writer.idTable('artist_ids', model.artistIds);
    await writer.idTable('licensor_ids', model.licensorIds);
    await writer.idTable('campaign_ids', model.campaignIds);
    const nT = model.trackIds.length;
    const nC = model.campaignIds.length;
    await writer.numericTable('track_rows', [
      ['idx', 'INTEGER', Int32Array.from({ length: nT }, (_, i) => i)],
      ['artist', 'INTEGER', model.trackArtist],
      ['licensor', 'INTEGER', model.trackLicensor],
      ['release_day', 'INTEGER', model.trackRelease],
      ['explicit', 'BOOLEAN', model.trackExplicit],
    ]);
    await writer.numericTable('licensor_rows', [
      ['idx', 'INTEGER', Int32Array.from({ length: model.licensorIds.length }, (_, i) => i)],
      ['status', 'INTEGER', Int32Array.from(model.licensorStatus)],
      ['max_share', 'DOUBLE', model.licensorMaxShare],
    ]);
    await writer.numericTable('campaign_rows', [
      ['idx', 'INTEGER', Int32Array.from({ length: nC }, (_, i) => i)],
      ['track', 'INTEGER', model.campTrack],
      ['status', 'INTEGER', Int32Array.from(model.campStatus)],
      ['start_day', 'INTEGER', model.campStart],
      ['end_day', 'INTEGER', model.campEnd],
      ['commission', 'DOUBLE', model.campCommission],
      ['target', 'DOUBLE', model.campTarget],
    ]);
    await writer.numericTable('target_rows', [
      ['idx', 'INTEGER', Int32Array.from({ length: model.targetCampaign.length }, (_, i) => i)],
      ['campaign', 'INTEGER', model.targetCampaign],
      ['market', 'INTEGER', model.targetMarket],
      ['surface', 'INTEGER', model.targetSurface],
    ]);
    await writer.numericTable('restriction_rows', [
      ['idx', 'INTEGER', Int32Array.from({ length: model.restrictTrack.length }, (_, i) => i)],
      ['track', 'INTEGER', model.restrictTrack],
      ['market', 'INTEGER', model.restrictMarket],
      ['reason', 'INTEGER', model.restrictReason],
    ]);

    // engagement, streamed in chunks; organic volume per (market, surface) sizes the capacity table
    const nM = model.markets.length;
    const organic = new Float64Array(nM * 3);
    const eng = await writer.chunkSink('engagement_rows', [
      ['day', 'INTEGER'], ['track', 'INTEGER'], ['market', 'INTEGER'], ['surface', 'INTEGER'], ['promoted', 'BOOLEAN'],
      ['impressions', 'INTEGER'], ['streams', 'INTEGER'], ['skips', 'INTEGER'], ['saves', 'INTEGER'], ['completions', 'INTEGER'],
    ]);
    const buffer = new EngagementBuffer((b, n) => {
      for (let i = 0; i < n; i++) if (!b.promoted[i]) organic[b.market[i] * 3 + b.surface[i]] += b.impressions[i];
      eng.append([b.day, b.track, b.market, b.surface, b.promoted, b.impressions, b.streams, b.skips, b.saves, b.completions], n);
    });
    generateEngagement(model, seed, buffer);
    eng.close();

    const rc = new Rng(`${seed}:capacity`);
    const capMarket = new Int32Array(nM * 3);
    const capSurface = new Int32Array(nM * 3);
    const capDaily = new Float64Array(nM * 3);
    const capShare = new Float64Array(nM * 3);
    for (let i = 0; i < nM * 3; i++) {
      capMarket[i] = Math.floor(i / 3);
      capSurface[i] = i % 3;
      // surfaces also serve content outside the catalog sample: capacity exceeds its organic volume
      capDaily[i] = Math.max(100, Math.round((organic[i] / days) * rc.range(1.3, 2.5)));
      capShare[i] = Math.round(rc.range(0.03, 0.15) * 1000) / 1000;
    }
    await writer.numericTable('capacity_rows', [
      ['market', 'INTEGER', capMarket], ['surface', 'INTEGER', capSurface], ['daily', 'DOUBLE', capDaily], ['share', 'DOUBLE', capShare],
    ]);

    const markets = labels(model.markets);
    const surfaces = labels(SAMPLE_SURFACES);
    const epoch = `DATE '1970-01-01'`;
    const first = asOfDay - days;
    const copies: Record<string, string> = {
      licensors: `SELECT l.id AS licensor_id, s.label AS status, NULLIF(r.max_share, 'NaN'::DOUBLE) AS max_share
        FROM licensor_rows r JOIN licensor_ids l ON l.idx = r.idx JOIN ${labels(LICENSOR_STATUS)} AS s(i, label) ON s.i = r.status ORDER BY r.idx`,
      tracks: `SELECT t.id AS track_id, a.id AS artist_id, l.id AS licensor_id, ${epoch} + r.release_day AS release_date, r.explicit
        FROM track_rows r JOIN track_ids t ON t.idx = r.idx JOIN artist_ids a ON a.idx = r.artist JOIN licensor_ids l ON l.idx = r.licensor ORDER BY r.idx`,
      campaigns: `SELECT c.id AS campaign_id, t.id AS track_id, l.id AS licensor_id, ${epoch} + r.start_day AS start_date,
          CASE WHEN r.end_day = ${NULL_DAY} THEN NULL ELSE ${epoch} + r.end_day END AS end_date, s.label AS status,
          r.commission AS commission_rate, CAST(NULLIF(r.target, 'NaN'::DOUBLE) AS BIGINT) AS daily_impression_target
        FROM campaign_rows r JOIN campaign_ids c ON c.idx = r.idx JOIN track_ids t ON t.idx = r.track
          JOIN track_rows tr ON tr.idx = r.track JOIN licensor_ids l ON l.idx = tr.licensor
          JOIN ${labels(CAMPAIGN_STATUS)} AS s(i, label) ON s.i = r.status ORDER BY r.idx`,
      campaign_targets: `SELECT c.id AS campaign_id, m.label AS market, s.label AS surface
        FROM target_rows r JOIN campaign_ids c ON c.idx = r.campaign JOIN ${markets} AS m(i, label) ON m.i = r.market
          JOIN ${surfaces} AS s(i, label) ON s.i = r.surface ORDER BY r.idx`,
      track_restrictions: `SELECT t.id AS track_id, m.label AS market, x.label AS reason
        FROM restriction_rows r JOIN track_ids t ON t.idx = r.track JOIN ${markets} AS m(i, label) ON m.i = r.market
          JOIN ${labels(RESTRICTION_REASONS)} AS x(i, label) ON x.i = r.reason ORDER BY r.idx`,
      surface_capacity: `SELECT m.label AS market, s.label AS surface, CAST(r.daily AS BIGINT) AS daily_impressions, r.share AS max_promoted_share
        FROM capacity_rows r JOIN ${markets} AS m(i, label) ON m.i = r.market JOIN ${surfaces} AS s(i, label) ON s.i = r.surface
        ORDER BY r.market, r.surface`,
      // no ORDER BY: on one thread the join streams the probe side in insertion order
      engagement_daily: `SELECT ${epoch} + (${first} + r.day) AS event_date, t.id AS track_id, m.label AS market, s.label AS surface, r.promoted,
          CAST(r.impressions AS BIGINT) AS impressions, CAST(r.streams AS BIGINT) AS streams, CAST(r.skips AS BIGINT) AS skips,
          CAST(r.saves AS BIGINT) AS saves, CAST(r.completions AS BIGINT) AS completions
        FROM engagement_rows r JOIN track_ids t ON t.idx = r.track JOIN ${markets} AS m(i, label) ON m.i = r.market
          JOIN ${surfaces} AS s(i, label) ON s.i = r.surface`,
    };
    const threads = Math.max(1, Math.min(4, availableParallelism()));
    const rows: Record<string, number> = {};
    for (const [table, select] of Object.entries(copies)) {
      rows[table] = await writer.writeParquet(table, select, join(outDir, `${table}.parquet`), threads);
    }
    const summary: SampleSummary = { outDir, scale, seed, asOf, days, rows, seconds: (performance.now() - started) / 1000 };
    writeFileSync(join(outDir, 'sample.json'), JSON.stringify({ generator: 'promoscore sample-data', scale, seed, as_of: asOf, days, rows }, null, 2) + '\n');
    return summary;
  } finally {
    writer.close();
  }
}
