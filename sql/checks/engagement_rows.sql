-- Input gates on engagement_daily rows inside the checked window [@window_start, @as_of), one row
-- per offending (track_id, market): the features of every surface of a track in a market share
-- market_streams_28d, so a bad row taints them all.
SELECT
  track_id,
  market,
  COUNT(CASE WHEN track_id IS NULL OR market IS NULL OR surface IS NULL OR promoted IS NULL THEN 1 END) AS null_key,
  COUNT(CASE WHEN impressions IS NULL OR impressions < 0 THEN 1 END) AS bad_impressions,
  COUNT(CASE WHEN streams IS NULL OR streams < 0 THEN 1 END) AS bad_streams,
  COUNT(CASE WHEN skips IS NULL OR skips < 0 THEN 1 END) AS bad_skips,
  COUNT(CASE WHEN saves IS NULL OR saves < 0 THEN 1 END) AS bad_saves,
  COUNT(CASE WHEN completions IS NULL OR completions < 0 THEN 1 END) AS bad_completions,
  COUNT(CASE WHEN skips > impressions THEN 1 END) AS skips_over_impressions,
  COUNT(CASE WHEN saves > streams THEN 1 END) AS saves_over_streams,
  COUNT(CASE WHEN completions > streams THEN 1 END) AS completions_over_streams
FROM {{engagement_daily}}
WHERE event_date >= @window_start
  AND event_date < @as_of
  AND (
    track_id IS NULL OR market IS NULL OR surface IS NULL OR promoted IS NULL
    OR impressions IS NULL OR streams IS NULL OR skips IS NULL OR saves IS NULL OR completions IS NULL
    OR impressions < 0 OR streams < 0 OR skips < 0 OR saves < 0 OR completions < 0
    OR skips > impressions OR saves > streams OR completions > streams
  )
GROUP BY track_id, market
ORDER BY track_id, market
