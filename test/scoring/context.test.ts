import { describe, expect, it } from 'vitest';
import { contextRate } from '../../src/scoring/context.ts';
import { score } from '../../src/scoring/score.ts';
import { defaultSpec } from '../../src/scoring/spec.ts';
import { makeFixture } from './fixtures.ts';

const params = { min_impressions: 1, min_rows: 2, fallback_strength: 20, min_strength: 2, max_strength: 10_000 };

describe('promoted-context estimates', () => {
  it('shrink each promoted rate toward its track\'s organic rate plus the group\'s uplift (hand-computed)', () => {
    const f = (xs: number[]) => Float64Array.from(xs);
    const res = contextRate(f([2000, 3000, 2500]), f([10_000, 10_000, 10_000]), f([10, 60, 0]), f([100, 100, 0]), Int32Array.from([0, 0, 0]), 1, f([0.3]), params);
    // organic: method of moments over 0.2, 0.3, 0.25
    const noiseO = (0.25 * 0.75 * (3 / 10_000)) / 3;
    const strengthO = (0.25 * 0.75) / (0.0025 - noiseO) - 1;
    const organic = [2000, 3000, 2500].map((k) => (k + 0.25 * strengthO) / (10_000 + strengthO));
    organic.forEach((o, r) => expect(res.organic[r]).toBeCloseTo(o, 14));
    // uplift: mean promoted-minus-organic over the rows with promoted traffic
    const uplift = (0.1 - organic[0] + (0.6 - organic[1])) / 2;
    expect(res.uplift[0]).toBeCloseTo(uplift, 14);
    const m = organic.map((o) => o + uplift);
    // strength: mean binomial variance over the spread left after binomial noise
    const sq = (0.1 - m[0]) ** 2 + (0.6 - m[1]) ** 2;
    const noise = (m[0] * (1 - m[0])) / 100 + (m[1] * (1 - m[1])) / 100;
    const s = ((m[0] * (1 - m[0]) + m[1] * (1 - m[1])) / 2) / ((sq - noise) / 2) - 1;
    expect(res.strength[0]).toBeCloseTo(s, 9);
    for (let r = 0; r < 3; r++) {
      expect(res.alpha[r] + res.beta[r]).toBeCloseTo(s, 9);
      expect(res.alpha[r] / (res.alpha[r] + res.beta[r])).toBeCloseTo(m[r], 12);
    }
    // the posterior mean: promoted counts plus the prior; a track never promoted sits at organic + uplift
    expect((10 + res.alpha[0]) / (100 + s)).toBeCloseTo((10 + s * m[0]) / (100 + s), 12);
    expect(res.alpha[2] / (res.alpha[2] + res.beta[2])).toBeCloseTo(organic[2] + uplift, 12);
    expect(organic[2] + uplift).toBeGreaterThan(organic[2]);
  });

  it('the skip budget holds on promoted traffic\'s own skip rate, not the pooled one', () => {
    // every other track's promoted listeners skip 15 points more than its organic ones
    const fixture = makeFixture({ seed: 5, markets: 2, tracksPerMarket: 800, licensors: 20, promotedSkipPenalty: 0.15 });
    const out = score(fixture, defaultSpec(), { asOf: '2026-11-20', seed: '1' });
    const t = out.table;
    const col = (c: string) => t.getChild(c)!.toArray() as ArrayLike<number>;
    const cand = fixture.candidates;
    const pi = cand.getChild('promoted_impressions')!.toArray() as Float64Array;
    const ps = cand.getChild('promoted_skips')!.toArray() as Float64Array;
    const share = col('share');
    const headroom = col('headroom');
    const skipRate = col('skip_rate');
    const market = t.getChild('market')!;
    const surface = t.getChild('surface')!;
    const used = new Map<string, { w: number; promotedSkips: number }>();
    let estimate = 0;
    let observed = 0;
    let weight = 0;
    for (let r = 0; r < t.numRows; r++) {
      const w = share[r] * headroom[r];
      if (!(w > 0) || pi[r] < 1000) continue;
      const k = `${market.get(r)}/${surface.get(r)}`;
      const u = used.get(k) ?? { w: 0, promotedSkips: 0 };
      u.w += w;
      u.promotedSkips += w * (ps[r] / pi[r]);
      used.set(k, u);
      estimate += w * skipRate[r];
      observed += w * (ps[r] / pi[r]);
      weight += w;
    }
    expect(weight).toBeGreaterThan(0);
    // the estimate the guardrail uses tracks the promoted traffic's observed skip rate
    expect(Math.abs(estimate - observed) / weight).toBeLessThan(0.01);
    for (const m of out.allocation.markets) {
      for (const s of m.surfaces) {
        const u = used.get(`${m.market}/${s.surface}`);
        if (!u) continue;
        // the well-observed allocated rows' promoted skip rate stays within organic + tau (+ sampling slack)
        expect(u.promotedSkips / u.w).toBeLessThanOrEqual(s.skip_baseline + s.skip_tolerance + 0.01);
      }
    }
  });
});
