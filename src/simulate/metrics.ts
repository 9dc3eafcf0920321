/**
 * Metrics of one policy, from the truth and never from the job's estimates (docs/evaluation.md,
 * "Metrics"). Value metrics are expectations under the true rates given each day's served promoted
 * impressions (the response's noise included, the binomial outcome noise not), so `none` has zero
 * increment by construction and two policies differ only by what they decided.
 */
import { dateOf } from '../core/dates.ts';
import { quantile } from '../replay/bootstrap.ts';
import { SAMPLE_SURFACES } from '../sample/markets.ts';
import { NULL_DAY } from '../sample/model.ts';
import type { PublishedRows } from './read-published.ts';
import { SATURATION, type Served } from './serve.ts';
import { keyOf, type DayTruth, type World } from './world.ts';

export interface DayRecord {
  day: string;
  incremental_saves: number;
  incremental_streams: number;
  revenue: number;
  promoted_impressions: number;
  breaches: number;
  group_days: number;
  /** the job's own status that day: published, or why the world kept serving the previous snapshot */
  job: string;
}

export interface PolicySummary {
  incremental_saves: number;
  incremental_streams: number;
  revenue: number;
  promoted_skip_rate: number;
  organic_skip_rate: number;
  breach_share: number;
  /** of the campaigns with a target whose capacity allows it (see deliverableCapacity), the share delivered within ±15% */
  paced_within_15pct: number;
  licensor_hhi: number;
  exploration_cost: number;
  promoted_impressions: number;
  capacity_use: number;
  breaches: number;
  group_days: number;
  campaigns_with_target: number;
  /** campaigns with a target, active on some flight day, whose target × active days fits their deliverable capacity */
  campaigns_capacity_allows: number;
  /** of those, the campaigns whose targets could take it within the listener guardrail, each on its own (see deliverableCapacity) */
  campaigns_guardrail_allows: number;
  /** of those, the share delivered within ±15% */
  paced_within_15pct_guardrail_allows: number;
  /** of the capacity-allows campaigns, delivered below −15% / above +15% of target × active days */
  campaigns_under_delivered: number;
  campaigns_over_delivered: number;
  /** of those, the median of delivered / (target × active days) */
  delivery_ratio_median: number;
  job_failures: number;
}

/** What the delivery metric needs of the spec: the largest boost and the track-age rule of eligibility. */
export interface DeliveryRules {
  maxBoost: number;
  minTrackAgeDays: number;
}

/** Whether campaign c runs on day d (active status, within its dates). */
function campaignActive(w: World, c: number, d: number): boolean {
  const m = w.model;
  return m.campStatus[c] === 0 && m.campStart[c] <= d && (m.campEnd[c] === NULL_DAY || m.campEnd[c] >= d);
}

/**
 * "Where capacity allows", from the world's truth: each campaign's deliverable promoted impressions
 * on one flight day (0 when it does not run). A target (market, surface) of the campaign counts when
 * the world would let it be promoted whatever the job estimates: the licensor is active, the track
 * is not restricted in the market and is at least minTrackAgeDays old, and the key has organic
 * exposure. It can deliver the response at full boost (serve.ts, without noise), O · K · (1 − e^(−b/K))
 * with b = maxBoost − 1, but never more than its surface's promoted capacity (max promoted share ×
 * daily impressions). A campaign's capacity is the sum over those targets; other campaigns, the
 * licensor caps and the skip budget are ignored, so this is what the campaign could get at best.
 * With a skip tolerance τ, only targets whose true promoted skip rate is within their surface's
 * organic rate + τ count: what the campaign could get without any other row's slack in the skip
 * budget, i.e. without breaching the listener guardrail on its own.
 */
export function deliverableCapacity(w: World, truth: DayTruth, rules: DeliveryRules, skipTolerance = Infinity): Float64Array {
  const m = w.model;
  const out = new Float64Array(m.campaignIds.length);
  const restricted = new Set<number>();
  const nM = m.markets.length;
  for (let i = 0; i < m.restrictTrack.length; i++) restricted.add(m.restrictTrack[i] * nM + m.restrictMarket[i]);
  const b = rules.maxBoost - 1;
  const full = b > 0 ? SATURATION * (1 - Math.exp(-b / SATURATION)) : 0;
  for (let i = 0; i < m.targetCampaign.length; i++) {
    const c = m.targetCampaign[i];
    if (!Number.isFinite(m.campTarget[c]) || !campaignActive(w, c, truth.day)) continue;
    const t = m.campTrack[c];
    const mk = m.targetMarket[i];
    if (m.licensorStatus[m.trackLicensor[t]] !== 0 || restricted.has(t * nM + mk)) continue;
    if (truth.day - m.trackRelease[t] < rules.minTrackAgeDays) continue;
    const k = keyOf(w, t, mk, SAMPLE_SURFACES[m.targetSurface[i]]);
    if (k < 0 || !(truth.organic[k] > 0)) continue;
    if (truth.pSkip[k] > truth.meanSkip[w.group[k]] + skipTolerance) continue;
    out[c] += Math.min(truth.capacity[w.group[k]], truth.organic[k] * full);
  }
  return out;
}

/** Every policy's metrics ask the same of one day's truth: computed once per day and rules. */
const capacities = new WeakMap<DayTruth, Map<string, Float64Array>>();
function sharedCapacity(w: World, truth: DayTruth, rules: DeliveryRules, skipTolerance: number): Float64Array {
  let byRules = capacities.get(truth);
  if (!byRules) capacities.set(truth, (byRules = new Map()));
  const key = `${rules.maxBoost}|${rules.minTrackAgeDays}|${skipTolerance}`;
  let cap = byRules.get(key);
  if (!cap) byRules.set(key, (cap = deliverableCapacity(w, truth, rules, skipTolerance)));
  return cap;
}

/** A group-day counts for breaches once it served at least this many promoted impressions. */
const MIN_GROUP_PROMOTED = 1;

export class PolicyMetrics {
  incSaves = 0;
  incStreams = 0;
  revenue = 0;
  promoted = 0;
  promotedSkips = 0;
  organic = 0;
  organicSkips = 0;
  breaches = 0;
  groupDays = 0;
  capacityUsed = 0;
  capacity = 0;
  exploration = 0;
  jobFailures = 0;
  readonly campaignDelivered: Float64Array;
  /** per campaign: deliverable impressions summed over the flight days it runs */
  readonly campaignCapacity: Float64Array;
  /** the same, counting only targets within the listener guardrail */
  readonly campaignGuarded: Float64Array;
  readonly licensorDelivered: Float64Array;
  readonly daily: DayRecord[] = [];

  readonly name: string;
  private readonly w: World;

  private readonly rules: DeliveryRules;

  constructor(
    name: string,
    w: World,
    rules: DeliveryRules,
  ) {
    this.name = name;
    this.w = w;
    this.rules = rules;
    this.campaignDelivered = new Float64Array(w.model.campaignIds.length);
    this.campaignCapacity = new Float64Array(w.model.campaignIds.length);
    this.campaignGuarded = new Float64Array(w.model.campaignIds.length);
    this.licensorDelivered = new Float64Array(w.model.licensorIds.length);
  }

  /**
   * One served day. `rowIntent[r]` is row r's boost − 1 as served; a key's promoted impressions are
   * attributed to its rows (campaigns, licensors) in proportion.
   */
  addDay(truth: DayTruth, served: Served, rows: PublishedRows | null, rowIntent: Float64Array | null, tau: number, job: string, countBonus: boolean): DayRecord {
    const w = this.w;
    const cap = sharedCapacity(w, truth, this.rules, Infinity);
    const guarded = sharedCapacity(w, truth, this.rules, tau);
    for (let c = 0; c < cap.length; c++) {
      this.campaignCapacity[c] += cap[c];
      this.campaignGuarded[c] += guarded[c];
    }
    let incSaves = 0;
    let incStreams = 0;
    const gSkips = new Float64Array(w.nGroups);
    for (let i = 0; i < w.nKeys; i++) {
      const g = w.group[i];
      const p = served.promotedMean[i];
      this.organic += served.organicMean[i];
      this.organicSkips += served.organicMean[i] * truth.skip[i];
      if (!(p > 0)) continue;
      // each promoted impression displaces one of the surface's organic impressions, at its mean rates
      incSaves += p * (truth.pSave[i] - truth.meanSave[g]);
      incStreams += p * (truth.pStream[i] - truth.meanStream[g]);
      gSkips[g] += p * truth.pSkip[i];
    }
    let breaches = 0;
    let groupDays = 0;
    let promoted = 0;
    for (let g = 0; g < w.nGroups; g++) {
      const p = served.groupPromoted[g];
      promoted += p;
      this.promotedSkips += gSkips[g];
      this.capacity += truth.capacity[g];
      this.capacityUsed += p;
      if (p < MIN_GROUP_PROMOTED) continue;
      groupDays++;
      if (gSkips[g] / p > truth.meanSkip[g] + tau) breaches++;
    }
    let revenue = 0;
    if (rows && rowIntent) {
      const keyIntent = new Float64Array(w.nKeys);
      for (let r = 0; r < rows.n; r++) if (rowIntent[r] > 0 && rows.key[r] >= 0) keyIntent[rows.key[r]] += rowIntent[r];
      for (let r = 0; r < rows.n; r++) {
        const k = rows.key[r];
        if (!(rowIntent[r] > 0) || k < 0 || !(served.promotedMean[k] > 0)) continue;
        const p = (served.promotedMean[k] * rowIntent[r]) / keyIntent[k];
        const c = rows.campaign[r];
        if (c >= 0) {
          this.campaignDelivered[c] += p;
          revenue += p * truth.pStream[k] * w.model.campCommission[c];
        }
        if (rows.licensor[r] >= 0) this.licensorDelivered[rows.licensor[r]] += p;
        const bonus = rows.bonus[r];
        // the bonus steers only the job's own allocation; baselines decide without it
        if (countBonus && bonus > 0) this.exploration += p * bonus;
      }
    }
    this.incSaves += incSaves;
    this.incStreams += incStreams;
    this.revenue += revenue;
    this.promoted += promoted;
    this.breaches += breaches;
    this.groupDays += groupDays;
    if (job !== 'published' && job !== 'none') this.jobFailures++;
    const rec: DayRecord = {
      day: dateOf(truth.day),
      incremental_saves: round(incSaves),
      incremental_streams: round(incStreams),
      revenue: round(revenue),
      promoted_impressions: round(promoted),
      breaches,
      group_days: groupDays,
      job,
    };
    this.daily.push(rec);
    return rec;
  }

  summary(): PolicySummary {
    const w = this.w;
    const m = w.model;
    let targeted = 0;
    let allowed = 0;
    let within = 0;
    let under = 0;
    let over = 0;
    const ratios: number[] = [];
    let guarded = 0;
    let guardedWithin = 0;
    for (let c = 0; c < m.campaignIds.length; c++) {
      const target = m.campTarget[c];
      if (!(Number.isFinite(target) && target > 0)) continue;
      let active = 0;
      for (let t = 0; t < w.opts.days; t++) if (campaignActive(w, c, w.startDay + t)) active++;
      if (!active) continue;
      targeted++;
      // the delivery goal is judged only where the campaign's own rows could carry its target
      if (target * active > this.campaignCapacity[c]) continue;
      allowed++;
      const ratio = this.campaignDelivered[c] / (target * active);
      const onTarget = Math.abs(ratio - 1) <= 0.15;
      ratios.push(ratio);
      if (onTarget) within++;
      else if (ratio < 1) under++;
      else over++;
      if (target * active <= this.campaignGuarded[c]) {
        guarded++;
        if (onTarget) guardedWithin++;
      }
    }
    let total = 0;
    for (const v of this.licensorDelivered) total += v;
    let hhi = 0;
    if (total > 0) for (const v of this.licensorDelivered) hhi += (v / total) ** 2;
    return {
      incremental_saves: round(this.incSaves),
      incremental_streams: round(this.incStreams),
      revenue: round(this.revenue),
      promoted_skip_rate: rate(this.promoted > 0 ? this.promotedSkips / this.promoted : 0),
      organic_skip_rate: rate(this.organic > 0 ? this.organicSkips / this.organic : 0),
      breach_share: rate(this.groupDays > 0 ? this.breaches / this.groupDays : 0),
      paced_within_15pct: rate(allowed > 0 ? within / allowed : 0),
      licensor_hhi: rate(hhi),
      exploration_cost: round(this.exploration),
      promoted_impressions: round(this.promoted),
      capacity_use: rate(this.capacity > 0 ? this.capacityUsed / this.capacity : 0),
      breaches: this.breaches,
      group_days: this.groupDays,
      campaigns_with_target: targeted,
      campaigns_capacity_allows: allowed,
      campaigns_guardrail_allows: guarded,
      paced_within_15pct_guardrail_allows: rate(guarded > 0 ? guardedWithin / guarded : 0),
      campaigns_under_delivered: under,
      campaigns_over_delivered: over,
      delivery_ratio_median: rate(ratios.length ? quantile(ratios, 0.5) : 0),
      job_failures: this.jobFailures,
    };
  }
}

/** Totals to 0.01 and rates to 1e-6: enough for any comparison, and stable text for byte-equal runs. */
function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function rate(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
