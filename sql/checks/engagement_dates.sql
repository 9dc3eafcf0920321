-- Input gates "freshness" and "future_dates" on engagement_daily: is the day before the as-of date
-- there, and does any event claim a date after today?
SELECT
  COUNT(CASE WHEN event_date >= @fresh_from AND event_date < @as_of THEN 1 END) AS fresh_rows,
  COUNT(CASE WHEN event_date > @today THEN 1 END) AS future_rows,
  COUNT(CASE WHEN event_date IS NULL THEN 1 END) AS null_dates,
  CAST(MAX(CASE WHEN event_date < @as_of THEN event_date END) AS STRING) AS latest_before_as_of,
  CAST(MAX(event_date) AS STRING) AS latest
FROM {{engagement_daily}}
