/**
 * Block bootstrap (docs/evaluation.md, "Replay"): each replicate draws as many (track, day) blocks
 * as there are, with replacement, from a seeded generator, and recomputes every statistic with
 * those multiplicities; the 95% interval is the 2.5th and 97.5th percentiles of the replicates.
 * Blocks are shared by every horizon, so overlapping horizons and their total resample together.
 */
import { mulberry32 } from '../core/rng.ts';

export interface BootstrapOptions {
  blocks: number;
  replicates: number;
  seed: number;
}

/** Runs `stat` once per replicate with that replicate's block multiplicities; returns stat × replicate values. */
export function bootstrap(opts: BootstrapOptions, stat: (mult: Float64Array) => number[]): number[][] {
  const rand = mulberry32(opts.seed);
  const mult = new Float64Array(opts.blocks);
  const out: number[][] = [];
  for (let b = 0; b < opts.replicates; b++) {
    mult.fill(0);
    for (let k = 0; k < opts.blocks; k++) mult[Math.floor(rand() * opts.blocks)]++;
    const values = stat(mult);
    values.forEach((v, j) => (out[j] ??= []).push(v));
  }
  return out;
}

/** The p-quantile of values (linear interpolation between order statistics). */
export function quantile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const x = p * (s.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (x - lo);
}

export function percentileInterval(values: readonly number[], level = 0.95): [number, number] {
  const a = (1 - level) / 2;
  return [quantile(values, a), quantile(values, 1 - a)];
}
