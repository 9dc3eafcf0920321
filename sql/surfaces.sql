-- surfaces: one row per (market, surface) of surface_capacity with its organic skip and save rates over
-- the engagement window; columns and order are the contract of src/scoring/features.ts.
-- Parameters: @as_of DATE, @window_days INT64, @markets ARRAY<STRING> (empty = every market).
WITH organic AS (
  SELECT
    e.market,
    e.surface,
    SUM(e.impressions) AS organic_impressions,
    SUM(e.skips) AS organic_skips,
    SUM(e.saves) AS organic_saves
  FROM {{engagement_daily}} AS e
  WHERE NOT e.promoted
    AND e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY)
    AND e.event_date < @as_of
  GROUP BY e.market, e.surface
)
SELECT
  s.market,
  s.surface,
  CAST(s.daily_impressions AS FLOAT64) AS daily_impressions,
  CAST(s.max_promoted_share AS FLOAT64) AS max_promoted_share,
  CAST(COALESCE(o.organic_impressions, 0) AS FLOAT64) AS organic_impressions,
  CAST(COALESCE(o.organic_skips, 0) AS FLOAT64) AS organic_skips,
  CAST(COALESCE(o.organic_saves, 0) AS FLOAT64) AS organic_saves
FROM {{surface_capacity}} AS s
LEFT JOIN organic AS o ON o.market = s.market AND o.surface = s.surface
WHERE ARRAY_LENGTH(@markets) = 0 OR s.market IN UNNEST(@markets)
ORDER BY s.market, s.surface
