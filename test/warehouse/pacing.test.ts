import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { score } from '../../src/scoring/score.ts';
import { Reason } from '../../src/scoring/reasons.ts';
import { defaultSpec, parseSpec, type ScoringSpec } from '../../src/scoring/spec.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { featureParams, loadQuery, type FeatureParamOptions } from '../../src/warehouse/queries.ts';
import { tempDir, writeFixture, type Fixture, type Row } from './fixtures.ts';

/**
 * Campaign pacing over the flight, from candidates.sql to the kernel's factor: a campaign's delivery
 * so far is every promoted impression of its track on its targets (all markets) since its start,
 * against daily target x elapsed days; one campaign behind, one ahead.
 */
const AS_OF = '2026-03-10';
const eng = (event_date: string, track_id: string, market: string, surface: string, promoted: boolean, impressions: number): Row => ({
  event_date, track_id, market, surface, promoted, impressions, streams: Math.floor(impressions / 2), skips: Math.floor(impressions / 5), saves: Math.floor(impressions / 20), completions: 0,
});
const campaign = (campaign_id: string, track_id: string, start_date: string, daily_impression_target: number | null): Row => ({
  campaign_id, track_id, licensor_id: 'L1', start_date, end_date: null, status: 'active', commission_rate: 0.1, daily_impression_target,
});
const FIXTURE: Fixture = {
  campaigns: [
    // 9 days into its flight at 100 a day: 900 expected, 300 delivered (200 in SE, 100 in DK)
    campaign('c_behind', 'T1', '2026-03-01', 100),
    // started before the 28-day window: 28 days x 10 = 280 expected, 500 delivered
    campaign('c_ahead', 'T2', '2026-01-01', 10),
    campaign('c_free', 'T3', '2026-01-01', null),
  ],
  campaign_targets: [
    { campaign_id: 'c_behind', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_behind', market: 'DK', surface: 'mix' },
    { campaign_id: 'c_ahead', market: 'SE', surface: 'radio' },
    { campaign_id: 'c_free', market: 'SE', surface: 'radio' },
  ],
  tracks: ['T1', 'T2', 'T3'].map((track_id) => ({ track_id, artist_id: 'A', licensor_id: 'L1', release_date: '2025-01-01', explicit: false })),
  track_restrictions: [],
  licensors: [{ licensor_id: 'L1', status: 'active', max_share: null }],
  engagement_daily: [
    ...['T1', 'T2', 'T3'].flatMap((t) => [eng('2026-03-04', t, 'SE', 'radio', false, 5000), eng('2026-03-04', t, 'DK', 'mix', false, 5000)]),
    eng('2026-02-20', 'T1', 'SE', 'radio', true, 5000), // before c_behind's flight: not its delivery
    eng('2026-03-05', 'T1', 'SE', 'radio', true, 200),
    eng('2026-03-06', 'T1', 'DK', 'mix', true, 100),
    eng('2026-03-06', 'T1', 'DK', 'radio', true, 777), // not a target of c_behind
    eng('2026-03-10', 'T1', 'SE', 'radio', true, 9999), // the as-of day: outside
    eng('2026-03-01', 'T2', 'SE', 'radio', true, 500),
  ],
  surface_capacity: [
    { market: 'SE', surface: 'radio', daily_impressions: 100000, max_promoted_share: 0.1 },
    { market: 'DK', surface: 'mix', daily_impressions: 100000, max_promoted_share: 0.1 },
  ],
};

describe('campaign pacing over the flight', () => {
  let wh: Warehouse;
  let cleanup: () => void;
  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    await writeFixture(t.dir, FIXTURE, 'parquet');
    wh = await openWarehouse(`parquet:${t.dir}`);
  });
  afterAll(async () => {
    await wh?.close();
    cleanup?.();
  });

  // the value factor, off by default since the LP's bounds pace
  const factorSpec = parseSpec({ pacing: { gain: 0.5 } }, '<test>');
  const scored = async (opts: FeatureParamOptions = {}, spec: ScoringSpec = factorSpec) => (await scoredWithAllocation(opts, spec)).table;
  const scoredWithAllocation = async (opts: FeatureParamOptions = {}, spec: ScoringSpec = factorSpec) => {
    const params = featureParams(AS_OF, opts);
    const [candidates, surfaces] = await Promise.all(
      ['candidates', 'surfaces'].map(async (name) => (await wh.query({ name, sql: loadQuery(name), params, labels: {} })).table),
    );
    const result = score({ candidates, surfaces }, spec, { asOf: AS_OF, seed: '1' });
    const out = result.table;
    const col = (c: string) => out.getChild(c)!.toArray() as ArrayLike<number>;
    const camp = out.getChild('campaign_id')!;
    const market = out.getChild('market')!;
    const table = Array.from({ length: out.numRows }, (_, r) => ({
      campaign: String(camp.get(r)),
      market: String(market.get(r)),
      delivered: col('campaign_delivered')[r],
      expected: col('campaign_expected')[r],
      pacing: col('pacing')[r],
      reason: col('reason')[r],
      need: col('pacing_need')[r],
      cap: col('pacing_cap')[r],
      floor: col('pacing_floor')[r],
      share: col('share')[r],
      headroom: col('headroom')[r],
      upper: col('upper')[r],
      value: col('value')[r],
      skipExcess: col('skip_excess')[r],
    }));
    return { table, allocation: result.allocation };
  };

  it('a campaign behind its target so far is raised, one ahead is lowered, by the bounded factor', async () => {
    const rows = await scored();
    const gain = factorSpec.pacing.gain;
    const behind = rows.filter((r) => r.campaign === 'c_behind');
    expect(behind).toHaveLength(2);
    for (const r of behind) {
      expect(r).toMatchObject({ delivered: 300, expected: 900 });
      expect(r.pacing).toBeCloseTo(1 + gain * (1 - 300 / 900), 12);
      expect(r.reason & Reason.PACING_BEHIND).toBeTruthy();
    }
    const ahead = rows.find((r) => r.campaign === 'c_ahead')!;
    expect(ahead).toMatchObject({ delivered: 500, expected: 280 });
    expect(ahead.pacing).toBeCloseTo(1 + gain * (1 - 500 / 280), 12);
    expect(ahead.reason & Reason.PACING_AHEAD).toBeTruthy();
    const free = rows.find((r) => r.campaign === 'c_free')!;
    expect(free).toMatchObject({ expected: -1, pacing: 1 });
    expect(free.reason & (Reason.PACING_AHEAD | Reason.PACING_BEHIND)).toBe(0);
  });

  it('a run over some markets still paces on the campaign\'s delivery in every market', async () => {
    const rows = await scored({ markets: ['DK'] });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ campaign: 'c_behind', market: 'DK', delivered: 300, expected: 900 });
  });

  it('the factor stays within [min_factor, max_factor]', async () => {
    const rows = await scored({ windowDays: 3 });
    const { min_factor, max_factor } = factorSpec.pacing;
    // 3 days: c_ahead expected 30 against 0 delivered since 03-07 -> raised to the cap
    const ahead = rows.find((r) => r.campaign === 'c_ahead')!;
    expect(ahead).toMatchObject({ delivered: 0, expected: 30 });
    expect(ahead.pacing).toBe(Math.min(max_factor, 1 + factorSpec.pacing.gain));
    for (const r of rows) expect(r.pacing >= min_factor && r.pacing <= max_factor).toBe(true);
  });

  it('paces by LP bounds: behind gets its need as a soft lower bound, ahead is held at its need, split by headroom', async () => {
    const spec = defaultSpec();
    const { table, allocation } = await scoredWithAllocation({}, spec);
    const rows = table;
    // c_behind: need = 100 + (900 - 300) / 7, over its two targets' headroom (5,000 + 5,000 organic
    // impressions in 7 days; the 200 and 100 promoted ones are what earlier boosts added, not their base)
    const need = 100 + 600 / spec.pacing.catch_up_days;
    const reach = (5000 + 5000) / 7;
    const behind = rows.filter((r) => r.campaign === 'c_behind');
    for (const r of behind) {
      expect(r.need).toBeCloseTo(need, 9);
      expect(r.cap).toBeCloseTo(need / reach, 12);
      // a floor only where the row is within the skip budget on its own (DK's 100 promoted impressions are too few)
      expect(r.floor).toBeCloseTo(r.skipExcess <= 0 ? need / reach : 0, 12);
      expect(r.share).toBeLessThanOrEqual(r.cap + 1e-12);
      expect(r.reason & Reason.PACING_BEHIND).toBeTruthy();
    }
    // SE radio takes its part in full: the shortfall penalty outweighs the skip budget's price there
    const se = behind.find((r) => r.market === 'SE')!;
    expect(se.floor).toBeGreaterThan(0);
    expect(se.share).toBeCloseTo(se.cap, 9);
    // c_ahead: 220 impressions ahead, more than 7 days x 10 of catch-up: nothing today, though its value is positive
    const ahead = rows.find((r) => r.campaign === 'c_ahead')!;
    expect(ahead).toMatchObject({ need: 0, cap: 0, floor: 0, share: 0 });
    expect(ahead.value).toBeGreaterThan(0);
    expect(ahead.reason & Reason.PACING_AHEAD).toBeTruthy();
    const free = rows.find((r) => r.campaign === 'c_free')!;
    expect(free).toMatchObject({ need: -1, cap: 1, floor: 0 });
    // the certificate is the paced LP's: its primal counts the value and the penalty on the floor delivered
    const seCert = allocation.markets.find((m) => m.market === 'SE')!.certificate;
    let primal = 0;
    for (const r of rows.filter((x) => x.market === 'SE')) {
      primal += r.value * r.headroom * r.share + spec.pacing.shortfall_penalty * r.headroom * Math.min(r.share, r.floor);
    }
    expect(seCert.primal).toBeCloseTo(primal, 9);
    expect(seCert.gap).toBeLessThanOrEqual(spec.allocation.tolerance);
    // without the penalty there is no lower bound, the cap stays, and the primal is the value alone
    const plain = await scoredWithAllocation({}, parseSpec({ pacing: { shortfall_penalty: 0 } }, '<test>'));
    const sePlain = plain.table.find((r) => r.campaign === 'c_behind' && r.market === 'SE')!;
    expect(sePlain).toMatchObject({ floor: 0, cap: se.cap });
    expect(sePlain.share).toBeLessThanOrEqual(se.cap + 1e-12);
    let plainPrimal = 0;
    for (const r of plain.table.filter((x) => x.market === 'SE')) plainPrimal += r.value * r.headroom * r.share;
    expect(plain.allocation.markets.find((m) => m.market === 'SE')!.certificate.primal).toBeCloseTo(plainPrimal, 9);
  });

  it('a run over some markets bounds the campaign\'s rows as a run over every market does', async () => {
    const all = (await scoredWithAllocation({}, defaultSpec())).table.find((r) => r.campaign === 'c_behind' && r.market === 'DK')!;
    const dk = (await scoredWithAllocation({ markets: ['DK'] }, defaultSpec())).table[0];
    expect(dk).toMatchObject({ campaign: 'c_behind', market: 'DK', need: all.need, cap: all.cap, floor: all.floor });
  });
});
