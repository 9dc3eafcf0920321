/**
 * A small seeded generator (mulberry32) for jitter: reproducible in tests, and different per
 * replica when seeded from the process id, so a fleet does not retry in lockstep.
 */
export type Rng = () => number;

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A delay in [0, maxMs), drawn from `rng`. */
export function jitterDelay(rng: Rng, maxMs: number): number {
  return maxMs > 0 ? Math.floor(rng() * maxMs) : 0;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
