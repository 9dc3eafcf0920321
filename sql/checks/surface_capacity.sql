-- Input gates on surface_capacity, one row per offending (market, surface).
SELECT
  market,
  surface,
  COUNT(*) AS row_count,
  COUNT(CASE WHEN market IS NULL OR surface IS NULL THEN 1 END) AS null_key,
  COUNT(CASE WHEN daily_impressions IS NULL OR daily_impressions < 0 THEN 1 END) AS bad_daily_impressions
FROM {{surface_capacity}}
GROUP BY market, surface
HAVING COUNT(*) > 1
  OR COUNT(CASE WHEN market IS NULL OR surface IS NULL THEN 1 END) > 0
  OR COUNT(CASE WHEN daily_impressions IS NULL OR daily_impressions < 0 THEN 1 END) > 0
ORDER BY market, surface
