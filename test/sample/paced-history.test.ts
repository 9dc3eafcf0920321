import { describe, expect, it } from 'vitest';
import { dayNumber } from '../../src/core/dates.ts';
import { buildKeys } from '../../src/sample/engagement.ts';
import { buildModel } from '../../src/sample/model.ts';
import { Rng } from '../../src/sample/prng.ts';

describe('the sample\'s promoted history', () => {
  it('delivered a targeted campaign about what its target asked, some campaigns ahead and some behind', () => {
    const m = buildModel({ scale: 0.1, seed: '1', asOfDay: dayNumber('2026-01-15'), days: 35 });
    const k = buildKeys(m, new Rng('1:engagement'));
    const nM = m.markets.length;
    const keyOf = new Map<number, number>();
    for (let i = 0; i < k.track.length; i++) keyOf.set((k.track[i] * nM + k.market[i]) * 3 + k.surface[i], i);
    const ratios: number[] = [];
    for (let c = 0; c < m.campaignIds.length; c++) {
      const target = m.campTarget[c];
      if (!(target > 0) || m.campCold[c] || !(m.campReach[c] > 0) || target > m.campReach[c]) continue;
      // expected promoted impressions a day over the campaign's keys (each key carries one campaign's pace)
      let promoted = 0;
      let keys = 0;
      for (let i = 0; i < m.targetCampaign.length; i++) {
        if (m.targetCampaign[i] !== c) continue;
        const key = keyOf.get((m.campTrack[c] * nM + m.targetMarket[i]) * 3 + m.targetSurface[i]);
        if (key === undefined || k.promoFrom[key] > k.promoTo[key]) continue;
        promoted += k.lambda[key] * k.promoFactor[key];
        keys++;
      }
      if (keys) ratios.push(promoted / target);
    }
    expect(ratios.length).toBeGreaterThan(50);
    ratios.sort((a, b) => a - b);
    const median = ratios[ratios.length >> 1];
    // 0.7-1.3x the ask, times the keys' own 0.6-1.4x spread around the exposure the target was sized on
    expect(median).toBeGreaterThan(0.8);
    expect(median).toBeLessThan(1.25);
    expect(ratios.filter((r) => r < 0.85).length).toBeGreaterThan(ratios.length / 10);
    expect(ratios.filter((r) => r > 1.15).length).toBeGreaterThan(ratios.length / 10);
    // the version before this one drew 0.3-1.2x of exposure whatever the target: a median near 2x
    expect(ratios[Math.floor(ratios.length * 0.9)]).toBeLessThan(2);
  });
});
