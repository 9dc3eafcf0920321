-- Input gates on campaigns, one row per offending campaign_id (a NULL campaign_id is one group).
-- A NULL end_date is an open-ended campaign. Counts are COUNT(CASE WHEN rule THEN 1 END): an INT64 on BigQuery and a BIGINT on DuckDB.
SELECT
  campaign_id,
  COUNT(*) AS row_count,
  COUNT(CASE WHEN campaign_id IS NULL THEN 1 END) AS null_campaign_id,
  COUNT(CASE WHEN track_id IS NULL THEN 1 END) AS null_track_id,
  COUNT(CASE WHEN licensor_id IS NULL THEN 1 END) AS null_licensor_id,
  COUNT(CASE WHEN daily_impression_target < 0 THEN 1 END) AS negative_daily_impression_target,
  COUNT(CASE WHEN start_date IS NULL OR end_date < start_date THEN 1 END) AS bad_date_range,
  COUNT(CASE WHEN status IS NULL OR status NOT IN ('active', 'paused', 'ended') THEN 1 END) AS bad_status
FROM {{campaigns}}
GROUP BY campaign_id
HAVING COUNT(*) > 1
  OR COUNT(CASE WHEN campaign_id IS NULL OR track_id IS NULL OR licensor_id IS NULL THEN 1 END) > 0
  OR COUNT(CASE WHEN daily_impression_target < 0 THEN 1 END) > 0
  OR COUNT(CASE WHEN start_date IS NULL OR end_date < start_date THEN 1 END) > 0
  OR COUNT(CASE WHEN status IS NULL OR status NOT IN ('active', 'paused', 'ended') THEN 1 END) > 0
ORDER BY campaign_id
