-- Input gate "oversized_keys" before extraction: the longest id of every id column, in characters.
-- Reading the ids also makes the engine decode every one of them, so undecodable text (bytes that
-- are not UTF-8) is found here, naming the table, before any feature query runs.
SELECT 'campaigns' AS table_name, 'campaign_id' AS column_name, MAX(LENGTH(campaign_id)) AS max_length FROM {{campaigns}}
UNION ALL SELECT 'campaigns', 'track_id', MAX(LENGTH(track_id)) FROM {{campaigns}}
UNION ALL SELECT 'campaigns', 'licensor_id', MAX(LENGTH(licensor_id)) FROM {{campaigns}}
UNION ALL SELECT 'campaign_targets', 'campaign_id', MAX(LENGTH(campaign_id)) FROM {{campaign_targets}}
UNION ALL SELECT 'campaign_targets', 'market', MAX(LENGTH(market)) FROM {{campaign_targets}}
UNION ALL SELECT 'campaign_targets', 'surface', MAX(LENGTH(surface)) FROM {{campaign_targets}}
UNION ALL SELECT 'tracks', 'track_id', MAX(LENGTH(track_id)) FROM {{tracks}}
UNION ALL SELECT 'tracks', 'licensor_id', MAX(LENGTH(licensor_id)) FROM {{tracks}}
UNION ALL SELECT 'track_restrictions', 'track_id', MAX(LENGTH(track_id)) FROM {{track_restrictions}}
UNION ALL SELECT 'licensors', 'licensor_id', MAX(LENGTH(licensor_id)) FROM {{licensors}}
UNION ALL SELECT 'surface_capacity', 'market', MAX(LENGTH(market)) FROM {{surface_capacity}}
UNION ALL SELECT 'surface_capacity', 'surface', MAX(LENGTH(surface)) FROM {{surface_capacity}}
