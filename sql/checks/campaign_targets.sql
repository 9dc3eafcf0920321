-- Input gates on campaign_targets, one row per offending (campaign_id, market, surface).
SELECT
  campaign_id,
  market,
  surface,
  COUNT(*) AS row_count,
  COUNT(CASE WHEN campaign_id IS NULL OR market IS NULL OR surface IS NULL THEN 1 END) AS null_key
FROM {{campaign_targets}}
GROUP BY campaign_id, market, surface
HAVING COUNT(*) > 1
  OR COUNT(CASE WHEN campaign_id IS NULL OR market IS NULL OR surface IS NULL THEN 1 END) > 0
ORDER BY campaign_id, market, surface
