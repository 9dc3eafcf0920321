-- replay_outcomes: the logged engagement of one replay horizon for `promoscore replay` (docs/evaluation.md,
-- "Replay"): promoted rows per (day, track, market, surface), organic rows summed per (day, market,
-- surface) with an empty track_id (the replay needs only each surface's organic save rate, and the
-- organic rows are most of the table). The horizon is [as_of - window_days, as_of): the caller binds
-- @as_of to the day after the horizon and @window_days to its length, so the query takes the feature
-- queries' own parameters. `day` is the offset in the horizon, `promoted` 0 or 1.
-- Parameters: @as_of DATE, @window_days INT64, @markets ARRAY<STRING> (empty = every market).
SELECT
  x.day,
  x.track_id,
  x.market,
  x.surface,
  x.promoted,
  CAST(SUM(x.impressions) AS FLOAT64) AS impressions,
  CAST(SUM(x.saves) AS FLOAT64) AS saves
FROM (
  SELECT
    CAST(DATE_DIFF(e.event_date, DATE_SUB(@as_of, INTERVAL @window_days DAY), DAY) AS FLOAT64) AS day,
    IF(e.promoted, e.track_id, '') AS track_id,
    e.market,
    e.surface,
    CAST(IF(e.promoted, 1, 0) AS FLOAT64) AS promoted,
    e.impressions,
    e.saves
  FROM {{engagement_daily}} AS e
  WHERE e.event_date >= DATE_SUB(@as_of, INTERVAL @window_days DAY)
    AND e.event_date < @as_of
    AND (ARRAY_LENGTH(@markets) = 0 OR e.market IN UNNEST(@markets))
) AS x
GROUP BY x.day, x.track_id, x.market, x.surface, x.promoted
ORDER BY x.day, x.market, x.surface, x.track_id, x.promoted
