/**
 * Empirical-Bayes Beta priors per group (market, surface) by the method of moments: the spread of
 * the rows' observed rates, minus the spread binomial noise alone would cause, fixes the prior's
 * strength alpha + beta; the mean of the rates fixes its mean.
 */
export interface PriorParams {
  min_impressions: number;
  min_rows: number;
  fallback_strength: number;
  min_strength: number;
  max_strength: number;
}

export interface GroupPriors {
  alpha: Float64Array;
  beta: Float64Array;
  /** rows that took part in the fit (0: fallback prior) */
  rows: Int32Array;
}

/**
 * hits/trials per row (e.g. skips/impressions); group in [0, groups); fallbackMean per group is
 * used when a group has too few rows to fit.
 */
export function fitBetaPriors(
  hits: Float64Array,
  trials: Float64Array,
  group: Int32Array,
  groups: number,
  fallbackMean: Float64Array,
  params: PriorParams,
): GroupPriors {
  const cnt = new Int32Array(groups);
  const sum = new Float64Array(groups);
  const sumSq = new Float64Array(groups);
  const sumInv = new Float64Array(groups);
  const minN = Math.max(params.min_impressions, 1);
  for (let r = 0; r < hits.length; r++) {
    const n = trials[r];
    if (!(n >= minN)) continue;
    let p = hits[r] / n;
    p = p < 0 ? 0 : p > 1 ? 1 : p;
    const g = group[r];
    cnt[g]++;
    sum[g] += p;
    sumSq[g] += p * p;
    sumInv[g] += 1 / n;
  }
  const alpha = new Float64Array(groups);
  const beta = new Float64Array(groups);
  const rows = new Int32Array(groups);
  for (let g = 0; g < groups; g++) {
    let mean: number;
    let strength: number;
    if (cnt[g] < params.min_rows) {
      mean = fallbackMean[g];
      strength = params.fallback_strength;
    } else {
      const c = cnt[g];
      mean = sum[g] / c;
      const variance = Math.max(0, (sumSq[g] - c * mean * mean) / (c - 1));
      const noise = (mean * (1 - mean) * sumInv[g]) / c;
      const excess = variance - noise;
      strength = excess > 0 ? (mean * (1 - mean)) / excess - 1 : params.max_strength;
      rows[g] = c;
    }
    mean = Math.min(1 - 1e-6, Math.max(1e-6, Number.isFinite(mean) ? mean : 0.5));
    strength = Math.min(params.max_strength, Math.max(params.min_strength, Number.isFinite(strength) ? strength : params.fallback_strength));
    alpha[g] = mean * strength;
    beta[g] = (1 - mean) * strength;
  }
  return { alpha, beta, rows };
}
