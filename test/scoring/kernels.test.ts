import { describe, expect, it } from 'vitest';
import { normalQuantile, posteriorNormalUpper, wilsonUpper } from '../../src/scoring/kernels/bounds.ts';
import { allocateKernelOutput, kernelConstants, scoreKernel, type KernelInput } from '../../src/scoring/kernels/fused.ts';
import { fitBetaPriors } from '../../src/scoring/kernels/priors.ts';
import { scoreKernelSimd } from '../../src/scoring/kernels/simd/fused-simd.ts';
import { describeReasons, Reason, reasonNames } from '../../src/scoring/reasons.ts';
import { parseSpec } from '../../src/scoring/spec.ts';

const f = (...v: number[]) => Float64Array.from(v);

describe('bounds', () => {
  it('matches the normal quantile', () => {
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 9);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });
  it('Wilson upper bound by hand: p = 0.3, n = 100, z = 1.645', () => {
    // (0.3 + 2.7055/200 + 1.6449 * sqrt(0.21/100 + 2.7055/40000)) / (1 + 2.7055/100)
    expect(wilsonUpper(0.3, 100, 1.6448536269514722)).toBeCloseTo(0.37983213394412446, 12);
    expect(wilsonUpper(0.3, 0, 1.64)).toBe(1);
  });
  it('posterior normal bound by hand: Beta(53, 157), z = 1.645', () => {
    // 53/210 + 1.6449 * sqrt(53 * 157 / (210^2 * 211))
    expect(posteriorNormalUpper(53, 157, 1.6448536269514722)).toBeCloseTo(0.30156842358074226, 12);
  });
});

describe('method-of-moments priors', () => {
  const params = { min_impressions: 50, min_rows: 5, fallback_strength: 20, min_strength: 2, max_strength: 10_000 };
  it('fits strength from the excess of the rates over binomial noise', () => {
    // rates 0.1..0.5 over 100 trials: mean 0.3, sample variance 0.025, noise 0.3 * 0.7 / 100 = 0.0021,
    // strength = 0.21 / 0.0229 - 1 = 8.1703; alpha = 0.3 * 8.1703, beta = 0.7 * 8.1703.
    // The last row (20 trials) is below min_impressions and does not count.
    const pri = fitBetaPriors(f(10, 20, 30, 40, 50, 20), f(100, 100, 100, 100, 100, 20), Int32Array.from([0, 0, 0, 0, 0, 0]), 1, f(0.5), params);
    expect(pri.alpha[0]).toBeCloseTo(2.4510917030567683, 10);
    expect(pri.beta[0]).toBeCloseTo(5.719213973799126, 10);
    expect(pri.rows[0]).toBe(5);
  });
  it('falls back to the given mean and strength when a group has too few rows', () => {
    const pri = fitBetaPriors(f(10, 20), f(100, 100), Int32Array.from([0, 0]), 1, f(0.25), params);
    expect(pri.alpha[0]).toBeCloseTo(5, 12);
    expect(pri.beta[0]).toBeCloseTo(15, 12);
    expect(pri.rows[0]).toBe(0);
  });
  it('uses the largest strength when the rates vary less than noise', () => {
    const pri = fitBetaPriors(f(30, 30, 30, 30, 30), f(100, 100, 100, 100, 100), new Int32Array(5), 1, f(0.5), params);
    expect(pri.alpha[0] + pri.beta[0]).toBeCloseTo(10_000, 8);
    expect(pri.alpha[0] / (pri.alpha[0] + pri.beta[0])).toBeCloseTo(0.3, 12);
  });
});

function oneRow(over: Partial<Record<keyof KernelInput, number>> = {}): KernelInput {
  const row = {
    campaign_active: 1,
    licensor_active: 1,
    restricted: 0,
    track_age_days: 100,
    commission_rate: 0.2,
    campaign_expected: 1000,
    impressions: 200,
    skips: 50,
    saves: 10,
    promoted_impressions: 100,
    market_streams_28d: 500,
    recent_impressions: 700,
    campaign_delivered: 500,
    ...over,
  };
  return {
    group: Int32Array.from([0]),
    ...Object.fromEntries(Object.entries(row).map(([k, v]) => [k, f(v)])),
    groupCapacity: f('capacity' in over ? (over as { capacity: number }).capacity : 1000),
    groupBaseline: f(0.2),
    groupSaveBaseline: f(0.001),
    skipAlpha: f(3),
    skipBeta: f(7),
    saveAlpha: f(1),
    saveBeta: f(49),
  } as KernelInput;
}

// Both kernels answer the hand-computed rows: the JavaScript reference and the SIMD one.
describe.each([
  ['JavaScript', scoreKernel],
  ['WebAssembly SIMD', scoreKernelSimd],
])('fused kernel (%s)', (_name, scoreKernel) => {
  // the pacing value factor is off by default (the LP's bounds pace); these rows check it switched on
  const k = kernelConstants(parseSpec({ pacing: { gain: 0.5 } }, '<test>'));
  it('computes the row by hand', () => {
    const out = allocateKernelOutput(1);
    scoreKernel(k, oneRow(), out);
    expect(out.skipRate[0]).toBeCloseTo(53 / 210, 14); // (50 + 3) / (200 + 3 + 7)
    expect(out.saveRate[0]).toBeCloseTo(11 / 250, 14); // (10 + 1) / (200 + 1 + 49)
    expect(out.skipUpper[0]).toBeCloseTo(0.3046216003656199, 10); // Wilson at p = 53/210, n = 210
    // the candidate bonus: its width counts every impression behind the save rate, sqrt(0.044 * 0.956 / (200 + 50))
    expect(out.bonus[0]).toBeCloseTo(Math.sqrt((0.044 * 0.956) / 250), 12);
    expect(out.pacing[0]).toBeCloseTo(1.25, 14); // 1 + 0.5 * (1 - 500 / 1000)
    // ((0.044 - 0.001) - 0.5 * (53/210 - 0.2) + 0.05 * 0.2) * 1.25: saves gained over the displaced organic
    // impression (save rate 0.001), excess skips at their weight 0.5, commission; the bonus is added
    // later, by the budget
    expect(out.value[0]).toBeCloseTo((0.044 - 0.001 - 0.5 * (53 / 210 - 0.2) + 0.01) * 1.25, 12);
    expect(out.forecast[0]).toBe(100);
    expect(out.headroom[0]).toBe(100);
    expect(out.upper[0]).toBe(1);
    expect(out.skipExcess[0]).toBeCloseTo(0.0846216003656199, 10);
    expect(reasonNames(out.reason[0])).toEqual(['PACING_BEHIND']);
  });
  it.each([
    [{ campaign_active: 0 }, Reason.CAMPAIGN_INACTIVE],
    [{ licensor_active: 0 }, Reason.LICENSOR_INACTIVE],
    [{ restricted: 1 }, Reason.RESTRICTED],
    [{ track_age_days: 29 }, Reason.TRACK_TOO_NEW],
    [{ market_streams_28d: 19 }, Reason.LOW_ACTIVITY],
    [{ capacity: 0 } as never, Reason.NO_CAPACITY],
    [{ recent_impressions: 0 }, Reason.NO_FORECAST],
    [{ skips: 190 }, Reason.GUARDRAIL],
  ])('marks %o ineligible with its reason', (over, bit) => {
    const out = allocateKernelOutput(1);
    scoreKernel(k, oneRow(over), out);
    expect(out.reason[0] & bit).toBe(bit);
    expect(out.upper[0]).toBe(0);
    expect(out.bonus[0]).toBe(0);
  });
  it('keeps rows at exactly the thresholds eligible', () => {
    const out = allocateKernelOutput(1);
    scoreKernel(k, oneRow({ track_age_days: 30, market_streams_28d: 20 }), out);
    expect(out.upper[0]).toBe(1);
  });
  it('lowers the value of campaigns ahead of target and gives no bonus past the exploration budget', () => {
    const out = allocateKernelOutput(1);
    // 5000 impressions, however few of them promoted: the save rate is known well enough
    scoreKernel(k, oneRow({ campaign_delivered: 2000, impressions: 5000, skips: 1250, saves: 250, promoted_impressions: 10 }), out);
    expect(out.pacing[0]).toBeCloseTo(0.5, 14); // clamp(1 + 0.5 * (1 - 2), 0.5, 1.5)
    expect(out.bonus[0]).toBe(0);
    expect(reasonNames(out.reason[0])).toEqual(['PACING_AHEAD']);
  });
  it('flags a non-positive value', () => {
    const spec = parseSpec({ value: { commission_weight: 0, save_weight: 0 }, exploration: { method: 'none' } }, 'test');
    const out = allocateKernelOutput(1);
    scoreKernel(kernelConstants(spec), oneRow(), out);
    expect(out.value[0]).toBeCloseTo(-0.5 * (53 / 210 - 0.2), 14); // excess skips at their default weight 0.5
    expect(out.reason[0] & Reason.NO_VALUE).toBe(Reason.NO_VALUE);
  });
});

describe('reasons', () => {
  it('describes every reason bit in plain words', () => {
    const all = describeReasons(0xffffffff);
    expect(all.length).toBe(Object.keys(Reason).length);
    for (const d of all) expect(d.description.length).toBeGreaterThan(10);
  });
});

describe('string keys', () => {
  it('interns utf8 without decoding each row, also on sliced vectors', async () => {
    const { Utf8, vectorFromArray } = await import('apache-arrow');
    const { intern, rowKeyHashes } = await import('../../src/scoring/kernels/keys.ts');
    const v = vectorFromArray(['aa', 'bb', 'cc', 'dd', 'ee', 'bb', 'cc'], new Utf8());
    const r = intern(v.slice(2, 7));
    expect(Array.from(r.ids)).toEqual([0, 1, 2, 3, 0]);
    expect(r.values).toEqual(['cc', 'dd', 'ee', 'bb']);
    // Row hashes depend on the key and the seed only, not on where the row sits.
    const a = rowKeyHashes([v.slice(2, 5)], 'seed');
    const b = rowKeyHashes([vectorFromArray(['cc', 'dd', 'ee'], new Utf8())], 'seed');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(rowKeyHashes([v.slice(2, 5)], 'other'))).not.toEqual(Array.from(a));
  });
});
