/**
 * The feature contract between the warehouse (sql/candidates.sql, sql/surfaces.sql) and the scoring
 * stage. Numeric columns are DOUBLE so the embedded engine can hand them over as raw Float64Arrays;
 * "none" is encoded as -1 where a column is nullable in the source tables.
 */

/** One row per (campaign, targeted market, targeted surface); ordered by market, surface, track_id, campaign_id. */
export const CANDIDATE_STRING_COLUMNS = ['track_id', 'market', 'surface', 'campaign_id', 'licensor_id'] as const;

export const CANDIDATE_NUMERIC_COLUMNS = [
  /** 1 when status = 'active' and start_date <= as_of <= end_date */
  'campaign_active',
  /** 1 when licensors.status = 'active' */
  'licensor_active',
  /** 1 when track_restrictions has (track_id, market) */
  'restricted',
  /** days between tracks.release_date and as_of (may be negative for future releases) */
  'track_age_days',
  'commission_rate',
  /** campaigns.daily_impression_target, -1 when NULL */
  'daily_impression_target',
  /** licensors.max_share, -1 when NULL */
  'licensor_max_share',
  // engagement of (track, market, surface) over the window [as_of - window_days, as_of), all traffic
  'impressions',
  'streams',
  'skips',
  'saves',
  'completions',
  // the promoted part of the same window
  'promoted_impressions',
  'promoted_streams',
  'promoted_skips',
  'promoted_saves',
  /** streams of the track in the market over the last 28 days, all surfaces (activity eligibility) */
  'market_streams_28d',
  /** impressions over the last engagement.forecast_days days (daily forecast = recent_impressions / forecast_days) */
  'recent_impressions',
  /** promoted impressions of the campaign so far in its flight, all its rows in every market (pacing) */
  'campaign_delivered',
  /** daily_impression_target x days of its flight so far (both since max(start_date, as_of - window_days)); -1 without a target */
  'campaign_expected',
  /** impressions of every target of the campaign (all markets, restricted ones left out) over the forecast window; 0 without a target */
  'campaign_reach',
] as const;

export type CandidateStringColumn = (typeof CANDIDATE_STRING_COLUMNS)[number];
export type CandidateNumericColumn = (typeof CANDIDATE_NUMERIC_COLUMNS)[number];

/** One row per (market, surface) of surface_capacity; ordered by market, surface. */
export const SURFACE_STRING_COLUMNS = ['market', 'surface'] as const;
export const SURFACE_NUMERIC_COLUMNS = [
  'daily_impressions',
  'max_promoted_share',
  /** organic (non-promoted) impressions and skips of every track in (market, surface) over the window: the skip baseline */
  'organic_impressions',
  'organic_skips',
  /** organic saves of the same traffic: the save rate of the organic impression a promoted one displaces */
  'organic_saves',
] as const;
export type SurfaceNumericColumn = (typeof SURFACE_NUMERIC_COLUMNS)[number];

export const SURFACES = ['radio', 'autoplay', 'mix'] as const;
export type Surface = (typeof SURFACES)[number];
