/**
 * The feature dataset's seven contract tables (docs/architecture.md, "Contracts"), with their GoogleSQL
 * column types. Adapters check inputs against this before running a query, the sample generator
 * writes exactly these columns, and input fingerprints hash exactly these columns in this order.
 */
export type ContractType = 'STRING' | 'DATE' | 'FLOAT64' | 'INT64' | 'BOOL';

export interface ContractColumn {
  name: string;
  type: ContractType;
  nullable: boolean;
}

export interface ContractTable {
  name: string;
  columns: readonly ContractColumn[];
}

const col = (name: string, type: ContractType, nullable = false): ContractColumn => ({ name, type, nullable });

export const CONTRACT_TABLES: readonly ContractTable[] = [
  {
    name: 'campaigns',
    columns: [
      col('campaign_id', 'STRING'),
      col('track_id', 'STRING'),
      col('licensor_id', 'STRING'),
      col('start_date', 'DATE'),
      col('end_date', 'DATE', true),
      col('status', 'STRING'),
      col('commission_rate', 'FLOAT64'),
      col('daily_impression_target', 'INT64', true),
    ],
  },
  {
    name: 'campaign_targets',
    columns: [col('campaign_id', 'STRING'), col('market', 'STRING'), col('surface', 'STRING')],
  },
  {
    name: 'tracks',
    columns: [
      col('track_id', 'STRING'),
      col('artist_id', 'STRING'),
      col('licensor_id', 'STRING'),
      col('release_date', 'DATE'),
      col('explicit', 'BOOL'),
    ],
  },
  {
    name: 'track_restrictions',
    columns: [col('track_id', 'STRING'), col('market', 'STRING'), col('reason', 'STRING')],
  },
  {
    name: 'licensors',
    columns: [col('licensor_id', 'STRING'), col('status', 'STRING'), col('max_share', 'FLOAT64', true)],
  },
  {
    name: 'engagement_daily',
    columns: [
      col('event_date', 'DATE'),
      col('track_id', 'STRING'),
      col('market', 'STRING'),
      col('surface', 'STRING'),
      col('promoted', 'BOOL'),
      col('impressions', 'INT64'),
      col('streams', 'INT64'),
      col('skips', 'INT64'),
      col('saves', 'INT64'),
      col('completions', 'INT64'),
    ],
  },
  {
    name: 'surface_capacity',
    columns: [
      col('market', 'STRING'),
      col('surface', 'STRING'),
      col('daily_impressions', 'INT64'),
      col('max_promoted_share', 'FLOAT64'),
    ],
  },
];

export const CONTRACT_TABLE_NAMES = CONTRACT_TABLES.map((t) => t.name);

export function contractTable(name: string): ContractTable {
  const t = CONTRACT_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown contract table ${name}`);
  return t;
}
