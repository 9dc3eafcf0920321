/**
 * The seven contract tables of the feature dataset (DESIGN.md, "Contracts") as the schema gate sees
 * them: column name -> logical type. Extra columns are allowed; missing ones and wrong types are not.
 */
export type LogicalType = 'STRING' | 'DATE' | 'INT64' | 'FLOAT64' | 'BOOL';

export const SOURCE_TABLES: Record<string, Record<string, LogicalType>> = {
  campaigns: {
    campaign_id: 'STRING',
    track_id: 'STRING',
    licensor_id: 'STRING',
    start_date: 'DATE',
    end_date: 'DATE',
    status: 'STRING',
    commission_rate: 'FLOAT64',
    daily_impression_target: 'INT64',
  },
  campaign_targets: { campaign_id: 'STRING', market: 'STRING', surface: 'STRING' },
  tracks: { track_id: 'STRING', artist_id: 'STRING', licensor_id: 'STRING', release_date: 'DATE', explicit: 'BOOL' },
  track_restrictions: { track_id: 'STRING', market: 'STRING', reason: 'STRING' },
  licensors: { licensor_id: 'STRING', status: 'STRING', max_share: 'FLOAT64' },
  engagement_daily: {
    event_date: 'DATE',
    track_id: 'STRING',
    market: 'STRING',
    surface: 'STRING',
    promoted: 'BOOL',
    impressions: 'INT64',
    streams: 'INT64',
    skips: 'INT64',
    saves: 'INT64',
    completions: 'INT64',
  },
  surface_capacity: { market: 'STRING', surface: 'STRING', daily_impressions: 'INT64', max_promoted_share: 'FLOAT64' },
};

export const SOURCE_TABLE_NAMES = Object.keys(SOURCE_TABLES);

/** Tables that may legitimately be empty (no track is restricted anywhere). */
export const MAY_BE_EMPTY = new Set(['track_restrictions']);
