/**
 * Campaign pacing as bounds of the allocation LP (docs/scoring.md, "Pacing"). Per campaign with a
 * daily target T, from its delivery so far D against T × elapsed days E·T (sql/candidates.sql, all
 * its targets in every market), today's need is
 *
 *     N = clamp(T + (E·T − D) / catch_up_days, 0, (1 + max_catch_up) · T)
 *
 * Each market is its own LP while a campaign may span markets, so N is split over the campaign's
 * markets in proportion to their headroom: with R = reach / F · (max_boost − 1) the headroom of all
 * its targets (campaign_reach, every market), market m's part is P_m = N · h_m / R, h_m the headroom
 * of the campaign's rows in m. That split needs no other market, so a task that scores some markets
 * bounds them exactly as a run over every market would. Within a market the part goes first to the
 * rows that can take a floor, those eligible and within the skip budget by their own pessimistic
 * estimate (skip_excess ≤ 0, as the holdout's candidates), holding H_m of headroom; the rest of the
 * part, if any, to the others. Per row, as shares of its headroom:
 *
 *   floorable:  cap = min(1, (1 + upper_slack) · P_m / H_m)         floor = min(1, P_m / H_m)
 *   the others: cap = min(1, (1 + upper_slack) · max(0, P_m − H_m) / (h_m − H_m))    no floor
 *
 * The cap is hard (the campaign never takes more than its need), the floor soft (each impression
 * short of it costs shortfall_penalty). A floor on a row over the skip budget would spend the slack
 * of other rows on the campaign, and that pushed surfaces over the guardrail in the simulator.
 * Whether a campaign can be paced at all is judged on its daily target: one whose rows cannot carry
 * even T (T > R) gets no floor (a bonus for it would only move capacity from rows worth more), while
 * one that fell behind and needs more than its rows carry today is floored at all of its headroom.
 */
import { Reason } from './reasons.ts';

export interface PacingInput {
  daily_impression_target: Float64Array;
  campaign_expected: Float64Array;
  campaign_delivered: Float64Array;
  campaign_reach: Float64Array;
  /** per row: its campaign and its market, as interned ids */
  campaign: Int32Array;
  market: Int32Array;
  /** per row, from the kernel: eligible rows have upper > 0, headroom = forecast × (max_boost − 1) */
  upper: Float64Array;
  headroom: Float64Array;
  /** per row, from the kernel: pessimistic promoted skip rate over the surface's baseline + tolerance */
  skipExcess: Float64Array;
  reason: Uint32Array;
}

export interface PacingConstants {
  forecastDays: number;
  maxBoost: number;
  catchUpDays: number;
  maxCatchUp: number;
  upperSlack: number;
  shortfallPenalty: number;
}

export interface PacingBounds {
  /** today's need of the row's campaign, impressions over all its rows (-1 without a target, as the SQL's columns) */
  need: Float64Array;
  /** largest share of the row's headroom its campaign's bound allows (1: unbounded) */
  cap: Float64Array;
  /** share of the row's headroom that counts toward the campaign's soft lower bound (0: none) */
  floor: Float64Array;
  /** the kernel's reason bits plus PACING_BEHIND / PACING_AHEAD on eligible rows */
  reason: Uint32Array;
  penalty: number;
}

export function pacingBounds(input: PacingInput, k: PacingConstants): PacingBounds {
  const n = input.upper.length;
  const need = new Float64Array(n).fill(-1);
  const cap = new Float64Array(n).fill(1);
  const floor = new Float64Array(n);
  const reason = Uint32Array.from(input.reason);
  const room = k.maxBoost - 1;
  // per row: its campaign's headroom R (0: not bounded) and whether it takes a floor
  const reach = new Float64Array(n);
  const floorable = new Uint8Array(n);
  // per (campaign, market): headroom of all its rows, and of the floorable ones
  const slot = new Int32Array(n).fill(-1);
  const slots = new Map<number, number>();
  let markets = 0;
  for (let r = 0; r < n; r++) if (input.market[r] >= markets) markets = input.market[r] + 1;
  const all: number[] = [];
  const held: number[] = [];
  for (let r = 0; r < n; r++) {
    const target = input.daily_impression_target[r];
    if (!(target > 0)) continue;
    const expected = Math.max(0, input.campaign_expected[r]);
    const gap = expected - input.campaign_delivered[r];
    need[r] = Math.min(Math.max(target + gap / k.catchUpDays, 0), (1 + k.maxCatchUp) * target);
    const eligible = input.upper[r] > 0;
    if (eligible && expected > 0 && gap > 0) reason[r] |= Reason.PACING_BEHIND;
    else if (eligible && expected > 0 && gap < 0) reason[r] |= Reason.PACING_AHEAD;
    reach[r] = (input.campaign_reach[r] / k.forecastDays) * room;
    // every row the SQL's reach counts (restricted ones are left out there) holds its market's part
    if (!(reach[r] > 0) || (reason[r] & Reason.RESTRICTED) !== 0) continue;
    floorable[r] = eligible && k.shortfallPenalty > 0 && target <= reach[r] && input.skipExcess[r] <= 0 ? 1 : 0;
    const key = input.campaign[r] * markets + input.market[r];
    let s = slots.get(key);
    if (s === undefined) {
      s = all.length;
      slots.set(key, s);
      all.push(0);
      held.push(0);
    }
    slot[r] = s;
    all[s] += input.headroom[r];
    if (floorable[r]) held[s] += input.headroom[r];
  }
  for (let r = 0; r < n; r++) {
    const s = slot[r];
    if (s < 0 || !(input.upper[r] > 0)) continue;
    const part = (need[r] * all[s]) / reach[r];
    if (floorable[r]) {
      cap[r] = Math.min(1, ((1 + k.upperSlack) * part) / held[s]);
      floor[r] = Math.min(1, part / held[s]);
    } else {
      const rest = Math.max(0, part - held[s]);
      const others = all[s] - held[s];
      cap[r] = others > 0 ? Math.min(1, ((1 + k.upperSlack) * rest) / others) : 0;
    }
  }
  return { need, cap, floor, reason, penalty: k.shortfallPenalty };
}
