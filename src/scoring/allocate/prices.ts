/** Surface price points, and the starting ones that need no solve: a cold start and a clamped warm start. */
import { type Block, weightedThreshold } from './pricing.ts';

export interface Prices {
  lambda: Float64Array;
  mu: Float64Array;
}

/**
 * A cold start: per surface, the value at which the surface would just fill if neither licensor
 * caps nor the skip budget existed (a weighted quantile of the rows' values).
 */
export function fillPrices(F: Block, capacity: Float64Array): Prices {
  const S = capacity.length;
  const { c, y, segStart, segSurface } = F;
  const lambda = new Float64Array(S);
  const key = new Float64Array(F.n);
  const weight = new Float64Array(F.n);
  for (let g = 0; g < S; g++) {
    let k = 0;
    let total = 0;
    for (let q = 0; q < segSurface.length; q++) {
      if (segSurface[q] !== g) continue;
      for (let i = segStart[q]; i < segStart[q + 1]; i++) {
        if (!(c[i] > 0)) continue;
        key[k] = c[i];
        weight[k] = y[i];
        total += y[i];
        k++;
      }
    }
    if (!(total > capacity[g]) || k === 0) continue;
    lambda[g] = Math.max(0, weightedThreshold(key, weight, k, capacity[g]));
  }
  return { lambda, mu: new Float64Array(S) };
}

/** A warm start's prices, S of them, each finite and >= 0 (0 where missing). */
export function clampPrices(v: ArrayLike<number>, S: number): Float64Array {
  const out = new Float64Array(S);
  for (let g = 0; g < S && g < v.length; g++) out[g] = Number.isFinite(v[g]) && v[g] > 0 ? v[g] : 0;
  return out;
}
