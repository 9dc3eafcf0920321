-- replay_outcomes: the logged engagement of one replay horizon, per (day, track, market, surface, promoted),
-- for `promoscore replay` (docs/evaluation.md, "Replay"). The horizon is [as_of - window_days, as_of):
-- the caller binds @as_of to the day after the horizon and @window_days to its length, so the query
-- takes the feature queries' own parameters. `day` is the offset in the horizon, `promoted` 0 or 1.
-- Parameters: @as_of DATE, @window_days INT64, @markets ARRAY<STRING> (empty = every market).
SELECT
  CAST(DATE_DIFF(e.event_date, DATE_SUB(@as_of, INTERVAL @window_days DAY), DAY) AS FLOAT64) AS day,
  e.track_id,
  e.market,
  e.surface,
  CAST(IF(e.promoted, 1, 0) AS FLOAT64) AS promoted,
  CAST(SUM(e.impressions) AS FLOAT64) AS impressions,
  CAST(SUM(e.saves) AS FLOAT64) AS saves
FROM {{engagement_daily}} AS e
WHERE e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY)
  AND e.event_date < @as_of
  AND (ARRAY_LENGTH(@markets) = 0 OR e.market IN UNNEST(@markets))
GROUP BY e.event_date, e.track_id, e.market, e.surface, e.promoted
ORDER BY day, e.market, e.surface, e.track_id, promoted
