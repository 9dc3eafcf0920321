-- Input gates on licensors, one row per offending licensor_id.
SELECT
  licensor_id,
  COUNT(*) AS row_count,
  COUNT(CASE WHEN licensor_id IS NULL THEN 1 END) AS null_licensor_id,
  COUNT(CASE WHEN status IS NULL OR status NOT IN ('active', 'suspended') THEN 1 END) AS bad_status
FROM {{licensors}}
GROUP BY licensor_id
HAVING COUNT(*) > 1
  OR COUNT(CASE WHEN licensor_id IS NULL THEN 1 END) > 0
  OR COUNT(CASE WHEN status IS NULL OR status NOT IN ('active', 'suspended') THEN 1 END) > 0
ORDER BY licensor_id
