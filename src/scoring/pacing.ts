/**
 * Campaign pacing as bounds of the allocation LP (docs/scoring.md, "Pacing"). Per campaign with a
 * daily target T, from its delivery so far D against T × elapsed days E·T (sql/candidates.sql, all
 * its targets in every market), today's need is
 *
 *     N = clamp(T + (E·T − D) / catch_up_days, 0, (1 + max_catch_up) · T)
 *
 * Each market is its own LP while a campaign may span markets, so N is split over the campaign's
 * rows (and so its markets) in proportion to their headroom: with R = reach / F · (max_boost − 1) the
 * headroom of all its targets (campaign_reach, every market), a row's share of N is its headroom
 * × N / R. That split needs no other row of the run, so a task that scores some markets bounds
 * them exactly as a run over every market would. Per row, as shares of its headroom:
 *
 *   cap   = min(1, (1 + upper_slack) · N / R)   hard: the campaign never takes more than its need
 *   floor = N / R when N ≤ R, else 0             soft: each impression short of it costs shortfall_penalty
 *
 * A campaign whose rows cannot carry its need (N > R) gets no floor: it could not be paced, and a
 * bonus for it would only move capacity from rows worth more.
 */
import { Reason } from './reasons.ts';

export interface PacingInput {
  daily_impression_target: Float64Array;
  campaign_expected: Float64Array;
  campaign_delivered: Float64Array;
  campaign_reach: Float64Array;
  /** per row, from the kernel: eligible rows have upper > 0 */
  upper: Float64Array;
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
  for (let r = 0; r < n; r++) {
    const target = input.daily_impression_target[r];
    if (!(target > 0)) continue;
    const expected = Math.max(0, input.campaign_expected[r]);
    const gap = expected - input.campaign_delivered[r];
    const nr = Math.min(Math.max(target + gap / k.catchUpDays, 0), (1 + k.maxCatchUp) * target);
    need[r] = nr;
    if (!(input.upper[r] > 0)) continue;
    if (expected > 0 && gap > 0) reason[r] |= Reason.PACING_BEHIND;
    else if (expected > 0 && gap < 0) reason[r] |= Reason.PACING_AHEAD;
    const reach = (input.campaign_reach[r] / k.forecastDays) * room;
    if (!(reach > 0)) continue;
    cap[r] = Math.min(1, ((1 + k.upperSlack) * nr) / reach);
    if (k.shortfallPenalty > 0 && nr <= reach) floor[r] = Math.min(cap[r], nr / reach);
  }
  return { need, cap, floor, reason, penalty: k.shortfallPenalty };
}
