import { expect } from 'vitest';
import type { Certificate } from '../../src/snapshot/contract.ts';
import type { HighsResult } from './highs.ts';

/**
 * Checks a certificate against HiGHS's optimum of the same LP: HiGHS solved it, the certified gap is
 * within tolerance, and weak duality holds both ways (primal <= OPT <= dual bound, up to rounding).
 * Returns the optimum and the rounding slack for further checks.
 */
export function expectBracketsOptimum(certificate: Certificate, ref: HighsResult, tolerance: number): { opt: number; slack: number } {
  expect(ref.Status).toBe('Optimal');
  const opt = ref.ObjectiveValue;
  const slack = 1e-7 * Math.max(1, Math.abs(opt));
  expect(certificate.gap).toBeLessThanOrEqual(tolerance);
  expect(certificate.primal).toBeLessThanOrEqual(opt + slack);
  expect(certificate.dual_bound).toBeGreaterThanOrEqual(opt - slack);
  return { opt, slack };
}
