-- Input gates on tracks, one row per offending track_id.
SELECT
  track_id,
  COUNT(*) AS row_count,
  COUNT(CASE WHEN track_id IS NULL THEN 1 END) AS null_track_id,
  COUNT(CASE WHEN licensor_id IS NULL THEN 1 END) AS null_licensor_id
FROM {{tracks}}
GROUP BY track_id
HAVING COUNT(*) > 1
  OR COUNT(CASE WHEN track_id IS NULL OR licensor_id IS NULL THEN 1 END) > 0
ORDER BY track_id
