/**
 * The `reason` column: a uint32 bitmask saying why a row got the boost it got. Bits are part of the
 * snapshot format: add new ones at the end, never renumber.
 */
export const Reason = {
  CAMPAIGN_INACTIVE: 1 << 0,
  LICENSOR_INACTIVE: 1 << 1,
  RESTRICTED: 1 << 2,
  TRACK_TOO_NEW: 1 << 3,
  LOW_ACTIVITY: 1 << 4,
  NO_CAPACITY: 1 << 5,
  NO_FORECAST: 1 << 6,
  GUARDRAIL: 1 << 7,
  NO_VALUE: 1 << 8,
  EXPLORATION_BONUS: 1 << 9,
  PACING_BEHIND: 1 << 10,
  PACING_AHEAD: 1 << 11,
  SURFACE_CAP_BINDING: 1 << 12,
  LICENSOR_CAP_BINDING: 1 << 13,
  SKIP_BUDGET_BINDING: 1 << 14,
  FULL_BOOST: 1 << 15,
  PARTIAL_BOOST: 1 << 16,
  NOT_ALLOCATED: 1 << 17,
  HOLDOUT: 1 << 18,
} as const;
export type ReasonName = keyof typeof Reason;

/** Bits that make a row ineligible: its upper bound is 0. */
export const INELIGIBLE_MASK =
  Reason.CAMPAIGN_INACTIVE |
  Reason.LICENSOR_INACTIVE |
  Reason.RESTRICTED |
  Reason.TRACK_TOO_NEW |
  Reason.LOW_ACTIVITY |
  Reason.NO_CAPACITY |
  Reason.NO_FORECAST |
  Reason.GUARDRAIL;

export const REASON_DESCRIPTIONS: Record<ReasonName, string> = {
  CAMPAIGN_INACTIVE: 'the campaign is not active on the as-of date (paused, ended, or outside its dates)',
  LICENSOR_INACTIVE: 'the licensor is not active (suspended)',
  RESTRICTED: 'the track is restricted in this market',
  TRACK_TOO_NEW: 'the track was released too recently (minimum track age in the scoring spec)',
  LOW_ACTIVITY: 'the track has too few streams in this market over the last 28 days',
  NO_CAPACITY: 'this market and surface has no promoted capacity (no surface_capacity row, or a zero share)',
  NO_FORECAST: 'no impressions are forecast for this row (none in the last engagement.forecast_days days), so a boost would do nothing',
  GUARDRAIL: 'the pessimistic skip rate is above the hard skip limit: listeners skip it too often',
  NO_VALUE: 'its value per impression is not positive (low saves or high skips outweigh the commission)',
  EXPLORATION_BONUS: 'it received an exploration bonus: its save rate is uncertain, and its surface\'s exploration budget had room',
  PACING_BEHIND: 'the campaign is behind its delivery target so far in its flight: today it needs more than its daily target',
  PACING_AHEAD: 'the campaign is ahead of its delivery target so far in its flight: today it may take less than its daily target',
  SURFACE_CAP_BINDING: "the surface's promoted capacity is used up and held this row back",
  LICENSOR_CAP_BINDING: "the licensor's share cap in this market is used up and held this row back",
  SKIP_BUDGET_BINDING: "the surface's skip budget (organic skip rate + tolerance) is used up and held this row back",
  FULL_BOOST: 'it received the full boost',
  PARTIAL_BOOST: 'it received part of the boost',
  NOT_ALLOCATED: 'it was eligible but other rows were worth more per impression of scarce capacity',
  HOLDOUT: 'in the randomized holdout: its boost was drawn (1 or the maximum, even odds), not decided by the allocation',
};

export const REASON_NAMES = Object.keys(Reason) as ReasonName[];

/** The names of the bits set in mask, in bit order. */
export function reasonNames(mask: number): ReasonName[] {
  return REASON_NAMES.filter((name) => (mask & Reason[name]) !== 0);
}

export function describeReasons(mask: number): { name: ReasonName; description: string }[] {
  return reasonNames(mask).map((name) => ({ name, description: REASON_DESCRIPTIONS[name] }));
}
