import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.ts';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/warehouse.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { BigQueryDouble } from '../doubles/bigquery/index.ts';
import { DATASET, doubleWithPlays, PROJECT, SCRATCH } from './helpers.ts';

let d: BigQueryDouble;
beforeAll(async () => {
  d = await doubleWithPlays(200);
});
afterAll(async () => {
  await d?.close();
});

describe('openWarehouse("bigquery://PROJECT/DATASET")', () => {
  it('opens the BigQuery adapter, reaching emulators named by BIGQUERY_EMULATOR_HOST and BIGQUERY_STORAGE_EMULATOR_HOST', async () => {
    const saved = { rest: process.env.BIGQUERY_EMULATOR_HOST, grpc: process.env.BIGQUERY_STORAGE_EMULATOR_HOST };
    process.env.BIGQUERY_EMULATOR_HOST = d.emulatorHost;
    process.env.BIGQUERY_STORAGE_EMULATOR_HOST = d.storageEndpoint;
    const w = await openWarehouse(`bigquery://${PROJECT}/${DATASET}`, { jobName: 'hourly', runId: 'r-42', scratchDataset: SCRATCH, maximumBytesBilled: 10 ** 9, labels: { team: 'promo' } });
    try {
      expect(w).toBeInstanceOf(BigQueryWarehouse);
      expect(w.uri).toBe(`bigquery://${PROJECT}/${DATASET}`);
      const r = await w.query({ name: 'count', sql: `SELECT COUNT(*) AS n FROM \`${PROJECT}.${DATASET}.plays\``, params: {}, labels: { as_of: '2026-01-31' } });
      expect(Number(r.table.get(0)!.toJSON().n)).toBe(200);
      expect(d.rest.insertedJobs().at(-1)!.configuration.labels).toMatchObject({ team: 'promo', job: 'hourly', run_id: 'r-42', as_of: '2026-01-31' });
    } finally {
      await w.close();
      for (const [k, v] of [['BIGQUERY_EMULATOR_HOST', saved.rest], ['BIGQUERY_STORAGE_EMULATOR_HOST', saved.grpc]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
  it('refuses a malformed BigQuery URI as a usage error', async () => {
    await expect(openWarehouse('bigquery://Bad_Project/x')).rejects.toBeInstanceOf(UsageError);
  });
});
