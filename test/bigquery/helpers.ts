import type { BigQueryTarget } from '../../src/config/uri.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery/index.ts';
import { BigQueryWarehouse, type BigQueryWarehouseOptions } from '../../src/warehouse/bigquery/warehouse.ts';

export const PROJECT = 'promo-test';
export const DATASET = 'features';
export const SCRATCH = 'promoscore_scratch';

/** A double with a small table `features.plays` (id 0..n-1) and the scratch dataset. */
export async function doubleWithPlays(n = 1000): Promise<BigQueryDouble> {
  const d = await startBigQueryDouble({ projectId: PROJECT });
  d.engine.createDataset(PROJECT, SCRATCH);
  await d.loadTable(
    DATASET,
    'plays',
    `SELECT i::BIGINT AS id, 'track_' || lpad((i % 97)::VARCHAR, 3, '0') AS track_id,
            CASE WHEN i % 3 = 0 THEN 'SE' WHEN i % 3 = 1 THEN 'DE' ELSE 'BR' END AS market,
            (i * 0.5)::DOUBLE AS score, (i % 2 = 0) AS even, DATE '2026-01-01' + (i % 30)::INTEGER AS day,
            CASE WHEN i % 10 = 0 THEN NULL ELSE i % 7 END::BIGINT AS maybe
     FROM range(${n}) t(i)`,
  );
  return d;
}

/** The parsed target of bigquery://PROJECT/DATASET, as config/uri.ts hands it to the adapter. */
export function bigQueryTarget(project: string, dataset: string): BigQueryTarget {
  return { kind: 'bigquery', uri: `bigquery://${project}/${dataset}`, project, dataset };
}

export function warehouseOn(d: BigQueryDouble, extra: BigQueryWarehouseOptions = {}): BigQueryWarehouse {
  return new BigQueryWarehouse(bigQueryTarget(PROJECT, DATASET), {
    apiEndpoint: d.apiEndpoint,
    storageEndpoint: d.storageEndpoint,
    scratchDataset: SCRATCH,
    jobName: 'nightly',
    runId: 'run-0001',
    location: 'US',
    maximumBytesBilled: 10_000_000_000,
    readRetryDelayMs: 5,
    maxRetries: 2,
    maxRetryDelaySeconds: 0.02,
    ...extra,
  });
}
