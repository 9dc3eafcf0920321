/**
 * Promoted-context estimates (docs/scoring.md, "Promoted context"). A promoted listener skips more
 * and saves less than an organic one, by an amount that varies by track, so the guardrail and the
 * value are judged on promoted traffic: each row's promoted skip and save rates come from its
 * promoted counts, shrunk toward a prior centred on the same track's organic rate plus its group's
 * mean promoted uplift, with a strength fitted per (market, surface) by the method of moments (the
 * spread of the promoted rates around their prior means, minus the spread binomial noise explains).
 * The kernel then evaluates these Beta posteriors; this module only prepares their parameters.
 */
import { fitBetaPriors, type PriorParams } from './kernels/priors.ts';

export interface ContextInput {
  impressions: Float64Array;
  skips: Float64Array;
  saves: Float64Array;
  promoted_impressions: Float64Array;
  promoted_skips: Float64Array;
  promoted_saves: Float64Array;
  group: Int32Array;
  groups: number;
  /** per group: the organic skip and save rates of the surface (fallback prior means) */
  skipFallback: Float64Array;
  saveFallback: Float64Array;
}

/** One rate's promoted-context posterior, per row: counts and Beta prior. */
export interface ContextRate {
  /** promoted hits (skips or saves) */
  hits: Float64Array;
  alpha: Float64Array;
  beta: Float64Array;
  /** the same track's organic rate, shrunk toward its group (the prior's centre before the uplift) */
  organic: Float64Array;
  /** per group: mean promoted-minus-organic rate, and the prior strength alpha + beta */
  uplift: Float64Array;
  strength: Float64Array;
}

export interface PromotedContext {
  /** promoted impressions, per row */
  trials: Float64Array;
  skip: ContextRate;
  save: ContextRate;
}

const EDGE = 1e-6;

export function promotedContext(input: ContextInput, params: PriorParams): PromotedContext {
  const n = input.impressions.length;
  const organicTrials = new Float64Array(n);
  for (let r = 0; r < n; r++) organicTrials[r] = Math.max(0, input.impressions[r] - input.promoted_impressions[r]);
  const rate = (all: Float64Array, promoted: Float64Array, fallback: Float64Array): ContextRate => {
    const organicHits = new Float64Array(n);
    for (let r = 0; r < n; r++) organicHits[r] = Math.max(0, all[r] - promoted[r]);
    return contextRate(organicHits, organicTrials, promoted, input.promoted_impressions, input.group, input.groups, fallback, params);
  };
  return {
    trials: input.promoted_impressions,
    skip: rate(input.skips, input.promoted_skips, input.skipFallback),
    save: rate(input.saves, input.promoted_saves, input.saveFallback),
  };
}

/**
 * Organic rate per row (empirical Bayes within its group, as the organic model always was), then the
 * promoted prior: mean organic_r + uplift_g, strength fitted on the group's rows with at least
 * min_impressions promoted impressions; too few such rows: uplift from the pooled promoted counts
 * (0 without any) and the fallback strength.
 */
export function contextRate(
  organicHits: Float64Array,
  organicTrials: Float64Array,
  hits: Float64Array,
  trials: Float64Array,
  group: Int32Array,
  groups: number,
  fallbackMean: Float64Array,
  params: PriorParams,
): ContextRate {
  const n = hits.length;
  const prior = fitBetaPriors(organicHits, organicTrials, group, groups, fallbackMean, params);
  const organic = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const g = group[r];
    organic[r] = (organicHits[r] + prior.alpha[g]) / (organicTrials[r] + prior.alpha[g] + prior.beta[g]);
  }
  const minN = Math.max(params.min_impressions, 1);
  const cnt = new Int32Array(groups);
  const diff = new Float64Array(groups);
  const pooledHits = new Float64Array(groups);
  const pooledTrials = new Float64Array(groups);
  const pooledOrganic = new Float64Array(groups);
  for (let r = 0; r < n; r++) {
    const t = trials[r];
    if (!(t > 0)) continue;
    const g = group[r];
    pooledHits[g] += hits[r];
    pooledTrials[g] += t;
    pooledOrganic[g] += t * organic[r];
    if (t >= minN) {
      cnt[g]++;
      diff[g] += clamp01(hits[r] / t) - organic[r];
    }
  }
  const uplift = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    if (cnt[g] >= params.min_rows) uplift[g] = diff[g] / cnt[g];
    else if (pooledTrials[g] > 0) uplift[g] = (pooledHits[g] - pooledOrganic[g]) / pooledTrials[g];
  }
  const mean = new Float64Array(n);
  for (let r = 0; r < n; r++) mean[r] = Math.min(1 - EDGE, Math.max(EDGE, organic[r] + uplift[group[r]]));
  // strength: mean binomial variance over the excess spread of the rates around their prior means
  const sq = new Float64Array(groups);
  const noise = new Float64Array(groups);
  const bin = new Float64Array(groups);
  for (let r = 0; r < n; r++) {
    const t = trials[r];
    if (!(t >= minN)) continue;
    const g = group[r];
    const m = mean[r];
    const e = clamp01(hits[r] / t) - m;
    sq[g] += e * e;
    noise[g] += (m * (1 - m)) / t;
    bin[g] += m * (1 - m);
  }
  const strength = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    let s: number;
    if (cnt[g] < params.min_rows) s = params.fallback_strength;
    else {
      const excess = (sq[g] - noise[g]) / cnt[g];
      s = excess > 0 ? bin[g] / cnt[g] / excess - 1 : params.max_strength;
    }
    strength[g] = Math.min(params.max_strength, Math.max(params.min_strength, Number.isFinite(s) ? s : params.fallback_strength));
  }
  const alpha = new Float64Array(n);
  const beta = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const s = strength[group[r]];
    alpha[r] = mean[r] * s;
    beta[r] = (1 - mean[r]) * s;
  }
  return { hits, alpha, beta, organic, uplift, strength };
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : Number.isFinite(p) ? p : 0;
}
