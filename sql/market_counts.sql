-- market_counts: candidate rows per market (targets of existing campaigns), the weights by which a
-- sharded run bin-packs markets into tasks. Cheap: it reads only campaigns and campaign_targets.
-- Parameters: none.
SELECT
  t.market,
  CAST(COUNT(*) AS FLOAT64) AS candidate_rows
FROM {{campaign_targets}} AS t
JOIN {{campaigns}} AS c ON c.campaign_id = t.campaign_id
GROUP BY t.market
ORDER BY t.market
