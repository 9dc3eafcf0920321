/**
 * The hot loop: one fused pass over a batch of candidate rows, typed arrays in, typed arrays out.
 * Per row: eligibility reason bits, shrunk skip and save rates, the pessimistic skip bound and the
 * guardrail, the exploration bonus, pacing, the value c_r, the headroom u_r, the upper bound ub_r and
 * the skip excess d_r = k+_r - s_ms - tau that enters the skip budget.
 */
import { INELIGIBLE_MASK, Reason } from '../reasons.ts';
import type { ScoringSpec } from '../spec.ts';
import { normalQuantile } from './bounds.ts';

export interface KernelInput {
  /** (market, surface) group of each row */
  group: Int32Array;
  campaign_active: Float64Array;
  licensor_active: Float64Array;
  restricted: Float64Array;
  track_age_days: Float64Array;
  commission_rate: Float64Array;
  daily_impression_target: Float64Array;
  impressions: Float64Array;
  skips: Float64Array;
  saves: Float64Array;
  promoted_impressions: Float64Array;
  market_streams_28d: Float64Array;
  impressions_7d: Float64Array;
  promoted_impressions_1d: Float64Array;
  /** per group: promoted capacity (0: none), skip baseline, Beta priors */
  groupCapacity: Float64Array;
  groupBaseline: Float64Array;
  skipAlpha: Float64Array;
  skipBeta: Float64Array;
  saveAlpha: Float64Array;
  saveBeta: Float64Array;
  /** per row standard normal draws (Thompson exploration only) */
  draws?: Float64Array;
}

export interface KernelOutput {
  reason: Uint32Array;
  skipRate: Float64Array;
  saveRate: Float64Array;
  skipUpper: Float64Array;
  bonus: Float64Array;
  pacing: Float64Array;
  value: Float64Array;
  forecast: Float64Array;
  headroom: Float64Array;
  upper: Float64Array;
  skipExcess: Float64Array;
}

export function allocateKernelOutput(n: number): KernelOutput {
  return {
    reason: new Uint32Array(n),
    skipRate: new Float64Array(n),
    saveRate: new Float64Array(n),
    skipUpper: new Float64Array(n),
    bonus: new Float64Array(n),
    pacing: new Float64Array(n),
    value: new Float64Array(n),
    forecast: new Float64Array(n),
    headroom: new Float64Array(n),
    upper: new Float64Array(n),
    skipExcess: new Float64Array(n),
  };
}

/** Constants of the loop, resolved once per spec. */
export interface KernelConstants {
  minAge: number;
  minStreams: number;
  z: number;
  wilson: boolean;
  hardLimit: number;
  explore: 0 | 1 | 2; // none, ucb, thompson
  exploreZ: number;
  bonusCap: number;
  budget: number;
  wSave: number;
  wSkip: number;
  wComm: number;
  gain: number;
  minPace: number;
  maxPace: number;
  forecastDays: number;
  boostRoom: number;
  tau: number;
}

export function kernelConstants(spec: ScoringSpec): KernelConstants {
  return {
    minAge: spec.eligibility.min_track_age_days,
    minStreams: spec.eligibility.min_streams_28d,
    z: normalQuantile(spec.guardrail.confidence),
    wilson: spec.guardrail.bound === 'wilson',
    hardLimit: spec.guardrail.hard_skip_limit,
    explore: spec.exploration.method === 'none' ? 0 : spec.exploration.method === 'ucb' ? 1 : 2,
    exploreZ: spec.exploration.z,
    bonusCap: spec.exploration.bonus_cap,
    budget: spec.exploration.budget_impressions,
    wSave: spec.value.save_weight,
    wSkip: spec.value.skip_excess_weight,
    wComm: spec.value.commission_weight,
    gain: spec.pacing.gain,
    minPace: spec.pacing.min_factor,
    maxPace: spec.pacing.max_factor,
    forecastDays: spec.engagement.forecast_days,
    boostRoom: spec.allocation.max_boost - 1,
    tau: spec.allocation.skip_tolerance,
  };
}

/** Scores rows [from, to) of input into out (same indices). */
export function scoreKernel(k: KernelConstants, input: KernelInput, out: KernelOutput, from = 0, to = input.group.length): void {
  const { group, impressions, skips, saves } = input;
  const { groupCapacity, groupBaseline, skipAlpha, skipBeta, saveAlpha, saveBeta, draws } = input;
  const z = k.z;
  const z2 = z * z;
  for (let r = from; r < to; r++) {
    const g = group[r];
    let reason = 0;
    if (input.campaign_active[r] !== 1) reason |= Reason.CAMPAIGN_INACTIVE;
    if (input.licensor_active[r] !== 1) reason |= Reason.LICENSOR_INACTIVE;
    if (input.restricted[r] !== 0) reason |= Reason.RESTRICTED;
    if (!(input.track_age_days[r] >= k.minAge)) reason |= Reason.TRACK_TOO_NEW;
    if (!(input.market_streams_28d[r] >= k.minStreams)) reason |= Reason.LOW_ACTIVITY;
    if (!(groupCapacity[g] > 0)) reason |= Reason.NO_CAPACITY;

    // Shrunk rates: (k + a) / (n + a + b).
    const n = impressions[r];
    const sa = skipAlpha[g];
    const sb = skipBeta[g];
    const nn = n + sa + sb;
    const skipRate = (skips[r] + sa) / nn;
    const va = saveAlpha[g];
    const vb = saveBeta[g];
    const saveRate = (saves[r] + va) / (n + va + vb);

    // Pessimistic skip rate on the posterior pseudo-counts.
    let upperSkip: number;
    if (k.wilson) {
      const z2n = z2 / nn;
      upperSkip = (skipRate + z2n / 2 + z * Math.sqrt((skipRate * (1 - skipRate)) / nn + z2n / (4 * nn))) / (1 + z2n);
    } else {
      const a = skips[r] + sa;
      const b = nn - a;
      upperSkip = skipRate + z * Math.sqrt((a * b) / (nn * nn * (nn + 1)));
      if (upperSkip > 1) upperSkip = 1;
    }
    if (upperSkip > k.hardLimit) reason |= Reason.GUARDRAIL;

    const forecast = input.impressions_7d[r] / k.forecastDays;
    const headroom = forecast > 0 ? forecast * k.boostRoom : 0;
    if (!(headroom > 0)) reason |= Reason.NO_FORECAST;
    const eligible = (reason & INELIGIBLE_MASK) === 0;

    // Exploration: rows with little promoted exposure get a bounded bonus.
    let bonus = 0;
    const exposure = input.promoted_impressions[r];
    if (eligible && k.explore !== 0 && exposure < k.budget) {
      const sd = Math.sqrt((saveRate * (1 - saveRate)) / (exposure + va + vb));
      bonus = k.explore === 1 ? k.exploreZ * sd : draws ? k.exploreZ * draws[r] * sd : 0;
      if (bonus > k.bonusCap) bonus = k.bonusCap;
      if (bonus > 0) reason |= Reason.EXPLORATION_BONUS;
      else bonus = 0;
    }

    const baseline = groupBaseline[g];
    const excess = skipRate - baseline;
    let value = k.wSave * saveRate + bonus - (excess > 0 ? k.wSkip * excess : 0) + k.wComm * input.commission_rate[r];

    let pacing = 1;
    const target = input.daily_impression_target[r];
    if (target > 0) {
      pacing = 1 + k.gain * (1 - input.promoted_impressions_1d[r] / target);
      if (pacing < k.minPace) pacing = k.minPace;
      if (pacing > k.maxPace) pacing = k.maxPace;
      if (value > 0) {
        value *= pacing;
        if (pacing > 1) reason |= Reason.PACING_BEHIND;
        else if (pacing < 1) reason |= Reason.PACING_AHEAD;
      }
    }
    if (!(value > 0)) reason |= Reason.NO_VALUE;

    out.reason[r] = reason;
    out.skipRate[r] = skipRate;
    out.saveRate[r] = saveRate;
    out.skipUpper[r] = upperSkip;
    out.bonus[r] = bonus;
    out.pacing[r] = pacing;
    out.value[r] = value;
    out.forecast[r] = forecast;
    out.headroom[r] = headroom;
    out.upper[r] = eligible ? 1 : 0;
    out.skipExcess[r] = upperSkip - baseline - k.tau;
  }
}
