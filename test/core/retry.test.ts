import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/core/dates.ts';
import { backoffDelay, retry } from '../../src/core/retry.ts';
import { mulberry32 } from '../../src/core/rng.ts';

describe('backoffDelay', () => {
  it('doubles from the initial delay up to the cap, exactly without jitter', () => {
    const b = { initialDelayMs: 250, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(b, n))).toEqual([250, 500, 1000, 2000, 4000, 8000, 8000]);
  });

  it('draws each wait from [0, delay) with full jitter, the same draws for the same seed', () => {
    const draws = (seed: number) => [1, 2, 3, 4].map((n) => backoffDelay({ initialDelayMs: 100, maxDelayMs: Infinity, jitter: mulberry32(seed) }, n));
    const a = draws(7);
    expect(a).toEqual(draws(7));
    a.forEach((d, i) => {
      expect(Number.isInteger(d)).toBe(true);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(100 * 2 ** i);
    });
    expect(backoffDelay({ initialDelayMs: 0, maxDelayMs: 10, jitter: () => 0.9 }, 3)).toBe(0);
  });
});

describe('retry', () => {
  const fast = { attempts: 4, initialDelayMs: 0, maxDelayMs: 0 };
  const transient = new Error('transient');
  const fatal = new Error('fatal');

  it('retries retryable failures until one succeeds, telling of each', async () => {
    const seen: [number, boolean][] = [];
    const got = await retry(fast, async (attempt) => {
      if (attempt < 3) throw transient;
      return attempt;
    }, { retryable: (e) => e === transient, onFailure: (_e, attempt, willRetry) => seen.push([attempt, willRetry]) });
    expect(got).toBe(3);
    expect(seen).toEqual([[1, true], [2, true]]);
  });

  it('throws a failure that is not retryable at once, and the last one when the attempts run out', async () => {
    let calls = 0;
    await expect(retry(fast, async () => { calls++; throw fatal; }, { retryable: (e) => e === transient })).rejects.toBe(fatal);
    expect(calls).toBe(1);
    const seen: boolean[] = [];
    calls = 0;
    await expect(retry(fast, async () => { calls++; throw transient; }, { retryable: () => true, onFailure: (_e, _a, w) => seen.push(w) })).rejects.toBe(transient);
    expect(calls).toBe(4);
    expect(seen).toEqual([true, true, true, false]);
  });
});

describe('addDays', () => {
  it('adds calendar days in UTC across month, year and leap-day boundaries', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-11-25', -35)).toBe('2026-10-21');
  });
});
