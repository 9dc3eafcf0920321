import { beforeAll, describe, expect, it } from 'vitest';
import { foldPieces, pacedProblem, type PacingRows } from '../../src/scoring/allocate/paced.ts';
import type { MarketProblem } from '../../src/scoring/allocate/problem.ts';
import { solveMarket } from '../../src/scoring/allocate/solve.ts';
import { expectBracketsOptimum } from './certificate-check.ts';
import { loadHighs, type HighsSolver } from './highs.ts';
import { randomInstance, rng, SHAPES, toLpText, violation } from './instances.ts';

let highs: HighsSolver;
beforeAll(async () => {
  highs = await loadHighs();
});

const TOL = 1e-4;

/** Random campaign bounds: rows in runs of 1–6 share a campaign, a third of campaigns capped, half of those with a floor. */
function randomPacing(p: MarketProblem, seed: number, penalty: number): PacingRows {
  const rand = rng(seed);
  const n = p.value.length;
  const cap = new Float64Array(n).fill(1);
  const floor = new Float64Array(n);
  for (let r = 0; r < n; ) {
    const len = 1 + Math.floor(rand() * 6);
    const capped = rand() < 0.35;
    const c = capped ? rand() * 0.9 : 1;
    // a floor below its cap (a split row) or equal to it (the default, upper_slack 0: no split)
    const f = capped && rand() < 0.5 ? (rand() < 0.4 ? c : c * (0.3 + 0.7 * rand())) : 0;
    for (let i = r; i < Math.min(n, r + len); i++) {
      cap[i] = c;
      floor[i] = f;
    }
    r += len;
  }
  return { cap, floor, penalty };
}

/**
 * The soft-bound LP written the other way, for HiGHS: x_r <= min(upper_r, cap_r), and per row with a
 * floor a variable y_r <= floor_r, y_r <= x_r worth penalty × headroom: penalty × the floor delivered.
 */
function softBoundLp(p: MarketProblem, pacing: PacingRows): string {
  const n = p.value.length;
  const upper = p.upper.map((u, r) => (u > 0 ? Math.min(u, pacing.cap[r]) : u));
  let lp = toLpText({ ...p, upper });
  const obj: string[] = [];
  const cons: string[] = [];
  const bounds: string[] = [];
  for (let r = 0; r < n; r++) {
    if (!(pacing.floor[r] > 0 && p.upper[r] > 0 && p.headroom[r] > 0)) continue;
    obj.push(`  + ${(pacing.penalty * p.headroom[r]).toPrecision(17)} y${r}`);
    cons.push(` fl${r}: + 1 y${r} - 1 x${r} <= 0`);
    bounds.push(` 0 <= y${r} <= ${Math.min(upper[r], pacing.floor[r]).toPrecision(17)}`);
  }
  lp = lp.replace('Subject To\n', `${obj.join('\n')}${obj.length ? '\n' : ''}Subject To\n${cons.join('\n')}${cons.length ? '\n' : ''}`);
  lp = lp.replace('\nEnd', `\n${bounds.join('\n')}${bounds.length ? '\n' : ''}End`);
  return lp;
}

describe('campaign pacing bounds in the market LP', () => {
  const cases = Array.from({ length: 40 }, (_, i) => ({ seed: 5000 + i, shape: SHAPES[i % SHAPES.length] }));
  it.each(cases)('the split LP is the soft-bound LP: seed $seed, $shape, against HiGHS', ({ seed, shape }) => {
    const p = randomInstance(seed, shape);
    const pacing = randomPacing(p, seed + 1, 0.2);
    const split = pacedProblem(p, pacing);
    const sol = solveMarket(split, { tolerance: TOL, maxIterations: 500 });
    // the certificate of the split LP brackets the soft-bound optimum
    expectBracketsOptimum(sol.certificate, highs.solve(softBoundLp(p, pacing)), TOL);
    expect(violation(split, sol.x)).toBeLessThanOrEqual(1e-9);
    // folded back, every row stays within its campaign's cap and the market's constraints
    const x = split.piece ? foldPieces(sol.x, p.value.length, split.piece) : sol.x;
    for (let r = 0; r < x.length; r++) if (p.upper[r] > 0) expect(x[r]).toBeLessThanOrEqual(Math.min(p.upper[r], pacing.cap[r]) + 1e-9);
    expect(violation(p, x)).toBeLessThanOrEqual(1e-9);
  });

  it('a floor buys a row worth a little less than nothing, up to its floor and no further; a cap holds a valuable row', () => {
    // one surface with room to spare, one licensor, no skip excess: only value and the bounds decide
    const p: MarketProblem = {
      value: Float64Array.of(-0.004, 0.3, 0.1),
      headroom: Float64Array.of(1000, 1000, 1000),
      upper: Float64Array.of(1, 1, 1),
      skipExcess: Float64Array.of(-0.01, -0.01, -0.01),
      surface: Int32Array.of(0, 0, 0),
      licensor: Int32Array.of(0, 0, 0),
      capacity: Float64Array.of(10_000),
      licensorCap: Float64Array.of(10_000),
    };
    const pacing: PacingRows = { cap: Float64Array.of(0.6, 0.25, 1), floor: Float64Array.of(0.4, 0, 0), penalty: 0.01 };
    const split = pacedProblem(p, pacing);
    const sol = solveMarket(split, { tolerance: 1e-6, maxIterations: 200 });
    const x = foldPieces(sol.x, 3, split.piece!);
    expect(x[0]).toBeCloseTo(0.4, 6);
    expect(x[1]).toBeCloseTo(0.25, 6);
    expect(x[2]).toBeCloseTo(1, 6);
    // value + penalty on the floor: 1000 * (0.4 * (-0.004 + 0.01) + 0.25 * 0.3 + 0.1)
    expect(sol.certificate.primal).toBeCloseTo(1000 * (0.4 * 0.006 + 0.25 * 0.3 + 0.1), 4);
    // without bounds the plain problem comes back as it is
    expect(pacedProblem(p, { cap: Float64Array.of(1, 1, 1), floor: new Float64Array(3), penalty: 0.01 })).toBe(p);
  });
});
