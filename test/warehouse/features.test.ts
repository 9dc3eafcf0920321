import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Table } from 'apache-arrow';
import { CANDIDATE_NUMERIC_COLUMNS, CANDIDATE_STRING_COLUMNS, SURFACE_NUMERIC_COLUMNS, SURFACE_STRING_COLUMNS } from '../../src/scoring/features.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import { featureParams, loadQuery } from '../../src/warehouse/queries.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { tempDir, writeFixture, type Fixture, type Row } from './fixtures.ts';
import { featureRequests } from '../../src/run/plan.ts';
import { parseAsOf } from '../../src/run/as-of.ts';
import { parseSpec } from '../../src/scoring/spec.ts';

const AS_OF = '2026-03-10';
const HOSTILE = "x'; DROP TABLE campaigns; --";
const T1 = '4uLU6hMCjMI75M1A2tKUQC';
const T2 = "T'2-å-🎵-a-much-longer-identifier";

const eng = (event_date: string, track_id: string, market: string, surface: string, promoted: boolean, impressions: number, streams: number, skips: number, saves: number, completions: number): Row => ({
  event_date, track_id, market, surface, promoted, impressions, streams, skips, saves, completions,
});

const campaign = (campaign_id: string, track_id: string, licensor_id: string, start_date: string, end_date: string | null, status: string, commission_rate: number, daily_impression_target: number | null): Row => ({
  campaign_id, track_id, licensor_id, start_date, end_date, status, commission_rate, daily_impression_target,
});

const FIXTURE: Fixture = {
  campaigns: [
    campaign('c_active', T1, 'L1', '2026-01-01', null, 'active', 0.1, null),
    campaign('c_paused', T2, 'L1', '2026-01-01', null, 'paused', 0.2, 500),
    campaign('c_ended', T2, 'L2', '2026-01-01', '2026-02-01', 'ended', 0.2, 500),
    campaign('c_end_past', T1, 'L1', '2026-01-01', '2026-03-09', 'active', 0.15, 1000),
    campaign('c_end_today', T1, 'L1', '2026-01-01', AS_OF, 'active', 0.15, 1000),
    campaign('c_start_today', T2, 'L2', AS_OF, null, 'active', 0.05, 42),
    campaign('c_future', T1, 'L1', '2026-03-11', null, 'active', 0.05, null),
    campaign('c_no_licensor', T1, 'L9', '2026-01-01', null, 'active', 0.05, null),
    campaign('c_no_track', 'T9', 'L1', '2026-01-01', null, 'active', 0.05, null),
    campaign(HOSTILE, T1, 'L1', '2026-01-01', null, 'active', 0.25, 7),
  ],
  campaign_targets: [
    { campaign_id: 'c_active', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_active', market: 'SE', surface: 'autoplay' },
    { campaign_id: 'c_active', market: 'NO', surface: 'radio' },
    { campaign_id: 'c_paused', market: 'SE', surface: 'mix' },
    { campaign_id: 'c_ended', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_end_past', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_end_today', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_start_today', market: 'DK', surface: 'mix' },
    { campaign_id: 'c_future', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_no_licensor', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_no_track', market: 'SE', surface: 'radio' },
    { campaign_id: HOSTILE, market: 'SE', surface: 'radio' },
    { campaign_id: 'c_orphan_target', market: 'SE', surface: 'radio' },
  ],
  tracks: [
    { track_id: T1, artist_id: 'A1', licensor_id: 'L1', release_date: '2026-01-01', explicit: false },
    { track_id: T2, artist_id: 'A2', licensor_id: 'L2', release_date: '2026-03-20', explicit: true },
  ],
  track_restrictions: [
    { track_id: T1, market: 'NO', reason: 'licensing' },
    { track_id: T1, market: 'NO', reason: 'legal' },
  ],
  licensors: [
    { licensor_id: 'L1', status: 'active', max_share: 0.3 },
    { licensor_id: 'L2', status: 'suspended', max_share: null },
  ],
  engagement_daily: [
    eng('2026-03-09', T1, 'SE', 'radio', false, 100, 60, 20, 5, 50),
    eng('2026-03-09', T1, 'SE', 'radio', true, 40, 20, 10, 2, 15),
    eng('2026-03-10', T1, 'SE', 'radio', false, 1000, 900, 10, 10, 10), // as-of itself: outside
    eng('2026-02-10', T1, 'SE', 'radio', false, 7, 3, 1, 0, 2), // first day of the 28-day window
    eng('2026-02-09', T1, 'SE', 'radio', false, 5000, 4000, 5, 5, 5), // one day before: outside
    eng('2026-03-03', T1, 'SE', 'radio', false, 11, 4, 2, 1, 3), // first day of the 7-day span
    eng('2026-03-02', T1, 'SE', 'radio', false, 13, 6, 3, 1, 4), // one day before it
    eng('2026-03-08', T1, 'SE', 'radio', true, 9, 4, 2, 1, 3),
    eng('2026-03-05', T1, 'SE', 'autoplay', false, 50, 30, 10, 3, 20),
    eng('2026-03-05', T1, 'SE', 'mix', false, 70, 33, 12, 4, 21), // not targeted, still market activity
    eng('2026-03-05', T1, 'NO', 'radio', false, 1500, 999, 100, 50, 500),
    eng('2026-03-05', T2, 'SE', 'mix', false, 20, 10, 5, 1, 8),
    eng('2026-03-06', 'OTHER', 'SE', 'radio', false, 300, 200, 90, 10, 100), // organic only, not a candidate
  ],
  surface_capacity: [
    { market: 'SE', surface: 'radio', daily_impressions: 100000, max_promoted_share: 0.1 },
    { market: 'SE', surface: 'autoplay', daily_impressions: 50000, max_promoted_share: 0.05 },
    { market: 'NO', surface: 'radio', daily_impressions: 20000, max_promoted_share: 0.08 },
    { market: 'DK', surface: 'mix', daily_impressions: 9000, max_promoted_share: 0.12 },
  ],
};

/** An independent, row-by-row reading of the feature contract (src/scoring/features.ts). */
function referenceCandidates(f: Fixture, asOf: string, windowDays: number, markets: string[] = [], forecastDays = 7, halfLifeDays = 0): Record<string, unknown>[] {
  const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
  const a = day(asOf);
  const camp = new Map(f.campaigns!.map((c) => [c.campaign_id as string, c]));
  const out: Record<string, unknown>[] = [];
  for (const t of f.campaign_targets!) {
    const c = camp.get(t.campaign_id as string);
    if (!c) continue;
    if (markets.length && !markets.includes(t.market as string)) continue;
    const lic = f.licensors!.find((l) => l.licensor_id === c.licensor_id);
    const tr = f.tracks!.find((x) => x.track_id === c.track_id);
    const rows = f.engagement_daily!.filter((e) => e.track_id === c.track_id && e.market === t.market);
    const inDays = (e: Row, n: number) => day(e.event_date as string) >= a - n && day(e.event_date as string) < a;
    const key = rows.filter((e) => e.surface === t.surface);
    // pacing: the campaign's promoted impressions on every one of its targets since max(start, window start)
    const target = c.daily_impression_target as number | null;
    const since = Math.max(day(c.start_date as string), a - windowDays);
    const targets = new Set(f.campaign_targets!.filter((x) => x.campaign_id === c.campaign_id).map((x) => `${x.market}|${x.surface}`));
    const delivered = target === null ? 0 : f.engagement_daily!
      .filter((e) => e.promoted && e.track_id === c.track_id && targets.has(`${e.market}|${e.surface}`) && day(e.event_date as string) >= since && day(e.event_date as string) < a)
      .reduce((acc, e) => acc + (e.impressions as number), 0);
    const sum = (rs: Row[], col: string) => rs.reduce((s, e) => s + (e[col] as number), 0);
    // the window's counts weighted by recency: yesterday 1, halved every halfLifeDays days
    const weight = (e: Row) => (halfLifeDays > 0 ? 0.5 ** ((a - day(e.event_date as string) - 1) / halfLifeDays) : 1);
    const wsum = (rs: Row[], col: string) => rs.reduce((s, e) => s + weight(e) * (e[col] as number), 0);
    // pacing bounds: every unrestricted target's organic impressions over the forecast window
    const isRestricted = (m: unknown) => f.track_restrictions!.some((r) => r.track_id === c.track_id && r.market === m);
    const reach = target === null ? 0 : f.engagement_daily!
      .filter((e) => e.track_id === c.track_id && targets.has(`${e.market}|${e.surface}`) && !isRestricted(e.market) && !e.promoted && inDays(e, forecastDays))
      .reduce((acc, e) => acc + (e.impressions as number), 0);
    const win = key.filter((e) => inDays(e, windowDays));
    const promo = win.filter((e) => e.promoted);
    out.push({
      track_id: c.track_id,
      market: t.market,
      surface: t.surface,
      campaign_id: c.campaign_id,
      licensor_id: c.licensor_id,
      campaign_active: c.status === 'active' && day(c.start_date as string) <= a && (c.end_date === null || day(c.end_date as string) >= a) ? 1 : 0,
      licensor_active: lic?.status === 'active' ? 1 : 0,
      restricted: f.track_restrictions!.some((r) => r.track_id === c.track_id && r.market === t.market) ? 1 : 0,
      track_age_days: tr ? a - day(tr.release_date as string) : -1,
      commission_rate: c.commission_rate,
      daily_impression_target: c.daily_impression_target ?? -1,
      licensor_max_share: lic?.max_share ?? -1,
      impressions: wsum(win, 'impressions'),
      streams: wsum(win, 'streams'),
      skips: wsum(win, 'skips'),
      saves: wsum(win, 'saves'),
      completions: wsum(win, 'completions'),
      promoted_impressions: wsum(promo, 'impressions'),
      promoted_streams: wsum(promo, 'streams'),
      promoted_skips: wsum(promo, 'skips'),
      promoted_saves: wsum(promo, 'saves'),
      market_streams_28d: sum(rows.filter((e) => inDays(e, 28)), 'streams'),
      // the forecast is of organic exposure, the base a boost multiplies: promoted impressions are its result
      recent_impressions: sum(key.filter((e) => !e.promoted && inDays(e, forecastDays)), 'impressions'),
      campaign_delivered: delivered,
      campaign_expected: target === null ? -1 : target * Math.max(0, a - since),
      campaign_reach: reach,
    });
  }
  const cmp = (x: string, y: string) => Buffer.compare(Buffer.from(x), Buffer.from(y));
  return out.sort((x, y) => cmp(x.market as string, y.market as string) || cmp(x.surface as string, y.surface as string) || cmp(x.track_id as string, y.track_id as string) || cmp(x.campaign_id as string, y.campaign_id as string));
}

function rowsOf(table: Table): Record<string, unknown>[] {
  return table.toArray().map((r) => ({ ...r.toJSON() }));
}

for (const format of ['parquet', 'duckdb'] as const) {
  describe(`feature SQL on ${format}:`, () => {
    let wh: Warehouse;
    let cleanup: () => void;
    beforeAll(async () => {
      const t = tempDir();
      cleanup = t.cleanup;
      const target = format === 'duckdb' ? join(t.dir, 'features.duckdb') : t.dir;
      await writeFixture(target, FIXTURE, format);
      wh = await openWarehouse(`${format}:${target}`);
    });
    afterAll(async () => {
      await wh?.close();
      cleanup?.();
    });

    const run = async (name: string, params = featureParams(AS_OF)) => (await wh.query({ name, sql: loadQuery(name), params, labels: {} })).table;

    it('candidates have exactly the contract columns and types', async () => {
      const table = await run('candidates');
      expect(table.schema.fields.map((f) => f.name)).toEqual([...CANDIDATE_STRING_COLUMNS, ...CANDIDATE_NUMERIC_COLUMNS]);
      for (const f of table.schema.fields) expect(String(f.type)).toBe(CANDIDATE_STRING_COLUMNS.includes(f.name as never) ? 'Utf8' : 'Float64');
      for (const c of CANDIDATE_NUMERIC_COLUMNS) expect(table.getChild(c)!.nullCount).toBe(0);
    });

    it('candidates answer the contract row by row, ordered by market, surface, track, campaign', async () => {
      expect(rowsOf(await run('candidates'))).toEqual(referenceCandidates(FIXTURE, AS_OF, 28));
    });

    it('windows, eligibility flags and -1 encodings on hand-checked rows', async () => {
      const rows = rowsOf(await run('candidates'));
      const get = (campaign: string, market: string, surface: string) => rows.find((r) => r.campaign_id === campaign && r.market === market && r.surface === surface)!;
      const radio = get('c_active', 'SE', 'radio');
      expect(radio).toMatchObject({ campaign_active: 1, licensor_active: 1, restricted: 0, track_age_days: 68, daily_impression_target: -1, licensor_max_share: 0.3 });
      // 100 + 40 (promoted) + 7 (first window day) + 11 + 13 + 9 (promoted); the as-of day and the day before the window are out
      expect(radio.impressions).toBe(180);
      expect(radio.promoted_impressions).toBe(49);
      // the forecast counts organic impressions only: 100 + 11 of the last 7 days, not the 40 and 9 promoted
      expect(radio.recent_impressions).toBe(111);
      // SE streams of the track on every surface in 28 days: 93+4 radio, 30 autoplay, 33 mix
      expect(radio.market_streams_28d).toBe(160);
      expect(get('c_active', 'NO', 'radio')).toMatchObject({ restricted: 1, market_streams_28d: 999 });
      expect(rows.filter((r) => r.campaign_id === 'c_active' && r.market === 'NO')).toHaveLength(1); // duplicate restriction rows do not duplicate candidates
      expect(get('c_paused', 'SE', 'mix')).toMatchObject({ campaign_active: 0, track_age_days: -10, daily_impression_target: 500 });
      expect(get('c_ended', 'SE', 'radio')).toMatchObject({ campaign_active: 0, licensor_active: 0, licensor_max_share: -1 });
      expect(get('c_end_past', 'SE', 'radio').campaign_active).toBe(0);
      expect(get('c_end_today', 'SE', 'radio').campaign_active).toBe(1);
      expect(get('c_start_today', 'DK', 'mix')).toMatchObject({ campaign_active: 1, impressions: 0, market_streams_28d: 0 });
      expect(get('c_future', 'SE', 'radio').campaign_active).toBe(0);
      expect(get('c_no_licensor', 'SE', 'radio')).toMatchObject({ licensor_active: 0, licensor_max_share: -1 });
      expect(get('c_no_track', 'SE', 'radio').track_age_days).toBe(-1);
      expect(rows.some((r) => r.campaign_id === 'c_orphan_target')).toBe(false);
    });

    it('the forecast window is the spec\'s forecast_days: the SQL sums the days the kernel divides by', async () => {
      const rows = rowsOf(await run('candidates', featureParams(AS_OF, { forecastDays: 14 })));
      expect(rows).toEqual(referenceCandidates(FIXTURE, AS_OF, 28, [], 14));
      const radio = rows.find((r) => r.campaign_id === 'c_active' && r.market === 'SE' && r.surface === 'radio')!;
      // 14 days hold 13 more organic impressions than the last 7 (111): the kernel's forecast is 124 / 14 a day
      expect(radio.recent_impressions).toBe(124);
      expect(rowsOf(await run('candidates', featureParams(AS_OF, { forecastDays: 3 })))).toEqual(referenceCandidates(FIXTURE, AS_OF, 28, [], 3));
    });

    it('recency weights: half_life_days weighs the window\'s counts, and only them', async () => {
      const flat = rowsOf(await run('candidates'));
      const rows = rowsOf(await run('candidates', featureParams(AS_OF, { halfLifeDays: 7 })));
      const ref = referenceCandidates(FIXTURE, AS_OF, 28, [], 7, 7);
      expect(rows).toHaveLength(ref.length);
      const weighted = ['impressions', 'streams', 'skips', 'saves', 'completions', 'promoted_impressions', 'promoted_streams', 'promoted_skips', 'promoted_saves'];
      let moved = 0;
      rows.forEach((r, i) => {
        for (const [k, v] of Object.entries(ref[i])) {
          if (typeof v === 'number') expect(r[k], k).toBeCloseTo(v, 9);
          else expect(r[k], k).toBe(v);
        }
        for (const [k, v] of Object.entries(flat[i])) if (!weighted.includes(k)) expect(r[k], k).toBe(v);
        if (r.impressions !== flat[i].impressions) moved++;
      });
      expect(moved).toBeGreaterThan(3);
      // c_active SE radio: older days count less; the forecast's sum is not weighted
      const radio = rows.find((r) => r.campaign_id === 'c_active' && r.market === 'SE' && r.surface === 'radio')!;
      expect(radio.impressions as number).toBeLessThan(180);
      expect(radio.recent_impressions).toBe(111);
    });

    it('a shorter window moves only the window columns', async () => {
      const rows = rowsOf(await run('candidates', featureParams(AS_OF, { windowDays: 7 })));
      expect(rows).toEqual(referenceCandidates(FIXTURE, AS_OF, 7));
      const radio = rows.find((r) => r.campaign_id === 'c_active' && r.market === 'SE' && r.surface === 'radio')!;
      expect(radio.impressions).toBe(160);
      expect(radio.market_streams_28d).toBe(160);
    });

    it('the markets parameter restricts candidates and surfaces', async () => {
      const params = featureParams(AS_OF, { markets: ['NO', 'DK'] });
      expect(rowsOf(await run('candidates', params))).toEqual(referenceCandidates(FIXTURE, AS_OF, 28, ['NO', 'DK']));
      expect(rowsOf(await run('surfaces', params)).map((r) => r.market)).toEqual(['DK', 'NO']);
    });

    it('hostile ids in the data stay data', async () => {
      const rows = rowsOf(await run('candidates'));
      expect(rows.find((r) => r.campaign_id === HOSTILE)).toMatchObject({ track_id: T1, commission_rate: 0.25, daily_impression_target: 7 });
      expect(rows.filter((r) => r.track_id === T2).length).toBeGreaterThan(0);
      const again = rowsOf(await run('candidates'));
      expect(again.length).toBe(rows.length);
      expect((await wh.describeInputs()).find((t) => t.table === 'campaigns')!.rows).toBe(FIXTURE.campaigns!.length);
    });

    it('queries awaited in parallel answer as if run one by one', async () => {
      const [a, b, c, d] = await Promise.all([run('candidates'), run('surfaces'), run('candidates', featureParams(AS_OF, { windowDays: 7 })), wh.describeInputs()]);
      expect(rowsOf(a)).toEqual(referenceCandidates(FIXTURE, AS_OF, 28));
      expect(rowsOf(c)).toEqual(referenceCandidates(FIXTURE, AS_OF, 7));
      expect(b.numRows).toBe(FIXTURE.surface_capacity!.length);
      expect(d.map((t) => t.rows)).toEqual([10, 13, 2, 2, 2, 13, 4]);
    });

    it('surfaces: one row per capacity row with the organic skip and save rates of the window', async () => {
      const table = await run('surfaces');
      expect(table.schema.fields.map((f) => f.name)).toEqual([...SURFACE_STRING_COLUMNS, ...SURFACE_NUMERIC_COLUMNS]);
      expect(rowsOf(table)).toEqual([
        { market: 'DK', surface: 'mix', daily_impressions: 9000, max_promoted_share: 0.12, organic_impressions: 0, organic_skips: 0, organic_saves: 0 },
        { market: 'NO', surface: 'radio', daily_impressions: 20000, max_promoted_share: 0.08, organic_impressions: 1500, organic_skips: 100, organic_saves: 50 },
        // organic radio in SE within the window: 100 + 7 + 11 + 13 (T1) + 300 (OTHER); promoted rows excluded
        { market: 'SE', surface: 'autoplay', daily_impressions: 50000, max_promoted_share: 0.05, organic_impressions: 50, organic_skips: 10, organic_saves: 3 },
        { market: 'SE', surface: 'radio', daily_impressions: 100000, max_promoted_share: 0.1, organic_impressions: 431, organic_skips: 116, organic_saves: 17 },
      ]);
    });
  });
}

describe('the run\'s feature requests', () => {
  it('carry the spec\'s engagement windows: forecast_days (the kernel divides by it) and half_life_days', () => {
    const spec = parseSpec({ engagement: { window_days: 21, forecast_days: 14, half_life_days: 10 } }, '<test>');
    for (const r of featureRequests(parseAsOf('2026-03-10'), spec, {})) {
      expect(r.params.window_days).toEqual({ type: 'INT64', value: 21 });
      expect(r.params.forecast_days).toEqual({ type: 'INT64', value: 14 });
      expect(r.params.half_life_days).toEqual({ type: 'FLOAT64', value: 10 });
    }
  });
});
