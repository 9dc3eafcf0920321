import { describe, expect, it } from 'vitest';
import { Reason } from '../../src/scoring/reasons.ts';
import { score } from '../../src/scoring/score.ts';
import { parseSpec } from '../../src/scoring/spec.ts';
import { makeFixture } from './fixtures.ts';

const input = makeFixture({ seed: 11, markets: 4, tracksPerMarket: 400, licensors: 8 });

function run(asOf: string, share = 0.05) {
  const spec = parseSpec({ holdout: { share } }, 'test');
  const out = score(input, spec, { asOf, seed: 'run-1' });
  const t = out.table;
  const col = <T>(n: string) => t.getChild(n)!.toArray() as T;
  return {
    out,
    propensity: col<Float32Array>('propensity'),
    boost: col<Float32Array>('boost'),
    share: col<Float64Array>('share'),
    upper: col<Float64Array>('upper'),
    skipExcess: col<Float64Array>('skip_excess'),
    reason: col<Uint32Array>('reason'),
    key: (r: number) => ['track_id', 'market', 'surface', 'campaign_id'].map((c) => String(t.getChild(c)!.get(r))).join('|'),
    n: t.numRows,
  };
}

describe('the randomized holdout and its logged propensities', () => {
  it('propensities are in (0, 1] and match the design row by row; rows over the skip budget are never drawn', () => {
    const eps = 0.05;
    const r = run('2026-11-25', eps);
    let eligible = 0;
    let overBudget = 0;
    let candidates = 0;
    let held = 0;
    let drawnUp = 0;
    for (let i = 0; i < r.n; i++) {
      const p = r.propensity[i];
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      if (!(r.upper[i] > 0)) {
        expect(p).toBe(1);
        expect(r.boost[i]).toBe(1);
        expect(r.reason[i] & Reason.HOLDOUT).toBe(0);
        continue;
      }
      eligible++;
      const s = r.share[i];
      if (!(r.skipExcess[i] <= 0)) {
        // over the skip budget by the job's own estimate: never drawn, its boost is the LP's
        overBudget++;
        expect(r.reason[i] & Reason.HOLDOUT).toBe(0);
        expect(p).toBe(1);
        expect(r.boost[i]).toBe(Math.fround(1 + s));
        continue;
      }
      candidates++;
      if (r.reason[i] & Reason.HOLDOUT) {
        held++;
        // a holdout row's boost is drawn: 1 or the maximum, whatever the LP said
        expect([1, 2]).toContain(r.boost[i]);
        const d = r.boost[i] === 2 ? 1 : 0;
        drawnUp += d;
        expect(p).toBe(Math.fround(eps / 2 + (s === d ? 1 - eps : 0)));
      } else {
        expect(r.boost[i]).toBe(Math.fround(1 + s));
        expect(p).toBe(Math.fround(1 - eps + (s === 0 || s === 1 ? eps / 2 : 0)));
      }
    }
    expect(eligible).toBeGreaterThan(1000);
    expect(overBudget).toBeGreaterThan(100);
    expect(candidates).toBeGreaterThan(1000);
    // about ε of the candidates, drawn up about half the time (binomial slack)
    expect(Math.abs(held / candidates - eps)).toBeLessThan(4 * Math.sqrt((eps * (1 - eps)) / candidates));
    expect(Math.abs(drawnUp / held - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / held));
    expect(r.out.allocation.holdout).toEqual({
      share: eps, key: ['track_id', 'market', 'surface', 'campaign_id'], seed: 'holdout|2026-11-25', boosts: [1, 2], probabilities: [0.5, 0.5],
    });
  });

  it('is deterministic per (as-of, key): the same day draws the same, another day others', () => {
    const a = run('2026-11-25');
    const b = run('2026-11-25');
    expect(Array.from(b.propensity)).toEqual(Array.from(a.propensity));
    expect(Array.from(b.boost)).toEqual(Array.from(a.boost));
    const heldA = new Set<string>();
    for (let i = 0; i < a.n; i++) if (a.reason[i] & Reason.HOLDOUT) heldA.add(a.key(i));
    const c = run('2026-11-26');
    const heldC = new Set<string>();
    for (let i = 0; i < c.n; i++) if (c.reason[i] & Reason.HOLDOUT) heldC.add(c.key(i));
    expect(heldA.size).toBeGreaterThan(20);
    const both = [...heldA].filter((k) => heldC.has(k)).length;
    // independent draws per day: the overlap is about ε of the held rows, not all of them
    expect(both).toBeLessThan(heldA.size / 2);
  });

  it('share 0 turns the holdout off: every propensity is 1 and the boosts are the LP\'s', () => {
    const r = run('2026-11-25', 0);
    for (let i = 0; i < r.n; i++) {
      expect(r.propensity[i]).toBe(1);
      expect(r.boost[i]).toBe(Math.fround(1 + r.share[i]));
    }
  });
});
