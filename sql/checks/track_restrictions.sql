-- Input gate on track_restrictions: rows with a NULL key never match a track, so they are counted.
SELECT
  COUNT(CASE WHEN track_id IS NULL OR market IS NULL THEN 1 END) AS null_key
FROM {{track_restrictions}}
