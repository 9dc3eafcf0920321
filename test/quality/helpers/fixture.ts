import type { Table } from 'apache-arrow';
import { CANDIDATE_NUMERIC_COLUMNS } from '../../../src/scoring/features.ts';
import type { TestWarehouse } from './duck-warehouse.ts';

/**
 * A tiny, clean feature dataset (4 tracks, 2 licensors, 2 markets, 3 surfaces, 30 days of events)
 * that tests spoil one way at a time, and stand-in feature queries producing the contract columns.
 */
export const AS_OF = '2026-11-20';
export const TODAY = '2026-11-25';

export function baseTables(): string[] {
  return [
    `CREATE TABLE licensors AS SELECT * FROM (VALUES ('L1', 'active', 0.5::DOUBLE), ('L2', 'active', NULL::DOUBLE)) t(licensor_id, status, max_share)`,
    `CREATE TABLE tracks AS SELECT 'T' || i AS track_id, 'A' || i AS artist_id, CASE WHEN i <= 2 THEN 'L1' ELSE 'L2' END AS licensor_id,
       DATE '2026-01-01' AS release_date, false AS explicit FROM range(1, 5) r(i)`,
    `CREATE TABLE campaigns AS SELECT 'C' || i AS campaign_id, 'T' || i AS track_id, CASE WHEN i <= 2 THEN 'L1' ELSE 'L2' END AS licensor_id,
       DATE '2026-01-01' AS start_date, DATE '2026-12-31' AS end_date, 'active' AS status, 0.1::DOUBLE AS commission_rate,
       CAST(NULL AS BIGINT) AS daily_impression_target FROM range(1, 5) r(i)`,
    `CREATE TABLE campaign_targets AS SELECT c.campaign_id, t.market, t.surface FROM campaigns c,
       (VALUES ('SE', 'radio'), ('SE', 'autoplay'), ('DE', 'mix')) t(market, surface)`,
    `CREATE TABLE surface_capacity AS SELECT m.market, s.surface, 100000::BIGINT AS daily_impressions, 0.1::DOUBLE AS max_promoted_share
       FROM (VALUES ('SE'), ('DE')) m(market), (VALUES ('radio'), ('autoplay'), ('mix')) s(surface)`,
    `CREATE TABLE track_restrictions AS SELECT 'T4' AS track_id, 'DE' AS market, 'rights' AS reason`,
    `CREATE TABLE engagement_daily AS SELECT DATE '${AS_OF}' - CAST(d AS INTEGER) AS event_date, 'T' || i AS track_id, m.market, s.surface,
       p.promoted, 100::BIGINT AS impressions, 50::BIGINT AS streams, 10::BIGINT AS skips, 5::BIGINT AS saves, 30::BIGINT AS completions
       FROM range(1, 31) dd(d), range(1, 5) r(i), (VALUES ('SE'), ('DE')) m(market), (VALUES ('radio'), ('autoplay'), ('mix')) s(surface),
       (VALUES (true), (false)) p(promoted)`,
  ];
}

/** Stand-in for sql/candidates.sql and sql/surfaces.sql: the contract columns, enough for the gates. */
export async function features(wh: TestWarehouse): Promise<{ candidates: Table; surfaces: Table }> {
  const numeric = CANDIDATE_NUMERIC_COLUMNS.map((c) => {
    const known: Record<string, string> = {
      campaign_active: `CASE WHEN c.status = 'active' THEN 1.0 ELSE 0.0 END`,
      licensor_active: `CASE WHEN l.status = 'active' THEN 1.0 ELSE 0.0 END`,
      commission_rate: 'CAST(c.commission_rate AS DOUBLE)',
      daily_impression_target: 'CAST(COALESCE(c.daily_impression_target, -1) AS DOUBLE)',
      licensor_max_share: 'CAST(COALESCE(l.max_share, -1) AS DOUBLE)',
      impressions: 'CAST(COALESCE(e.impressions, 0) AS DOUBLE)',
      skips: 'CAST(COALESCE(e.skips, 0) AS DOUBLE)',
    };
    return `${known[c] ?? '0.0'} AS ${c}`;
  });
  const cand = await wh.query({
    name: 'candidates',
    sql: `SELECT c.track_id, t.market, t.surface, c.campaign_id, c.licensor_id, ${numeric.join(', ')}
      FROM {{campaigns}} c JOIN {{campaign_targets}} t ON t.campaign_id = c.campaign_id
      LEFT JOIN {{licensors}} l ON l.licensor_id = c.licensor_id
      LEFT JOIN (SELECT track_id, market, surface, SUM(impressions) AS impressions, SUM(skips) AS skips
                 FROM {{engagement_daily}} GROUP BY ALL) e ON e.track_id = c.track_id AND e.market = t.market AND e.surface = t.surface
      ORDER BY t.market, t.surface, c.track_id, c.campaign_id`,
    params: {},
    labels: {},
  });
  const surf = await wh.query({
    name: 'surfaces',
    sql: `SELECT market, surface, CAST(daily_impressions AS DOUBLE) AS daily_impressions, CAST(max_promoted_share AS DOUBLE) AS max_promoted_share,
        1000.0 AS organic_impressions, 100.0 AS organic_skips, 10.0 AS organic_saves FROM {{surface_capacity}} ORDER BY market, surface`,
    params: {},
    labels: {},
  });
  return { candidates: cand.table, surfaces: surf.table };
}
