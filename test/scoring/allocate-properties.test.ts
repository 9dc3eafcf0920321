import { describe, expect, it } from 'vitest';
import type { MarketProblem } from '../../src/scoring/allocate/problem.ts';
import { solveMarket } from '../../src/scoring/allocate/solve.ts';
import { randomInstance, rng, SHAPES, violation } from './instances.ts';

const opts = { tolerance: 1e-4, maxIterations: 500 };

/** One surface, caps that never bind, skip excess all negative: only the capacity is active. */
function knapsack(seed: number, n: number): MarketProblem {
  const rand = rng(seed);
  const headroom = Float64Array.from({ length: n }, () => 1 + Math.floor(rand() * 500));
  const total = headroom.reduce((a, b) => a + b, 0);
  return {
    value: Float64Array.from({ length: n }, () => -0.1 + rand()),
    headroom,
    upper: Float64Array.from({ length: n }, () => (rand() < 0.1 ? 0 : 1)),
    skipExcess: Float64Array.from({ length: n }, () => -0.01 - rand() * 0.1),
    surface: new Int32Array(n),
    licensor: Int32Array.from({ length: n }, (_, i) => i % 7),
    capacity: Float64Array.of(Math.round(total * (0.05 + rand() * 0.5))),
    licensorCap: new Float64Array(7).fill(total * 10),
  };
}

function greedy(p: MarketProblem): { x: Float64Array; value: number } {
  const order = [...p.value.keys()].filter((r) => p.value[r] > 0 && p.upper[r] > 0).sort((a, b) => p.value[b] - p.value[a] || a - b);
  const x = new Float64Array(p.value.length);
  let left = p.capacity[0];
  let value = 0;
  for (const r of order) {
    const take = Math.min(p.headroom[r] * p.upper[r], left);
    x[r] = take / p.headroom[r];
    left -= take;
    value += p.value[r] * take;
    if (left <= 0) break;
  }
  return { x, value };
}

describe('allocation properties', () => {
  it.each(Array.from({ length: 20 }, (_, i) => 500 + i))('equals the fractional knapsack with only the capacity active (seed %i)', (seed) => {
    const p = knapsack(seed, 50 + (seed % 7) * 40);
    // A tight tolerance: the knapsack optimum is reached exactly, not just within the default gap.
    const sol = solveMarket(p, { tolerance: 1e-12, maxIterations: 500 });
    const ref = greedy(p);
    expect(sol.iterations).toBeLessThan(100);
    expect(Math.abs(sol.certificate.primal - ref.value)).toBeLessThanOrEqual(1e-9 * ref.value);
    for (let r = 0; r < p.value.length; r++) expect(sol.x[r]).toBeCloseTo(ref.x[r], 9);
  });

  it.each(Array.from({ length: 15 }, (_, i) => 700 + i))('never lowers a row\'s share when its value rises (single constraint, seed %i)', (seed) => {
    const p = knapsack(seed, 80);
    const rand = rng(seed * 31);
    const j = Math.floor(rand() * 80);
    p.upper[j] = 1;
    let prev = solveMarket(p, opts).x[j];
    for (const bump of [0.01, 0.05, 0.2, 0.5, 1]) {
      const q = { ...p, value: p.value.slice() };
      q.value[j] = p.value[j] + bump;
      const now = solveMarket(q, opts).x[j];
      expect(now).toBeGreaterThanOrEqual(prev - 1e-12);
      prev = now;
    }
  });

  it('gives ineligible rows nothing, in every shape', () => {
    for (let i = 0; i < 30; i++) {
      const p = randomInstance(9000 + i, SHAPES[i % SHAPES.length]);
      const sol = solveMarket(p, opts);
      for (let r = 0; r < p.value.length; r++) if (p.upper[r] === 0 || p.headroom[r] === 0) expect(sol.x[r]).toBe(0);
      expect(violation(p, sol.x)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('is deterministic and accepts a warm start from its own prices', () => {
    const p = randomInstance(42, 'skip-heavy', 3000);
    const a = solveMarket(p, opts);
    const b = solveMarket(p, opts);
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(b.x.buffer))).toBe(true);
    expect(a.certificate).toEqual(b.certificate);
    const warm = solveMarket(p, { ...opts, warmStart: { capacity: a.capacityPrice, skip: a.skipPrice } });
    expect(warm.certificate.gap).toBeLessThanOrEqual(1e-4);
    expect(warm.certificate.dual_bound).toBeGreaterThanOrEqual(a.certificate.primal * (1 - 1e-12));
    expect(warm.certificate.primal).toBeLessThanOrEqual(a.certificate.dual_bound * (1 + 1e-12));
    expect(violation(p, warm.x)).toBeLessThanOrEqual(1e-9);
  });

  it.each([
    { seed: 43, shape: 'mixed' as const, size: 30_000 },
    // Too many licensors for a useful sample: the warm start centers the core itself.
    { seed: 44, shape: 'many-licensors' as const, size: 20_000 },
  ])('is deterministic and accepts a warm start on markets large enough for the core path ($shape)', ({ seed, shape, size }) => {
    const p = randomInstance(seed, shape, size);
    const a = solveMarket(p, opts);
    const b = solveMarket(p, opts);
    expect(Buffer.from(a.x.buffer).equals(Buffer.from(b.x.buffer))).toBe(true);
    expect(a.certificate).toEqual(b.certificate);
    expect(a.certificate.gap).toBeLessThanOrEqual(1e-4);
    // A stale warm start (prices far off) still ends certified: the core grows until it holds.
    for (const scale of [1, 0.3, 3]) {
      const warm = solveMarket(p, {
        ...opts,
        warmStart: { capacity: a.capacityPrice.map((v) => v * scale), skip: a.skipPrice.map((v) => v * scale) },
      });
      expect(warm.certificate.gap).toBeLessThanOrEqual(1e-4);
      expect(warm.certificate.dual_bound).toBeGreaterThanOrEqual(a.certificate.primal * (1 - 1e-12));
      expect(warm.certificate.primal).toBeLessThanOrEqual(a.certificate.dual_bound * (1 + 1e-12));
      expect(violation(p, warm.x)).toBeLessThanOrEqual(1e-9);
    }
  });

  it('rejects malformed problems', () => {
    const p = knapsack(1, 5);
    expect(() => solveMarket({ ...p, value: Float64Array.of(1, 2, NaN, 4, 5) }, opts)).toThrow(/row 2/);
    expect(() => solveMarket({ ...p, capacity: Float64Array.of(-1) }, opts)).toThrow(/capacity\[0\]/);
  });
});
