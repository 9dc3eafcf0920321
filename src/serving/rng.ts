/**
 * A small seeded generator (mulberry32) for jitter: reproducible in tests, and different per
 * replica when seeded from the process id, so a fleet does not retry in lockstep.
 */
import { mulberry32 } from '../core/rng.ts';

export type Rng = () => number;

export function seededRng(seed: number): Rng {
  return mulberry32(seed);
}

/** A delay in [0, maxMs), drawn from `rng`. */
export function jitterDelay(rng: Rng, maxMs: number): number {
  return maxMs > 0 ? Math.floor(rng() * maxMs) : 0;
}
