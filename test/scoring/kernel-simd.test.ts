/**
 * The SIMD kernel (kernels/simd/) must give the JavaScript kernel's answers bit for bit: snapshots
 * are byte-identical whichever path a row takes. Seeded rows with edge values, every bound and
 * exploration method, sorted and shuffled groups, odd lengths and sub-ranges.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, WAT_SOURCES } from '../../scripts/build-wasm.ts';
import { allocateKernelOutput, kernelConstants, scoreKernel, type KernelInput, type KernelOutput } from '../../src/scoring/kernels/fused.ts';
import { scoreKernelSimd } from '../../src/scoring/kernels/simd/fused-simd.ts';
import { parseSpec } from '../../src/scoring/spec.ts';
import { rng } from './instances.ts';

/** Rows of `groups` groups; with `runs`, rows come in sorted runs, else groups are shuffled. */
function rows(n: number, groups: number, seed: number, sorted: boolean): KernelInput {
  const rand = rng(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const col = (f: () => number) => Float64Array.from({ length: n }, f);
  const group = Int32Array.from({ length: n }, (_, r) => (sorted ? Math.floor((r * groups) / n) : Math.floor(rand() * groups)));
  const impressions = col(() => pick([0, 1, 2, 37, Math.floor(rand() * 50_000), 1e9]));
  return {
    group,
    campaign_active: col(() => pick([1, 1, 1, 0, 0.5])),
    licensor_active: col(() => pick([1, 1, 1, 0])),
    restricted: col(() => pick([0, 0, 0, 1])),
    track_age_days: col(() => pick([-5, 0, 29, 30, 31, 400, rand() * 1000])),
    commission_rate: col(() => pick([0, 0.1, rand(), -0.2])),
    campaign_expected: col(() => pick([-1, 0, 1, 1000, rand() * 5000])),
    impressions,
    skips: Float64Array.from(impressions, (x) => Math.floor(x * pick([0, 0.2, 0.5, 0.99, 1, rand()]))),
    saves: Float64Array.from(impressions, (x) => Math.floor(x * pick([0, 0.01, 0.3, 1, rand() * 0.1]))),
    promoted_impressions: col(() => pick([0, 10, 4999, 5000, 5001, rand() * 10_000])),
    market_streams_28d: col(() => pick([0, 19, 20, 21, rand() * 1e6])),
    recent_impressions: col(() => pick([0, -3, 1, 7, rand() * 1e5])),
    campaign_delivered: col(() => pick([0, 1, 999, 1000, rand() * 1e4])),
    groupCapacity: Float64Array.from({ length: groups }, () => pick([0, 1, 1e5])),
    groupBaseline: Float64Array.from({ length: groups }, () => pick([0, 0.25, rand()])),
    groupSaveBaseline: Float64Array.from({ length: groups }, () => pick([0, 0.03, rand() * 0.1])),
    skipAlpha: col(() => pick([0.01, 2, 40 * rand() + 0.01])),
    skipBeta: col(() => pick([0.01, 5, 90 * rand() + 0.01])),
    saveAlpha: col(() => pick([0.01, 1, 3 * rand() + 0.01])),
    saveBeta: col(() => pick([0.01, 50, 100 * rand() + 0.01])),
    draws: col(() => pick([0, -1.5, 2.5, rand() * 6 - 3])),
  };
}

function expectSame(a: KernelOutput, b: KernelOutput): void {
  for (const key of Object.keys(a) as (keyof KernelOutput)[]) {
    const x = a[key];
    const y = b[key];
    for (let r = 0; r < x.length; r++) {
      if (!Object.is(x[r], y[r])) expect.fail(`${key}[${r}]: JavaScript ${x[r]}, SIMD ${y[r]}`);
    }
  }
}

const SPECS = {
  'Wilson, UCB (defaults)': {},
  'posterior bound, UCB': { guardrail: { bound: 'posterior_normal' } },
  'Wilson, Thompson': { exploration: { method: 'thompson' } },
  'posterior bound, no exploration': { guardrail: { bound: 'posterior_normal' }, exploration: { method: 'none' } },
  'tight limits': { guardrail: { hard_skip_limit: 0.3, confidence: 0.99 }, pacing: { gain: 2, min_factor: 0.9, max_factor: 1.1 } },
};

describe('SIMD kernel against the JavaScript kernel', () => {
  for (const [name, over] of Object.entries(SPECS)) {
    it(`gives identical bits: ${name}`, () => {
      const k = kernelConstants(parseSpec(over, 'test'));
      for (const [n, groups, sorted] of [
        [20_001, 7, true],
        [3_333, 1, true],
        [1, 1, true],
        [4_000, 200, false],
        [17_000, 40, true],
      ] as const) {
        const input = rows(n, groups, n + groups, sorted);
        const js = allocateKernelOutput(n);
        const simd = allocateKernelOutput(n);
        scoreKernel(k, input, js);
        const viaSimd = scoreKernelSimd(k, input, simd);
        // Sorted rows go through SIMD (all of them); shuffled rows mostly through the fallback.
        if (sorted) expect(viaSimd).toBe(n);
        else expect(viaSimd).toBeLessThan(n);
        expectSame(js, simd);
      }
    });
  }

  it('gives identical bits without draws for Thompson (no bonus) and on sub-ranges', () => {
    const k = kernelConstants(parseSpec({ exploration: { method: 'thompson' } }, 'test'));
    const input = { ...rows(9_999, 3, 5, true), draws: undefined };
    const js = allocateKernelOutput(9_999);
    const simd = allocateKernelOutput(9_999);
    for (const [from, to] of [
      [0, 1],
      [1, 4_000],
      [4_000, 4_001],
      [4_001, 9_999],
    ]) {
      scoreKernel(k, input, js, from, to);
      expect(scoreKernelSimd(k, input, simd, from, to)).toBe(to - from);
    }
    expectSame(js, simd);
    expect(simd.bonus.every((b) => b === 0)).toBe(true);
  });

  it('leaves rows outside [from, to) untouched', () => {
    const k = kernelConstants(parseSpec({}, 'test'));
    const input = rows(5_000, 2, 9, true);
    const out = allocateKernelOutput(5_000);
    out.value.fill(-7);
    scoreKernelSimd(k, input, out, 1_000, 2_001);
    expect(out.value.subarray(0, 1_000).every((v) => v === -7)).toBe(true);
    expect(out.value.subarray(2_001).every((v) => v === -7)).toBe(true);
    expect(out.value.subarray(1_000, 2_001).some((v) => v === -7)).toBe(false);
  });
});

describe('the committed WebAssembly', () => {
  it.each(WAT_SOURCES)('%s is what `npm run build:wasm` assembles', async (source) => {
    const built = await assemble(source);
    expect(Buffer.compare(built, readFileSync(source.replace(/\.wat$/, '.wasm')))).toBe(0);
  });
});
