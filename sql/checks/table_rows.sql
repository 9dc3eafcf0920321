-- Input gate "empty_table": row count of every contract table.
SELECT 'campaigns' AS table_name, COUNT(*) AS row_count FROM {{campaigns}}
UNION ALL SELECT 'campaign_targets', COUNT(*) FROM {{campaign_targets}}
UNION ALL SELECT 'tracks', COUNT(*) FROM {{tracks}}
UNION ALL SELECT 'track_restrictions', COUNT(*) FROM {{track_restrictions}}
UNION ALL SELECT 'licensors', COUNT(*) FROM {{licensors}}
UNION ALL SELECT 'engagement_daily', COUNT(*) FROM {{engagement_daily}}
UNION ALL SELECT 'surface_capacity', COUNT(*) FROM {{surface_capacity}}
