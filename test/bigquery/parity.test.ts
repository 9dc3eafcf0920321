import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { generateSample } from '../../src/sample/generate.ts';
import { BigQueryWarehouse } from '../../src/warehouse/bigquery/warehouse.ts';
import { bigQueryTarget } from './helpers.ts';
import { openWarehouse } from '../../src/warehouse/open.ts';
import type { Warehouse } from '../../src/warehouse/port.ts';
import { featureParams, FEATURE_QUERIES, loadQuery } from '../../src/warehouse/queries.ts';
import { CONTRACT_TABLE_NAMES } from '../../src/warehouse/tables.ts';
import { startBigQueryDouble, type BigQueryDouble } from '../doubles/bigquery/index.ts';

const AS_OF = '2026-01-15';
let dir: string;
let d: BigQueryDouble;
let bq: BigQueryWarehouse;
let local: Warehouse;

function columns(t: Table): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) out[f.name] = Array.from(t.getChild(f.name)!, (v) => (v === null ? null : typeof v === 'bigint' ? Number(v) : v));
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bq-parity-'));
  await generateSample({ outDir: dir, scale: 0.02, seed: 11, asOf: AS_OF });
  d = await startBigQueryDouble({ projectId: 'promo-parity' });
  d.engine.createDataset('promo-parity', 'scratch');
  for (const t of CONTRACT_TABLE_NAMES) await d.loadTable('features', t, `SELECT * FROM read_parquet('${join(dir, `${t}.parquet`)}')`);
  d.read.batchRows = 500;
  // rows reach the client in no particular order, as from BigQuery: the adapter restores the contract order
  d.read.shuffleSeed = 7;
  bq = new BigQueryWarehouse(bigQueryTarget('promo-parity', 'features'), {
    apiEndpoint: d.apiEndpoint,
    storageEndpoint: d.storageEndpoint,
    scratchDataset: 'scratch',
    maxStreams: 3,
    runId: 'parity',
  });
  local = await openWarehouse(`parquet:${dir}`);
}, 120_000);

afterAll(async () => {
  await bq?.close();
  await local?.close();
  await d?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the sql/ feature queries on the BigQuery double and on the embedded DuckDB warehouse', () => {
  it.each(FEATURE_QUERIES)('%s gives equal Arrow tables on both', async (name) => {
    for (const markets of [[], ['SE', 'DE']]) {
      const req = { name, sql: loadQuery(name), params: featureParams(AS_OF, { markets }), labels: { job: 'parity' } };
      const [a, b] = await Promise.all([bq.query(req), local.query(req)]);
      expect(a.table.numRows).toBeGreaterThan(0);
      expect(a.table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(b.table.schema.fields.map((f) => `${f.name}:${f.type}`));
      expect(a.table.numRows).toBe(b.table.numRows);
      expect(columns(a.table)).toEqual(columns(b.table));
    }
  });

  it('describes the same seven input tables with their row counts', async () => {
    const [a, b] = await Promise.all([bq.describeInputs(), local.describeInputs()]);
    expect(a.map((x) => x.table)).toEqual(CONTRACT_TABLE_NAMES);
    expect(a.map((x) => [x.table, x.rows])).toEqual(b.map((x) => [x.table, x.rows]));
    expect(new Set(a.map((x) => x.fingerprint)).size).toBe(7);
  });
});
