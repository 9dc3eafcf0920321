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
  /** pacing: the campaign's target so far (-1: none) and its delivery so far */
  campaign_expected: Float64Array;
  /** the counts the skip and save rates are estimated from: the promoted context's (context.ts) */
  impressions: Float64Array;
  skips: Float64Array;
  saves: Float64Array;
  promoted_impressions: Float64Array;
  market_streams_28d: Float64Array;
  recent_impressions: Float64Array;
  campaign_delivered: Float64Array;
  /** per group: promoted capacity (0: none), organic skip and save rates of the surface */
  groupCapacity: Float64Array;
  groupBaseline: Float64Array;
  groupSaveBaseline: Float64Array;
  /** per row: Beta priors of the skip and save rates */
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
  // Locals, so the loop reads typed arrays and nothing else.
  const { group, impressions, skips, saves, campaign_active, licensor_active, restricted, track_age_days } = input;
  const { commission_rate, campaign_expected, market_streams_28d } = input;
  const { recent_impressions, campaign_delivered } = input;
  const { groupCapacity, groupBaseline, groupSaveBaseline, skipAlpha, skipBeta, saveAlpha, saveBeta, draws } = input;
  const oReason = out.reason;
  const oSkipRate = out.skipRate;
  const oSaveRate = out.saveRate;
  const oSkipUpper = out.skipUpper;
  const oBonus = out.bonus;
  const oPacing = out.pacing;
  const oValue = out.value;
  const oForecast = out.forecast;
  const oHeadroom = out.headroom;
  const oUpper = out.upper;
  const oSkipExcess = out.skipExcess;
  const { minAge, minStreams, hardLimit, wilson, explore, budget, exploreZ, bonusCap } = k;
  const { wSave, wSkip, wComm, gain, minPace, maxPace, forecastDays, boostRoom, tau } = k;
  const z = k.z;
  const perDay = 1 / forecastDays;
  const z2 = z * z;
  for (let r = from; r < to; r++) {
    const g = group[r];
    let reason = 0;
    if (campaign_active[r] !== 1) reason |= Reason.CAMPAIGN_INACTIVE;
    if (licensor_active[r] !== 1) reason |= Reason.LICENSOR_INACTIVE;
    if (restricted[r] !== 0) reason |= Reason.RESTRICTED;
    if (!(track_age_days[r] >= minAge)) reason |= Reason.TRACK_TOO_NEW;
    if (!(market_streams_28d[r] >= minStreams)) reason |= Reason.LOW_ACTIVITY;
    if (!(groupCapacity[g] > 0)) reason |= Reason.NO_CAPACITY;

    // Shrunk rates: (k + a) / (n + a + b).
    const n = impressions[r];
    const sa = skipAlpha[r];
    const sb = skipBeta[r];
    const nn = n + sa + sb;
    const invN = 1 / nn;
    const skipRate = (skips[r] + sa) * invN;
    const va = saveAlpha[r];
    const vb = saveBeta[r];
    const saveRate = (saves[r] + va) / (n + va + vb);

    // Pessimistic skip rate on the posterior pseudo-counts.
    let upperSkip: number;
    if (wilson) {
      const z2n = z2 * invN;
      upperSkip = (skipRate + 0.5 * z2n + z * Math.sqrt((skipRate * (1 - skipRate) + 0.25 * z2n) * invN)) / (1 + z2n);
    } else {
      const a = skips[r] + sa;
      const b = nn - a;
      upperSkip = skipRate + z * Math.sqrt((a * b) / (nn * nn * (nn + 1)));
      if (upperSkip > 1) upperSkip = 1;
    }
    if (upperSkip > hardLimit) reason |= Reason.GUARDRAIL;

    const forecast = recent_impressions[r] * perDay;
    const headroom = forecast > 0 ? forecast * boostRoom : 0;
    if (!(headroom > 0)) reason |= Reason.NO_FORECAST;
    const eligible = (reason & INELIGIBLE_MASK) === 0;

    // Exploration: the bonus a row would get, its width from every impression behind the save
    // estimate. It is a candidate only: the exploration budget (exploration.ts) decides which rows
    // get it and adds it to the value.
    let bonus = 0;
    if (eligible && explore !== 0 && n < budget) {
      const sd = Math.sqrt((saveRate * (1 - saveRate)) / (n + va + vb));
      bonus = explore === 1 ? exploreZ * sd : draws ? exploreZ * draws[r] * sd : 0;
      if (bonus > bonusCap) bonus = bonusCap;
      if (!(bonus > 0)) bonus = 0;
    }

    const baseline = groupBaseline[g];
    const excess = skipRate - baseline;
    // the promoted impression against the organic one it displaces: saves gained, excess skips
    let value = wSave * (saveRate - groupSaveBaseline[g]) - (excess > 0 ? wSkip * excess : 0) + wComm * commission_rate[r];

    let pacing = 1;
    const target = campaign_expected[r];
    if (target > 0) {
      pacing = 1 + gain * (1 - campaign_delivered[r] / target);
      if (pacing < minPace) pacing = minPace;
      if (pacing > maxPace) pacing = maxPace;
      if (value > 0) {
        value *= pacing;
        if (pacing > 1) reason |= Reason.PACING_BEHIND;
        else if (pacing < 1) reason |= Reason.PACING_AHEAD;
      }
    }
    if (!(value > 0)) reason |= Reason.NO_VALUE;

    oReason[r] = reason;
    oSkipRate[r] = skipRate;
    oSaveRate[r] = saveRate;
    oSkipUpper[r] = upperSkip;
    oBonus[r] = bonus;
    oPacing[r] = pacing;
    oValue[r] = value;
    oForecast[r] = forecast;
    oHeadroom[r] = headroom;
    oUpper[r] = eligible ? 1 : 0;
    oSkipExcess[r] = upperSkip - baseline - tau;
  }
}
