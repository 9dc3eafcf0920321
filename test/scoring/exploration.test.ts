import { describe, expect, it } from 'vitest';
import { applyExplorationBudget } from '../../src/scoring/exploration.ts';
import { Reason } from '../../src/scoring/reasons.ts';
import { score } from '../../src/scoring/score.ts';
import { parseSpec } from '../../src/scoring/spec.ts';
import { makeFixture } from './fixtures.ts';

describe('exploration budget', () => {
  it('per surface, the widest bonuses first, until their headroom reaches the share of capacity', () => {
    const res = applyExplorationBudget({
      candidate: Float64Array.from([0.03, 0.02, 0.04, 0.01, 0.05, 0]),
      value: Float64Array.from([0.1, 0.1, -0.01, 0.1, 0.1, 0.1]),
      reason: Uint32Array.from([0, 0, Reason.NO_VALUE, 0, 0, 0]),
      headroom: Float64Array.from([30, 20, 40, 5, 100, 1]),
      group: Int32Array.from([0, 0, 0, 0, 1, 0]),
      groupCapacity: Float64Array.from([1000, 1000]),
      capacityShare: 0.05,
    });
    // group 0's budget is 50: 0.04 (40) fits, 0.03 (30) and 0.02 (20) do not, 0.01 (5) does; group 1's 100 > 50
    expect(Array.from(res.bonus)).toEqual([0, 0, 0.04, 0.01, 0, 0]);
    expect(res.value[2]).toBeCloseTo(0.03, 15);
    expect(res.reason[2]).toBe(Reason.EXPLORATION_BONUS); // the bonus made its value positive
    expect(res.reason[3]).toBe(Reason.EXPLORATION_BONUS);
    expect(res.reason[0]).toBe(0);
    expect(res.value[0]).toBe(0.1);
  });

  it('on a market fixture, the bonus moves at most capacity_share of each surface\'s capacity', () => {
    const fixture = makeFixture({ seed: 11, markets: 3, tracksPerMarket: 600, licensors: 30, capacityScale: 0.3 });
    const ctx = { asOf: '2026-11-20', seed: '1' };
    const withBonus = score(fixture, parseSpec({}, 'test'), ctx);
    const without = score(fixture, parseSpec({ exploration: { method: 'none' } }, 'test'), ctx);
    const col = (t: typeof withBonus.table, c: string) => t.getChild(c)!.toArray() as ArrayLike<number>;
    const key = (t: typeof withBonus.table, r: number) => `${t.getChild('market')!.get(r)}/${t.getChild('surface')!.get(r)}`;
    const share1 = col(withBonus.table, 'share');
    const share0 = col(without.table, 'share');
    const bonus = col(withBonus.table, 'exploration_bonus');
    const upper = col(withBonus.table, 'upper');
    const headroom = col(withBonus.table, 'headroom');
    const bonusHeadroom = new Map<string, number>();
    const moved = new Map<string, number>();
    let candidates = 0;
    let given = 0;
    for (let r = 0; r < withBonus.table.numRows; r++) {
      const k = key(withBonus.table, r);
      if (upper[r] > 0) candidates++;
      if (bonus[r] > 0) {
        given++;
        bonusHeadroom.set(k, (bonusHeadroom.get(k) ?? 0) + headroom[r]);
      }
      moved.set(k, (moved.get(k) ?? 0) + headroom[r] * Math.max(0, share1[r] - share0[r]) * (bonus[r] > 0 ? 1 : 0));
    }
    expect(given).toBeGreaterThan(0);
    expect(given).toBeLessThan(candidates / 4);
    for (const m of withBonus.allocation.markets) {
      for (const s of m.surfaces) {
        const k = `${m.market}/${s.surface}`;
        expect(bonusHeadroom.get(k) ?? 0).toBeLessThanOrEqual(0.05 * s.capacity * (1 + 1e-12));
        expect(moved.get(k) ?? 0).toBeLessThanOrEqual(0.05 * s.capacity * (1 + 1e-9));
      }
    }
  });
});
