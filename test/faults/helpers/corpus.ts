import { rmSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { patchBytes, spoil } from './dataset.ts';

/**
 * The hostile-input corpus: each case spoils a copy of a valid sample one way and states the
 * documented outcome (docs/quality.md): exit 3 with a message naming the problem, or a published
 * snapshot whose manifest counts the dropped (or warned) rows under the named check.
 */
export type Outcome =
  | { exit: 3; message: RegExp }
  | { exit: 0; check: string; status: 'dropped' | 'warned' | 'pass'; table?: string; column?: string; droppedRows?: boolean };

export interface HostileCase {
  name: string;
  make(dir: string): Promise<void>;
  /** quality section of a job file for this case (default policies otherwise) */
  quality?: Record<string, unknown>;
  expect: Outcome;
}

// keys that are sure to reach the candidate rows: an active campaign, one of its targets
const CAMPAIGN = `(SELECT min(campaign_id) FROM campaigns WHERE status = 'active')`;
const LAST_DAY = `(SELECT max(event_date) FROM engagement_daily)`;
// a (track, market) of an active campaign's target that has events on the last day of the window
const TARGET = `(SELECT e.track_id, e.market FROM engagement_daily e JOIN campaigns c ON c.track_id = e.track_id
  JOIN campaign_targets t ON t.campaign_id = c.campaign_id AND t.market = e.market
  WHERE c.status = 'active' AND e.event_date = ${LAST_DAY} ORDER BY 1, 2 LIMIT 1)`;
const ENGAGEMENT_ROW = `(track_id, market) IN ${TARGET} AND event_date = ${LAST_DAY}`;

const SELECT_CAMPAIGN_COLUMNS = 'track_id, licensor_id, start_date, end_date, status, commission_rate, daily_impression_target';

export const HOSTILE_CASES: HostileCase[] = [
  // ---------------------------------------------------------------- exit 3
  {
    name: 'duplicate campaign',
    make: (d) => spoil(d, [`INSERT INTO campaigns SELECT * FROM campaigns WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 3, message: /check "duplicate_keys" on campaigns\.campaign_id: 2 offending rows, e\.g\. "cmp_/ },
  },
  {
    name: 'duplicate track',
    make: (d) => spoil(d, [`INSERT INTO tracks SELECT * FROM tracks LIMIT 1`], ['tracks']),
    expect: { exit: 3, message: /check "duplicate_keys" on tracks\.track_id/ },
  },
  {
    name: 'duplicate licensor',
    make: (d) => spoil(d, [`INSERT INTO licensors SELECT * FROM licensors LIMIT 1`], ['licensors']),
    expect: { exit: 3, message: /check "duplicate_keys" on licensors\.licensor_id/ },
  },
  {
    name: 'duplicate surface capacity',
    make: (d) => spoil(d, [`INSERT INTO surface_capacity SELECT * FROM surface_capacity LIMIT 1`], ['surface_capacity']),
    expect: { exit: 3, message: /check "duplicate_keys" on surface_capacity\.market,surface/ },
  },
  {
    name: 'duplicate campaign target',
    make: (d) => spoil(d, [`INSERT INTO campaign_targets SELECT * FROM campaign_targets LIMIT 1`], ['campaign_targets']),
    expect: { exit: 3, message: /check "duplicate_keys" on campaign_targets\.campaign_id,market,surface/ },
  },
  {
    name: 'impressions stored as strings',
    make: (d) => spoil(d, [`CREATE OR REPLACE TABLE engagement_daily AS SELECT * REPLACE (CAST(impressions AS VARCHAR) AS impressions) FROM engagement_daily`], ['engagement_daily']),
    expect: { exit: 3, message: /engagement_daily\.impressions has type VARCHAR/ },
  },
  {
    name: 'commission_rate stored as strings',
    make: (d) => spoil(d, [`CREATE OR REPLACE TABLE campaigns AS SELECT * REPLACE (CAST(commission_rate AS VARCHAR) AS commission_rate) FROM campaigns`], ['campaigns']),
    expect: { exit: 3, message: /campaigns\.commission_rate has type VARCHAR/ },
  },
  {
    name: 'event_date stored as strings',
    make: (d) => spoil(d, [`CREATE OR REPLACE TABLE engagement_daily AS SELECT * REPLACE (CAST(event_date AS VARCHAR) AS event_date) FROM engagement_daily`], ['engagement_daily']),
    expect: { exit: 3, message: /engagement_daily\.event_date has type VARCHAR/ },
  },
  {
    name: 'track ids as raw bytes (BLOB)',
    make: (d) => spoil(d, [`CREATE OR REPLACE TABLE tracks AS SELECT * REPLACE (CAST(track_id AS BLOB) AS track_id) FROM tracks`], ['tracks']),
    expect: { exit: 3, message: /tracks\.track_id has type BLOB/ },
  },
  {
    name: 'missing column',
    make: (d) => spoil(d, [`ALTER TABLE tracks DROP COLUMN release_date`], ['tracks']),
    expect: { exit: 3, message: /table tracks has no column release_date/ },
  },
  {
    name: 'missing table',
    make: (d) => spoil(d, [], [], ['licensors']),
    expect: { exit: 3, message: /table licensors is missing/ },
  },
  {
    name: 'truncated parquet file',
    make: async (d) => {
      const f = join(d, 'campaign_targets.parquet');
      truncateSync(f, Math.floor(statSync(f).size / 2));
    },
    expect: { exit: 3, message: /campaign_targets/ },
  },
  {
    name: 'empty campaigns',
    make: (d) => spoil(d, [`DELETE FROM campaigns`], ['campaigns']),
    expect: { exit: 3, message: /check "empty_table" on campaigns/ },
  },
  {
    name: 'empty engagement_daily',
    make: (d) => spoil(d, [`DELETE FROM engagement_daily`], ['engagement_daily']),
    expect: { exit: 3, message: /check "empty_table" on engagement_daily.*check "freshness" on engagement_daily\.event_date/ },
  },
  {
    name: 'events dated in the future',
    make: (d) => spoil(d, [`INSERT INTO engagement_daily SELECT * REPLACE (DATE '2099-01-01' AS event_date) FROM engagement_daily LIMIT 3`], ['engagement_daily']),
    expect: { exit: 3, message: /check "future_dates" on engagement_daily\.event_date: 3 offending rows.*2099-01-01/ },
  },
  {
    name: 'stale engagement_daily',
    make: (d) => spoil(d, [`DELETE FROM engagement_daily WHERE event_date >= DATE '2026-11-16'`], ['engagement_daily']),
    expect: { exit: 3, message: /check "freshness" on engagement_daily\.event_date.*latest event before 2026-11-20 is 2026-11-15/ },
  },
  {
    name: 'negative counts under policy fail',
    quality: { input: { negative_counts: 'fail' } },
    make: (d) => spoil(d, [`UPDATE engagement_daily SET streams = -7 WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 3, message: /check "negative_counts" on engagement_daily\.streams: \d+ offending rows?, e\.g\. "\w+"\/"[A-Z]{2}"/ },
  },
  {
    name: 'NaN commission under policy fail',
    quality: { input: { non_finite: 'fail' } },
    make: (d) => spoil(d, [`UPDATE campaigns SET commission_rate = 'NaN'::DOUBLE WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 3, message: /check "non_finite" on candidates\.commission_rate/ },
  },
  {
    name: 'every count negative (too many drops)',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET skips = -1`], ['engagement_daily']),
    expect: { exit: 3, message: /more than max_drop_ratio 0\.2/ },
  },
  {
    name: 'SQL in a duplicated id',
    make: (d) =>
      spoil(d, [`INSERT INTO campaigns SELECT 'x''; DROP TABLE campaigns; --', ${SELECT_CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ${CAMPAIGN}`, `INSERT INTO campaigns SELECT 'x''; DROP TABLE campaigns; --', ${SELECT_CAMPAIGN_COLUMNS} FROM campaigns WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 3, message: /duplicate_keys" on campaigns\.campaign_id: 2 offending rows, e\.g\. "x'; DROP TABLE campaigns; --"/ },
  },
  {
    name: 'non-UTF-8 bytes in a track id',
    make: async (d) => {
      await spoil(d, [`UPDATE tracks SET track_id = 'NOTUTF8XNOTUTF8X' WHERE track_id = (SELECT min(track_id) FROM tracks)`], ['tracks']);
      const n = patchBytes(join(d, 'tracks.parquet'), Buffer.from('NOTUTF8XNOTUTF8X'), Buffer.from([0x4e, 0x4f, 0x54, 0xff, 0xfe, 0x80, 0x38, 0x58, 0x4e, 0x4f, 0x54, 0xc3, 0x28, 0x46, 0x38, 0x58]));
      if (n === 0) throw new Error('placeholder not found in tracks.parquet');
    },
    expect: { exit: 3, message: /tracks holds text that is not valid UTF-8/ },
  },
  // ---------------------------------------------------------------- drop / warn, published
  {
    name: 'negative impressions',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET impressions = -5 WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'negative_counts', table: 'engagement_daily', column: 'impressions', status: 'dropped', droppedRows: true },
  },
  {
    name: 'NULL streams',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET streams = NULL WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'negative_counts', table: 'engagement_daily', column: 'streams', status: 'dropped', droppedRows: true },
  },
  {
    name: 'skips > impressions',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET skips = impressions + 1 WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'skips_exceed_impressions', table: 'engagement_daily', status: 'dropped', droppedRows: true },
  },
  {
    name: 'saves > streams',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET saves = streams + 3 WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'saves_exceed_streams', table: 'engagement_daily', status: 'dropped', droppedRows: true },
  },
  {
    name: 'completions > streams',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET completions = streams + 1 WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'completions_exceed_streams', table: 'engagement_daily', status: 'dropped', droppedRows: true },
  },
  {
    name: 'NaN commission rate',
    make: (d) => spoil(d, [`UPDATE campaigns SET commission_rate = 'NaN'::DOUBLE WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'non_finite', table: 'candidates', column: 'commission_rate', status: 'dropped', droppedRows: true },
  },
  {
    name: '+Inf commission rate',
    make: (d) => spoil(d, [`UPDATE campaigns SET commission_rate = 'Infinity'::DOUBLE WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'non_finite', table: 'candidates', column: 'commission_rate', status: 'dropped', droppedRows: true },
  },
  {
    name: '-Inf promoted share of a surface',
    make: (d) => spoil(d, [`UPDATE surface_capacity SET max_promoted_share = '-Infinity'::DOUBLE WHERE (market, surface) IN (SELECT (market, surface) FROM surface_capacity ORDER BY 1 LIMIT 1)`], ['surface_capacity']),
    expect: { exit: 0, check: 'non_finite', table: 'surfaces', column: 'max_promoted_share', status: 'dropped' },
  },
  {
    name: 'commission rate above 1',
    make: (d) => spoil(d, [`UPDATE campaigns SET commission_rate = 1.5 WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'rate_out_of_range', table: 'campaigns', column: 'commission_rate', status: 'dropped', droppedRows: true },
  },
  {
    name: 'negative licensor max_share',
    make: (d) => spoil(d, [`UPDATE licensors SET max_share = -0.5 WHERE licensor_id = (SELECT licensor_id FROM campaigns WHERE campaign_id = ${CAMPAIGN})`], ['licensors']),
    expect: { exit: 0, check: 'rate_out_of_range', table: 'licensors', column: 'max_share', status: 'dropped', droppedRows: true },
  },
  {
    name: 'negative daily capacity',
    make: (d) => spoil(d, [`UPDATE surface_capacity SET daily_impressions = -100 WHERE (market, surface) IN (SELECT (market, surface) FROM campaign_targets ORDER BY 1 LIMIT 1)`], ['surface_capacity']),
    expect: { exit: 0, check: 'negative_counts', table: 'surface_capacity', column: 'daily_impressions', status: 'dropped', droppedRows: true },
  },
  {
    name: 'NULL track id in a campaign',
    make: (d) => spoil(d, [`UPDATE campaigns SET track_id = NULL WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'null_keys', table: 'campaigns', column: 'track_id', status: 'dropped', droppedRows: true },
  },
  {
    name: 'NULL campaign id',
    make: (d) => spoil(d, [`UPDATE campaigns SET campaign_id = NULL WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'null_keys', table: 'campaigns', column: 'campaign_id', status: 'dropped' },
  },
  {
    name: 'NULL market in a target',
    make: (d) => spoil(d, [`UPDATE campaign_targets SET market = NULL WHERE campaign_id = ${CAMPAIGN}`], ['campaign_targets']),
    expect: { exit: 0, check: 'null_keys', table: 'campaign_targets', status: 'dropped' },
  },
  {
    name: 'NULL event dates',
    make: (d) => spoil(d, [`UPDATE engagement_daily SET event_date = NULL WHERE ${ENGAGEMENT_ROW}`], ['engagement_daily']),
    expect: { exit: 0, check: 'null_keys', table: 'engagement_daily', column: 'event_date', status: 'dropped' },
  },
  {
    name: 'unknown surface',
    make: (d) => spoil(d, [`INSERT INTO campaign_targets SELECT campaign_id, market, 'podcast' FROM campaign_targets WHERE campaign_id = ${CAMPAIGN} LIMIT 1`], ['campaign_targets']),
    expect: { exit: 0, check: 'unknown_surface', table: 'campaign_targets', status: 'dropped', droppedRows: true },
  },
  {
    name: 'market without capacity',
    make: (d) => spoil(d, [`INSERT INTO campaign_targets SELECT campaign_id, 'ZZ', surface FROM campaign_targets WHERE campaign_id = ${CAMPAIGN} LIMIT 1`], ['campaign_targets']),
    expect: { exit: 0, check: 'unknown_market', table: 'campaign_targets', status: 'dropped', droppedRows: true },
  },
  {
    name: 'lower-case market code',
    make: (d) => spoil(d, [`INSERT INTO campaign_targets SELECT campaign_id, lower(market), surface FROM campaign_targets WHERE campaign_id = ${CAMPAIGN} LIMIT 1`], ['campaign_targets']),
    expect: { exit: 0, check: 'unknown_market', table: 'campaign_targets', status: 'dropped', droppedRows: true },
  },
  {
    name: 'campaign ending before it starts',
    make: (d) => spoil(d, [`UPDATE campaigns SET end_date = start_date - 10 WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'invalid_date_range', table: 'campaigns', status: 'dropped', droppedRows: true },
  },
  {
    name: 'unknown campaign status',
    make: (d) => spoil(d, [`UPDATE campaigns SET status = 'archived' WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 0, check: 'unknown_status', table: 'campaigns', column: 'status', status: 'warned' },
  },
  {
    name: 'a 1 MB track id',
    make: (d) => spoil(d, [`UPDATE campaigns SET track_id = repeat('t', ${1 << 20}) WHERE campaign_id = ${CAMPAIGN}`], ['campaigns']),
    expect: { exit: 3, message: /check "oversized_keys" on campaigns\.track_id: an id of 1048576 characters/ },
  },
  {
    name: 'SQL in an id (data, not code)',
    make: (d) => spoil(d, [`UPDATE campaigns SET campaign_id = 'x''; DROP TABLE campaigns; --' WHERE campaign_id = ${CAMPAIGN}`, `UPDATE campaign_targets SET campaign_id = 'x''; DROP TABLE campaigns; --' WHERE campaign_id = ${CAMPAIGN}`], ['campaigns', 'campaign_targets']),
    expect: { exit: 0, check: 'duplicate_keys', status: 'pass' },
  },
  {
    name: 'no restrictions at all',
    make: (d) => spoil(d, [`DELETE FROM track_restrictions`], ['track_restrictions']),
    expect: { exit: 0, check: 'empty_table', status: 'pass' },
  },
];

export function removeFile(path: string): void {
  rmSync(path, { force: true });
}
