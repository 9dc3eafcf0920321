-- candidates: one row per (campaign, targeted market, targeted surface) with its eligibility
-- inputs and engagement features; columns and order are the contract of src/scoring/features.ts.
-- Parameters: @as_of DATE, @window_days INT64 (engagement window [as_of - window_days, as_of)),
-- @forecast_days INT64 (impressions of [as_of - forecast_days, as_of): the forecast's basis),
-- @half_life_days FLOAT64 (recency weights of the window's counts, 0 = none),
-- @markets ARRAY<STRING> (empty = every market; a task's share of markets otherwise).
WITH targeted AS (
  SELECT
    c.campaign_id,
    c.track_id,
    c.licensor_id,
    t.market,
    t.surface,
    c.status,
    c.start_date,
    c.end_date,
    c.commission_rate,
    c.daily_impression_target
  FROM {{campaigns}} AS c
  JOIN {{campaign_targets}} AS t ON t.campaign_id = c.campaign_id
  WHERE ARRAY_LENGTH(@markets) = 0 OR t.market IN UNNEST(@markets)
),
-- one scan of the engagement window. Sums are FLOAT64 (exact below 2^53) so the embedded engine
-- never widens them to 128-bit integers; keys that are not candidates fall away in the LEFT JOIN
-- below, which was cheaper than a semi-join when most engagement belongs to candidates.
engagement AS (
  SELECT
    e.track_id,
    e.market,
    e.surface,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.impressions AS FLOAT64), 0)) AS impressions,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.streams AS FLOAT64), 0)) AS streams,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.skips AS FLOAT64), 0)) AS skips,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.saves AS FLOAT64), 0)) AS saves,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.completions AS FLOAT64), 0)) AS completions,
    SUM(IF(e.promoted AND e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.impressions AS FLOAT64), 0)) AS promoted_impressions,
    SUM(IF(e.promoted AND e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.streams AS FLOAT64), 0)) AS promoted_streams,
    SUM(IF(e.promoted AND e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.skips AS FLOAT64), 0)) AS promoted_skips,
    SUM(IF(e.promoted AND e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY), e.w * CAST(e.saves AS FLOAT64), 0)) AS promoted_saves,
    SUM(IF(e.event_date >= DATE_SUB(@as_of, INTERVAL 28 DAY), CAST(e.streams AS FLOAT64), 0)) AS streams_28d,
    SUM(IF(NOT e.promoted AND e.event_date >= DATE_SUB(@as_of, INTERVAL @forecast_days DAY), CAST(e.impressions AS FLOAT64), 0)) AS recent_impressions
  FROM (
    -- recency weight of the window's counts: yesterday 1, halved every @half_life_days days
    -- (0: every day of the window counts fully); the activity and forecast sums stay unweighted
    SELECT
      d.track_id, d.market, d.surface, d.event_date, d.promoted,
      d.impressions, d.streams, d.skips, d.saves, d.completions,
      IF(@half_life_days > 0, POW(0.5, (DATE_DIFF(@as_of, d.event_date, DAY) - 1) / @half_life_days), 1.0) AS w
    FROM {{engagement_daily}} AS d
    WHERE d.event_date >= DATE_SUB(@as_of, INTERVAL GREATEST(@window_days, 28, @forecast_days) DAY)
      AND d.event_date < @as_of
  ) AS e
  GROUP BY e.track_id, e.market, e.surface
),
-- pacing: each campaign's promoted impressions so far in its flight, over every one of its targets
-- (all markets, whatever @markets says: a campaign's pace is one number), since the later of its
-- start and the start of the engagement window
campaign_delivery AS (
  SELECT
    c.campaign_id,
    SUM(CAST(e.impressions AS FLOAT64)) AS delivered
  FROM {{campaigns}} AS c
  JOIN (SELECT DISTINCT campaign_id, market, surface FROM {{campaign_targets}}) AS t ON t.campaign_id = c.campaign_id
  JOIN {{engagement_daily}} AS e ON e.track_id = c.track_id AND e.market = t.market AND e.surface = t.surface
  WHERE c.daily_impression_target IS NOT NULL
    AND e.promoted
    AND e.event_date >= GREATEST(c.start_date, DATE_SUB(@as_of, INTERVAL @window_days DAY))
    AND e.event_date < @as_of
  GROUP BY c.campaign_id
),
-- pacing bounds: what all of a campaign's targets (every market, as above) played over the forecast
-- window, the basis its need is split on across rows and markets; restricted targets cannot carry any
campaign_reach AS (
  SELECT
    c.campaign_id,
    SUM(e.recent_impressions) AS reach
  FROM {{campaigns}} AS c
  JOIN (SELECT DISTINCT campaign_id, market, surface FROM {{campaign_targets}}) AS t ON t.campaign_id = c.campaign_id
  JOIN engagement AS e ON e.track_id = c.track_id AND e.market = t.market AND e.surface = t.surface
  LEFT JOIN (SELECT DISTINCT track_id, market FROM {{track_restrictions}}) AS x ON x.track_id = c.track_id AND x.market = t.market
  WHERE c.daily_impression_target IS NOT NULL
    AND x.track_id IS NULL
  GROUP BY c.campaign_id
),
market_activity AS (
  SELECT track_id, market, SUM(streams_28d) AS market_streams_28d
  FROM engagement
  GROUP BY track_id, market
),
restricted AS (
  SELECT DISTINCT track_id, market FROM {{track_restrictions}}
)
SELECT
  g.track_id,
  g.market,
  g.surface,
  g.campaign_id,
  g.licensor_id,
  CAST(IF(g.status = 'active' AND g.start_date <= @as_of AND (g.end_date IS NULL OR g.end_date >= @as_of), 1, 0) AS FLOAT64) AS campaign_active,
  CAST(IF(l.status = 'active', 1, 0) AS FLOAT64) AS licensor_active,
  CAST(IF(r.track_id IS NULL, 0, 1) AS FLOAT64) AS restricted,
  -- an unknown track or release date reads as -1 days old, which no age threshold admits
  CAST(COALESCE(DATE_DIFF(@as_of, tr.release_date, DAY), -1) AS FLOAT64) AS track_age_days,
  CAST(COALESCE(g.commission_rate, 0) AS FLOAT64) AS commission_rate,
  CAST(COALESCE(g.daily_impression_target, -1) AS FLOAT64) AS daily_impression_target,
  CAST(COALESCE(l.max_share, -1) AS FLOAT64) AS licensor_max_share,
  CAST(COALESCE(e.impressions, 0) AS FLOAT64) AS impressions,
  CAST(COALESCE(e.streams, 0) AS FLOAT64) AS streams,
  CAST(COALESCE(e.skips, 0) AS FLOAT64) AS skips,
  CAST(COALESCE(e.saves, 0) AS FLOAT64) AS saves,
  CAST(COALESCE(e.completions, 0) AS FLOAT64) AS completions,
  CAST(COALESCE(e.promoted_impressions, 0) AS FLOAT64) AS promoted_impressions,
  CAST(COALESCE(e.promoted_streams, 0) AS FLOAT64) AS promoted_streams,
  CAST(COALESCE(e.promoted_skips, 0) AS FLOAT64) AS promoted_skips,
  CAST(COALESCE(e.promoted_saves, 0) AS FLOAT64) AS promoted_saves,
  CAST(COALESCE(m.market_streams_28d, 0) AS FLOAT64) AS market_streams_28d,
  CAST(COALESCE(e.recent_impressions, 0) AS FLOAT64) AS recent_impressions,
  CAST(COALESCE(d.delivered, 0) AS FLOAT64) AS campaign_delivered,
  -- the target times the days of the flight counted above; -1 without a target
  CAST(IF(g.daily_impression_target IS NULL, -1,
    g.daily_impression_target * GREATEST(0, DATE_DIFF(@as_of, GREATEST(g.start_date, DATE_SUB(@as_of, INTERVAL @window_days DAY)), DAY))) AS FLOAT64) AS campaign_expected,
  CAST(COALESCE(cr.reach, 0) AS FLOAT64) AS campaign_reach
FROM targeted AS g
LEFT JOIN {{licensors}} AS l ON l.licensor_id = g.licensor_id
LEFT JOIN {{tracks}} AS tr ON tr.track_id = g.track_id
LEFT JOIN restricted AS r ON r.track_id = g.track_id AND r.market = g.market
LEFT JOIN engagement AS e ON e.track_id = g.track_id AND e.market = g.market AND e.surface = g.surface
LEFT JOIN campaign_delivery AS d ON d.campaign_id = g.campaign_id
LEFT JOIN campaign_reach AS cr ON cr.campaign_id = g.campaign_id
LEFT JOIN market_activity AS m ON m.track_id = g.track_id AND m.market = g.market
ORDER BY g.market, g.surface, g.track_id, g.campaign_id
