import { describe, expect, it } from 'vitest';
import { pacingBounds, type PacingConstants } from '../../src/scoring/pacing.ts';
import { Reason } from '../../src/scoring/reasons.ts';

const K: PacingConstants = { forecastDays: 7, maxBoost: 2, catchUpDays: 7, maxCatchUp: 1, upperSlack: 0, shortfallPenalty: 0.01 };

interface Row {
  campaign?: number;
  market?: number;
  target: number;
  expected: number;
  delivered: number;
  /** the campaign's reach over the 7-day forecast window (default 700: 100 a day of headroom) */
  reach?: number;
  headroom?: number;
  skipExcess?: number;
  upper?: number;
  reason?: number;
}

/** By default one row per campaign, each the campaign's only target, holding all of its headroom. */
function bounds(rows: Row[], k = K) {
  return pacingBounds(
    {
      campaign: Int32Array.from(rows, (r, i) => r.campaign ?? i),
      market: Int32Array.from(rows, (r) => r.market ?? 0),
      daily_impression_target: Float64Array.from(rows, (r) => r.target),
      campaign_expected: Float64Array.from(rows, (r) => r.expected),
      campaign_delivered: Float64Array.from(rows, (r) => r.delivered),
      campaign_reach: Float64Array.from(rows, (r) => r.reach ?? 700),
      upper: Float64Array.from(rows, (r) => r.upper ?? 1),
      headroom: Float64Array.from(rows, (r) => r.headroom ?? 100),
      skipExcess: Float64Array.from(rows, (r) => r.skipExcess ?? -0.01),
      reason: Uint32Array.from(rows, (r) => r.reason ?? 0),
    },
    k,
  );
}

describe('pacing bounds', () => {
  it('a campaign whose target fits but whose catch-up exceeds its rows is floored at all of its headroom', () => {
    // target 80 a day, 10 days in, 400 delivered: need = 80 + 400 / 7 = 137.1 > 100 a day of headroom
    const b = bounds([{ target: 80, expected: 800, delivered: 400 }]);
    expect(b.need[0]).toBeCloseTo(80 + 400 / 7, 9);
    expect(b.cap[0]).toBe(1);
    expect(b.floor[0]).toBe(1);
    expect(b.reason[0] & Reason.PACING_BEHIND).toBeTruthy();
  });

  it('a campaign on schedule is floored and capped at its need', () => {
    const b = bounds([{ target: 40, expected: 400, delivered: 400 }]);
    expect(b.cap[0]).toBeCloseTo(0.4, 12);
    expect(b.floor[0]).toBeCloseTo(0.4, 12);
  });

  it('a campaign whose daily target its rows cannot carry gets no floor, and its cap is all of its headroom', () => {
    const b = bounds([{ target: 150, expected: 1500, delivered: 0 }]);
    expect(b.floor[0]).toBe(0);
    expect(b.cap[0]).toBe(1);
  });

  it('slack widens the cap, never the floor; no penalty, no floor', () => {
    const slack = bounds([{ target: 40, expected: 400, delivered: 400 }], { ...K, upperSlack: 0.5 });
    expect(slack.cap[0]).toBeCloseTo(0.6, 12);
    expect(slack.floor[0]).toBeCloseTo(0.4, 12);
    const none = bounds([{ target: 40, expected: 400, delivered: 0 }], { ...K, shortfallPenalty: 0 });
    expect(none.floor[0]).toBe(0);
  });

  it('a market\'s part of the need goes to its rows within the skip budget; the rest of it to the others', () => {
    // one campaign, need 40 a day over 200 of headroom: market 0 holds 150 (a row within the skip budget,
    // one over it, one ineligible), market 1 holds 50 in one row over the budget
    const c = { campaign: 7, target: 40, expected: 400, delivered: 400, reach: 1400 };
    const b = bounds([
      { ...c, market: 0, headroom: 50 },
      { ...c, market: 0, headroom: 50, skipExcess: 0.03 },
      { ...c, market: 0, headroom: 50, upper: 0, reason: Reason.LOW_ACTIVITY },
      { ...c, market: 1, headroom: 50, skipExcess: 0.03 },
    ]);
    // market 0's part: 40 x 150 / 200 = 30, all on the row within the budget
    expect(b.floor[0]).toBeCloseTo(30 / 50, 12);
    expect(b.cap[0]).toBeCloseTo(30 / 50, 12);
    // it carries the whole part, so the row over the budget may take nothing more for the campaign
    expect(b.floor[1]).toBe(0);
    expect(b.cap[1]).toBe(0);
    expect(b.floor[2]).toBe(0);
    // market 1 has no row within the budget: no floor, capped at its part, 40 x 50 / 200 = 10
    expect(b.floor[3]).toBe(0);
    expect(b.cap[3]).toBeCloseTo(10 / 50, 12);
    // a part larger than the rows within the budget can carry: they are floored in full, the rest caps the others
    const big = bounds([
      { ...c, target: 160, expected: 1600, delivered: 1600, market: 0, headroom: 50 },
      { ...c, target: 160, expected: 1600, delivered: 1600, market: 0, headroom: 150, skipExcess: 0.03 },
    ]);
    expect(big.floor[0]).toBe(1);
    expect(big.cap[1]).toBeCloseTo((160 - 50) / 150, 12);
  });

  it('bounds a market\'s rows the same whatever other markets the run holds', () => {
    const c = { campaign: 3, target: 40, expected: 400, delivered: 300, reach: 1400 };
    const rows: Row[] = [
      { ...c, market: 0, headroom: 80 },
      { ...c, market: 0, headroom: 20, skipExcess: 0.05 },
      { ...c, market: 1, headroom: 100 },
    ];
    const whole = bounds(rows);
    const alone = bounds(rows.slice(0, 2));
    for (const r of [0, 1]) {
      expect(alone.cap[r]).toBe(whole.cap[r]);
      expect(alone.floor[r]).toBe(whole.floor[r]);
    }
  });
});
