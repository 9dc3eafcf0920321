import { beforeAll, describe, expect, it } from 'vitest';
import { solveMarket } from '../../src/scoring/allocate/solve.ts';
import { loadHighs, type HighsSolver } from './highs.ts';
import { randomInstance, SHAPES, toLpText, violation } from './instances.ts';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

const TOL = 1e-4;
const cases: { seed: number; shape: (typeof SHAPES)[number] }[] = [];
for (let i = 0; i < 120; i++) cases.push({ seed: 1000 + i, shape: SHAPES[i % SHAPES.length] });

describe('allocation LP against HiGHS', () => {
  it.each(cases)('seed $seed, $shape', ({ seed, shape }) => {
    const p = randomInstance(seed, shape);
    const sol = solveMarket(p, { tolerance: TOL, maxIterations: 500 });
    const ref = highs.solve(toLpText(p));
    expect(ref.Status).toBe('Optimal');
    const opt = ref.ObjectiveValue;
    const { primal, dual_bound: dual, gap } = sol.certificate;
    const slack = 1e-7 * Math.max(1, Math.abs(opt));
    expect(gap).toBeLessThanOrEqual(TOL);
    // Weak duality both ways: P <= OPT <= D, and the certified gap covers the distance to HiGHS.
    expect(primal).toBeLessThanOrEqual(opt + slack);
    expect(dual).toBeGreaterThanOrEqual(opt - slack);
    expect(opt - primal).toBeLessThanOrEqual(gap * Math.abs(dual) + slack);
    expect(violation(p, sol.x)).toBeLessThanOrEqual(1e-9);
    expect(sol.certificate.max_violation).toBeLessThanOrEqual(1e-9);
  });
});
